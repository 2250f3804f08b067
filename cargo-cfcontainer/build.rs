//! Records the host triple for `cargo cfcontainer inspect --target`.

fn main() {
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=CFC_HOST_TRIPLE={target}");
}
