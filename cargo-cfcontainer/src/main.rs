//! `cargo cfcontainer`: the binary only parses arguments and dispatches to
//! the library.

fn main() {
    std::process::exit(cargo_cfcontainer::cmd::main_with_args(std::env::args_os()));
}
