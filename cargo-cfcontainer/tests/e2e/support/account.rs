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

/// Runs the official CLI's `args` as CI runs it (no terminal, no
/// metrics), in a directory of its own whose wrangler.toml names Worker
/// `name`, against `emulator` (its log cleared first), with `extra`
/// variables on top; fails the test if it fails.
pub fn run_official(
    wrangler: &std::path::Path,
    emulator: &Emulator,
    name: &str,
    args: &[&str],
    extra: &[(&str, &str)],
) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wrangler.toml"), format!("name = \"{name}\"\n")).unwrap();
    emulator.clear_log();
    let out = std::process::Command::new(wrangler)
        .args(args)
        .current_dir(dir.path())
        .envs(api_env(emulator))
        .envs(extra.iter().copied())
        .env("CI", "1")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "wrangler {args:?}:\n{}\n{}", stdout(&out), stderr(&out));
    out
}

/// The account as the convergence tests compare a killed-then-rerun (or
/// answer-lost) run with a clean one, without ids and timestamps: each
/// Worker's versions and deployments (how many), its live content (etag),
/// migration tag, tags, bindings and modules; each namespace; each
/// application's name, class, image, size and rollouts (how many: one
/// made twice replaces the instances twice; a PATCH of the same settings
/// sent again changes nothing, so the application's version is left out).
pub fn converged(emulator: &Emulator) -> Value {
    let snapshot = emulator.snapshot();
    let namespaces = snapshot["namespaces"].as_array().unwrap();
    let class_of = |id: &Value| namespaces.iter().find(|n| n["id"] == *id).map(|n| n["class"].clone());
    let scripts: serde_json::Map<String, Value> = snapshot["scripts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, s)| {
            let shape = serde_json::json!({
                "versions": s["versions"], "deployments": s["deployments"], "etag": s["etag"],
                "migration_tag": s["migration_tag"], "tags": s["tags"], "bindings": s["bindings"],
                "modules": s["modules"], "containers": s["containers"], "workers_dev": s["workers_dev"],
            });
            (name.clone(), shape)
        })
        .collect();
    let namespaces: Vec<Value> =
        namespaces.iter().map(|n| serde_json::json!([n["script"], n["class"], n["use_sqlite"]])).collect();
    let applications: Vec<Value> = snapshot["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            serde_json::json!({
                "name": a["name"], "class": class_of(&a["durable_objects"]["namespace_id"]),
                "image": a["configuration"]["image"], "max_instances": a["max_instances"], "rollouts": a["rollouts"],
            })
        })
        .collect();
    serde_json::json!({ "scripts": scripts, "namespaces": namespaces, "applications": applications })
}

/// Where a test stops a run: right before its Nth API request is sent,
/// or right after the Nth answer arrived (the work done, the answer lost).
#[derive(Debug, Clone, Copy)]
pub enum Kill {
    /// Before the Nth request.
    Before(usize),
    /// After the Nth answer.
    After(usize),
}

impl Kill {
    /// Both kill points around each of `calls` calls.
    pub fn around_each(calls: usize) -> Vec<Kill> {
        (1..=calls).flat_map(|n| [Kill::Before(n), Kill::After(n)]).collect()
    }

    /// The test hook's variable and value.
    pub fn env(self) -> (&'static str, String) {
        match self {
            Kill::Before(n) => ("CFCONTAINER_TEST_KILL_BEFORE_API_CALL", n.to_string()),
            Kill::After(n) => ("CFCONTAINER_TEST_KILL_AFTER_API_CALLS", n.to_string()),
        }
    }

    /// Runs `verb` with `extra` variables until the hook stops it (exit
    /// code 137).
    pub fn run(self, emulator: &Emulator, manifest: &str, verb: &[&str], extra: &[(&'static str, &str)]) {
        let (name, value) = self.env();
        let mut env = extra.to_vec();
        env.push((name, &value));
        let (killed, _) = run_verb(emulator, manifest, verb, &env);
        assert_eq!(killed.status.code(), Some(137), "{verb:?} was not stopped at {self:?}:\n{}", stderr(&killed));
    }
}

/// The "done, then the answer lost" faults: the connection dropped after
/// the work, and a gateway's 502 after it.
pub fn answer_lost_faults() -> [cf_api_emulator::FaultKind; 2] {
    [cf_api_emulator::FaultKind::DropAfter, cf_api_emulator::FaultKind::StatusAfter { status: 502 }]
}
