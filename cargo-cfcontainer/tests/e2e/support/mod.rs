//! Shared test support: running the subcommand, generated fixture crates,
//! and the CFCONTAINER_E2E rule (a missing prerequisite fails under CI
//! instead of skipping).

#![allow(dead_code)]

pub mod account;
pub mod cloud;
pub mod front;
pub mod js_library;
pub mod parity;
mod skips;
pub mod stack;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// True if the test may run. A missing prerequisite skips the test
/// locally and fails it when `CFCONTAINER_E2E=1` (as `.ci/run` sets).
pub fn prerequisite(ok: bool, what: &str) -> bool {
    if ok {
        return true;
    }
    if std::env::var("CFCONTAINER_E2E").as_deref() == Ok("1") {
        panic!("CFCONTAINER_E2E=1 but {what} is missing; run scripts/setup.sh");
    }
    eprintln!("skipped: {what} is missing (run scripts/setup.sh, or set CFCONTAINER_E2E=1 to make this a failure)");
    skips::record(what);
    false
}

/// True if rustc can build for wasm32-unknown-unknown (as the tool checks it).
pub fn has_wasm_target() -> bool {
    cargo_cfcontainer::compile::has_target(cargo_cfcontainer::compile::WASM_TARGET)
}

/// Runs `cargo cfcontainer <args>` in `dir`.
pub fn cfcontainer(dir: &Path, args: &[&str]) -> Output {
    cfcontainer_with_env(dir, args, &[])
}

/// Runs `cargo cfcontainer <args>` in `dir` with extra env vars.
pub fn cfcontainer_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-cfcontainer"));
    cmd.arg("cfcontainer").args(args).current_dir(dir).env_remove("CLOUDFLARE_ACCOUNT_ID");
    // Fixtures share one target directory so dependencies build once.
    cmd.env("CARGO_TARGET_DIR", root().join("target/fixtures"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cargo-cfcontainer")
}

/// stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A name no other test or run uses: `<prefix>-<pid>-<nanos>`.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// A throwaway worker crate depending on this workspace's runtime.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    /// A crate called `name` with `lib_rs` as its library and `extra`
    /// appended to its Cargo.toml.
    pub fn new(name: &str, lib_rs: &str, extra: &str) -> Fixture {
        let dir = tempfile::Builder::new().prefix("cfc-fixture-").tempdir().unwrap();
        let runtime = root().join("runtime");
        let manifest = format!(
            r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"

[workspace]

[lib]
crate-type = ["cdylib"]

[dependencies]
cfcontainer = {{ path = "{}" }}
worker = "0.8.7"
{extra}
"#,
            runtime.display()
        );
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        // The workspace's lock pins the same versions, so nothing resolves anew.
        std::fs::copy(root().join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\nEXPOSE 8080\n").unwrap();
        let fixture = Fixture { dir };
        fixture.write_lib(lib_rs);
        fixture
    }

    /// The crate's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Its Cargo.toml, as a string for --manifest-path.
    pub fn manifest(&self) -> String {
        self.path().join("Cargo.toml").display().to_string()
    }

    /// Replaces src/lib.rs.
    pub fn write_lib(&self, lib_rs: &str) {
        std::fs::write(self.path().join("src/lib.rs"), lib_rs).unwrap();
    }
}
