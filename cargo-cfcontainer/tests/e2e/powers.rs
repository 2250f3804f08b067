//! The container powers a hook reaches through `Control` (exec, directory
//! snapshots, the inactivity timeout, starts with labels, image and
//! instance type), in workerd with the real Docker engine: the e2e
//! worker's `shell` class, whose image has busybox.

use std::time::{Duration, Instant};

use crate::support::stack::{available, Stack};

/// Status and body, whether the status is an error or not.
fn answer(result: Result<ureq::Response, ureq::Error>) -> (u16, String) {
    match result {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap()),
        Err(e) => panic!("transport error: {e}"),
    }
}

/// What `/power/exec` answers.
#[derive(serde::Deserialize, Debug)]
struct Ran {
    status: String,
    stdout: String,
    stderr: String,
}

/// Runs `args` in `instance`'s container with `stdin`.
fn exec(stack: &Stack, instance: &str, args: &[&str], stdin: &str, timeout_ms: Option<u64>) -> Ran {
    let mut req = stack.request("POST", "shell", instance, "/power/exec");
    for arg in args {
        req = req.query("arg", arg);
    }
    if let Some(ms) = timeout_ms {
        req = req.query("timeout_ms", &ms.to_string());
    }
    let (status, body) = answer(req.send_string(stdin));
    assert_eq!(status, 200, "{body}\n{}", stack.log());
    serde_json::from_str(&body).unwrap()
}

/// Starts `instance` with a plain request; its process id.
fn warm(stack: &Stack, instance: &str) -> String {
    let (status, id) = answer(stack.request("GET", "shell", instance, "/id").call());
    assert_eq!(status, 200, "{id}\n{}", stack.log());
    id
}

#[test]
fn exec_returns_the_exit_code_stdout_and_stderr_of_a_command() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    warm(&stack, "exec");
    let ran = exec(&stack, "exec", &["sh", "-c", "echo to-out; echo to-err >&2; exit 3"], "", None);
    assert_eq!((ran.status.as_str(), ran.stdout.as_str(), ran.stderr.as_str()), ("exited:3", "to-out\n", "to-err\n"));
}

#[test]
fn exec_hands_the_request_body_to_the_command_on_stdin() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    warm(&stack, "stdin");
    let ran = exec(&stack, "stdin", &["wc", "-l"], "one\ntwo\nthree\n", None);
    assert_eq!((ran.status.as_str(), ran.stdout.trim()), ("exited:0", "3"), "{ran:?}");
}

#[test]
fn a_command_past_its_timeout_is_killed_and_reported_as_timed_out() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    warm(&stack, "slow");
    let begin = Instant::now();
    let ran = exec(&stack, "slow", &["sh", "-c", "echo started; sleep 30"], "", Some(1_000));
    let took = begin.elapsed();
    assert_eq!((ran.status.as_str(), ran.stdout.as_str()), ("timed-out", "started\n"), "{ran:?}");
    assert!(took < Duration::from_secs(10), "killed after {took:?}, the limit was 1 s");
    // The container itself lives on.
    assert_eq!(exec(&stack, "slow", &["true"], "", None).status, "exited:0");
}

#[test]
fn exec_on_a_container_that_is_not_running_says_to_start_it() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    let (status, body) = answer(stack.request("POST", "shell", "cold", "/power/exec").query("arg", "true").call());
    assert_eq!(status, 500, "{body}");
    assert!(stack.log_count_settled("exec needs a running container: start it first", 1) >= 1, "{}", stack.log());
    assert_eq!(stack.containers("Shell"), (0, 0), "exec starts nothing");
}

/// Writes `/data/sub/note` in `instance`'s container, started here.
fn write_note(stack: &Stack, instance: &str) {
    warm(stack, instance);
    let wrote = exec(stack, instance, &["sh", "-c", "mkdir -p /data/sub && echo kept > /data/sub/note"], "", None);
    assert_eq!(wrote.status, "exited:0", "{wrote:?}");
}

/// `instance`'s snapshot (`/power/snapshot` with `query`), as JSON.
fn snapshot(stack: &Stack, instance: &str, query: &[(&str, &str)]) -> (String, serde_json::Value) {
    let mut req = stack.request("POST", "shell", instance, "/power/snapshot");
    for (k, v) in query {
        req = req.query(k, v);
    }
    let (status, snapshot) = answer(req.call());
    assert_eq!(status, 200, "{snapshot}\n{}", stack.log());
    let taken: serde_json::Value = serde_json::from_str(&snapshot).unwrap();
    assert_eq!(taken["name"].as_str(), Some("e2e"), "{snapshot}");
    assert!(taken["size"].as_u64().is_some_and(|s| s > 0), "{snapshot}");
    (snapshot, taken)
}

#[test]
fn a_directory_snapshot_restored_into_a_new_instance_has_the_files() {
    if !available() {
        return;
    }
    // Declared first, so dropped after the stack and its containers.
    let mut volumes = Vec::new();
    // workerd 1.20261117.1 offers directory snapshots under this flag only.
    let stack = Stack::start_with_flags(&["experimental"]);
    write_note(&stack, "writer");
    let (snapshot, taken) = snapshot(&stack, "writer", &[("dir", "/data")]);
    assert_eq!(taken["dir"].as_str(), Some("/data"), "{snapshot}");
    volumes.push(Volume(format!("workerd-snap-{}", taken["id"].as_str().unwrap_or_default())));

    // The snapshot as stored (JSON) starts another instance.
    let (status, body) =
        answer(stack.request("POST", "shell", "reader", "/power/start").send_string(&format!("[{snapshot}]")));
    assert_eq!((status, body.as_str()), (200, "ready=true"), "{}", stack.log());
    // The clone mounted into the reader, which workerd (killed with the
    // stack) would leave behind.
    let mounts = stack.inspect("Shell").into_iter().flat_map(|c| c.mounts.unwrap_or_default());
    volumes.extend(mounts.filter_map(|m| m.name).filter(|n| n.starts_with("workerd-snap-clone-")).map(Volume));
    let read = exec(&stack, "reader", &["cat", "/data/sub/note"], "", None);
    assert_eq!((read.status.as_str(), read.stdout.as_str()), ("exited:0", "kept\n"), "{read:?}");
}

#[test]
fn without_the_experimental_flag_a_directory_snapshot_is_one_clear_error() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    warm(&stack, "flagless");
    let (status, _) =
        answer(stack.request("POST", "shell", "flagless", "/power/snapshot").query("dir", "/data").call());
    assert_eq!(status, 500);
    let line = "directory snapshots only with the `experimental` compatibility flag";
    assert!(stack.log_count_settled(line, 1) >= 1, "{}", stack.log());
}

#[test]
fn a_container_snapshot_starts_a_new_instance_with_the_files() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    write_note(&stack, "whole");
    let (snapshot, taken) = snapshot(&stack, "whole", &[]);
    let _image = Image(format!("workerd-container-snap-{}", taken["id"].as_str().unwrap_or_default()));
    let (status, body) = answer(
        stack.request("POST", "shell", "copy", "/power/start").query("from", "container").send_string(&snapshot),
    );
    assert_eq!((status, body.as_str()), (200, "ready=true"), "{}", stack.log());
    let read = exec(&stack, "copy", &["cat", "/data/sub/note"], "", None);
    assert_eq!((read.status.as_str(), read.stdout.as_str()), ("exited:0", "kept\n"), "{read:?}");
}

/// A snapshot volume workerd keeps, removed when dropped.
struct Volume(String);

impl Drop for Volume {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker").args(["volume", "rm", "-f", &self.0]).output();
    }
}

/// A container snapshot's image, removed when dropped (after the stack's
/// containers, which are dropped later, it stays if still in use).
struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker").args(["image", "rm", "-f", &self.0]).output();
    }
}

#[test]
fn a_container_with_an_inactivity_timeout_outlives_its_object_and_the_next_object_finds_it() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    // Without one, the container goes with its object.
    let first = warm(&stack, "plain");
    let _ = stack.request("POST", "shell", "plain", "/power/abort").call();
    // The next object may still see the old container, as workerd removes
    // it: that request fails (killed, 137) and the next starts a new one.
    let again = (0..3)
        .find_map(|_| match answer(stack.request("GET", "shell", "plain", "/id").call()) {
            (200, id) => Some(id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no new container after the abort\n{}", stack.log()));
    assert_ne!(first, again, "the container survived its object without an inactivity timeout");

    let first = warm(&stack, "kept");
    let (status, body) =
        answer(stack.request("POST", "shell", "kept", "/power/inactivity").query("ms", "60000").call());
    assert_eq!((status, body.as_str()), (200, "set"), "{}", stack.log());
    let _ = stack.request("POST", "shell", "kept", "/power/abort").call();
    let again = warm(&stack, "kept");
    assert_eq!(first, again, "a new container answered: the old one did not outlive its object\n{}", stack.log());
}

#[test]
fn an_inactivity_timeout_of_zero_is_refused() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    warm(&stack, "zero");
    let (status, _) = answer(stack.request("POST", "shell", "zero", "/power/inactivity").query("ms", "0").call());
    assert_eq!(status, 500);
    assert!(stack.log_count_settled("set_inactivity_timeout needs at least 1 ms", 1) >= 1, "{}", stack.log());
}

#[test]
fn a_start_with_another_image_labels_and_an_instance_type_runs_that_image_and_reports_the_labels() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    let image = stack.image("Basic");
    let (status, body) = answer(
        stack
            .request("POST", "shell", "options", "/power/start")
            .query("image", &image)
            .query("instance", "standard-1")
            .query("label", "team=search")
            .call(),
    );
    assert_eq!((status, body.as_str()), (200, "ready=true"), "{}", stack.log());
    let seen = stack.inspect("Shell");
    let config = seen.first().and_then(|c| c.config.clone()).expect("the container");
    assert_eq!(config.image.as_deref(), Some(image.as_str()));
    // Its image has no shell: the class's own image is not the one running.
    let ran = exec(&stack, "options", &["true"], "", None);
    assert_ne!(ran.status, "exited:0", "exec found a shell in an image without one: {ran:?}");
    // Locally workerd keeps labels to itself (not on the Docker container):
    // the runtime reports them.
    let (status, seen) = answer(stack.request("GET", "shell", "options", "/power/inspect").call());
    assert_eq!((status, seen), (200, format!("team=search\nimage={image}")));
}

#[test]
fn an_eleventh_label_is_refused_before_anything_starts() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    let mut req = stack.request("POST", "shell", "labels", "/power/start");
    for i in 0..11 {
        req = req.query("label", &format!("l{i}=v"));
    }
    let (status, _) = answer(req.call());
    assert_eq!(status, 500);
    assert!(stack.log_count_settled("11 container labels given, at most 10", 1) >= 1, "{}", stack.log());
    assert_eq!(stack.containers("Shell"), (0, 0));
}

#[test]
fn a_spawned_commands_stdout_streams_to_the_client_as_it_comes() {
    use std::io::BufRead;
    if !available() {
        return;
    }
    let stack = Stack::start();
    warm(&stack, "stream");
    let begin = Instant::now();
    let response = stack
        .request("GET", "shell", "stream", "/power/stream")
        .query("arg", "sh")
        .query("arg", "-c")
        .query("arg", "echo first; sleep 3; echo second")
        .call()
        .unwrap_or_else(|e| panic!("{e}\n{}", stack.log()));
    let mut lines = std::io::BufReader::new(response.into_reader()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "first");
    let first_at = begin.elapsed();
    assert_eq!(lines.next().unwrap().unwrap(), "second");
    let second_at = begin.elapsed();
    assert!(lines.next().is_none(), "the stream ends with the command");
    assert!(
        second_at - first_at >= Duration::from_secs(2),
        "first at {first_at:?}, second at {second_at:?}: not streamed"
    );
}

#[test]
fn what_a_hook_writes_to_a_spawned_commands_stdin_reaches_the_command() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    warm(&stack, "pipe");
    let (status, body) =
        answer(stack.request("POST", "shell", "pipe", "/power/pipe").send_string("through the pipe\n"));
    assert_eq!((status, body.as_str()), (200, "through the pipe\n"), "{}", stack.log());
}
