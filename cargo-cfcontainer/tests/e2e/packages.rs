//! The five crates as a user gets them from the registry: packaged with
//! `cargo package`, unpacked outside the repository, the CLI installed
//! from its package with `cargo install --path`, and a worker crate that
//! depends on `cfcontainer` by version (the unpacked sources patched in
//! for the registry) running under `dev` and deployed with that binary.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::account::start;
use crate::support::cloud::api_env;
use crate::support::*;

/// The published crates, by package name.
const CRATES: [&str; 5] =
    ["cfcontainer-meta", "cfcontainer-macros", "cfcontainer-protocol", "cfcontainer", "cargo-cfcontainer"];

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{what} failed:\n{}\n{}", stdout(&out), stderr(&out));
}

/// Packs the five crates and unpacks each into `into`; their directories.
fn unpacked(into: &Path) -> Vec<PathBuf> {
    // Packed without verifying (scripts/test.sh verifies them; here only
    // what is inside counts), into a target directory of their own.
    let target = root().join("target/packages");
    let mut package = cargo();
    package.current_dir(root()).env("CARGO_TARGET_DIR", &target).args(["package", "--no-verify", "--allow-dirty"]);
    for name in CRATES {
        package.args(["-p", name]);
    }
    run(&mut package, "cargo package");
    let version = env!("CARGO_PKG_VERSION");
    CRATES
        .iter()
        .map(|name| {
            let file = target.join("package").join(format!("{name}-{version}.crate"));
            run(Command::new("tar").arg("xzf").arg(&file).arg("-C").arg(into), "unpacking a .crate");
            into.join(format!("{name}-{version}"))
        })
        .collect()
}

/// A copy of examples/hello that asks for `cfcontainer` by version only.
fn app_by_version(dir: &Path) -> PathBuf {
    let app = dir.join("app");
    let hello = root().join("examples/hello");
    for part in [".dockerignore", "src/lib.rs", "Dockerfile", "container/www/cgi-bin/index.cgi", "container/busybox"] {
        std::fs::create_dir_all(app.join(part).parent().unwrap()).unwrap();
        std::fs::copy(hello.join(part), app.join(part)).unwrap();
    }
    let manifest = std::fs::read_to_string(hello.join("Cargo.toml"))
        .unwrap()
        .replace("name = \"hello\"", "name = \"from-packages\"")
        .replace("cfcontainer = { workspace = true }", &format!("cfcontainer = \"{}\"", env!("CARGO_PKG_VERSION")))
        .replace("worker = { workspace = true }", "worker = \"0.8.7\"")
        + "\n[workspace]\n";
    std::fs::write(app.join("Cargo.toml"), manifest).unwrap();
    // The repository's lock pins what the packages were tested with.
    std::fs::copy(root().join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    app
}

#[test]
fn the_crates_build_install_and_run_from_their_packages_alone() {
    if !crate::support::stack::available() {
        return;
    }
    let Some(emulator) = start() else { return };
    let dir = tempfile::Builder::new().prefix("cfc-packages-").tempdir().unwrap();
    let sources = dir.path().join("sources");
    std::fs::create_dir_all(&sources).unwrap();
    let crates = unpacked(&sources);
    for krate in &crates {
        assert!(!krate.join("tests/e2e").exists(), "the CLI's package leaves its repository tests out");
        assert!(krate.join("README.md").is_file(), "{} has a README for its registry page", krate.display());
    }
    // `[patch]` stands in for the registry: the unpacked sources, nothing
    // of the repository.
    let patches: Vec<String> = CRATES
        .iter()
        .zip(&crates)
        .map(|(name, path)| format!("{name} = {{ path = \"{}\" }}", path.display()))
        .collect();
    std::fs::create_dir_all(dir.path().join(".cargo")).unwrap();
    std::fs::write(dir.path().join(".cargo/config.toml"), format!("[patch.crates-io]\n{}\n", patches.join("\n")))
        .unwrap();

    let installed = dir.path().join("installed");
    let started = Instant::now();
    run(
        cargo()
            .current_dir(dir.path())
            .env("CARGO_TARGET_DIR", root().join("target/from-packages"))
            .args(["install", "--debug", "--quiet", "--path"])
            .arg(&crates[CRATES.iter().position(|c| *c == "cargo-cfcontainer").unwrap()])
            .arg("--root")
            .arg(&installed),
        "cargo install --path <the CLI's package>",
    );
    eprintln!("installed cargo-cfcontainer from its package in {:.0?}", started.elapsed());
    let tool = installed.join("bin/cargo-cfcontainer");
    let app = app_by_version(dir.path());

    // `dev`: one answer from the container.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut dev = Command::new(&tool)
        .args(["cfcontainer", "dev", "--port", &port.to_string(), "--message-format", "json"])
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", root().join("target/fixtures"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let lines = BufReader::new(dev.stdout.take().unwrap());
    let ready = lines
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("\"reason\":\"dev-ready\"") || l.contains("\"reason\":\"error\""));
    let ready: serde_json::Value = serde_json::from_str(&ready.expect("dev printed nothing")).unwrap();
    assert_eq!(ready["reason"], "dev-ready", "{ready}");
    let url = ready["url"].as_str().unwrap().to_string();
    let answer = ureq::get(&url).timeout(Duration::from_secs(60)).call().map(|r| r.into_string().unwrap());
    Command::new("kill").args(["-INT", &dev.id().to_string()]).status().unwrap();
    assert!(dev.wait().unwrap().success(), "dev stops cleanly");
    assert_eq!(answer.unwrap().trim(), "I was passed in via the container class!");

    // `deploy` against the emulator.
    let deployed = Command::new(&tool)
        .args(["cfcontainer", "deploy", "--message-format", "json"])
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", root().join("target/fixtures"))
        .envs(api_env(&emulator))
        .output()
        .unwrap();
    assert!(deployed.status.success(), "{}", stderr(&deployed));
    let snapshot = emulator.snapshot();
    assert!(snapshot["scripts"].get("from-packages").is_some(), "{snapshot}");
    assert_eq!(snapshot["applications"][0]["name"], "from-packages-mycontainer", "{snapshot}");
}
