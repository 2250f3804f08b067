//! `cargo cfcontainer dev` on copies of the examples: for hello, the printed
//! URL answers with the container's MESSAGE, an edit to the container's
//! content shows up without restarting the command, and SIGINT leaves no
//! container and no workerd behind; the websocket example echoes through
//! the Worker into its container.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{prerequisite, root, stack};

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if name == "build" || name == "target" || name == ".wrangler" {
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

/// Ids of the containers whose name has `prefix`, not counting their
/// networking sidecars (`<name>-proxy`, kept warm by workerd).
fn containers_with(prefix: &str) -> Vec<String> {
    let filter = format!("name={prefix}");
    let out = Command::new("docker").args(["ps", "-a", "--filter", &filter, "--format", "{{.ID}} {{.Names}}"]).output();
    let out = out.unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter(|(_, name)| !name.ends_with("-proxy"))
        .map(|(id, _)| id.to_string())
        .collect()
}

fn containers_named(prefix: &str) -> usize {
    containers_with(prefix).len()
}

/// The engine's restart policy of each container whose name has `prefix`.
fn restart_policies(prefix: &str) -> Vec<String> {
    let ids = containers_with(prefix);
    let format = "{{.HostConfig.RestartPolicy.Name}}";
    let out = Command::new("docker").args(["inspect", "--format", format]).args(&ids).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

/// The body of a 200 answer, or what went wrong (status and body).
pub(crate) fn get(url: &str) -> Result<String, String> {
    match ureq::get(url).timeout(Duration::from_secs(30)).call() {
        Ok(r) => Ok(r.into_string().unwrap()),
        Err(ureq::Error::Status(status, r)) => Err(format!("HTTP {status}: {}", r.into_string().unwrap_or_default())),
        Err(e) => Err(e.to_string()),
    }
}

/// `cargo cfcontainer dev --message-format json` on a standalone copy of
/// an example, with its events.
pub(crate) struct Dev {
    _dir: tempfile::TempDir,
    pub(crate) app: PathBuf,
    child: Child,
    events: mpsc::Receiver<String>,
    /// Everything dev wrote to stdout and stderr (workerd's logs among it),
    /// over all its runs.
    output: Arc<Mutex<String>>,
}

impl Dev {
    /// Copies `examples/<example>` as crate `name` and starts dev on a free port.
    fn start(example: &str, name: &str) -> Dev {
        Dev::start_with(example, name, &[], &[])
    }

    /// [`Dev::start`] with `env` set and `remove` unset for the command.
    fn start_with(example: &str, name: &str, env: &[(&str, &str)], remove: &[&str]) -> Dev {
        Dev::start_edited(example, name, env, remove, &[], |_| {})
    }

    /// [`Dev::start_with`] after `edit` changed the copy, with more `args`
    /// for dev.
    pub(crate) fn start_edited(
        example: &str,
        name: &str,
        env: &[(&str, &str)],
        remove: &[&str],
        args: &[&str],
        edit: impl FnOnce(&Path),
    ) -> Dev {
        let dir = tempfile::Builder::new().prefix("cfc-dev-").tempdir().unwrap();
        let app = dir.path().join(example);
        copy_dir(&root().join("examples").join(example), &app);
        // A standalone crate: its own workspace, the same locked versions.
        let manifest = std::fs::read_to_string(app.join("Cargo.toml"))
            .unwrap()
            .replace(&format!("name = \"{example}\""), &format!("name = \"{name}\""))
            .replace(
                "cfcontainer = { workspace = true }",
                &format!("cfcontainer = {{ path = \"{}\" }}", root().join("runtime").display()),
            )
            .replace("worker = { workspace = true }", "worker = \"0.8.7\"")
            .replace("serde = { workspace = true }", "serde = { version = \"1\", features = [\"derive\"] }")
            .replace("wasm-bindgen = { workspace = true }", "wasm-bindgen = \"=0.2.130\"")
            + "\n[workspace]\n";
        std::fs::write(app.join("Cargo.toml"), manifest).unwrap();
        std::fs::copy(root().join("Cargo.lock"), app.join("Cargo.lock")).unwrap();
        edit(&app);
        let output = Arc::default();
        let (child, events) = Dev::spawn(&app, env, remove, args, &output);
        Dev { _dir: dir, app, child, events, output }
    }

    /// dev in `app`, a crate inside `dir` (removed when dev is dropped).
    pub(crate) fn in_crate(dir: tempfile::TempDir, app: PathBuf) -> Dev {
        let output = Arc::default();
        let (child, events) = Dev::spawn(&app, &[], &[], &[], &output);
        Dev { _dir: dir, app, child, events, output }
    }

    /// Runs dev again on the same copy (after [`Dev::interrupt`]).
    pub(crate) fn rerun(&mut self) {
        (self.child, self.events) = Dev::spawn(&self.app, &[], &[], &[], &self.output);
    }

    /// Everything dev wrote so far, stdout and stderr.
    pub(crate) fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// `cargo cfcontainer dev` in `app`, and its events; all it writes is
    /// kept in `output` too (its stderr passed on to the test's).
    fn spawn(
        app: &Path,
        env: &[(&str, &str)],
        remove: &[&str],
        args: &[&str],
        output: &Arc<Mutex<String>>,
    ) -> (Child, mpsc::Receiver<String>) {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-cfcontainer"));
        child
            .args(["cfcontainer", "dev", "--port", &port.to_string(), "--message-format", "json"])
            .args(args)
            .current_dir(app)
            .env("CARGO_TARGET_DIR", root().join("target/fixtures"))
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in remove {
            child.env_remove(var);
        }
        let mut child = child.spawn().unwrap();
        let (lines, events) = mpsc::channel::<String>();
        let stdout = child.stdout.take().unwrap();
        let kept = Arc::clone(output);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                kept.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = lines.send(line);
            }
        });
        let stderr = child.stderr.take().unwrap();
        let kept = Arc::clone(output);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                kept.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        (child, events)
    }

    /// The next event with this `reason`; an `error` event fails the test.
    pub(crate) fn wait_for(&self, reason: &str, limit: Duration) -> serde_json::Value {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.events.recv_timeout(left).unwrap_or_else(|_| panic!("no `{reason}` event in {limit:?}"));
            let event: serde_json::Value = serde_json::from_str(&line).unwrap();
            assert_ne!(event["reason"], "error", "dev failed: {event}");
            if event["reason"] == reason {
                return event;
            }
        }
    }

    /// Fails if any event arrives within `quiet` (nothing was edited).
    fn assert_quiet(&self, quiet: Duration) {
        if let Ok(line) = self.events.recv_timeout(quiet) {
            panic!("an event without an edit: {line}");
        }
    }

    /// Waits for `dev-ready` and returns the URL.
    pub(crate) fn url(&self) -> String {
        self.wait_for("dev-ready", Duration::from_secs(600))["url"].as_str().unwrap().to_string()
    }

    /// Sends SIGINT and checks a clean exit without containers or workerd left.
    pub(crate) fn interrupt(&mut self, name: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "dev exits cleanly on SIGINT: {status}");
        assert_eq!(containers_named(&format!("workerd-cfcdev-{name}-")), 0, "no container left");
        let workerd_left =
            Command::new("pgrep").args(["-f", &format!("cfcontainer-dev/{name}/config.capnp")]).output().unwrap();
        assert!(workerd_left.stdout.is_empty(), "no workerd left");
    }
}

impl Drop for Dev {
    /// A failed test still stops dev (and so workerd and its containers).
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = self.child.kill();
        }
    }
}

#[test]
fn dev_serves_hello_reloads_on_edit_and_cleans_up_on_ctrl_c() {
    if !stack::available() {
        return;
    }
    let name = "hello-dev-e2e";
    let mut dev = Dev::start("hello", name);
    let url = dev.url();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let first = get(&url).unwrap_or_else(|e| panic!("no answer: {e}"));
    assert_eq!(first.trim(), "I was passed in via the container class!");
    // workerd asks for `on-failure`; dev keeps the engine from restarting.
    let prefix = format!("workerd-cfcdev-{name}-");
    assert_eq!(restart_policies(&prefix), ["no"]);
    // The first build rewrote the copied Cargo.lock; that is not an edit.
    dev.assert_quiet(Duration::from_secs(3));

    // Requests keep coming across the edit: each is answered, by the old
    // container or the new one, none refused or empty.
    let looping = url.clone();
    let requests = std::thread::spawn(move || {
        (0..20)
            .map(|_| {
                let answer = get(&looping);
                std::thread::sleep(Duration::from_millis(250));
                answer
            })
            .collect::<Vec<_>>()
    });
    std::thread::sleep(Duration::from_millis(500));
    let cgi = dev.app.join("container/www/cgi-bin/index.cgi");
    let script = std::fs::read_to_string(&cgi).unwrap().replace("body=\"${MESSAGE", "body=\"edited: ${MESSAGE");
    std::fs::write(&cgi, script).unwrap();
    let change = dev.wait_for("dev-change", Duration::from_secs(30));
    assert_eq!(change["change"], "an image input", "a container-only edit rebuilds no Worker: {change}");
    dev.wait_for("dev-ready", Duration::from_secs(600));
    let answers = requests.join().unwrap();
    for (i, answer) in answers.iter().enumerate() {
        let body = answer.as_deref().unwrap_or_else(|e| panic!("request {i} across the reload failed: {e}"));
        assert!(body.trim().ends_with("I was passed in via the container class!"), "request {i}: {body:?}");
    }
    let second = get(&url).unwrap_or_else(|e| panic!("no answer after the edit: {e}"));
    assert_eq!(second.trim(), "edited: I was passed in via the container class!");
    // The old run's container is removed while the new run serves.
    let deadline = Instant::now() + Duration::from_secs(10);
    while containers_named(&prefix) > 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(containers_named(&prefix), 1, "the old run's container is gone");
    assert_eq!(restart_policies(&prefix), ["no"], "the new run's container is not restarted either");
    dev.interrupt(name);
}

#[test]
fn a_worker_reads_its_wrangler_vars_through_compile_time_accessors_and_its_container_gets_one() {
    if !stack::available() {
        return;
    }
    // The Worker's name comes from the example's wrangler.toml.
    let name = "bindings-example";
    let mut dev = Dev::start("bindings", name);
    let url = dev.url();
    let base = url.trim_end_matches('/');
    let config = get(&format!("{base}/config")).unwrap_or_else(|e| panic!("no answer from the Worker: {e}"));
    assert_eq!(config, "hello from wrangler.toml; 3 items on the free tier", "a text var and a JSON var");
    let container = get(&url).unwrap_or_else(|e| panic!("no answer from the container: {e}"));
    assert_eq!(container.trim(), "hello from wrangler.toml", "the container's MESSAGE is the GREETING var");
    dev.interrupt(name);
}

/// `PUT`/`GET` of one note of examples/notes: the container's rendering
/// of what the Worker read back from R2, D1 and KV.
fn note(url: &str, id: &str, text: Option<&str>) -> String {
    let url = format!("{}/notes/{id}", url.trim_end_matches('/'));
    let answer = match text {
        Some(text) => ureq::put(&url).timeout(Duration::from_secs(60)).send_string(text),
        None => ureq::get(&url).timeout(Duration::from_secs(60)).call(),
    };
    match answer {
        Ok(r) => r.into_string().unwrap(),
        Err(ureq::Error::Status(status, r)) => panic!("{url}: HTTP {status}: {}", r.into_string().unwrap_or_default()),
        Err(e) => panic!("{url}: {e}"),
    }
}

/// `N` of a rendering's `read N times` line.
fn reads(line: Option<&str>) -> u64 {
    let line = line.unwrap_or_default();
    let n = line.strip_prefix("read ").and_then(|l| l.strip_suffix(" times"));
    n.and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("not a read count: {line:?}"))
}

#[test]
fn the_notes_example_writes_kv_r2_and_d1_locally_and_finds_them_again_in_the_next_dev_run() {
    if !stack::available() {
        return;
    }
    let name = "notes";
    let mut dev = Dev::start("notes", name);
    let url = dev.url();
    // One request writes R2 (the text), D1 (the row) and KV (the latest
    // id), reads the three back and has the container render them.
    let saved = note(&url, "groceries", Some("milk, eggs"));
    let mut lines = saved.lines();
    let heading = lines.next().unwrap();
    assert!(heading.starts_with("Team notes: groceries (10 bytes, saved 20"), "the D1 row and a var: {saved}");
    // The note's own Durable Object (a class of the Worker, not a
    // container) counts its reads; its storage outlives runs, so only
    // the increments are checked.
    let first_reads = reads(lines.next());
    assert_eq!(lines.next(), Some("latest: groceries"), "the KV value: {saved}");
    assert_eq!(lines.next(), Some("milk, eggs"), "the R2 object: {saved}");
    note(&url, "todo", Some("write the README"));
    let read_again = note(&url, "groceries", None);
    assert!(read_again.contains("latest: todo"), "KV holds the latest write");
    assert_eq!(reads(read_again.lines().nth(1)), first_reads + 1, "{read_again}");
    // Each save went through the queue to the Worker's consumer, which
    // logged it in D1 (batches wait up to a second).
    let log_url = format!("{}/log", url.trim_end_matches('/'));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut log = get(&log_url).unwrap();
    while log.lines().count() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(250));
        log = get(&log_url).unwrap();
    }
    assert_eq!(log, "saved groceries (10 bytes)\nsaved todo (16 bytes)\n", "the consumer's log");
    dev.interrupt(name);

    // The data is where `wrangler dev` keeps it, and a new run sees it.
    let state = dev.app.join(".wrangler/state/v3");
    for kind in ["kv", "r2", "d1"] {
        assert!(state.join(kind).read_dir().unwrap().next().is_some(), "no {kind} data in {}", state.display());
    }
    dev.rerun();
    let url = dev.url();
    let again = note(&url, "groceries", None);
    assert!(again.starts_with(heading), "the same row after a restart: {again}");
    assert_eq!(reads(again.lines().nth(1)), first_reads + 2, "the Durable Object's count: {again}");
    assert!(again.ends_with("latest: todo\nmilk, eggs\n"), "the same KV value and object: {again}");
    let base = url.trim_end_matches('/');
    let listed = get(&format!("{base}/notes")).unwrap();
    assert_eq!(listed.lines().count(), 2, "both rows: {listed}");

    // The cron's handler, run as `wrangler dev` runs it: a sweep scheduled
    // 40 days from now forgets both notes (KEEP_DAYS = 30).
    let later =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() + 40 * 86_400_000;
    let swept = get(&format!("{base}/cdn-cgi/handler/scheduled?cron=0+3+*+*+*&time={later}")).unwrap();
    assert_eq!(swept, "ok");
    assert_eq!(get(&format!("{base}/notes")).unwrap(), "", "no rows after the sweep");
    let gone = get(&format!("{base}/notes/groceries")).unwrap_err();
    assert!(gone.starts_with("HTTP 404"), "the object is gone too: {gone}");
    assert!(gone.contains("No such note."), "the static page, through the assets binding: {gone}");
    // Static assets: the page at `/`, served before the Worker is asked.
    let page = ureq::get(&format!("{base}/")).call().unwrap();
    assert_eq!(page.content_type(), "text/html");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "public/_headers applies");
    assert!(page.into_string().unwrap().contains("<h1>Team notes</h1>"));
    // A page added while dev runs is served after the reload it causes.
    std::fs::write(dev.app.join("public/help.html"), "<p>help</p>").unwrap();
    dev.wait_for("dev-change", Duration::from_secs(30));
    dev.wait_for("dev-ready", Duration::from_secs(300));
    assert_eq!(get(&format!("{base}/help.html")).unwrap(), "<p>help</p>");
    dev.interrupt(name);
}

#[test]
fn the_websocket_example_echoes_through_the_worker_into_its_container() {
    if !stack::available() {
        return;
    }
    let name = "websocket-dev-e2e";
    let mut dev = Dev::start("websocket", name);
    let url = dev.url();
    assert!(get(&url).unwrap().contains("/ws?room="));
    let ws_url = format!("{}/ws?room=e2e", url.replacen("http://", "ws://", 1));
    let (mut socket, response) =
        tungstenite::connect(ws_url.as_str()).unwrap_or_else(|e| panic!("WebSocket to {ws_url}: {e}"));
    assert_eq!(response.status(), 101);
    for message in ["hello", "from the websocket example"] {
        socket.send(tungstenite::Message::text(message)).unwrap();
        let echoed = socket.read().unwrap();
        assert_eq!(echoed.into_text().unwrap().as_str(), message);
    }
    socket.close(None).unwrap();
    assert_eq!(containers_named(&format!("workerd-cfcdev-{name}-")), 1, "one container for the room");
    dev.interrupt(name);
}

/// The events up to and including `dev-ready`, which must come within `limit`.
fn events_until_ready(dev: &Dev, limit: Duration) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + limit;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = dev.events.recv_timeout(left).unwrap_or_else(|_| panic!("dev was not ready within {limit:?}"));
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_ne!(event["reason"], "error", "dev failed: {event}");
        let ready = event["reason"] == "dev-ready";
        seen.push(event);
        if ready {
            return seen;
        }
    }
}

#[test]
fn dev_fetches_missing_tools_into_an_empty_cache_once_and_then_answers() {
    if !stack::available() {
        return;
    }
    // A PATH with cargo and worker-build but no workerd, esbuild or
    // wasm-bindgen, and no variable naming them.
    let tools = tempfile::tempdir().unwrap();
    let bin = tools.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for program in ["cargo", "rustc", "rustup", "worker-build"] {
        let found = Command::new("sh").arg("-c").arg(format!("command -v {program}")).output().unwrap();
        let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
        assert!(!path.is_empty(), "{program} is not on PATH");
        std::os::unix::fs::symlink(path, bin.join(program)).unwrap();
    }
    let path = format!("{}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", bin.display());
    let cache = tools.path().join("cache");
    let cache_var = cache.to_str().unwrap().to_string();
    let unset = ["WORKERD_BIN", "ESBUILD_BIN", "WASM_BINDGEN_BIN"];

    let name = "hello-tools-e2e";
    let mut dev = Dev::start_with("hello", name, &[("PATH", &path), ("CFCONTAINER_CACHE_DIR", &cache_var)], &unset);
    let events = events_until_ready(&dev, Duration::from_secs(1200));
    let fetched: Vec<&str> =
        events.iter().filter(|e| e["reason"] == "tool-fetched").filter_map(|e| e["tool"].as_str()).collect();
    for tool in ["workerd", "esbuild", "wasm-bindgen"] {
        assert!(fetched.contains(&tool), "{tool} was not fetched: {events:?}");
    }
    assert!(cache.join("workerd-1.20261117.1/workerd").is_file());
    let url = events.last().unwrap()["url"].as_str().unwrap().to_string();
    assert_eq!(get(&url).unwrap().trim(), "I was passed in via the container class!");
    dev.interrupt(name);

    // The second run fetches nothing: with the registry unreachable it
    // would fail if it tried.
    let offline = [
        ("PATH", path.as_str()),
        ("CFCONTAINER_CACHE_DIR", cache_var.as_str()),
        ("NPM_CONFIG_REGISTRY", "http://127.0.0.1:9"),
    ];
    let mut again = Dev::start_with("hello", name, &offline, &unset);
    let events = events_until_ready(&again, Duration::from_secs(600));
    assert!(events.iter().all(|e| e["reason"] != "tool-fetched"), "{events:?}");
    let url = events.last().unwrap()["url"].as_str().unwrap().to_string();
    assert_eq!(get(&url).unwrap().trim(), "I was passed in via the container class!");
    again.interrupt(name);
}

/// Rules of every kind the official simulator knows (static, splats,
/// placeholders, each status, queries, an absolute destination, a proxy)
/// and lines it leaves out (a bad status, a duplicate, a rule that would
/// loop), in examples/notes' public/_redirects.
const REDIRECTS: &str = "\
# Looked up by path
/old /new 301
/moved /new
/see /new 303
/temp /new?from=temp 307
/perm https://example.com/perm 308
/page / 200
/home /index.html 200
/noted /new 301 # with a comment
/old /duplicate 302
/teapot /new 418
# Patterns, in order
/blog/* /posts/:splat 301
/users/:id/profile /u/:id?tab=profile
/docs/:section/* https://docs.example.com/:section/:splat
/late /new 308
/app/* /index.html 200
";

/// `_headers` whose outcome depends on the file's order (the second rule
/// removes what the first set), on path normalisation (`/x/..` is `/`)
/// and on a path given twice; a rule with a port is refused.
const HEADERS: &str = "\
# Read in the file's order
/app.js
  X-Robots-Tag: noindex
  Link: </a.css>
/*
  ! X-Robots-Tag
  X-Content-Type-Options: nosniff
/x/..
  X-Frame-Options: DENY
https://127.0.0.1:8443/*
  X-Port: refused
/app.js
  Link: </b.css>
  X-Robots-Tag: again
";

/// The response headers `_headers` above may set.
const HEADER_NAMES: &[&str] = &["x-robots-tag", "link", "x-content-type-options", "x-frame-options", "x-port"];

/// Requests whose answers come from the asset worker (the Workers behind
/// the two differ).
const ASKED: &[&str] = &[
    "/old",
    "/old?keep=1",
    "/moved",
    "/see",
    "/temp?dropped=1",
    "/perm",
    "/page",
    "/home",
    "/noted",
    "/blog/2024/hello",
    "/users/42/profile",
    "/docs/api/v1/intro?q=x",
    "/late",
    "/index.html",
];

/// The headers of `HEADER_NAMES` that `url` answers with (redirects not
/// followed), each with its value.
fn custom_headers(url: &str) -> Vec<(&'static str, String)> {
    let response = unfollowed(url);
    let headers = HEADER_NAMES
        .iter()
        .filter_map(|&name| Some((name, response.all(name).join(", "))).filter(|(_, v)| !v.is_empty()))
        .collect();
    // Read to the end: a response dropped mid-body resets the connection,
    // which wrangler dev reports as an error.
    let _ = response.into_string();
    headers
}

/// The answer to a GET of `url`, whatever its status, redirects not followed.
fn unfollowed(url: &str) -> ureq::Response {
    let agent = ureq::AgentBuilder::new().redirects(0).timeout(Duration::from_secs(30)).build();
    match agent.get(url).call() {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{url}: {e}"),
    }
}

/// Status, `Location` and (for a 200) body of `url`, redirects not followed.
fn answer(url: &str) -> (u16, Option<String>, String) {
    let response = unfollowed(url);
    let (status, location) = (response.status(), response.header("location").map(str::to_string));
    let body = response.into_string().unwrap_or_default();
    (status, location, if status == 200 { body } else { String::new() })
}

/// `wrangler dev` (the official CLI, WRANGLER_BIN) serving `assets`
/// in front of a Worker of its own, on a free port; stopped on drop.
struct WranglerDev {
    _dir: tempfile::TempDir,
    child: Child,
    base: String,
}

impl WranglerDev {
    fn start(wrangler: &Path, assets: &Path) -> WranglerDev {
        let dir = tempfile::Builder::new().prefix("cfc-wrangler-dev-").tempdir().unwrap();
        std::fs::write(
            dir.path().join("worker.js"),
            "export default { fetch() { return new Response(\"worker\", { status: 404 }); } };\n",
        )
        .unwrap();
        let config = format!(
            "name = \"redirects-oracle\"\nmain = \"worker.js\"\ncompatibility_date = \"2026-03-05\"\n[assets]\ndirectory = {:?}\nbinding = \"ASSETS\"\n",
            assets.display().to_string()
        );
        std::fs::write(dir.path().join("wrangler.toml"), config).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(wrangler)
            .args(["dev", "--ip", "127.0.0.1", "--port", &port.to_string()])
            .current_dir(dir.path())
            // Nothing fetched from outside: no Request.cf object, no metrics.
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .env("WRANGLER_SEND_METRICS", "false")
            .env("CI", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(120);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "wrangler dev did not listen on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        WranglerDev { _dir: dir, child, base }
    }
}

impl Drop for WranglerDev {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_assets_redirects_and_headers_answer_under_dev_as_under_wrangler_dev_and_a_polled_edit_applies() {
    if !stack::available() {
        return;
    }
    let wrangler = std::env::var("WRANGLER_BIN").map(PathBuf::from).ok().filter(|p| p.is_file());
    if !prerequisite(wrangler.is_some(), "the official CLI (WRANGLER_BIN, installed by scripts/setup.sh)") {
        return;
    }
    // Its own Worker name, so it runs beside the notes test.
    let name = "redirects-notes";
    // Polling instead of filesystem events: the edit at the end must be
    // seen all the same (the hello test covers events).
    let mut dev = Dev::start_edited("notes", name, &[], &[], &["--poll"], |app| {
        std::fs::write(app.join("public/_redirects"), REDIRECTS).unwrap();
        std::fs::write(app.join("public/_headers"), HEADERS).unwrap();
        let config = std::fs::read_to_string(app.join("wrangler.toml")).unwrap();
        std::fs::write(
            app.join("wrangler.toml"),
            config.replacen("name = \"notes\"", &format!("name = \"{name}\""), 1),
        )
        .unwrap();
    });
    let events = events_until_ready(&dev, Duration::from_secs(600));
    let skipped: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["reason"] == "dev-redirect-skipped")
        .map(|e| (e["line"].as_u64().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    let loops = "Infinite loop detected in this rule and has been ignored. This will cause a redirect to strip `.html` or `/index` and end up triggering this rule again. Please fix or remove this rule to silence this warning.";
    assert_eq!(
        skipped,
        [
            (10, "Ignoring duplicate rule for path /old."),
            (11, "Valid status codes are 200, 301, 302 (default), 303, 307, or 308. Got 418."),
            (17, loops),
        ],
        "the lines the official simulator leaves out, in its words"
    );
    assert!(!events.iter().any(|e| e["reason"] == "dev-polling"), "polling was asked for: no warning about it");
    let skipped_headers: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["reason"] == "dev-header-skipped")
        .map(|e| (e["line"].as_u64().unwrap(), e["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped_headers,
        [
            (10, "Specifying ports is not supported. Skipping absolute URL https://127.0.0.1:8443/*."),
            (11, "Path should come before header (x-port: refused)"),
        ]
    );
    let url = events.last().unwrap()["url"].as_str().unwrap().trim_end_matches('/').to_string();

    let oracle = WranglerDev::start(wrangler.as_deref().unwrap(), &dev.app.join("public"));
    for path in ASKED {
        let official = answer(&format!("{}{path}", oracle.base));
        let ours = answer(&format!("{url}{path}"));
        assert_eq!(ours, official, "{path}: (status, Location, body) under dev, then under wrangler dev");
    }
    for path in ["/app.js", "/", "/index.html"] {
        let official = custom_headers(&format!("{}{path}", oracle.base));
        assert_eq!(
            custom_headers(&format!("{url}{path}")),
            official,
            "{path}: the _headers applied under dev, then under wrangler dev"
        );
    }
    // Spelled out: the file's order removed the first rule's header (the
    // path given twice kept its first place), `/x/..` applied to `/`.
    let app = custom_headers(&format!("{url}/app.js"));
    assert_eq!(app, [("link", "</b.css>".to_string()), ("x-content-type-options", "nosniff".to_string())]);
    assert!(custom_headers(&format!("{url}/")).contains(&("x-frame-options", "DENY".to_string())));
    // A few answers spelled out, so a shared mistake would show too.
    assert_eq!(answer(&format!("{url}/old?keep=1")).1.as_deref(), Some("/new?keep=1"));
    assert_eq!(
        answer(&format!("{url}/docs/api/v1/intro?q=x")).1.as_deref(),
        Some("https://docs.example.com/api/v1/intro?q=x")
    );
    assert!(answer(&format!("{url}/page")).2.contains("<h1>Team notes</h1>"), "a 200 rule serves its target");
    let home = answer(&format!("{url}/home"));
    assert_eq!((home.0, home.1.as_deref()), (307, Some("/")), "served from /index.html, which redirects to /");
    drop(oracle);

    // An edit of _redirects reloads and applies.
    std::fs::write(dev.app.join("public/_redirects"), "/old /newer 302\n").unwrap();
    dev.wait_for("dev-change", Duration::from_secs(30));
    dev.wait_for("dev-ready", Duration::from_secs(300));
    assert_eq!(answer(&format!("{url}/old")), (302, Some("/newer".to_string()), String::new()));
    dev.interrupt(name);
}

#[test]
fn a_compatibility_date_newer_than_the_local_runtime_runs_with_its_newest_and_one_warning() {
    if !stack::available() {
        return;
    }
    let name = "hello-newest-date";
    // Newer than workerd 1.20261117.1 accepts (up to 2026-11-24): it
    // refuses such a Worker, and the official CLI 4.164 stops there.
    let mut dev = Dev::start_edited("hello", name, &[], &[], &[], |app| {
        let manifest = std::fs::read_to_string(app.join("Cargo.toml")).unwrap();
        let edited = manifest.replace("compatibility_date = \"2026-11-17\"", "compatibility_date = \"2026-12-01\"");
        assert_ne!(edited, manifest, "the example's date moved; update this test");
        std::fs::write(app.join("Cargo.toml"), edited).unwrap();
    });
    let events = events_until_ready(&dev, Duration::from_secs(600));
    let warnings: Vec<&str> =
        events.iter().filter(|e| e["reason"] == "warning").filter_map(|e| e["message"].as_str()).collect();
    assert_eq!(warnings.len(), 1, "{events:?}");
    assert!(
        warnings[0].contains("compatibility_date 2026-12-01") && warnings[0].contains("dev uses 2026-11-24"),
        "{}",
        warnings[0]
    );
    let url = events.last().unwrap()["url"].as_str().unwrap().to_string();
    assert_eq!(get(&url).unwrap().trim(), "I was passed in via the container class!");
    dev.interrupt(name);
}
