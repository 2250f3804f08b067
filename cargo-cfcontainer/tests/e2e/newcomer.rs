//! A newcomer's first hour (issue 36): `new` makes a crate that `dev`
//! runs and `deploy` deploys as it is, and each mistake a new user makes
//! gets one line that names its cause and the way out, before anything
//! is built or written where no build is needed to know.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use cf_api_emulator::{Config, Emulator, Registry};
use serde_json::Value;

use crate::support::account::{run_verb, start, WEB};
use crate::support::cloud::{emulator, registry};
use crate::support::*;

/// Runs `cargo cfcontainer new <args>` in `dir`, then points the crate at
/// this checkout's runtime (as crates.io will serve it) with the
/// workspace's locked versions; the crate's directory.
fn new_crate(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let mut all = vec!["new", name];
    all.extend(args);
    let out = cfcontainer(dir, &all);
    assert!(out.status.success(), "new failed: {}", stderr(&out));
    let app = dir.join(name);
    let manifest = std::fs::read_to_string(app.join("Cargo.toml")).unwrap();
    let patch = format!("\n[patch.crates-io]\ncfcontainer = {{ path = \"{}\" }}\n", root().join("runtime").display());
    std::fs::write(app.join("Cargo.toml"), manifest + &patch).unwrap();
    std::fs::copy(root().join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    app
}

/// The one error line on stderr (there must be exactly one), and the exit code.
fn error_line(out: &std::process::Output) -> (String, Option<i32>) {
    let text = stderr(out);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "one error line: {text}");
    (errors[0].to_string(), out.status.code())
}

/// The wasm artifact a release build of `package` would leave in the
/// fixtures' target directory: absent when nothing was built.
fn release_artifact(package: &str) -> PathBuf {
    root().join("target/fixtures/wasm32-unknown-unknown/release").join(format!("{}.wasm", package.replace('-', "_")))
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The engine's image references that start with `prefix`.
fn images_tagged(prefix: &str) -> Vec<String> {
    let out = Command::new("docker").args(["images", "--format", "{{.Repository}}:{{.Tag}}"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.starts_with(prefix)).map(str::to_string).collect()
}

/// `cargo cfcontainer dev` in a crate, with its JSON events and what it
/// (and the workerd it runs) writes on stderr.
struct Dev {
    child: std::process::Child,
    events: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Dev {
    fn start(app: &Path) -> Dev {
        let port = closed_port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-cfcontainer"))
            .args(["cfcontainer", "dev", "--port", &port.to_string(), "--message-format", "json"])
            .current_dir(app)
            .env("CARGO_TARGET_DIR", root().join("target/fixtures"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (lines, events) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let (kept, from) = (Arc::clone(&stderr), child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in BufReader::new(from).lines().map_while(Result::ok) {
                eprintln!("{line}");
                kept.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Dev { child, events, stderr }
    }

    /// What dev wrote on stderr so far, once it has had `settle` to write it.
    fn stderr_after(&self, settle: Duration) -> String {
        std::thread::sleep(settle);
        self.stderr.lock().unwrap().clone()
    }

    /// The URL, once dev says it listens with workerd behind it.
    fn url(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(900);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.events.recv_timeout(left).expect("dev never became ready");
            let event: Value = serde_json::from_str(&line).unwrap();
            assert_ne!(event["reason"], "error", "dev failed: {event}");
            if event["reason"] == "dev-ready" {
                return event["url"].as_str().unwrap().trim_end_matches('/').to_string();
            }
        }
    }
}

impl Drop for Dev {
    /// SIGINT: dev stops workerd and removes its containers.
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn get(url: &str) -> String {
    match ureq::get(url).timeout(Duration::from_secs(60)).call() {
        Ok(answer) => answer.into_string().unwrap(),
        Err(e) => panic!("GET {url}: {e}"),
    }
}

#[test]
fn a_crate_made_by_new_answers_from_its_container_in_dev_and_deploys_to_the_account() {
    let Some(emulator) = start() else { return };
    let dir = tempfile::Builder::new().prefix("cfc-new-").tempdir().unwrap();
    let name = unique("first-app");
    let app = new_crate(dir.path(), &name, &[]);
    {
        let dev = Dev::start(&app);
        let url = dev.url();
        let expected = "Hello from the container (you asked for /container/alice/)\n";
        assert_eq!(get(&format!("{url}/container/alice/")), expected);
        // Without the slash the Worker redirects to the path the container serves.
        assert_eq!(get(&format!("{url}/container/alice")), expected);
        assert_eq!(get(&format!("{url}/")), "This is the Worker. Ask a container at /container/<name>/\n");
    }
    let manifest = app.join("Cargo.toml").display().to_string();
    let (out, deployed) = run_verb(&emulator, &manifest, &["deploy"], &[]);
    assert!(out.status.success(), "deploy failed: {}", stderr(&out));
    assert_eq!(deployed.unwrap()["worker"], name.as_str());
    let snapshot = emulator.snapshot();
    let applications: Vec<&str> =
        snapshot["applications"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(applications, [format!("{name}-server")]);

    // `instances` without a class lists the classes to ask about.
    let (out, listed) = run_verb(&emulator, &manifest, &["instances"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = serde_json::json!([{ "class": "Server", "application": format!("{name}-server") }]);
    assert_eq!(listed.unwrap()["classes"], expected);

    // A rollback with only the live version: nothing to roll back to.
    let writes = emulator.write_calls().len();
    let (out, _) = run_verb(&emulator, &manifest, &["rollback", "--yes"], &[]);
    let (line, code) = error_line(&out);
    assert_eq!(code, Some(1));
    let live = emulator.snapshot()["scripts"][&name]["version_id"].as_str().unwrap().to_string();
    assert_eq!(
        line,
        format!("error: worker `{name}` has only one version, the live {live}, so there is nothing to roll back to; a later deploy makes this one a version to come back to")
    );
    assert_eq!(emulator.write_calls().len(), writes, "the refused rollback wrote nothing");
}

#[test]
fn new_with_a_job_makes_a_crate_whose_job_runs_in_dev() {
    if !crate::support::stack::available() {
        return;
    }
    let dir = tempfile::Builder::new().prefix("cfc-new-").tempdir().unwrap();
    let name = unique("first-job");
    let app = new_crate(dir.path(), &name, &["--container", "job"]);
    let dev = Dev::start(&app);
    let url = dev.url();
    assert_eq!(get(&format!("{url}/run/nightly")), "job nightly done\n");
    // A clean exit is read without a JS error logged with its stack.
    let stderr = dev.stderr_after(Duration::from_secs(1));
    assert!(stderr.contains("Job stopped with exit code 0"), "{stderr}");
    assert!(!stderr.contains("threw an error"), "{stderr}");
}

#[test]
fn new_with_a_rust_container_makes_a_workspace_whose_server_answers_in_dev_with_no_dockerfile() {
    if !crate::support::stack::available() {
        return;
    }
    let dir = tempfile::Builder::new().prefix("cfc-new-").tempdir().unwrap();
    let name = unique("first-rust");
    let app = new_crate(dir.path(), &name, &["--container", "rust"]);
    assert!(!app.join("worker/container").exists() && !app.join("server/Dockerfile").exists(), "no Dockerfile");
    // Run from the workspace's root: the Worker crate is found in it.
    let dev = Dev::start(&app);
    let url = dev.url();
    let expected = "Hello from the Rust server (you asked for /container/alice/hello)\n";
    assert_eq!(get(&format!("{url}/container/alice/hello")), expected);
    assert_eq!(get(&format!("{url}/")), "This is the Worker. Ask a container at /container/<name>\n");
}

#[test]
fn new_refuses_what_cargo_new_refuses_in_one_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = cfcontainer(dir.path(), &["new", "app", "--name", "1st"]);
    assert_eq!(
        error_line(&out),
        (
            "error: the name `1st` cannot be used as a package name: it starts with a digit; pick another with --name <name>"
                .to_string(),
            Some(1)
        )
    );
    assert!(!dir.path().join("app").exists(), "nothing written");
    assert!(cfcontainer(dir.path(), &["new", "app"]).status.success());
    let lib = std::fs::read_to_string(dir.path().join("app/src/lib.rs")).unwrap();
    std::fs::write(dir.path().join("app/src/lib.rs"), "// mine\n").unwrap();
    let out = cfcontainer(dir.path(), &["new", "app"]);
    let app = dir.path().join("app");
    let expected = "error: destination app already exists; make the crate in it with `cargo cfcontainer init app`, or pick another path".to_string();
    assert_eq!(error_line(&out), (expected, Some(1)));
    let out = cfcontainer(&app, &["init"]);
    let expected = "error: ./Cargo.toml is a Cargo package already, so `cargo cfcontainer init` leaves it alone; make a new crate with `cargo cfcontainer new <name>`".to_string();
    assert_eq!(error_line(&out), (expected, Some(1)));
    assert_eq!(std::fs::read_to_string(app.join("src/lib.rs")).unwrap(), "// mine\n", "nothing overwritten");
    assert!(lib.contains("#[container("), "{lib}");
}

#[test]
fn a_verb_run_in_the_crates_src_finds_the_crate_above_as_cargo_does() {
    if !has_wasm_target() {
        return;
    }
    let fixture = Fixture::new(&unique("insrc"), WEB, "");
    let out = cfcontainer(&fixture.path().join("src"), &["inspect", "--message-format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result: Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(result["containers"][0]["class"], "Web");
    // With no Cargo.toml here or above, the line says how to start.
    let empty = tempfile::tempdir().unwrap();
    let (line, code) = error_line(&cfcontainer(empty.path(), &["inspect"]));
    assert_eq!(code, Some(1));
    assert_eq!(line, format!("error: could not find Cargo.toml in {} or any parent directory; run this in a worker crate, pass --manifest-path, or create one with `cargo cfcontainer new <name>`", empty.path().display()));
}

#[test]
fn a_misspelled_wrangler_key_is_a_warning_with_the_key_it_resembles_in_every_verb_that_reads_the_file() {
    let Some(emulator) = start() else { return };
    // `plan` builds the Worker: no wasm-opt, which nothing here can download.
    let fixture =
        Fixture::new(&unique("typo"), WEB, "\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n");
    let file = fixture.path().join("wrangler.toml");
    std::fs::write(&file, "compatibility_date = \"2026-11-17\"\ncompatability_flags = [\"nodejs_compat\"]\n").unwrap();
    let warning = format!(
        "warning: {}: unknown key `compatability_flags`, which is ignored (as the official CLI ignores it); did you mean `compatibility_flags`?",
        file.display()
    );
    // With `--message-format json` the warning is a JSON line on stdout.
    let event = serde_json::json!({ "reason": "warning", "message": warning.trim_start_matches("warning: ") });
    for verb in ["inspect", "wrangler", "plan"] {
        let (out, _) = run_verb(&emulator, &fixture.manifest(), &[verb], &[]);
        assert!(out.status.success(), "{verb}: {}", stderr(&out));
        let events: Vec<Value> = stdout(&out).lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        assert_eq!(events.iter().filter(|e| **e == event).count(), 1, "{verb}: {}", stdout(&out));
        let text = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!text.contains("is not applied"), "a typo is no missing feature: {text}");
    }
    // As text it is one line on stderr.
    let out = cfcontainer(fixture.path(), &["inspect"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().filter(|l| **l == *warning).count(), 1, "{}", stderr(&out));
    assert!(emulator.write_calls().is_empty(), "plan wrote nothing");
}

#[test]
fn an_invalid_token_and_a_token_without_a_permission_get_different_lines_before_any_build() {
    let Some(emulator) = emulator() else { return };
    let name = unique("badtoken");
    let fixture = Fixture::new(&name, WEB, "");
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["plan"], &[("CLOUDFLARE_API_TOKEN", "revoked-token")]);
    assert_eq!(
        error_line(&out),
        ("error: the Cloudflare API refused CLOUDFLARE_API_TOKEN on GET /workers/scripts (HTTP 403, code 9109: Invalid access token): the token is mistyped, revoked or expired; create a new API token (Workers Scripts Edit, Containers Edit) and export it".to_string(), Some(1))
    );
    let read_only = emulator_read_token();
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[("CLOUDFLARE_API_TOKEN", &read_only)]);
    let host = std::env::var("CFC_REGISTRY").unwrap();
    assert_eq!(
        error_line(&out),
        (format!("error: Cloudflare API POST /containers/registries/{host}/credentials failed: HTTP 403, code 10000: Authentication error; the token needs the Containers Edit permission for this call (and CLOUDFLARE_ACCOUNT_ID must be its account): give CLOUDFLARE_API_TOKEN that permission"), Some(1))
    );
    assert!(!release_artifact(&name).exists(), "nothing was built");
    assert!(emulator.write_calls().is_empty());
}

/// The emulator's token that may only read Workers scripts.
fn emulator_read_token() -> String {
    Config::for_tests().read_token
}

#[test]
fn an_unreachable_api_is_said_before_the_build() {
    let name = unique("noapi");
    let fixture = Fixture::new(&name, WEB, "");
    let base = format!("http://127.0.0.1:{}/client/v4", closed_port());
    let env =
        [("CLOUDFLARE_API_BASE_URL", base.as_str()), ("CLOUDFLARE_API_TOKEN", "t"), ("CLOUDFLARE_ACCOUNT_ID", "a")];
    let out = cfcontainer_with_env(fixture.path(), &["plan"], &env);
    let (line, code) = error_line(&out);
    assert_eq!(code, Some(1));
    let prefix = format!("error: cannot reach the Cloudflare API at {base} for GET /workers/scripts: ");
    assert!(line.starts_with(&prefix) && line.ends_with("; check the network or CLOUDFLARE_API_BASE_URL"), "{line}");
    assert!(!release_artifact(&name).exists(), "nothing was built");
}

#[test]
fn a_malformed_registry_host_is_named_as_the_variable_that_holds_it_before_any_call() {
    let Some(emulator) = emulator() else { return };
    let name = unique("badhost");
    let fixture = Fixture::new(&name, WEB, "");
    for verb in ["push", "plan", "deploy"] {
        let (out, _) =
            run_verb(&emulator, &fixture.manifest(), &[verb], &[("CLOUDFLARE_CONTAINER_REGISTRY", "not a host!")]);
        assert_eq!(
            error_line(&out),
            ("error: CLOUDFLARE_CONTAINER_REGISTRY is `not a host!`, which is not a registry host (a name with a dot, localhost or an address, with an optional port: registry.cloudflare.com, 127.0.0.1:5055); fix it, or unset it to use Cloudflare's registry".to_string(), Some(1)),
            "{verb}"
        );
    }
    assert!(emulator.log().is_empty(), "no call: {:?}", emulator.log());
    assert!(!release_artifact(&name).exists(), "nothing was built");
}

#[test]
fn a_registry_the_account_does_not_have_stops_push_before_the_build_and_tags_nothing() {
    let Some(emulator) = emulator() else { return };
    if !prerequisite(crate::support::stack::docker_available(), "the Docker engine socket") {
        return;
    }
    let name = unique("noregistry");
    let fixture = Fixture::new(&name, WEB, "");
    let host = format!("127.0.0.1:{}", closed_port());
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["push"], &[("CLOUDFLARE_CONTAINER_REGISTRY", &host)]);
    assert_eq!(
        error_line(&out),
        (format!("error: account {} has no container registry {host} (CLOUDFLARE_CONTAINER_REGISTRY); unset CLOUDFLARE_CONTAINER_REGISTRY to push to Cloudflare's registry, or name a registry the account has", emulator.account_id()), Some(1))
    );
    assert!(!release_artifact(&name).exists() && images_tagged(&host).is_empty(), "nothing built or tagged");
}

#[test]
fn a_push_the_registry_cannot_take_leaves_no_image_tagged_for_it() {
    if !crate::support::stack::available() {
        return;
    }
    let Some(real) = registry() else { return };
    // The account issues credentials for a registry that is down.
    let down = Registry { host: format!("127.0.0.1:{}", closed_port()), ..real };
    let emulator = Emulator::start(Config { registry: Some(down.clone()), ..Config::for_tests() });
    let fixture = Fixture::new(&unique("downregistry"), WEB, "");
    std::fs::write(fixture.path().join("note.txt"), fixture.manifest()).unwrap();
    std::fs::write(fixture.path().join("Dockerfile"), "FROM scratch\nCOPY note.txt /note.txt\n").unwrap();
    let env = [("CLOUDFLARE_CONTAINER_REGISTRY", down.host.as_str())];
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["push"], &env);
    let (line, code) = error_line(&out);
    assert_eq!(code, Some(1));
    assert!(line.starts_with(&format!("error: pushing to {}/", down.host)), "{line}");
    assert!(line.ends_with("; check the registry is reachable from the Docker engine and rerun"), "{line}");
    assert_eq!(images_tagged(&down.host), [] as [String; 0], "the failed push took its tag away");
}

#[test]
fn dev_on_a_port_in_use_names_the_process_that_holds_it_and_the_way_out() {
    let fixture = Fixture::new(&unique("portinuse"), WEB, "");
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port();
    let started = Instant::now();
    let out = cfcontainer(fixture.path(), &["dev", "--port", &port.to_string()]);
    let me = std::fs::read_to_string("/proc/self/comm").unwrap_or_default();
    let expected = format!(
        "error: cannot listen on 127.0.0.1:{port}: it is already in use by process {} ({}); stop that or pick another port with --port",
        std::process::id(),
        me.trim()
    );
    assert_eq!(error_line(&out), (expected, Some(1)));
    assert!(started.elapsed() < Duration::from_secs(10), "said before anything else: {:?}", started.elapsed());
}

/// A wrangler file binding one resource the account does not hold, and
/// the error line's middle for it (the account's list of that kind, as
/// `Config::for_tests` holds it).
const NOT_HELD: &[(&str, &str)] = &[
    (
        "kv_namespaces = [{ binding = \"CACHE\", id = \"ffff\" }]",
        "kv_namespaces `CACHE` names KV namespace `ffff`, which account {account} does not have (it has: 0f2a (cache), 9a1f (staging-cache), 0f2ac74b498b48028cb68387c421e279 (cache-production), 6d1b1f6d0e2a4c4c9f4e6f3a2b1c0d9e (notes-latest)); fix the id, or create the namespace (`wrangler kv namespace create <name>`)",
    ),
    (
        "r2_buckets = [{ binding = \"FILES\", bucket_name = \"nope\" }]",
        "r2_buckets `FILES` names R2 bucket `nope`, which account {account} does not have (it has: assets, logs); fix the name, or create the bucket (`wrangler r2 bucket create <name>`)",
    ),
    (
        "d1_databases = [{ binding = \"DB\", database_id = \"0000\" }]",
        "d1_databases `DB` names D1 database `0000`, which account {account} does not have (it has: 6f1c5b6e-1d2a-4d5e-9c1b-2f3e4a5b6c7d (app), 5f0c6a8e-2b4d-4c1e-9a7f-3d2e1b0c9a8f (notes)); fix the id, or create the database (`wrangler d1 create <name>`)",
    ),
    (
        "queues = { producers = [{ binding = \"JOBS\", queue = \"nope\" }] }",
        "queues `JOBS` names queue `nope`, which account {account} does not have (it has: jobs, jobs-dlq); fix the name, or create the queue (`wrangler queues create <name>`)",
    ),
    (
        "vectorize = [{ binding = \"SEARCH\", index_name = \"nope\" }]",
        "vectorize `SEARCH` names Vectorize index `nope`, which account {account} does not have (it has: docs); fix the name, or create the index (`wrangler vectorize create <name>`)",
    ),
    (
        "hyperdrive = [{ binding = \"PG\", id = \"0000\" }]",
        "hyperdrive `PG` names Hyperdrive config `0000`, which account {account} does not have (it has: a76a99bc342644deb02c38d66082262a (pg)); fix the id, or create the config (`wrangler hyperdrive create <name>`)",
    ),
    (
        "services = [{ binding = \"AUTH\", service = \"nope\" }]",
        "services `AUTH` names Worker `nope`, which account {account} does not have (it has none); fix the name, or deploy that Worker first",
    ),
    (
        "routes = [\"app.example.org/*\"]",
        "route `app.example.org/*` needs its zone (app.example.org or example.org), which account {account} does not have (it has: example.com); add the zone to the account, or give the route its `zone_id`",
    ),
];

#[test]
fn a_binding_to_a_resource_the_account_does_not_hold_fails_before_the_build_and_lists_what_it_has() {
    let Some(emulator) = emulator() else { return };
    let name = unique("notheld");
    let fixture = Fixture::new(&name, WEB, "");
    let file = fixture.path().join("wrangler.toml");
    for (binding, middle) in NOT_HELD {
        std::fs::write(&file, format!("{binding}\n")).unwrap();
        for verb in ["plan", "deploy"] {
            let (out, _) = run_verb(&emulator, &fixture.manifest(), &[verb], &[]);
            let middle = middle.replace("{account}", emulator.account_id());
            assert_eq!(error_line(&out), (format!("error: {}: {middle}", file.display()), Some(1)), "{verb}");
        }
    }
    assert!(emulator.write_calls().is_empty(), "nothing written: {:?}", emulator.write_calls());
    assert!(!release_artifact(&name).exists(), "nothing was built");
}

#[test]
fn a_crate_that_is_no_worker_is_one_line_before_any_build() {
    let name = unique("nocdylib");
    let fixture = Fixture::new(&name, WEB, "");
    let manifest = std::fs::read_to_string(fixture.path().join("Cargo.toml")).unwrap();
    std::fs::write(fixture.path().join("Cargo.toml"), manifest.replace("[\"cdylib\"]", "[\"lib\"]")).unwrap();
    let out = cfcontainer(fixture.path(), &["inspect", "--message-format", "json"]);
    let expected = format!(
        "package `{name}` builds no cdylib, which a Worker is; add `[lib] crate-type = [\"cdylib\"]` to {}",
        fixture.manifest()
    );
    assert_eq!(error_line(&out), (format!("error: {expected}"), Some(1)));
    let json: Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(json, serde_json::json!({ "message": expected, "reason": "error" }));

    let plain = format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n\n[lib]\ncrate-type = [\"cdylib\"]\n");
    std::fs::write(fixture.path().join("Cargo.toml"), plain).unwrap();
    std::fs::write(fixture.path().join("src/lib.rs"), "").unwrap();
    assert_eq!(
        error_line(&cfcontainer(fixture.path(), &["inspect"])),
        (format!("error: package `{name}` does not depend on workers-rs (`worker`) or `cfcontainer`, so it is no Worker crate; add them to its [dependencies] (`cargo cfcontainer new` writes a crate that has them), or pick the worker with -p <name>"), Some(1))
    );
}

#[test]
fn the_first_compiler_error_is_the_json_message() {
    if !has_wasm_target() {
        return;
    }
    let name = unique("broken");
    let fixture = Fixture::new(&name, "pub fn f() -> u32 { nope }\n", "");
    let out = cfcontainer(fixture.path(), &["inspect", "--message-format", "json"]);
    let expected = format!("building `{name}` for wasm32-unknown-unknown failed: error[E0425]: cannot find value `nope` in this scope at src/lib.rs:1:21; fix it and rerun (cargo's whole output is above)");
    // cargo's own output comes first, as cargo wrote it; ours is the last line.
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().last(), Some(format!("error: {expected}").as_str()), "{}", stderr(&out));
    let json: Value = serde_json::from_str(stdout(&out).lines().last().unwrap()).unwrap();
    assert_eq!(json, serde_json::json!({ "message": expected, "reason": "error" }));
}

#[test]
fn a_crate_without_containers_says_so_in_one_line() {
    if !has_wasm_target() || !crate::support::stack::docker_available() {
        return;
    }
    let name = unique("nocontainers");
    let fixture = Fixture::new(&name, "", "");
    let hint = format!("crate `{name}` declares no containers, so there is");
    let add = "; add a `#[container(...)]` struct (see `cargo cfcontainer new` for a crate with one)";
    let out = cfcontainer(fixture.path(), &["inspect"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("worker {name} (compatibility date 2026-11-17), 0 containers\n{hint} nothing to build, run or deploy{add}\n"));
    let out = cfcontainer(fixture.path(), &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{hint} no image to build{add}\n"));
}

#[test]
fn argument_errors_are_one_line_and_a_json_message_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = cfcontainer(dir.path(), &["dev", "--prot", "8080"]);
    let expected = "unexpected argument '--prot' found; tip: a similar argument exists: '--port'; `cargo cfcontainer dev --help` lists the options";
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), format!("error: {expected}\n"));
    let out = cfcontainer(dir.path(), &["--message-format", "json", "dev", "--prot", "8080"]);
    assert_eq!(out.status.code(), Some(2));
    let json: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(json, serde_json::json!({ "message": expected, "reason": "error" }));
}
