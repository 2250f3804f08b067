//! Life after `deploy`: `status`, `versions`, `rollback`, `instances` and
//! `logs` against the strict API emulator, on Workers deployed by
//! `cargo cfcontainer deploy` with images in the real local registry.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cf_api_emulator::Emulator;
use serde_json::{json, Value};

use crate::support::account::*;
use crate::support::cloud::{api_env, calls, with_env};
use crate::support::*;

/// A Worker with container class `Web`, deployed twice: the second time
/// with a changed container, so its two versions ran different images.
struct TwoVersions {
    emulator: Emulator,
    fixture: Fixture,
    name: String,
    first: Value,
    second: Value,
}

fn two_versions(prefix: &str) -> Option<TwoVersions> {
    let emulator = start()?;
    let name = unique(prefix);
    let fixture = worker_fixture(&name, WEB);
    let first = ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    std::fs::write(fixture.path().join("note.txt"), format!("{name} changed\n")).unwrap();
    let second = ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    Some(TwoVersions { emulator, fixture, name, first, second })
}

impl TwoVersions {
    fn manifest(&self) -> String {
        self.fixture.manifest()
    }

    /// The live version and the application's image.
    fn live(&self) -> (String, String) {
        let snapshot = self.emulator.snapshot();
        let version = snapshot["scripts"][&self.name]["version_id"].as_str().unwrap().to_string();
        let image = snapshot["applications"][0]["configuration"]["image"].as_str().unwrap().to_string();
        (version, image)
    }

    fn verb(&self, args: &[&str]) -> Value {
        ok_verb(&self.emulator, &self.manifest(), args, &[])
    }

    fn writes_during(&self, args: &[&str]) -> Vec<String> {
        let before = self.emulator.write_calls().len();
        self.verb(args);
        self.emulator.write_calls()[before..].iter().map(|l| format!("{} {}", l.method, l.path)).collect()
    }
}

fn image_of(deployed: &Value) -> String {
    deployed["applications"][0]["image"].as_str().unwrap().to_string()
}

#[test]
fn a_rollback_moves_the_worker_and_its_image_back_together_and_again_writes_nothing() {
    let Some(w) = two_versions("rollback") else { return };
    let (second_version, second_image) = w.live();
    assert_eq!(second_image, image_of(&w.second));
    assert_ne!(image_of(&w.first), image_of(&w.second), "the changed container is another image");

    let versions = w.verb(&["versions"]);
    let listed = versions["versions"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{versions}");
    assert_eq!((&listed[0]["id"], &listed[0]["live"]), (&json!(second_version), &json!(true)), "newest first");
    assert_eq!(listed[1]["by"], "cargo cfcontainer", "{versions}");
    let first_version = listed[1]["id"].as_str().unwrap().to_string();
    assert!(listed[0]["images"]["Web"] != listed[1]["images"]["Web"], "each version's own image: {versions}");

    // Without a version: the one deployed before, as the official CLI picks it.
    let rolled = w.verb(&["rollback", "--yes"]);
    assert_eq!(rolled["plan"]["to"], json!(first_version), "{rolled}");
    assert_eq!(w.live(), (first_version.clone(), image_of(&w.first)), "the first version runs its first image");

    let again = w.writes_during(&["rollback", &first_version, "--yes"]);
    assert!(again.is_empty(), "rolling back to the live version wrote {again:?}");
    // And forward again, by id.
    w.verb(&["rollback", &second_version, "--yes"]);
    assert_eq!(w.live(), (second_version, second_image));
}

#[test]
fn a_rollback_killed_after_any_of_its_calls_converges_on_rerun() {
    let Some(w) = two_versions("killback") else { return };
    let (second_version, second_image) = w.live();
    let first_version = w.verb(&["versions"])["versions"][1]["id"].as_str().unwrap().to_string();
    w.emulator.clear_log();
    w.verb(&["rollback", &first_version, "--yes"]);
    let calls_made = w.emulator.log().len();
    let wanted = w.live();
    for kill_after in 1..=calls_made {
        // Back to the second version, then a rollback killed after `kill_after` calls.
        w.verb(&["rollback", &second_version, "--yes"]);
        assert_eq!(w.live(), (second_version.clone(), second_image.clone()));
        let n = kill_after.to_string();
        let (killed, _) = run_verb(
            &w.emulator,
            &w.manifest(),
            &["rollback", &first_version, "--yes"],
            &[("CFCONTAINER_TEST_KILL_AFTER_API_CALLS", &n)],
        );
        assert_eq!(killed.status.code(), Some(137), "the hook did not kill after call {kill_after}");
        w.verb(&["rollback", &first_version, "--yes"]);
        assert_eq!(w.live(), wanted, "after a kill after call {kill_after}");
        assert_eq!(w.emulator.snapshot()["applications"].as_array().unwrap().len(), 1);
    }
}

#[test]
fn status_says_in_sync_until_a_local_edit_and_names_the_change() {
    let Some(w) = two_versions("status") else { return };
    w.emulator.place_instance(&format!("{}-web", w.name), "running", "sfo06");
    w.emulator.place_instance(&format!("{}-web", w.name), "provisioning", "lhr01");
    let before = w.emulator.write_calls().len();
    let status = w.verb(&["status"]);
    assert_eq!(status["sync"]["state"], "in_sync", "{status}");
    assert_eq!(status["live"]["by"], "cargo cfcontainer", "{status}");
    let app = &status["applications"][0];
    assert_eq!((&app["class"], &app["instance_type"]), (&json!("Web"), &json!("lite")), "{status}");
    assert_eq!((&app["instances"]["active"], &app["instances"]["starting"]), (&json!(1), &json!(1)), "{status}");
    assert_eq!(app["rollout"]["status"], "completed", "the second deploy rolled the new image out: {status}");
    assert!(app["cost"]["max_per_hour_usd"].as_f64().unwrap() > 0.0, "{status}");
    assert_eq!(app["cost"]["idle_secs"], 600, "the attribute's default sleep_after: {status}");
    assert!(status["url"].as_str().unwrap().ends_with(".workers.dev"), "{status}");

    std::fs::write(w.fixture.path().join("note.txt"), "edited locally\n").unwrap();
    let status = w.verb(&["status"]);
    assert_eq!(status["sync"]["state"], "changes", "{status}");
    let changes = status["sync"]["changes"].to_string();
    assert!(changes.contains("image of Web"), "{changes}");
    let (out, _) = run_verb(&w.emulator, &w.manifest(), &["status"], &[]);
    assert!(out.status.success());
    assert_eq!(w.emulator.write_calls().len(), before, "status wrote to the account");
    let human = cfcontainer_with_env(
        w.fixture.path(),
        &["status", "--manifest-path", &w.manifest()],
        &with_env(&api_env(&w.emulator), &[]),
    );
    let text = stdout(&human);
    assert!(text.contains("not in sync: ") && text.contains("run `cargo cfcontainer plan`"), "{text}");
}

#[test]
fn instances_lists_the_applications_instances_and_reads_only() {
    let Some(w) = two_versions("instances") else { return };
    let app = format!("{}-web", w.name);
    let ids: Vec<String> =
        ["running", "failed", "running"].iter().map(|s| w.emulator.place_instance(&app, s, "sfo06")).collect();
    let before = w.emulator.write_calls().len();
    let listed = w.verb(&["instances", "Web"]);
    let got: Vec<(&str, &str)> = listed["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap(), i["state"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [(&*ids[0], "running"), (&*ids[1], "failed"), (&*ids[2], "running")], "every page: {listed}");
    assert!(
        w.emulator.log().iter().any(|l| l.query.as_deref().is_some_and(|q| q.contains("page_token"))),
        "paged by token"
    );
    assert_eq!(w.emulator.write_calls().len(), before);
}

#[test]
fn bad_input_to_each_verb_is_one_line_naming_what_exists_and_writes_nothing() {
    let Some(w) = two_versions("badops") else { return };
    let before = w.emulator.write_calls().len();
    let failing = |args: &[&str], extra: &[(&'static str, &str)], needles: &[&str]| {
        let (out, _) = run_verb(&w.emulator, &w.manifest(), args, extra);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        let last = err.lines().last().unwrap_or_default();
        assert!(last.starts_with("error: ") && needles.iter().all(|n| last.contains(n)), "{args:?}: {err}");
    };
    failing(&["instances", "Nope"], &[], &["`Nope`", "its classes: Web"]);
    failing(&["rollback", "0000dead", "--yes"], &[], &["`0000dead`", "(live)", "cargo cfcontainer versions"]);
    failing(&["status", "--env", "prod"], &[], &["--env prod needs a wrangler file"]);
    // Without a terminal, a rollback needs --yes; it shows its plan first.
    let (out, _) = run_verb(&w.emulator, &w.manifest(), &["rollback"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("rollback-plan"), "{}", stdout(&out));
    assert!(stderr(&out).contains("rerun with --yes"), "{}", stderr(&out));
    // A token that reads Workers scripts only: each verb names what it lacks.
    let read_only = [("CLOUDFLARE_API_TOKEN", "scripts-read-token")];
    failing(&["instances", "Web"], &read_only, &["Containers Read"]);
    failing(&["logs"], &read_only, &["Workers Tail Read"]);
    failing(&["rollback", "--yes"], &read_only, &["Containers Read"]);
    assert_eq!(w.emulator.write_calls().len(), before, "bad input wrote {:?}", &calls(&w.emulator)[before..]);
    // A Worker that is not deployed.
    let other = worker_fixture(&unique("undeployed"), WEB);
    let (out, _) = run_verb(&w.emulator, &other.manifest(), &["versions"], &[]);
    assert!(stderr(&out).lines().last().unwrap_or_default().contains("is not deployed"), "{}", stderr(&out));
}

/// `cargo cfcontainer logs` running in the background.
struct Follower {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Follower {
    fn start(emulator: &Emulator, manifest: &str, filters: &[&str]) -> Follower {
        let mut args = vec!["cfcontainer", "logs", "--manifest-path", manifest, "--message-format", "json"];
        args.extend(filters);
        let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-cfcontainer"))
            .args(&args)
            .envs(api_env(emulator))
            .env("CARGO_TARGET_DIR", root().join("target/fixtures"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let follower = Follower { child, lines };
        follower.next_with("\"reason\":\"tail\"", Duration::from_secs(60)).expect("logs connected");
        follower
    }

    /// The next stdout line containing `needle`, within `wait`.
    fn next_with(&self, needle: &str, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    }

    /// Ctrl-C, and the exit status.
    fn interrupt(mut self) -> std::process::ExitStatus {
        Command::new("kill").args(["-INT", &self.child.id().to_string()]).status().unwrap();
        self.child.wait().unwrap()
    }
}

#[test]
fn logs_prints_the_workers_events_as_its_filters_say_and_removes_its_tail_on_ctrl_c() {
    let Some(emulator) = start() else { return };
    let name = unique("logs");
    let fixture = worker_fixture(&name, WEB);
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let follower = Follower::start(&emulator, &fixture.manifest(), &["--status", "error"]);
    let tails = emulator.snapshot()["tails"].clone();
    assert_eq!(
        tails[0]["filters"],
        json!([{ "outcome": ["exception", "exceededCpu", "exceededMemory", "unknown"] }]),
        "{tails}"
    );
    // An answered request does not pass `--status error`; a throwing one does.
    emulator.call_worker(&name, "GET", "/fine", &[("x-emulator-console", "log all fine")]).unwrap();
    let lifecycle = format!("log {}Web stopped with exit code 1", cfcontainer_meta::LIFECYCLE_PREFIX);
    emulator
        .call_worker(
            &name,
            "POST",
            "/boom",
            &[("x-emulator-console", &lifecycle), ("x-emulator-exception", "Error: boom")],
        )
        .unwrap();
    let line = follower.next_with("\"reason\":\"log\"", Duration::from_secs(30)).expect("an event");
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        (&event["outcome"], &event["event"]["request"]["method"]),
        (&json!("exception"), &json!("POST")),
        "{event}"
    );
    assert!(event.to_string().contains("stopped with exit code 1"), "{event}");
    assert!(!line.contains("all fine"), "the filter let an ok event through: {line}");
    let status = follower.interrupt();
    assert!(status.success(), "Ctrl-C is a clean stop: {status}");
    assert_eq!(emulator.snapshot()["tails"], json!([]), "the tail was removed");
    let tail_calls: Vec<String> = calls(&emulator).into_iter().filter(|c| c.contains("/tails")).collect();
    assert_eq!(tail_calls.len(), 2, "{tail_calls:?}");
    assert!(tail_calls[0].starts_with("POST ") && tail_calls[1].starts_with("DELETE "), "{tail_calls:?}");
}
