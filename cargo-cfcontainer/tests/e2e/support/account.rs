//! The account side shared by the deploy and day-2 tests: the emulator
//! when everything a deploy needs is here, running a verb against it, and
//! worker crates with container classes.

use cf_api_emulator::Emulator;
use serde_json::Value;

use super::cloud::{api_env, emulator, with_env};
use super::*;

/// The emulator, when the engine, workerd tooling and registry are here.
pub fn start() -> Option<Emulator> {
    if !crate::support::stack::available() {
        return None;
    }
    emulator()
}

/// One container class `Web` on 8080.
pub const WEB: &str = "#[cfcontainer::container(class = \"Web\", port = 8080)]\npub struct Web;";

/// Runs a verb with `--message-format json` and returns its exit status,
/// result message (if any) and stderr.
pub fn run_verb(
    emulator: &Emulator,
    manifest: &str,
    verb: &[&str],
    extra: &[(&'static str, &str)],
) -> (std::process::Output, Option<Value>) {
    let env = api_env(emulator);
    let mut args = verb.to_vec();
    args.extend(["--manifest-path", manifest, "--message-format", "json"]);
    let dir = std::path::Path::new(manifest).parent().unwrap().to_path_buf();
    let out = cfcontainer_with_env(&dir, &args, &with_env(&env, extra));
    let reason = format!(r#""reason":"{}""#, verb[0]);
    let result = stdout(&out).lines().find(|l| l.contains(&reason)).map(|l| serde_json::from_str(l).unwrap());
    (out, result)
}

pub fn ok_verb(emulator: &Emulator, manifest: &str, verb: &[&str], extra: &[(&'static str, &str)]) -> Value {
    let (out, result) = run_verb(emulator, manifest, verb, extra);
    assert!(out.status.success(), "{verb:?} failed:\n{}\n{}", stdout(&out), stderr(&out));
    result.expect("a result message")
}

/// A worker crate with container classes given as Rust source.
pub fn worker_fixture(name: &str, containers: &str) -> Fixture {
    let fixture = Fixture::new(name, "", "\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n");
    std::fs::write(fixture.path().join("Dockerfile"), "FROM scratch\nCOPY note.txt /note.txt\nEXPOSE 8080 9090\n")
        .unwrap();
    std::fs::write(fixture.path().join("note.txt"), format!("{name}\n")).unwrap();
    set_classes(&fixture, containers);
    fixture
}

pub fn set_classes(fixture: &Fixture, containers: &str) {
    fixture.write_lib(&format!(
        "use worker::*;\n{containers}\n#[event(fetch)]\nasync fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {{ Response::ok(\"ok\") }}\n"
    ));
}

/// The official CLI (`WRANGLER_BIN`), or `None` (skip).
pub fn wrangler_bin() -> Option<std::path::PathBuf> {
    let bin = std::env::var("WRANGLER_BIN").map(std::path::PathBuf::from).ok().filter(|p| p.is_file());
    prerequisite(bin.is_some(), "the official CLI (WRANGLER_BIN, installed by scripts/setup.sh)").then(|| bin.unwrap())
}
