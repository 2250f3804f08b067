//! Life after `deploy`: `status`, `versions`, `rollback`, `instances` and
//! `logs` against the strict API emulator, on Workers deployed by
//! `cargo cfcontainer deploy` with images in the real local registry.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cf_api_emulator::Emulator;
use serde_json::{json, Value};

use crate::support::account::*;
use crate::support::cloud::{api_env, calls, recorded, with_env};
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
fn a_bare_rollback_killed_anywhere_or_losing_any_answer_is_finished_by_a_bare_rerun() {
    let Some(primer) = start() else { return };
    let name = unique("bareback");
    let fixture = worker_fixture(&name, WEB);
    let manifest = fixture.manifest();
    let note = |text: &str| std::fs::write(fixture.path().join("note.txt"), text).unwrap();
    // Both images pushed once, so every run below makes the same calls.
    for text in ["first\n", "second\n"] {
        note(text);
        ok_verb(&primer, &manifest, &["deploy"], &[]);
    }
    // An account where the crate was deployed twice, each time with its image.
    let deployed_twice = || {
        let emulator = crate::support::cloud::emulator().unwrap();
        for text in ["first\n", "second\n"] {
            note(text);
            ok_verb(&emulator, &manifest, &["deploy"], &[]);
        }
        let image = emulator.snapshot()["applications"][0]["configuration"]["image"].clone();
        emulator.clear_log();
        (emulator, image)
    };
    let (baseline, second_image) = deployed_twice();
    ok_verb(&baseline, &manifest, &["rollback", "--yes"], &[]);
    let expected = converged(&baseline);
    assert_ne!(expected["applications"][0]["image"], second_image, "the clean rollback went back: {expected}");
    assert_eq!(expected["scripts"][&name]["deployments"], 3, "{expected}");
    let called = calls(&baseline);
    let converges = |emulator: &Emulator, what: &str| {
        let rerun = ok_verb(emulator, &manifest, &["rollback", "--yes"], &[]);
        assert_eq!(converged(emulator), expected, "a bare rerun after {what}: {rerun}");
        let before = emulator.write_calls().len();
        ok_verb(emulator, &manifest, &["rollback", "--yes"], &[]);
        assert_eq!(emulator.write_calls().len(), before, "a second bare rerun after {what} wrote");
    };
    for kill in Kill::around_each(called.len()) {
        let (emulator, _) = deployed_twice();
        kill.run(&emulator, &manifest, &["rollback", "--yes"], &[]);
        converges(&emulator, &format!("a kill at {kill:?} ({called:?})"));
    }
    let prefix = format!("/accounts/{}", baseline.account_id());
    for (method, path) in baseline.write_calls().into_iter().map(|l| (l.method, l.path)) {
        for kind in answer_lost_faults() {
            let (emulator, _) = deployed_twice();
            let fault =
                cf_api_emulator::Fault { method: method.clone(), path: path.clone(), kind: kind.clone(), times: 1 };
            emulator.inject(fault);
            let (out, _) = run_verb(&emulator, &manifest, &["rollback", "--yes"], &[]);
            assert!(out.status.success(), "{kind:?} on {method} {path}:\n{}", stderr(&out));
            let what = format!("{kind:?} on {method} {}", path.strip_prefix(&prefix).unwrap_or(&path));
            assert_eq!(converged(&emulator), expected, "{what}");
            converges(&emulator, &what);
        }
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
    let changes = status["sync"]["plan"]["script"]["changes"].as_array().unwrap();
    assert!(changes.iter().any(|c| c["change"] == "image" && c["class"] == "Web"), "{changes:?}");
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
fn instances_name_each_durable_object_as_the_official_cli_shows_them() {
    if !crate::support::stack::available() {
        return;
    }
    let Some(wrangler) = wrangler_bin() else { return };
    let Some(registry) = crate::support::cloud::registry() else { return };
    // Pages long enough for the official CLI, whose `--json` reads the first.
    let config =
        cf_api_emulator::Config { registry: Some(registry), max_per_page: 20, ..cf_api_emulator::Config::for_tests() };
    let emulator = Emulator::start(config);
    let name = unique("named");
    let fixture = worker_fixture(&name, WEB);
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let app = format!("{name}-web");
    emulator.place_named_instance(&app, "running", "room-1");
    emulator.place_named_instance(&app, "failed", "room-2");
    // An object made without a name (`newUniqueId`).
    emulator.place_instance(&app, "running", "sfo06");
    let ours = ok_verb(&emulator, &fixture.manifest(), &["instances", "Web"], &[]);
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(&wrangler)
        .args(["containers", "instances", ours["application_id"].as_str().unwrap(), "--json"])
        .current_dir(dir.path())
        .envs(api_env(&emulator))
        .env("CI", "1")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let theirs: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let rows = |listed: &Value, id: &str| {
        let mut rows: Vec<(Value, Value, Value)> =
            listed.as_array().unwrap().iter().map(|r| (r[id].clone(), r["name"].clone(), r["state"].clone())).collect();
        rows.sort_by_key(|r| r.0.to_string());
        rows
    };
    let official = rows(&theirs, "id");
    let names: Vec<&Value> = official.iter().map(|r| &r.1).collect();
    assert!(names.contains(&&json!("room-1")) && names.contains(&&Value::Null), "{theirs}");
    // Each instance's Durable Object, by its id and name, in its state.
    assert_eq!(rows(&ours["instances"], "durable_object"), official, "ours: {ours}");
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

/// Runs the official CLI's `args` for Worker `name` against `emulator`,
/// without a terminal (as CI runs it); the calls it made.
fn official(
    wrangler: &std::path::Path,
    emulator: &Emulator,
    name: &str,
    args: &[&str],
) -> Vec<(String, String, Option<String>, Option<Value>)> {
    run_official(wrangler, emulator, name, args, &[]);
    recorded(emulator)
}

/// The calls of `cargo cfcontainer <args>` on the Worker of `w`.
fn ours(w: &TwoVersions, args: &[&str]) -> Vec<(String, String, Option<String>, Option<Value>)> {
    w.emulator.clear_log();
    w.verb(args);
    recorded(&w.emulator)
}

fn without_bodies(calls: &[(String, String, Option<String>, Option<Value>)]) -> Vec<String> {
    let mut lines: Vec<String> = calls
        .iter()
        .map(|(m, p, q, _)| format!("{m} {p}{}", q.as_deref().map(|q| format!("?{q}")).unwrap_or_default()))
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

#[test]
fn versions_and_rollback_send_what_the_official_cli_sends_besides_the_listed_differences() {
    let Some(wrangler) = wrangler_bin() else { return };
    let Some(w) = two_versions("opsparity") else { return };
    let (second, _) = w.live();
    let first = w.verb(&["versions"])["versions"][1]["id"].as_str().unwrap().to_string();
    let scripts = format!("/workers/scripts/{}", w.name);

    // `versions` reads what `wrangler versions list` and `wrangler
    // deployments list` read together.
    let mut theirs = without_bodies(&official(&wrangler, &w.emulator, &w.name, &["versions", "list"]));
    theirs.extend(without_bodies(&official(&wrangler, &w.emulator, &w.name, &["deployments", "list"])));
    theirs.sort();
    theirs.dedup();
    let mine = without_bodies(&ours(&w, &["versions"]));
    let missing: Vec<&String> = theirs.iter().filter(|c| !mine.contains(c)).collect();
    assert!(missing.is_empty(), "versions does not read {missing:?}; it reads {mine:?}");
    // Listed difference: every version is read on its own, for the images
    // it recorded (the official CLI reads only the deployed ones).
    let extra: Vec<&String> = mine.iter().filter(|c| !theirs.contains(c)).collect();
    assert!(extra.iter().all(|c| c.starts_with(&format!("GET {scripts}/versions/"))), "{extra:?}");

    // The same rollback, by each tool: the same deployment is created.
    let message = "back to the first";
    let theirs = official(&wrangler, &w.emulator, &w.name, &["rollback", &first, "--message", message, "--yes"]);
    w.verb(&["rollback", &second, "--yes"]);
    let mine = ours(&w, &["rollback", &first, "--message", message, "--yes"]);
    let deployment = |calls: &[(String, String, Option<String>, Option<Value>)]| {
        let posts: Vec<_> =
            calls.iter().filter(|(m, p, ..)| m == "POST" && *p == format!("{scripts}/deployments")).collect();
        assert_eq!(posts.len(), 1, "{calls:?}");
        (posts[0].2.clone(), posts[0].3.clone())
    };
    assert_eq!(deployment(&mine), deployment(&theirs));
    // The official CLI 4.164 says how the Durable Objects take up the
    // version: the file's `durable_objects.code_update_strategy`, else
    // deferred for at most 300 seconds.
    assert_eq!(
        deployment(&theirs).1,
        Some(json!({
            "strategy": "percentage",
            "versions": [{ "version_id": first, "percentage": 100 }],
            "annotations": { "workers/message": message },
            "code_update_strategy": { "mode": "deferred", "max_delay": 300 },
        }))
    );
    // Listed difference: ours also rolls the application back to the
    // image that version ran (the official CLI leaves it on the newer one).
    let other_writes: Vec<&(String, String, Option<String>, Option<Value>)> =
        mine.iter().filter(|(m, p, ..)| m != "GET" && !p.ends_with("/deployments")).collect();
    assert_eq!(other_writes.len(), 1, "{other_writes:?}");
    assert!(other_writes[0].1.starts_with("/containers/applications/") && other_writes[0].1.ends_with("/rollouts"));
}

#[test]
fn logs_and_instances_send_what_the_official_cli_sends_for_the_same_filters() {
    let Some(wrangler) = wrangler_bin() else { return };
    let Some(w) = two_versions("tailparity") else { return };
    let app_id = w.emulator.snapshot()["applications"][0]["id"].as_str().unwrap().to_string();
    w.emulator.place_instance(&format!("{}-web", w.name), "running", "sfo06");
    let flags = [
        "--status",
        "ok",
        "--method",
        "GET",
        "--search",
        "foo",
        "--sampling-rate",
        "0.5",
        "--header",
        "k:v",
        "--ip",
        "1.2.3.4",
    ];

    // The official CLI's tail, stopped with Ctrl-C once connected.
    let dir = tempfile::tempdir().unwrap();
    w.emulator.clear_log();
    let mut tail = Command::new(&wrangler)
        .args(["tail", &w.name, "--format", "json"])
        .args(flags)
        .current_dir(dir.path())
        .envs(api_env(&w.emulator))
        .env("CI", "1")
        .env("WRANGLER_SEND_METRICS", "false")
        .env("HOME", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while w.emulator.snapshot()["tails"][0]["connected"] != json!(true) {
        assert!(Instant::now() < deadline, "wrangler tail never connected: {:?}", calls(&w.emulator));
        std::thread::sleep(Duration::from_millis(100));
    }
    Command::new("kill").args(["-INT", &tail.id().to_string()]).status().unwrap();
    tail.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while w.emulator.snapshot()["tails"] != json!([]) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let theirs = recorded(&w.emulator);

    w.emulator.clear_log();
    Follower::start(&w.emulator, &w.manifest(), &flags).interrupt();
    let mine = recorded(&w.emulator);
    #[allow(clippy::type_complexity)]
    let tails = |calls: &[(String, String, Option<String>, Option<Value>)]| -> Vec<(String, Option<Value>)> {
        calls.iter().filter(|(_, p, ..)| p.contains("/tails")).map(|(m, _, _, b)| (m.clone(), b.clone())).collect()
    };
    let (mine, theirs) = (tails(&mine), tails(&theirs));
    assert_eq!(mine[0], theirs[0], "the tail's creation: its filters, in the same order");
    assert_eq!(mine[1..], [("DELETE".to_string(), None)], "ours removes its tail on Ctrl-C");
    // The official CLI 4.164 waits for its DELETE on Ctrl-C too (4.86 left
    // its tail to expire), and connected once (it reconnects, with a new
    // tail, when the socket drops).
    assert_eq!(mine, theirs);

    // `instances` asks what `wrangler containers instances` asks.
    let theirs = without_bodies(&official(&wrangler, &w.emulator, &w.name, &["containers", "instances", &app_id]));
    let mine = without_bodies(&ours(&w, &["instances", "Web"]));
    assert!(theirs.iter().all(|c| mine.contains(c)), "theirs {theirs:?}, ours {mine:?}");
    // Listed difference: the application is found from the class (the
    // Worker's namespaces and the account's applications), so ours reads
    // those too; `status` lists applications with their configuration
    // (`GET /containers/applications`), which the dashboard's list that
    // `wrangler containers list` reads lacks.
    let extra: Vec<&String> = mine.iter().filter(|c| !theirs.contains(c)).collect();
    assert!(
        extra.iter().all(|c| c.starts_with("GET /workers/scripts")
            || c.starts_with("GET /workers/durable_objects/namespaces")
            || c.starts_with("GET /containers/applications")),
        "{extra:?}"
    );
    let listed = without_bodies(&official(&wrangler, &w.emulator, &w.name, &["containers", "list"]));
    assert_eq!(listed, ["GET /containers/dash/applications"]);
    let info = without_bodies(&official(&wrangler, &w.emulator, &w.name, &["containers", "info", &app_id]));
    assert_eq!(info, [format!("GET /containers/applications/{app_id}")]);
}

#[test]
fn images_lists_the_tags_of_two_deploys_with_sizes_and_marks_the_one_the_live_application_and_version_run() {
    let Some(w) = two_versions("images") else { return };
    let (live_version, live_image) = w.live();
    let first_image = image_of(&w.first);
    let digest = |image: &str| image.split_once('@').map(|(_, d)| d.to_string()).unwrap();
    let before = w.emulator.write_calls().len();
    let images = w.verb(&["images"]);
    assert_eq!(w.emulator.write_calls().len(), before, "images wrote {:?}", calls(&w.emulator));
    let application = format!("{}-web", w.name);
    let repositories = images["repositories"].as_array().unwrap();
    let ours = repositories.iter().find(|r| r["name"] == json!(application)).unwrap_or_else(|| panic!("{images}"));
    let tags = ours["tags"].as_array().unwrap();
    assert_eq!(tags.len(), 2, "one tag per deployed image: {ours}");
    let tag_of = |image: &str| {
        tags.iter().find(|t| t["digest"] == json!(digest(image))).unwrap_or_else(|| panic!("{image} in {ours}"))
    };
    let (live, old) = (tag_of(&live_image), tag_of(&first_image));
    assert!(tags.iter().all(|t| t["size"].as_u64().unwrap() > 0), "{ours}");
    assert_eq!(live["applications"], json!([application]), "{live}");
    let versions = w.verb(&["versions"]);
    let first_version = versions["versions"][1]["id"].clone();
    assert_eq!(
        live["versions"],
        json!([{ "id": live_version, "number": versions["versions"][0]["number"], "live": true, "classes": ["Web"] }])
    );
    assert_eq!(old["applications"], json!([]), "{old}");
    assert_eq!(
        old["versions"],
        json!([{ "id": first_version, "number": versions["versions"][1]["number"], "live": false, "classes": ["Web"] }])
    );

    // For people: the live one's uses, marked.
    let env = api_env(&w.emulator);
    let out =
        cfcontainer_with_env(w.fixture.path(), &["images", "--manifest-path", &w.manifest()], &with_env(&env, &[]));
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out).lines().find(|l| l.contains(&application)).map(str::to_string).unwrap_or_default();
    let live_line = stdout(&out).lines().find(|l| l.contains("(live)")).map(str::to_string).unwrap_or_default();
    assert!(!line.is_empty() && live_line.contains(&format!("application {application}")), "{}", stdout(&out));
}

#[test]
fn images_prune_dry_run_plans_to_delete_only_what_no_kept_version_nor_live_application_uses_and_deletes_nothing() {
    let Some(w) = two_versions("prune") else { return };
    let application = format!("{}-web", w.name);
    let digest = |deployed: &Value| image_of(deployed).split_once('@').map(|(_, d)| d.to_string()).unwrap();
    let before = w.emulator.write_calls().len();
    let plan = |extra: &[&str]| {
        let mut args = vec!["images", "prune", "--dry-run"];
        args.extend(extra);
        let (out, _) = run_verb(&w.emulator, &w.manifest(), &args, &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        let line = stdout(&out).lines().find(|l| l.contains(r#""reason":"images-prune""#)).map(str::to_string);
        let plan: Value = serde_json::from_str(&line.unwrap_or_else(|| panic!("{}", stdout(&out)))).unwrap();
        let ours = |list: &str| -> Vec<Value> {
            plan[list].as_array().unwrap().iter().filter(|t| t["repository"] == json!(application)).cloned().collect()
        };
        (ours("delete"), ours("keep"), plan)
    };

    // Every version the API keeps is kept: both images stay.
    let (delete, keep, all) = plan(&[]);
    assert_eq!(delete, Vec::<Value>::new(), "{all}");
    assert_eq!(keep.len(), 2, "{all}");

    // The newest version only: the first deploy's image goes; the live
    // one stays, run by the application.
    let (delete, keep, newest) = plan(&["--keep-versions", "1"]);
    assert_eq!(delete.len(), 1, "{newest}");
    assert_eq!(delete[0]["digest"], json!(digest(&w.first)), "{newest}");
    assert_eq!(keep.len(), 1, "{newest}");
    assert_eq!((&keep[0]["because"], &keep[0]["applications"]), (&json!("application"), &json!([application])));

    // A plan only: the registry still has both, and nothing was written.
    let images = w.verb(&["images"]);
    let repository =
        images["repositories"].as_array().unwrap().iter().find(|r| r["name"] == json!(application)).cloned();
    assert_eq!(repository.map(|r| r["tags"].as_array().unwrap().len()), Some(2), "{images}");
    assert_eq!(w.emulator.write_calls().len(), before, "prune --dry-run wrote {:?}", calls(&w.emulator));
}

/// A second container class, so a deploy pushes two repositories.
const API: &str = "#[cfcontainer::container(class = \"Api\", port = 9090)]\npub struct Api;";

/// `images`' repositories as the official CLI lists them: name and tags.
fn listed_tags(images: &Value) -> std::collections::BTreeMap<String, Vec<String>> {
    let repositories = images["repositories"].as_array().unwrap().iter();
    repositories
        .map(|r| {
            let mut tags: Vec<String> =
                r["tags"].as_array().unwrap().iter().map(|t| t["tag"].as_str().unwrap().into()).collect();
            tags.sort();
            (r["name"].as_str().unwrap().to_string(), tags)
        })
        .collect()
}

#[test]
fn images_lists_the_repositories_and_tags_the_official_cli_lists_asking_what_it_asks_besides_the_listed_differences() {
    use crate::support::front::{behind_front, credentials, official_through_front, ours, sent, MANIFEST_ACCEPT};
    let Some(wrangler) = wrangler_bin() else { return };
    let Some((emulator, front)) = behind_front() else { return };
    let name = unique("imagesparity");
    let fixture = worker_fixture(&name, &format!("{WEB}\n{API}"));
    // Deploys push through the front too, so the images the versions and
    // applications record name the host `images` lists.
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &ours(&front));
    std::fs::write(fixture.path().join("note.txt"), format!("{name} changed\n")).unwrap();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &ours(&front));

    let (theirs, listed) =
        official_through_front(&wrangler, &emulator, &front, &name, &["containers", "images", "list", "--json"]);
    emulator.clear_log();
    let images = ok_verb(&emulator, &fixture.manifest(), &["images"], &ours(&front));
    let mine = sent(&emulator, &front);

    // The same repositories and tags (the account holds only this test's).
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let theirs_listed = listed_tags(&json!({ "repositories": listed.as_array().unwrap().iter().map(|r| json!({
        "name": r["name"], "tags": r["tags"].as_array().unwrap().iter().map(|t| json!({ "tag": t })).collect::<Vec<_>>(),
    })).collect::<Vec<_>>() }));
    assert_eq!(listed_tags(&images), theirs_listed);
    let (api, web) = (format!("{name}-api"), format!("{name}-web"));
    assert_eq!(theirs_listed.keys().collect::<Vec<_>>(), [&api, &web]);
    assert!(theirs_listed.values().all(|tags| tags.len() == 2), "one tag per deploy: {theirs_listed:?}");

    // The API: the same credentials, five minutes to pull.
    assert_eq!(theirs.api, [credentials(&["pull"])]);
    assert_eq!(mine.api[0], credentials(&["pull"]));
    // Listed difference: ours also reads the Worker's deployments and
    // versions (the images each recorded) and the live applications, to
    // say what uses each tag.
    let mut reads: Vec<String> = mine.api[1..]
        .iter()
        .map(|(m, p, q, _)| format!("{m} {p}{}", q.as_deref().map(|q| format!("?{q}")).unwrap_or_default()))
        .collect();
    reads.sort();
    let scripts = format!("GET /workers/scripts/{name}");
    let mut expected = vec![
        "GET /containers/applications".to_string(),
        format!("{scripts}/deployments"),
        format!("{scripts}/versions?deployable=true"),
    ];
    expected.extend(
        images["versions"].as_array().unwrap().iter().map(|v| format!("{scripts}/versions/{}", v.as_str().unwrap())),
    );
    expected.sort();
    assert_eq!(reads, expected);

    // The registry: the catalog with tags, page by page (the emulator's
    // pages hold one repository).
    let user = std::env::var("CFC_REGISTRY_USER").unwrap();
    let cursor = format!("{{account}}%2F{api}");
    assert_eq!(
        theirs.registry,
        [
            "GET /v2/_catalog?tags=true accept=*/* as v1 -> 200".to_string(),
            format!("GET /v2/_catalog?tags=true&last={cursor} accept=*/* as v1 -> 200"),
        ]
    );
    // Listed differences: ours sends the user name the API returned (the
    // official CLI 4.164 always sends `v1`), and follows the `Link` as the
    // registry gave it, keeping its `n` (the official CLI builds the next
    // page's URL from `last` alone).
    let (catalog, manifests): (Vec<String>, Vec<String>) =
        mine.registry.iter().cloned().partition(|c| c.starts_with("GET /v2/_catalog"));
    assert_eq!(
        catalog,
        [
            format!("GET /v2/_catalog?tags=true accept=*/* as {user} -> 200"),
            format!("GET /v2/_catalog?tags=true&n=1&last={cursor} accept=*/* as {user} -> 200"),
        ]
    );
    // Listed difference: ours reads each tag's manifest (several at once),
    // for its digest, matched against what versions and applications
    // recorded, and its size.
    let mut manifests = manifests;
    manifests.sort();
    let mut expected: Vec<String> = theirs_listed
        .iter()
        .flat_map(|(repository, tags)| {
            let user = &user;
            tags.iter().map(move |tag| {
                format!("GET /v2/{{account}}/{repository}/manifests/{tag} accept={MANIFEST_ACCEPT} as {user} -> 200")
            })
        })
        .collect();
    expected.sort();
    assert_eq!(manifests, expected);
}

#[test]
fn images_delete_deletes_a_tag_through_the_registry_front_as_the_official_cli_deletes_one_and_only_that_tag_goes() {
    use crate::support::front::{behind_front, credentials, official_deletion, official_through_front, ours, sent};
    use crate::support::front::{MANIFEST_ACCEPT, OFFICIAL_DELETE_ACCEPT};
    let Some(wrangler) = wrangler_bin() else { return };
    let Some((emulator, front)) = behind_front() else { return };
    let name = unique("imagesdelete");
    let fixture = worker_fixture(&name, &format!("{WEB}\n{API}"));
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &ours(&front));
    std::fs::write(fixture.path().join("note.txt"), format!("{name} changed\n")).unwrap();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &ours(&front));
    let images = ok_verb(&emulator, &fixture.manifest(), &["images"], &ours(&front));
    let (api, web) = (format!("{name}-api"), format!("{name}-web"));
    // The first deploy's tag (the same in both repositories: one image),
    // which no live application runs.
    let old = images["repositories"][0]["tags"].as_array().unwrap().iter().find(|t| t["applications"] == json!([]));
    let (old, live) = {
        let old = old.unwrap_or_else(|| panic!("{images}"));
        let live = images["repositories"][0]["tags"].as_array().unwrap().iter().find(|t| t["tag"] != old["tag"]);
        (old["tag"].as_str().unwrap().to_string(), live.unwrap()["tag"].as_str().unwrap().to_string())
    };
    let digest = images["repositories"][0]["tags"].as_array().unwrap().iter().find(|t| t["tag"] == json!(old)).unwrap()
        ["digest"]
        .clone();

    // The official CLI deletes the Api class's old tag.
    let image = format!("{api}:{old}");
    let (theirs, out) =
        official_through_front(&wrangler, &emulator, &front, &name, &["containers", "images", "delete", &image, "-y"]);
    assert!(out.contains(&format!("Deleted {image} ({})", digest.as_str().unwrap())), "{out}");
    assert_eq!(theirs.api, [credentials(&["pull", "push"])]);
    assert_eq!(theirs.registry, official_deletion(&api, &old, "v1"));

    // Ours deletes the Web class's (a kept version recorded it: --force).
    emulator.clear_log();
    let (out, _) = run_verb(
        &emulator,
        &fixture.manifest(),
        &["images", "delete", &format!("{web}:{old}"), "--force", "--yes"],
        &ours(&front),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mine = sent(&emulator, &front);
    // The same three calls at the end, with the user the API named and
    // (listed difference) every manifest type accepted, so an image index
    // is found and deleted too.
    let user = std::env::var("CFC_REGISTRY_USER").unwrap();
    let deletion: Vec<String> = official_deletion(&web, &old, &user)
        .iter()
        .map(|call| call.replace(OFFICIAL_DELETE_ACCEPT, MANIFEST_ACCEPT))
        .collect();
    let (before, deleting) = mine.registry.split_at(mine.registry.len().saturating_sub(3));
    assert_eq!(deleting, deletion, "{:#?}", mine.registry);
    // Listed difference: before them ours reads what `images` reads (the
    // catalog, each tag's manifest), to plan as a prune plans.
    assert!(before.iter().all(|c| c.starts_with("GET /v2/")), "{before:#?}");
    // The API: the same credentials to delete, asked last; before them
    // ours reads (with pull credentials) what `images` reads, and the
    // applications once more right before deleting, so that a tag a live
    // application has just moved onto is never deleted.
    let (last, reads) = mine.api.split_last().unwrap();
    assert_eq!(*last, credentials(&["pull", "push"]));
    assert_eq!(reads[0], credentials(&["pull"]));
    assert!(reads[1..].iter().all(|(method, ..)| method == "GET"), "{reads:#?}");
    assert_eq!(reads.last().map(|r| r.1.as_str()), Some("/containers/applications"));

    // Gone from the real registry, each from its repository; the live
    // tags stay.
    let registry = crate::support::cloud::registry().unwrap();
    let account = emulator.account_id();
    for repository in [&api, &web] {
        assert_eq!(registry.has_manifest(&format!("{account}/{repository}"), &old), Ok(false), "{repository}");
        assert_eq!(registry.has_manifest(&format!("{account}/{repository}"), &live), Ok(true), "{repository}");
    }
    let after = ok_verb(&emulator, &fixture.manifest(), &["images"], &ours(&front));
    assert_eq!(listed_tags(&after).into_values().collect::<Vec<_>>(), [vec![live.clone()], vec![live]]);
}
