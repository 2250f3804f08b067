//! `cargo cfcontainer dev` on a copy of examples/hello: the printed URL
//! answers with the container's MESSAGE, an edit to the container's content
//! shows up without restarting the command, and SIGINT leaves no container
//! and no workerd behind.

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use support::{root, stack};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if name == "build" || name == "target" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn containers_named(prefix: &str) -> usize {
    let out = Command::new("docker").args(["ps", "-aq", "--filter", &format!("name={prefix}")]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// The body of a 200 answer, or what went wrong (status and body).
fn get(url: &str) -> Result<String, String> {
    match ureq::get(url).timeout(Duration::from_secs(30)).call() {
        Ok(r) => Ok(r.into_string().unwrap()),
        Err(ureq::Error::Status(status, r)) => Err(format!("HTTP {status}: {}", r.into_string().unwrap_or_default())),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn dev_serves_hello_reloads_on_edit_and_cleans_up_on_ctrl_c() {
    if !stack::available() {
        return;
    }
    let dir = tempfile::Builder::new().prefix("cfc-dev-").tempdir().unwrap();
    let app = dir.path().join("hello");
    copy_dir(&root().join("examples/hello"), &app);
    // A standalone crate: its own workspace, the same locked versions.
    let manifest = std::fs::read_to_string(app.join("Cargo.toml")).unwrap()
        .replace("name = \"hello\"", "name = \"hello-dev-e2e\"")
        .replace("cfcontainer = { workspace = true }", &format!("cfcontainer = {{ path = \"{}\" }}", root().join("runtime").display()))
        .replace("worker = { workspace = true }", "worker = \"0.8.7\"")
        + "\n[workspace]\n";
    std::fs::write(app.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(root().join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-cfcontainer"))
        .args(["cfcontainer", "dev", "--port", &port.to_string(), "--message-format", "json"])
        .current_dir(&app)
        .env("CARGO_TARGET_DIR", root().join("target/fixtures"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (lines, events) = mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    let wait_for = |reason: &str, limit: Duration| -> serde_json::Value {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = events.recv_timeout(left).unwrap_or_else(|_| panic!("no `{reason}` event in {limit:?}"));
            let event: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_ne!(event["reason"], "error", "dev failed: {event}");
            if event["reason"] == reason {
                return event;
            }
        }
    };
    let ready = wait_for("dev-ready", Duration::from_secs(600));
    let url = ready["url"].as_str().unwrap().to_string();
    assert_eq!(url, format!("http://127.0.0.1:{port}"));
    let first = get(&url).unwrap_or_else(|e| panic!("no answer: {e}"));
    assert_eq!(first.trim(), "I was passed in via the container class!");

    let cgi = app.join("container/www/cgi-bin/index.cgi");
    let script = std::fs::read_to_string(&cgi).unwrap().replace("body=\"${MESSAGE", "body=\"edited: ${MESSAGE");
    std::fs::write(&cgi, script).unwrap();
    wait_for("dev-change", Duration::from_secs(30));
    wait_for("dev-ready", Duration::from_secs(600));
    let second = get(&url).unwrap_or_else(|e| panic!("no answer after the edit: {e}"));
    assert_eq!(second.trim(), "edited: I was passed in via the container class!");
    assert_eq!(containers_named("workerd-cfcdev-hello-dev-e2e-"), 1, "the old run's container is gone");

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert!(status.success(), "dev exits cleanly on SIGINT: {status}");
    assert_eq!(containers_named("workerd-cfcdev-hello-dev-e2e-"), 0, "no container left");
    let workerd_left = Command::new("pgrep").args(["-f", "cfcontainer-dev/hello-dev-e2e/config.capnp"]).output().unwrap();
    assert!(workerd_left.stdout.is_empty(), "no workerd left");
}
