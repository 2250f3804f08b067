//! Containers written in Rust in the worker's workspace
//! (`#[container(binary = "...")]`): examples/rust-container under `dev`
//! and edited, deployed with no Docker engine and run back from the
//! registry, the image reproducible across target directories, and each
//! bad binary one line with nothing pushed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::dev::{copy_dir, get, Dev};
use crate::support::account::{ok_verb, run_verb, start};
use crate::support::cloud::{api_env, calls, emulator, registry, with_env};
use crate::support::*;

/// A standalone copy of examples/rust-container (its own workspace of the
/// Worker crate, the server crate and the protocol crate, the
/// repository's locked versions), with the Worker named `name`; returns
/// the directory and the Worker crate's manifest.
fn example_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new().prefix("cfc-rust-").tempdir().unwrap();
    let app = dir.path().join("rust-container");
    copy_dir(&root().join("examples/rust-container"), &app);
    for member in ["worker", "server", "protocol"] {
        let manifest = app.join(member).join("Cargo.toml");
        let text = without_workspace(&std::fs::read_to_string(&manifest).unwrap());
        std::fs::write(&manifest, text.replace("name = \"rust-container\"", &format!("name = \"{name}\""))).unwrap();
    }
    workspace_of(&app, &["worker", "server", "protocol"]);
    (dir, app.join("worker/Cargo.toml"))
}

/// A member's manifest with the repository's workspace dependencies
/// written out: paths into the repository, the same versions.
fn without_workspace(manifest: &str) -> String {
    let path = |krate: &str| format!("path = \"{}\"", root().join(krate).display());
    manifest
        .replace("cfcontainer = { workspace = true }", &format!("cfcontainer = {{ {} }}", path("runtime")))
        .replace(
            "cfcontainer-protocol = { workspace = true",
            &format!("cfcontainer-protocol = {{ {}", path("protocol")),
        )
        .replace("worker = { workspace = true }", "worker = \"0.8.7\"")
        .replace("serde = { workspace = true }", "serde = { version = \"1\", features = [\"derive\"] }")
        .replace("serde_json = { workspace = true }", "serde_json = \"1\"")
}

/// Makes `dir` a workspace of `members` with the repository's lockfile
/// and release profile.
fn workspace_of(dir: &Path, members: &[&str]) {
    let members: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    let manifest = format!(
        "[workspace]\nresolver = \"2\"\nmembers = [{}]\n\n[profile.release]\nlto = true\nopt-level = \"s\"\ncodegen-units = 1\n",
        members.join(", ")
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

/// A workspace of a Worker crate `name` whose container class is declared
/// by `attribute` and a small server crate (binary `tiny-server`, no
/// dependency beyond `itoa` from the registry) whose `main.rs` is `main`.
fn tiny_app(name: &str, attribute: &str, main: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new().prefix("cfc-rust-").tempdir().unwrap();
    let app = dir.path();
    for sub in ["worker/src", "server/src"] {
        std::fs::create_dir_all(app.join(sub)).unwrap();
    }
    let worker = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\ncfcontainer = {{ path = \"{}\" }}\nworker = \"0.8.7\"\n",
        root().join("runtime").display()
    );
    std::fs::write(app.join("worker/Cargo.toml"), worker).unwrap();
    std::fs::write(
        app.join("worker/src/lib.rs"),
        format!("use worker::*;\n{attribute}\npub struct Web;\n#[event(fetch)]\nasync fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {{ Response::ok(\"ok\") }}\n"),
    )
    .unwrap();
    let server = "[package]\nname = \"tinyserver\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[[bin]]\nname = \"tiny-server\"\npath = \"src/main.rs\"\n\n[dependencies]\nitoa = \"1\"\n";
    std::fs::write(app.join("server/Cargo.toml"), server).unwrap();
    std::fs::write(app.join("server/src/main.rs"), main).unwrap();
    workspace_of(app, &["worker", "server"]);
    let manifest = app.join("worker/Cargo.toml");
    (dir, manifest)
}

/// A server that answers every connection with one fixed HTTP answer.
const TINY_MAIN: &str = r#"use std::io::{Read, Write};
fn main() {
    let listener = std::net::TcpListener::bind("0.0.0.0:8080").unwrap();
    for stream in listener.incoming() {
        let mut stream = stream.unwrap();
        let _ = stream.read(&mut [0u8; 4096]);
        let body = format!("tiny {}\n", itoa::Buffer::new().format(42));
        let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    }
}
"#;

const TINY_CLASS: &str = r#"#[cfcontainer::container(class = "Web", port = 8080, binary = "tiny-server")]"#;

/// True if the musl target can be had (installed, or rustup is there to add it).
fn has_musl() -> bool {
    let rustup = Command::new("rustup").arg("--version").output().is_ok_and(|o| o.status.success());
    prerequisite(
        cargo_cfcontainer::compile::has_target("x86_64-unknown-linux-musl") || rustup,
        "the x86_64-unknown-linux-musl target or rustup",
    )
}

#[test]
fn the_rust_container_example_answers_under_dev_and_an_edit_of_its_server_gives_the_new_answer() {
    if !(crate::support::stack::available() && has_musl()) {
        return;
    }
    let name = "rust-container-dev-e2e";
    let (dir, worker) = example_copy(name);
    let app = worker.parent().unwrap().to_path_buf();
    let server = app.parent().unwrap().join("server/src/main.rs");
    let mut dev = Dev::in_crate(dir, app);
    let url = dev.url();
    let first = get(&url).unwrap_or_else(|e| panic!("no answer from the Rust server: {e}"));
    assert_eq!(first, "Hello from the Rust server (uid 65532)\n", "the attribute's env, as the image's non-root user");
    let asset = get(&format!("{}/static/hello.txt", url.trim_end_matches('/'))).unwrap();
    assert_eq!(asset.trim(), "This file comes from the assets layer of the image.");

    let source = std::fs::read_to_string(&server).unwrap().replace("\"{} (uid {})\\n\"", "\"{}, edited (uid {})\\n\"");
    std::fs::write(&server, source).unwrap();
    let change = dev.wait_for("dev-change", Duration::from_secs(30));
    assert_eq!(change["change"], "an image input", "an edit of the server rebuilds no Worker: {change}");
    dev.wait_for("dev-ready", Duration::from_secs(600));
    let second = get(&url).unwrap_or_else(|e| panic!("no answer after the edit: {e}"));
    assert_eq!(second, "Hello from the Rust server, edited (uid 65532)\n");
    dev.interrupt(name);
}

/// Changes the protocol crate at `protocol`: its `WordCount` gains a
/// field, which the server crate at `server` fills.
fn grow_word_count(protocol: &Path, server: &Path) {
    let edit = |path: PathBuf, from: &str, to: &str| {
        let source = std::fs::read_to_string(&path).unwrap();
        assert!(source.contains(from), "{} no longer has {from:?}", path.display());
        std::fs::write(&path, source.replacen(from, to, 1)).unwrap();
    };
    edit(protocol.join("src/lib.rs"), "pub words: u32,\n}", "pub words: u32,\n    pub bytes: u64,\n}");
    edit(
        server.join("src/text.rs"),
        "words: words(&text), file",
        "words: words(&text), bytes: text.len() as u64, file",
    );
}

/// The status and body of a GET, whatever the status.
fn get_any(url: &str) -> (u16, String) {
    match ureq::get(url).timeout(Duration::from_secs(60)).call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(status, r)) => (status, r.into_string().unwrap_or_default()),
        Err(e) => panic!("no answer from {url}: {e}"),
    }
}

/// The lines of a streamed answer, each with when it arrived.
fn lines_as_they_come(url: &str) -> Vec<(std::time::Instant, String)> {
    use std::io::BufRead;
    let response = ureq::get(url).timeout(Duration::from_secs(60)).call().unwrap();
    assert_eq!(response.header("content-type"), Some("application/x-ndjson"));
    let reader = std::io::BufReader::new(response.into_reader());
    reader.lines().map(|line| (std::time::Instant::now(), line.unwrap())).collect()
}

#[test]
fn the_worker_calls_its_rust_server_through_the_typed_protocol_and_a_server_built_with_a_changed_protocol_answers_it_with_a_mismatch(
) {
    if !(crate::support::stack::available() && has_musl()) {
        return;
    }
    let name = "rust-container-protocol-e2e";
    let (dir, worker) = example_copy(name);
    let app = worker.parent().unwrap().to_path_buf();
    let example = app.parent().unwrap().to_path_buf();
    let mut dev = Dev::in_crate(dir, app);
    let url = dev.url().trim_end_matches('/').to_string();

    // A typed call, and the method's own errors as values.
    assert_eq!(get_any(&format!("{url}/greet/Ada")), (200, "\"Hello from the Rust server, Ada!\"".into()));
    let long = "a".repeat(41);
    let (status, refused) = get_any(&format!("{url}/greet/{long}"));
    assert_eq!((status, refused.as_str()), (422, r#"{"error":"too-long","max":40}"#));
    let (status, counted) = get_any(&format!("{url}/words/poem.txt"));
    assert_eq!((status, counted.as_str()), (200, r#"{"file":"poem.txt","lines":4,"words":21}"#));
    let (status, missing) = get_any(&format!("{url}/words/nope.txt"));
    assert_eq!((status, missing.as_str()), (422, r#"{"error":"not-found","file":"nope.txt"}"#));

    // A stream: each line's count reaches the client as the server reads
    // it (300 ms apart), not all at once at the end.
    let lines = lines_as_they_come(&format!("{url}/scan/poem.txt"));
    let texts: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert_eq!(
        texts,
        [
            r#"{"number":1,"words":6}"#,
            r#"{"number":2,"words":3}"#,
            r#"{"number":3,"words":5}"#,
            r#"{"number":4,"words":7}"#
        ]
    );
    let spread = lines[3].0 - lines[0].0;
    assert!(
        spread >= Duration::from_millis(600),
        "the items came together ({spread:?} apart): the stream was buffered"
    );

    // The server rebuilt with a protocol whose `WordCount` gained a
    // field, the Worker not: the old Worker gets the typed mismatch.
    let next = example.join("protocol-next");
    copy_dir(&example.join("protocol"), &next);
    let manifest = std::fs::read_to_string(next.join("Cargo.toml")).unwrap();
    std::fs::write(
        next.join("Cargo.toml"),
        manifest.replace("name = \"rust-container-protocol\"", "name = \"rust-container-protocol-next\""),
    )
    .unwrap();
    let server = example.join("server/Cargo.toml");
    let manifest = std::fs::read_to_string(&server).unwrap().replace(
        "rust-container-protocol = { path = \"../protocol\" }",
        "rust-container-protocol = { package = \"rust-container-protocol-next\", path = \"../protocol-next\" }",
    );
    std::fs::write(&server, manifest).unwrap();
    grow_word_count(&next, &example.join("server"));
    let change = dev.wait_for("dev-change", Duration::from_secs(30));
    assert_eq!(change["change"], "an image input", "only the server changed: {change}");
    dev.wait_for("dev-ready", Duration::from_secs(600));
    // Cargo writes the new package into the lockfile while it builds the
    // server, which may reload the Worker once more (from the same
    // sources): asked until the new server answers.
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    let mismatch = loop {
        match ureq::get(&format!("{url}/words/poem.txt")).timeout(Duration::from_secs(60)).call() {
            Err(ureq::Error::Status(409, r)) => break r.into_string().unwrap(),
            other if std::time::Instant::now() > deadline => panic!("no mismatch from the new server: {other:?}"),
            _ => std::thread::sleep(Duration::from_secs(2)),
        }
    };
    assert!(mismatch.contains("protocol `Text` mismatch"), "{mismatch}");
    let fingerprints: Vec<&str> = mismatch.split(|c: char| !c.is_ascii_hexdigit()).filter(|w| w.len() == 16).collect();
    assert_eq!(fingerprints.len(), 2, "both fingerprints named: {mismatch}");
    assert_ne!(fingerprints[0], fingerprints[1]);
    // What does not use the protocol still answers.
    assert_eq!(get(&format!("{url}/")).unwrap(), "Hello from the Rust server (uid 65532)\n");
    dev.interrupt(name);
}

/// A `DOCKER_HOST` where no engine listens: what runs with it needs none.
const NO_ENGINE: (&str, &str) = ("DOCKER_HOST", "unix:///tmp/cfc-no-engine-here.sock");

/// `docker` with its own config directory (a login there touches nothing else).
fn docker(config: &Path, args: &[&str]) -> std::process::Output {
    Command::new("docker").arg("--config").arg(config).args(args).output().unwrap()
}

#[test]
fn a_rust_only_app_deploys_with_no_docker_engine_and_its_pushed_image_runs_under_the_engine() {
    if !has_musl() {
        return;
    }
    let Some(emulator) = start() else { return };
    let (_dir, worker) = example_copy(&unique("rustdeploy"));
    let manifest = worker.display().to_string();
    let nothing = NO_ENGINE;
    let (out, result) = run_verb(&emulator, &manifest, &["deploy"], &[nothing]);
    assert!(out.status.success(), "deploy without an engine failed:\n{}", stderr(&out));
    let deployed = result.expect("a deploy result");
    let image = deployed["applications"][0]["image"].as_str().unwrap().to_string();
    let host = std::env::var("CFC_REGISTRY").unwrap();
    assert!(image.starts_with(&format!("{host}/{}/", emulator.account_id())) && image.contains("@sha256:"), "{image}");
    let credential_calls = calls(&emulator).iter().filter(|c| c.ends_with("/credentials")).count();
    assert!(credential_calls >= 1, "the registry credentials come from the API: {:?}", calls(&emulator));

    // A rerun with nothing changed writes nothing and pushes nothing.
    emulator.clear_log();
    let (again, result) = run_verb(&emulator, &manifest, &["deploy"], &[nothing]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(result.unwrap()["applications"][0]["image"], image.as_str());
    let writes: Vec<String> =
        calls(&emulator).into_iter().filter(|c| !c.starts_with("GET") && !c.ends_with("/credentials")).collect();
    assert!(writes.is_empty(), "an unchanged deploy wrote {writes:?}");

    // The engine pulls the image back from the registry and runs it.
    let registry = registry().unwrap();
    let config = tempfile::tempdir().unwrap();
    let login = Command::new("docker")
        .arg("--config")
        .arg(config.path())
        .args(["login", "-u", &registry.username, "--password-stdin", &host])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(registry.password.as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(login.success());
    let pulled = docker(config.path(), &["pull", &image]);
    assert!(pulled.status.success(), "{}", String::from_utf8_lossy(&pulled.stderr));
    let run =
        docker(config.path(), &["run", "-d", "--rm", "-e", "GREETING=pulled back", "-p", "127.0.0.1::8080", &image]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let id = String::from_utf8_lossy(&run.stdout).trim().to_string();
    let port = docker(config.path(), &["port", &id, "8080/tcp"]);
    let address = String::from_utf8_lossy(&port.stdout).lines().next().unwrap_or_default().trim().to_string();
    let mut answer = Err("not asked yet".to_string());
    for _ in 0..50 {
        answer = get(&format!("http://{address}/"));
        if answer.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = docker(config.path(), &["rm", "-f", &id]);
    let _ = docker(config.path(), &["rmi", &image]);
    assert_eq!(answer.unwrap(), "pulled back (uid 65532)\n");
}

#[test]
fn plan_names_a_protocol_the_deploy_changes_against_the_fingerprint_the_live_version_recorded() {
    if !has_musl() {
        return;
    }
    let Some(emulator) = start() else { return };
    let (_dir, worker) = example_copy(&unique("rustproto"));
    let manifest = worker.display().to_string();
    let example = worker.parent().unwrap().parent().unwrap().to_path_buf();
    let nothing = NO_ENGINE;
    let deployed = ok_verb(&emulator, &manifest, &["deploy"], &[nothing]);
    assert!(deployed["applications"][0]["image"].is_string(), "{deployed}");

    // Unchanged, the plan names no protocol.
    let unchanged = ok_verb(&emulator, &manifest, &["plan"], &[nothing]);
    assert!(!unchanged.to_string().contains("\"protocol\""), "{unchanged}");

    // `WordCount` gains a field, on both sides (one workspace).
    grow_word_count(&example.join("protocol"), &example.join("server"));
    let plan = ok_verb(&emulator, &manifest, &["plan"], &[nothing]);
    let changes = plan["script"]["changes"].as_array().unwrap();
    let change =
        changes.iter().find(|c| c["change"] == "protocol").unwrap_or_else(|| panic!("no protocol change: {plan}"));
    assert_eq!(change["protocol"], "Text");
    let (from, to) = (change["from"].as_str().unwrap(), change["to"].as_str().unwrap());
    assert!(from.len() == 16 && to.len() == 16 && from != to, "{change}");

    // People read what a rollout of it meets.
    let (api, extra) = (api_env(&emulator), [nothing]);
    let env = with_env(&api, &extra);
    let out = cfcontainer_with_env(worker.parent().unwrap(), &["plan", "--manifest-path", &manifest], &env);
    let human = stdout(&out);
    assert!(human.contains(&format!("protocol Text {from} -> {to}")), "{human}");
    assert!(human.contains("protocol mismatch"), "{human}");
}

/// `build --message-format json` of the tiny app into a fresh target
/// directory: the assembled image's id and registry digest.
fn fresh_build(manifest: &Path) -> (String, String) {
    let target = tempfile::Builder::new().prefix("cfc-target-").tempdir().unwrap();
    let args = ["build", "--manifest-path", manifest.to_str().unwrap(), "--message-format", "json"];
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cargo-cfcontainer"));
    cmd.arg("cfcontainer").args(args).current_dir(manifest.parent().unwrap()).env("CARGO_TARGET_DIR", target.path());
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "build failed:\n{}", stderr(&out));
    let line = stdout(&out).lines().find(|l| l.contains(r#""reason":"build""#)).map(str::to_string).unwrap();
    let report: serde_json::Value = serde_json::from_str(&line).unwrap();
    let assembled = &report["assembled"][0];
    let reference = report["images"][0]["reference"].as_str().unwrap().to_string();
    let _ = Command::new("docker").args(["rmi", &reference]).output();
    (assembled["id"].as_str().unwrap().to_string(), assembled["digest"].as_str().unwrap().to_string())
}

#[test]
fn two_builds_in_two_fresh_target_directories_give_the_same_image_digest() {
    if !(has_wasm_target() && has_musl() && prerequisite(stack::docker_available(), "the Docker engine")) {
        return;
    }
    let (_dir, manifest) = tiny_app(&unique("reproducible"), TINY_CLASS, TINY_MAIN);
    let first = fresh_build(&manifest);
    let second = fresh_build(&manifest);
    assert!(first.1.starts_with("sha256:"), "{first:?}");
    assert_eq!(first, second, "the same sources gave another image in another target directory");
}

/// The error line that ends a failed run (the compiler's own diagnostics
/// may stand above it).
fn one_error_line(out: &std::process::Output) -> String {
    assert_eq!(out.status.code(), Some(1), "expected exit 1:\n{}", stderr(out));
    let text = stderr(out);
    let last = text.lines().last().unwrap_or_default();
    assert!(last.starts_with("error: "), "the run does not end with its error line:\n{text}");
    last.to_string()
}

/// True if the registry has any tag of `<account>/<repo>`.
fn registry_has_repository(account: &str, repo: &str) -> bool {
    let registry = registry().unwrap();
    let url = format!("http://{}/v2/{account}/{repo}/tags/list", registry.host);
    let auth = format!("{}:{}", registry.username, registry.password);
    let out =
        Command::new("curl").args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", &auth, &url]).output().unwrap();
    String::from_utf8_lossy(&out.stdout) == "200"
}

#[test]
fn a_missing_binary_a_target_that_is_no_binary_a_build_failure_and_a_dynamic_binary_are_one_line_each_and_nothing_is_pushed(
) {
    if !(has_wasm_target() && has_musl()) {
        return;
    }
    let Some(emulator) = emulator() else { return };
    let env = api_env(&emulator);
    let push = |manifest: &Path| {
        let args = ["push", "--manifest-path", manifest.to_str().unwrap()];
        cfcontainer_with_env(
            manifest.parent().unwrap(),
            &args,
            &with_env(&env, &[("DOCKER_HOST", "unix:///tmp/cfc-no-engine-here.sock")]),
        )
    };
    let nothing_pushed = |name: &str| {
        let repo = format!("{name}-web");
        assert!(!registry_has_repository(emulator.account_id(), &repo), "{repo} was pushed");
    };

    let name = unique("nobin");
    let missing = r#"#[cfcontainer::container(class = "Web", port = 8080, binary = "api-server")]"#;
    let (_a, manifest) = tiny_app(&name, missing, TINY_MAIN);
    let line = one_error_line(&push(&manifest));
    assert!(
        line.contains(
            "no member of the workspace has a binary target `api-server` (its binaries: tiny-server (tinyserver))"
        ),
        "{line}"
    );
    nothing_pushed(&name);

    let name = unique("notbin");
    let lib = name.replace('-', "_");
    let library = format!(r#"#[cfcontainer::container(class = "Web", port = 8080, binary = "{lib}")]"#);
    let (_b, manifest) = tiny_app(&name, &library, TINY_MAIN);
    let line = one_error_line(&push(&manifest));
    assert!(line.contains(&format!("`{lib}` of package `{name}` is a cdylib target, not a binary")), "{line}");
    nothing_pushed(&name);

    let name = unique("brokenbin");
    let (_c, manifest) = tiny_app(&name, TINY_CLASS, "fn main() { let port: u16 = \"8080\"; }\n");
    let line = one_error_line(&push(&manifest));
    assert!(
        line.contains(
            "building `tinyserver` for x86_64-unknown-linux-musl failed: mismatched types at server/src/main.rs:1:"
        ),
        "{line}"
    );
    nothing_pushed(&name);

    let name = unique("dynamicbin");
    let (dir, manifest) = tiny_app(&name, TINY_CLASS, TINY_MAIN);
    // Linked against the host's C library: a loader and libc.so needed.
    std::fs::create_dir_all(dir.path().join(".cargo")).unwrap();
    let config = "[target.x86_64-unknown-linux-musl]\nrustflags = [\"-C\", \"target-feature=-crt-static\"]\n";
    std::fs::write(dir.path().join(".cargo/config.toml"), config).unwrap();
    let line = one_error_line(&push(&manifest));
    assert!(
        line.contains("binary `tiny-server`") && line.contains("is not static: it asks for the dynamic loader"),
        "{line}"
    );
    nothing_pushed(&name);
}
