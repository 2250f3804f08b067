//! `cargo cfcontainer plan`, `deploy` and `destroy` against the strict API
//! emulator, with images in the real local registry.

use crate::support::account::*;
use crate::support::cloud::{calls, emulator};
use crate::support::parity::*;
use crate::support::*;
use cf_api_emulator::{Emulator, Fault, FaultKind};
use serde_json::{json, Value};

/// [`start`], with examples/hello's image already in the registry.
///
/// Tests that replay a baseline deploy's calls need every later deploy to
/// make the same calls. The first deploy on a machine whose registry lacks
/// the image also pushes it (with credentials that every deploy asks for to
/// look in the registry); later ones find it. Pushing first (through a throwaway emulator)
/// makes the baseline look like every deploy after it, on a fresh machine
/// as on one that ran the suite before.
fn start_with_hello_pushed() -> Option<Emulator> {
    let warm = start()?;
    ok_verb(&warm, &hello_manifest(), &["push"], &[]);
    emulator()
}

fn hello_manifest() -> String {
    root().join("examples/hello/Cargo.toml").display().to_string()
}

/// Runs `verb` and checks that it fails with exit code 1, its last line
/// (the error) containing each of `needles`, before any API call but the
/// reads of the checks that need no build (the account, the resources
/// the file binds, registry credentials).
fn fails_before_any_call(emulator: &Emulator, fixture: &Fixture, verb: &str, needles: &[&str]) {
    let (out, _) = run_verb(emulator, &fixture.manifest(), &[verb], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(needles.iter().all(|n| last.contains(n)), "{last}");
    let checks = |call: &String| call.starts_with("GET ") || call.ends_with("/credentials");
    assert!(calls(emulator).iter().all(checks), "asked the API before failing: {:?}", calls(emulator));
    assert!(emulator.write_calls().is_empty(), "wrote before failing: {:?}", calls(emulator));
}

/// The account without ids and timestamps.
fn shape(emulator: &Emulator) -> Value {
    let snapshot = emulator.snapshot();
    let class_of = |id: &Value| {
        snapshot["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == *id)
            .map(|n| n["class"].clone())
            .unwrap_or(Value::Null)
    };
    let scripts: serde_json::Map<String, Value> = snapshot["scripts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, s)| (name.clone(), json!({ "migration_tag": s["migration_tag"], "containers": s["containers"], "bindings": s["bindings"], "modules": s["modules"], "workers_dev": s["workers_dev"] })))
        .collect();
    let namespaces: Vec<Value> = snapshot["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| json!([n["script"], n["class"], n["use_sqlite"]]))
        .collect();
    let applications: Vec<Value> = snapshot["applications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| json!({ "name": a["name"], "image": a["configuration"]["image"], "max_instances": a["max_instances"], "class": class_of(&a["durable_objects"]["namespace_id"]) }))
        .collect();
    json!({ "scripts": scripts, "namespaces": namespaces, "applications": applications })
}

#[test]
fn hello_deploys_from_nothing_then_nothing_changes_and_destroy_empties_the_account() {
    let Some(emulator) = start() else { return };
    let manifest = hello_manifest();
    let report = ok_verb(&emulator, &manifest, &["deploy"], &[]);
    assert_eq!(report["plan"]["script"]["action"], "create");

    let snapshot = emulator.snapshot();
    let script = &snapshot["scripts"]["hello"];
    assert_eq!(script["containers"], json!([{ "name": "hello-mycontainer", "class_name": "MyContainer" }]));
    assert_eq!(script["migration_tag"], "v1");
    assert!(script["bindings"].as_array().unwrap().iter().any(|b| b["type"] == "durable_object_namespace"
        && b["name"] == "MY_CONTAINER"
        && b["class_name"] == "MyContainer"));
    assert_eq!(script["modules"].as_array().unwrap().len(), 2);
    let namespace = &snapshot["namespaces"][0];
    assert_eq!((namespace["class"].as_str(), namespace["use_sqlite"].as_bool()), (Some("MyContainer"), Some(true)));
    let apps = snapshot["applications"].as_array().unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["name"], "hello-mycontainer");
    assert_eq!(apps[0]["durable_objects"]["namespace_id"], namespace["id"]);
    let image = apps[0]["configuration"]["image"].as_str().unwrap();
    let repo =
        format!("{}/{}/hello-mycontainer@sha256:", std::env::var("CFC_REGISTRY").unwrap(), emulator.account_id());
    assert!(image.starts_with(&repo), "{image}");
    assert_eq!(report["applications"][0]["image"], image);
    assert_eq!(script["workers_dev"], true, "served on workers.dev by default");
    assert_eq!(report["url"], "https://hello.cfc-test.workers.dev");

    let plan = ok_verb(&emulator, &manifest, &["plan"], &[]);
    assert_eq!(plan["script"]["action"], "no_change", "{plan}");
    assert_eq!(plan["applications"][0]["action"], "no_change", "{plan}");

    emulator.clear_log();
    ok_verb(&emulator, &manifest, &["deploy"], &[]);
    assert_eq!(writes(&emulator), Vec::<String>::new(), "a no-change deploy wrote");
    assert!(!calls(&emulator).is_empty(), "the deploy must read the account");

    let destroyed = ok_verb(&emulator, &manifest, &["destroy"], &[]);
    assert_eq!(destroyed["applications_deleted"], json!(["hello-mycontainer"]));
    assert_eq!(shape(&emulator), json!({ "scripts": {}, "namespaces": [], "applications": [] }));
    let again = ok_verb(&emulator, &manifest, &["destroy"], &[]);
    assert_eq!(again["script_deleted"], false);
}

#[test]
fn plan_names_the_changed_field_and_deploy_does_exactly_that() {
    let Some(emulator) = start() else { return };
    let fixture = worker_fixture(
        &unique("changes"),
        "#[cfcontainer::container(class = \"Web\", port = 8080, max_instances = 3)]\npub struct Web;",
    );
    let manifest = fixture.manifest();
    ok_verb(&emulator, &manifest, &["deploy"], &[]);

    // max_instances is an application setting: the script stays.
    set_classes(
        &fixture,
        "#[cfcontainer::container(class = \"Web\", port = 8080, max_instances = 5)]\npub struct Web;",
    );
    let plan = ok_verb(&emulator, &manifest, &["plan"], &[]);
    assert_eq!(plan["script"]["action"], "no_change", "{plan}");
    assert_eq!(plan["applications"][0]["action"], "update");
    assert_eq!(plan["applications"][0]["changes"], json!([{ "field": "max_instances", "from": "3", "to": "5" }]));
    emulator.clear_log();
    ok_verb(&emulator, &manifest, &["deploy"], &[]);
    let app_id = emulator.snapshot()["applications"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        writes(&emulator),
        [
            format!("PATCH /containers/applications/{app_id}"),
            format!("POST /containers/applications/{app_id}/rollouts")
        ]
    );
    assert_eq!(emulator.snapshot()["applications"][0]["max_instances"], 5);

    // The port lives in the worker's code: the script is uploaded, the application stays.
    set_classes(
        &fixture,
        "#[cfcontainer::container(class = \"Web\", port = 9090, max_instances = 5)]\npub struct Web;",
    );
    let plan = ok_verb(&emulator, &manifest, &["plan"], &[]);
    assert_eq!(plan["script"]["action"], "update");
    let changes = plan["script"]["changes"].as_array().unwrap();
    let port = json!({ "change": "field", "field": "Web.port", "from": "8080", "to": "9090" });
    assert!(changes.contains(&port), "{changes:?}");
    assert_eq!(plan["applications"][0]["action"], "no_change");
    emulator.clear_log();
    ok_verb(&emulator, &manifest, &["deploy"], &[]);
    let name = plan["script"]["name"].as_str().unwrap();
    // The upload, and its marker set through script-settings.
    let expected = [format!("PUT /workers/scripts/{name}"), format!("PATCH /workers/scripts/{name}/script-settings")];
    assert_eq!(writes(&emulator), expected);
    ok_verb(&emulator, &manifest, &["destroy"], &[]);
}

#[test]
fn classes_added_renamed_and_deleted_migrate_with_the_right_tags() {
    let Some(emulator) = start() else { return };
    let fixture = worker_fixture(&unique("migrate"), WEB);
    let manifest = fixture.manifest();
    ok_verb(&emulator, &manifest, &["deploy"], &[]);
    let web_ns = emulator.snapshot()["namespaces"][0]["id"].clone();

    let two = "#[cfcontainer::container(class = \"Web\", port = 8080)]\npub struct Web;\n#[cfcontainer::container(class = \"Api\", port = 8080)]\npub struct Api;";
    set_classes(&fixture, two);
    let plan = ok_verb(&emulator, &manifest, &["plan"], &[]);
    assert_eq!(plan["script"]["migrations"]["new"], json!(["Api"]));
    ok_verb(&emulator, &manifest, &["deploy"], &[]);
    let s = shape(&emulator);
    let script = s["scripts"].as_object().unwrap().values().next().unwrap().clone();
    assert_eq!(script["migration_tag"], "v2");
    // Two namespaces, pages of one: the list was read to its second page.
    let paged = emulator.log().iter().any(|l| {
        l.path.ends_with("/durable_objects/namespaces") && l.query.as_deref().is_some_and(|q| q.contains("page=2"))
    });
    assert!(paged, "the namespace list was not paged: {:?}", calls(&emulator));
    assert_eq!(s["applications"].as_array().unwrap().len(), 2);

    let renamed = "#[cfcontainer::container(class = \"Web\", port = 8080)]\npub struct Web;\n#[cfcontainer::container(class = \"Backend\", port = 8080, renamed_from = \"Api\")]\npub struct Backend;";
    set_classes(&fixture, renamed);
    let api_ns = emulator.snapshot()["namespaces"].as_array().unwrap().iter().find(|n| n["class"] == "Api").unwrap()
        ["id"]
        .clone();
    let plan = ok_verb(&emulator, &manifest, &["plan"], &[]);
    assert_eq!(plan["script"]["migrations"]["renamed"], json!([["Api", "Backend"]]));
    ok_verb(&emulator, &manifest, &["deploy"], &[]);
    let snapshot = emulator.snapshot();
    let backend = snapshot["namespaces"].as_array().unwrap().iter().find(|n| n["class"] == "Backend").unwrap().clone();
    assert_eq!(backend["id"], api_ns, "a rename keeps the namespace (and its data)");
    let apps = snapshot["applications"].as_array().unwrap();
    assert_eq!(apps.len(), 2, "the renamed class keeps its application: {apps:?}");
    assert!(apps.iter().any(|a| a["durable_objects"]["namespace_id"] == api_ns));
    assert_eq!(shape(&emulator)["scripts"].as_object().unwrap().values().next().unwrap()["migration_tag"], "v3");

    // Dropping a class deletes data: refused without the flag.
    set_classes(&fixture, WEB);
    let (out, _) = run_verb(&emulator, &manifest, &["deploy"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--allow-delete-classes"), "{}", stderr(&out));
    ok_verb(&emulator, &manifest, &["deploy", "--allow-delete-classes"], &[]);
    let s = shape(&emulator);
    assert_eq!(s["applications"].as_array().unwrap().len(), 1);
    assert_eq!(s["namespaces"].as_array().unwrap().len(), 1);
    assert_eq!(emulator.snapshot()["namespaces"][0]["id"], web_ns);
    ok_verb(&emulator, &manifest, &["destroy"], &[]);
    assert_eq!(shape(&emulator), json!({ "scripts": {}, "namespaces": [], "applications": [] }));
}

#[test]
fn injected_429_500_dropped_connections_and_answers_lost_after_the_work_on_every_endpoint_are_survived() {
    let manifest = hello_manifest();
    // The calls of a deploy from nothing, then of a destroy.
    let Some(baseline) = start_with_hello_pushed() else { return };
    ok_verb(&baseline, &manifest, &["deploy"], &[]);
    let expected = converged(&baseline);
    let deploy_log = baseline.log();
    baseline.clear_log();
    ok_verb(&baseline, &manifest, &["destroy"], &[]);
    let destroy_log = baseline.log();

    let mut endpoints: Vec<(String, String, bool)> =
        deploy_log.iter().map(|l| (l.method.clone(), l.path.clone(), false)).collect();
    endpoints.extend(destroy_log.iter().map(|l| (l.method.clone(), l.path.clone(), true)));
    endpoints.dedup();
    assert!(endpoints.len() >= 8, "{endpoints:?}");
    for (method, path, in_destroy) in endpoints {
        let mut kinds = vec![
            FaultKind::Status { status: 429, retry_after: Some(1) },
            FaultKind::Status { status: 500, retry_after: None },
            FaultKind::Drop,
        ];
        kinds.extend(answer_lost_faults());
        for kind in kinds {
            let Some(emulator) = emulator() else { return };
            if in_destroy {
                ok_verb(&emulator, &manifest, &["deploy"], &[]);
            }
            emulator.inject(Fault { method: method.clone(), path: path.clone(), kind: kind.clone(), times: 1 });
            let verb = if in_destroy { "destroy" } else { "deploy" };
            let (out, _) = run_verb(&emulator, &manifest, &[verb], &[]);
            assert!(out.status.success(), "{verb} with {kind:?} on {method} {path} failed:\n{}", stderr(&out));
            let hit = emulator
                .log()
                .iter()
                .any(|l| l.method == method && l.path == path && (l.status == 0 || l.status >= 429));
            assert!(hit, "the fault on {method} {path} never fired");
            let wanted = if in_destroy {
                json!({ "scripts": {}, "namespaces": [], "applications": [] })
            } else {
                expected.clone()
            };
            assert_eq!(converged(&emulator), wanted, "{kind:?} on {method} {path}");
        }
    }
}

#[test]
fn a_first_deploy_killed_before_or_after_any_call_converges_to_what_a_clean_one_leaves() {
    let manifest = hello_manifest();
    let Some(baseline) = start_with_hello_pushed() else { return };
    ok_verb(&baseline, &manifest, &["deploy"], &[]);
    let expected = converged(&baseline);
    let called = calls(&baseline);
    for kill in Kill::around_each(called.len()) {
        let Some(emulator) = emulator() else { return };
        kill.run(&emulator, &manifest, &["deploy"], &[]);
        let rerun = ok_verb(&emulator, &manifest, &["deploy"], &[]);
        assert_eq!(converged(&emulator), expected, "after a kill at {kill:?} ({called:?}): {rerun}");
        let before = writes(&emulator).len();
        ok_verb(&emulator, &manifest, &["deploy"], &[]);
        assert_eq!(writes(&emulator)[before..], [] as [String; 0], "a second rerun after a kill at {kill:?} wrote");
    }
}

#[test]
fn an_update_deploy_killed_before_or_after_any_call_or_losing_any_answer_converges_to_what_a_clean_one_leaves() {
    let Some(primer) = start() else { return };
    // A secret the container reads: a new value is new code to upload
    // (without a rebuild), a new note a new image.
    let class =
        "#[cfcontainer::container(class = \"Web\", port = 8080, env(TOKEN = secret(\"API_TOKEN\")))]\npub struct Web;";
    let fixture = worker_fixture(&unique("update"), class);
    let manifest = fixture.manifest();
    let note = |text: &str| std::fs::write(fixture.path().join("note.txt"), text).unwrap();
    let second = [("API_TOKEN", "second-value")];
    // Both images pushed once, so every run below makes the same calls.
    for (text, token) in [("first\n", "first-value"), ("second\n", "second-value")] {
        note(text);
        ok_verb(&primer, &manifest, &["deploy"], &[("API_TOKEN", token)]);
    }
    // An account at the first state, and the crate at the second.
    let at_first = || {
        let emulator = emulator().unwrap();
        note("first\n");
        ok_verb(&emulator, &manifest, &["deploy"], &[("API_TOKEN", "first-value")]);
        note("second\n");
        emulator.clear_log();
        emulator
    };
    let baseline = at_first();
    ok_verb(&baseline, &manifest, &["deploy"], &second);
    let expected = converged(&baseline);
    let called = calls(&baseline);
    // The update uploads the Worker and rolls the application out.
    assert!(called.iter().any(|c| c.starts_with("PUT /workers/scripts/")), "{called:?}");
    assert!(called.iter().any(|c| c.ends_with("/rollouts") && c.starts_with("POST")), "{called:?}");
    let converges = |emulator: &Emulator, what: &str| {
        let rerun = ok_verb(emulator, &manifest, &["deploy"], &second);
        assert_eq!(converged(emulator), expected, "after {what}: {rerun}");
        let before = writes(emulator).len();
        ok_verb(emulator, &manifest, &["deploy"], &second);
        assert_eq!(writes(emulator)[before..], [] as [String; 0], "a second rerun after {what} wrote");
    };
    for kill in Kill::around_each(called.len()) {
        let emulator = at_first();
        kill.run(&emulator, &manifest, &["deploy"], &second);
        converges(&emulator, &format!("a kill at {kill:?} ({called:?})"));
    }
    let prefix = format!("/accounts/{}", baseline.account_id());
    for (method, path) in baseline.write_calls().into_iter().map(|l| (l.method, l.path)) {
        for kind in answer_lost_faults() {
            let emulator = at_first();
            emulator.inject(Fault { method: method.clone(), path: path.clone(), kind: kind.clone(), times: 1 });
            let (out, _) = run_verb(&emulator, &manifest, &["deploy"], &second);
            assert!(out.status.success(), "{kind:?} on {method} {path}:\n{}", stderr(&out));
            let what = format!("{kind:?} on {method} {}", path.strip_prefix(&prefix).unwrap_or(&path));
            assert_eq!(converged(&emulator), expected, "{what}");
            converges(&emulator, &what);
        }
    }
}

#[test]
fn a_whole_wrangler_file_deploy_killed_after_any_call_converges_on_rerun() {
    // Every kind of call a whole file adds: static assets (session and
    // buckets), the subdomain, a cron, a zone route, a Custom Domain and a
    // queue consumer, besides the upload.
    let Some(primer) = start() else { return };
    let name = unique("killfile");
    let fixture = worker_fixture(&name, WEB);
    let file = format!(
        "name = \"{name}\"\nworkers_dev = true\npreview_urls = false\nroutes = [\"example.com/api/*\", {{ pattern = \"app.example.com\", custom_domain = true }}]\nkv_namespaces = [{{ binding = \"CACHE\", id = \"0f2a\" }}]\nqueues = {{ consumers = [{{ queue = \"jobs\", max_batch_size = 5 }}] }}\nassets = {{ directory = \"./public\", binding = \"STATIC\" }}\n\n[triggers]\ncrons = [\"0 3 * * *\"]\n"
    );
    std::fs::write(fixture.path().join("wrangler.toml"), file).unwrap();
    write_files(fixture.path(), SITE);
    let manifest = fixture.manifest();
    // The first deploy pushes the image; every later one finds it, so all
    // make the same calls as the baseline.
    ok_verb(&primer, &manifest, &["deploy"], &[]);
    let baseline = emulator().unwrap();
    ok_verb(&baseline, &manifest, &["deploy"], &[]);
    let assets = |emulator: &Emulator| emulator.snapshot()["scripts"][&name]["assets"].clone();
    let expected = (shape(&baseline), deployed_shape(&baseline, &name), assets(&baseline));
    let called: Vec<String> = calls(&baseline);
    for wanted in [
        "/assets-upload-session",
        "/assets/upload",
        "/subdomain",
        "/schedules",
        "/routes",
        "/domains/records",
        "/consumers",
    ] {
        assert!(called.iter().any(|c| !c.starts_with("GET") && c.contains(wanted)), "no write to {wanted}: {called:?}");
    }
    let total = baseline.log().len();
    for kill_after in 1..=total {
        let emulator = emulator().unwrap();
        let n = kill_after.to_string();
        let (killed, _) = run_verb(&emulator, &manifest, &["deploy"], &[("CFCONTAINER_TEST_KILL_AFTER_API_CALLS", &n)]);
        assert_eq!(killed.status.code(), Some(137), "the hook did not kill after call {kill_after}");
        let rerun = ok_verb(&emulator, &manifest, &["deploy"], &[]);
        let after = (shape(&emulator), deployed_shape(&emulator, &name), assets(&emulator));
        assert_eq!(after, expected, "after a kill after call {kill_after} ({}): {rerun}", called[kill_after - 1]);
    }
}

#[test]
fn the_notes_example_deploys_whole_and_an_unchanged_redeploy_writes_nothing() {
    if !crate::support::stack::available() {
        return;
    }
    let Some(registry) = crate::support::cloud::registry() else { return };
    // The account has the bucket and the queue the example's wrangler.toml names.
    let config = cf_api_emulator::Config {
        registry: Some(registry),
        r2_buckets: vec!["notes".into()],
        queues: vec!["note-events".into()],
        ..cf_api_emulator::Config::for_tests()
    };
    let emulator = Emulator::start(config);
    let manifest = root().join("examples/notes/Cargo.toml").display().to_string();
    ok_verb(&emulator, &manifest, &["deploy"], &[]);
    let snapshot = emulator.snapshot();
    let script = &snapshot["scripts"]["notes"];
    let mut bindings: Vec<String> = script["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| format!("{}:{}", b["type"].as_str().unwrap(), b["name"].as_str().unwrap()))
        .collect();
    bindings.sort();
    assert_eq!(
        bindings,
        [
            "assets:ASSETS",
            "d1:DB",
            "durable_object_namespace:RENDERER",
            "durable_object_namespace:VIEWS",
            "json:CFCONTAINER_IMAGES",
            "json:KEEP_DAYS",
            "kv_namespace:LATEST",
            "plain_text:TITLE",
            "queue:EVENTS",
            "r2_bucket:NOTES"
        ]
    );
    assert_eq!(script["schedules"][0]["cron"], "0 3 * * *");
    // Its own Durable Object class beside the container's, SQLite-backed
    // as its wrangler.toml's migration says.
    let mut classes: Vec<Value> =
        snapshot["namespaces"].as_array().unwrap().iter().map(|n| json!([n["class"], n["use_sqlite"]])).collect();
    classes.sort_by_key(|c| c[0].as_str().unwrap_or_default().to_string());
    assert_eq!(classes, [json!(["Renderer", true]), json!(["Views", true])]);
    let pages: Vec<&String> = script["assets"]["manifest"].as_object().unwrap().keys().collect();
    assert_eq!(pages, ["/app.js", "/index.html", "/missing.html"]);
    let apps: Vec<&str> =
        snapshot["applications"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(apps, ["notes-renderer"]);
    let consumers = &snapshot["consumers"];
    assert_eq!((&consumers[0]["queue_name"], &consumers[0]["script"]), (&json!("note-events"), &json!("notes")));
    let before = writes(&emulator).len();
    ok_verb(&emulator, &manifest, &["deploy"], &[]);
    assert_eq!(writes(&emulator)[before..], [] as [String; 0], "an unchanged redeploy writes nothing");
}

#[test]
fn secrets_are_uploaded_as_secrets_and_never_shown_or_stored() {
    let Some(emulator) = start() else { return };
    let fixture = worker_fixture(&unique("secrets"), "#[cfcontainer::container(class = \"Web\", port = 8080, env(TOKEN = secret(\"API_TOKEN\"), MODE = \"plain\"))]\npub struct Web;");
    let manifest = fixture.manifest();
    let (out, _) = run_verb(&emulator, &manifest, &["deploy"], &[("API_TOKEN", "")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).lines().last().unwrap().contains("Worker secret `API_TOKEN`"), "{}", stderr(&out));
    assert!(emulator.write_calls().is_empty());

    let secret = "s3cret-value-7781";
    let (out, _) = run_verb(&emulator, &manifest, &["deploy", "-v"], &[("API_TOKEN", secret)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains(secret) && !stderr(&out).contains(secret), "the secret reached the output");
    assert!(!stderr(&out).contains(emulator.token()), "the API token reached the output");
    let bindings = emulator.snapshot()["scripts"].as_object().unwrap().values().next().unwrap()["bindings"].clone();
    assert!(bindings
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b["type"] == "secret_text" && b["name"] == "API_TOKEN" && b.get("text").is_none()));
    let cache_dir = root().join("target/fixtures/cfcontainer/deploy");
    for entry in std::fs::read_dir(&cache_dir).unwrap() {
        let path = entry.unwrap().path();
        assert!(!std::fs::read_to_string(&path).unwrap().contains(secret), "{} holds the secret", path.display());
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{}", path.display());
    }

    emulator.clear_log();
    ok_verb(&emulator, &manifest, &["deploy"], &[("API_TOKEN", secret)]);
    assert!(writes(&emulator).is_empty(), "same secret, no change: {:?}", writes(&emulator));
    // Without the variable the account's secret is kept.
    ok_verb(&emulator, &manifest, &["deploy"], &[("API_TOKEN", "")]);
    emulator.clear_log();
    ok_verb(&emulator, &manifest, &["deploy"], &[("API_TOKEN", "a-new-value")]);
    let uploads: Vec<String> = writes(&emulator).into_iter().filter(|w| w.starts_with("PUT ")).collect();
    assert_eq!(uploads.len(), 1, "a new secret value uploads the script once: {:?}", writes(&emulator));
    assert_eq!(writes(&emulator).len(), 2, "the upload and its marker: {:?}", writes(&emulator));
    ok_verb(&emulator, &manifest, &["destroy"], &[]);
}

#[test]
fn an_application_name_taken_by_another_namespace_is_a_clear_error_before_any_write() {
    let Some(emulator) = start() else { return };
    let other = worker_fixture(&unique("other"), WEB);
    ok_verb(&emulator, &other.manifest(), &["deploy"], &[]);
    let snapshot = emulator.snapshot();
    let (namespace, image) =
        (snapshot["namespaces"][0]["id"].clone(), snapshot["applications"][0]["configuration"]["image"].clone());

    let name = unique("taken");
    let fixture = worker_fixture(&name, WEB);
    // Someone created `<worker>-web` for another worker's namespace.
    let body = json!({ "name": format!("{name}-web"), "scheduling_policy": "default", "instances": 0, "max_instances": 1,
                       "configuration": { "image": image }, "durable_objects": { "namespace_id": namespace } });
    let created =
        ureq::post(&format!("{}/accounts/{}/containers/applications", emulator.base_url(), emulator.account_id()))
            .set("Authorization", &format!("Bearer {}", emulator.token()))
            .set("Content-Type", "application/json")
            .send_string(&body.to_string());
    // The namespace already has its application: the API says so.
    let err = created.unwrap_err();
    let text = match err {
        ureq::Error::Status(400, r) => r.into_string().unwrap(),
        other => panic!("{other}"),
    };
    assert!(text.contains("DURABLE_OBJECT_ALREADY_HAS_APPLICATION"), "{text}");
    let other_app = snapshot["applications"][0]["id"].as_str().unwrap().to_string();
    ureq::delete(&format!(
        "{}/accounts/{}/containers/applications/{other_app}",
        emulator.base_url(),
        emulator.account_id()
    ))
    .set("Authorization", &format!("Bearer {}", emulator.token()))
    .call()
    .unwrap();
    ureq::post(&format!("{}/accounts/{}/containers/applications", emulator.base_url(), emulator.account_id()))
        .set("Authorization", &format!("Bearer {}", emulator.token()))
        .set("Content-Type", "application/json")
        .send_string(&body.to_string())
        .unwrap();

    emulator.clear_log();
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(
        last.contains(&format!("`{name}-web`")) && last.contains("serves another Durable Object namespace"),
        "{last}"
    );
    assert!(
        writes(&emulator).iter().all(|w| w.ends_with("/credentials")),
        "wrote before failing: {:?}",
        writes(&emulator)
    );
}

#[test]
fn a_worker_var_the_settings_lack_is_a_clear_error_before_any_call() {
    let Some(emulator) = start() else { return };
    let fixture = worker_fixture(
        &unique("novar"),
        "#[cfcontainer::container(class = \"Web\", port = 8080, env(MODE = var(\"MODE\")))]\npub struct Web;",
    );
    fails_before_any_call(&emulator, &fixture, "deploy", &["Worker var `MODE`", "vars = { MODE"]);
}

#[test]
fn the_api_token_never_reaches_cargo_build_scripts_or_worker_build() {
    let Some(emulator) = start() else { return };
    let fixture = worker_fixture(&unique("notoken"), WEB);
    // A build script (run by cargo, as every dependency's are) and a
    // worker-build wrapper that fail if they can see the token.
    // (cargo picks up build.rs at the package root by itself.)
    std::fs::write(
        fixture.path().join("build.rs"),
        "fn main() {\n    println!(\"cargo:rerun-if-env-changed=CLOUDFLARE_API_TOKEN\");\n    \
         if std::env::var_os(\"CLOUDFLARE_API_TOKEN\").is_some() { panic!(\"the API token reached a build script\"); }\n}\n",
    )
    .unwrap();
    let wrapper = fixture.path().join("worker-build-checked");
    std::fs::write(
        &wrapper,
        "#!/bin/sh\nif [ -n \"$CLOUDFLARE_API_TOKEN\" ]; then echo 'the API token reached worker-build' >&2; exit 9; fi\n\
         exec worker-build \"$@\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();

    let (out, _) =
        run_verb(&emulator, &fixture.manifest(), &["deploy"], &[("WORKER_BUILD_BIN", wrapper.to_str().unwrap())]);
    assert!(out.status.success(), "the deploy failed:\n{}", stderr(&out));
    assert!(!stderr(&out).contains("reached"), "{}", stderr(&out));
    ok_verb(&emulator, &fixture.manifest(), &["destroy"], &[]);
}

#[test]
fn a_worker_this_tool_did_not_deploy_needs_adopt_and_its_destroy_needs_force() {
    let Some(emulator) = start() else { return };
    let name = unique("foreign");
    let fixture = worker_fixture(&name, WEB);
    upload_foreign_worker(&emulator, &name);

    emulator.clear_log();
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(
        last.contains(&format!("worker `{name}` exists but was not deployed by cargo cfcontainer"))
            && last.contains("--adopt"),
        "{last}"
    );
    assert!(
        writes(&emulator).iter().all(|w| w.ends_with("/credentials")),
        "wrote before refusing: {:?}",
        writes(&emulator)
    );
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["destroy"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).lines().last().unwrap_or_default().contains("--force"), "{}", stderr(&out));
    assert!(emulator.snapshot()["scripts"].get(&name).is_some(), "destroy deleted a Worker it does not own");

    // Adopted, it is ours: later deploys and destroy need no flag.
    ok_verb(&emulator, &fixture.manifest(), &["deploy", "--adopt"], &[]);
    emulator.clear_log();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(writes(&emulator), Vec::<String>::new(), "a no-change deploy after adopting wrote");
    ok_verb(&emulator, &fixture.manifest(), &["destroy"], &[]);

    // Someone else's Worker goes only with --force.
    let other = unique("theirs");
    let theirs = worker_fixture(&other, WEB);
    upload_foreign_worker(&emulator, &other);
    ok_verb(&emulator, &theirs.manifest(), &["destroy", "--force"], &[]);
    assert!(emulator.snapshot()["scripts"].get(&other).is_none());
}

#[test]
fn a_worker_the_official_cli_creates_after_ours_was_destroyed_is_not_taken_over_without_adopt() {
    let Some(emulator) = start() else { return };
    let Some(wrangler) = wrangler_bin() else { return };
    let name = unique("recreated");
    let fixture = worker_fixture(&name, WEB);
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    ok_verb(&emulator, &fixture.manifest(), &["destroy"], &[]);
    // Someone else takes the name with the official CLI.
    official_deploy(&wrangler, &emulator, &format!("name = \"{name}\"\ncompatibility_date = \"2026-03-05\"\n"), &[]);
    let theirs = emulator.snapshot()["scripts"][&name]["etag"].clone();
    let before = writes(&emulator).len();
    for (verb, flag) in [("deploy", "--adopt"), ("destroy", "--force")] {
        let (out, _) = run_verb(&emulator, &fixture.manifest(), &[verb], &[]);
        assert_eq!(out.status.code(), Some(1), "{verb}: {}", stderr(&out));
        let last = stderr(&out).lines().last().unwrap_or_default().to_string();
        assert!(last.contains("was not deployed by cargo cfcontainer") && last.contains(flag), "{verb}: {last}");
    }
    assert_eq!(writes(&emulator)[before..], [] as [String; 0], "wrote over their Worker");
    assert_eq!(emulator.snapshot()["scripts"][&name]["etag"], theirs, "their Worker runs on");
}

#[test]
fn deploy_with_features_bundles_the_worker_with_them() {
    let Some(emulator) = start() else { return };
    let name = unique("features");
    // A Durable Object class of the Worker's own that exists only with the
    // `tally` feature.
    let lib = format!("use worker::*;\n{WEB}\n#[cfg(feature = \"tally\")]\n#[durable_object]\npub struct Tally {{ _state: State }}\n#[cfg(feature = \"tally\")]\nimpl DurableObject for Tally {{ fn new(state: State, _env: Env) -> Self {{ Tally {{ _state: state }} }} async fn fetch(&self, _req: Request) -> Result<Response> {{ Response::ok(\"tally\") }} }}\n#[event(fetch)]\nasync fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {{ Response::ok(\"ok\") }}\n");
    let extra = "wasm-bindgen = \"=0.2.130\"\n\n[features]\ntally = []\n\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n";
    let fixture = Fixture::new(&name, &lib, extra);
    std::fs::write(fixture.path().join("Dockerfile"), "FROM scratch\nCOPY note.txt /\nEXPOSE 8080\n").unwrap();
    std::fs::write(fixture.path().join("note.txt"), "features\n").unwrap();
    let file = format!(
        "name = \"{name}\"\ndurable_objects = {{ bindings = [{{ name = \"TALLY\", class_name = \"Tally\" }}] }}\n"
    );
    std::fs::write(fixture.path().join("wrangler.toml"), file).unwrap();
    // Without the feature the class is not there, and the deploy says so.
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(last.contains("class `Tally` is not exported by the Worker"), "{last}");
    let deployed = ok_verb(&emulator, &fixture.manifest(), &["deploy", "--features", "tally"], &[]);
    let snapshot = emulator.snapshot();
    let mut classes: Vec<&str> = snapshot["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["script"] == json!(name))
        .map(|n| n["class"].as_str().unwrap())
        .collect();
    classes.sort();
    assert_eq!(classes, ["Tally", "Web"], "{deployed}");
}

#[test]
fn the_same_crate_built_on_another_machine_uploads_the_same_bytes_writes_nothing_and_is_in_sync() {
    let Some(emulator) = start() else { return };
    let name = unique("samebytes");
    let ours = worker_fixture(&name, WEB);
    ok_verb(&emulator, &ours.manifest(), &["deploy"], &[]);
    // A teammate's machine: another checkout of the same crate, another
    // cargo home (with the same crates in its registry) and another
    // target directory.
    let theirs = tempfile::Builder::new().prefix("cfc-teammate-").tempdir().unwrap();
    for file in ["Cargo.toml", "Cargo.lock", "src/lib.rs", "Dockerfile", "note.txt"] {
        std::fs::create_dir_all(theirs.path().join(file).parent().unwrap()).unwrap();
        std::fs::copy(ours.path().join(file), theirs.path().join(file)).unwrap();
    }
    let machine = tempfile::Builder::new().prefix("cfc-teammate-home-").tempdir().unwrap();
    let cargo_home = machine.path().join("cargo");
    std::fs::create_dir_all(&cargo_home).unwrap();
    let home_of = |var: &str| std::env::var_os(var).map(std::path::PathBuf::from);
    let our_cargo_home = home_of("CARGO_HOME").unwrap_or_else(|| home_of("HOME").unwrap().join(".cargo"));
    std::os::unix::fs::symlink(our_cargo_home.join("registry"), cargo_home.join("registry")).unwrap();
    let target = machine.path().join("target");
    let (home, target) = (cargo_home.to_str().unwrap(), target.to_str().unwrap());
    let env = [("CARGO_HOME", home), ("CARGO_TARGET_DIR", target)];
    let manifest = theirs.path().join("Cargo.toml").display().to_string();
    let status = ok_verb(&emulator, &manifest, &["status"], &env);
    assert_eq!(status["sync"]["state"], "in_sync", "{status}");
    let before = writes(&emulator).len();
    let deployed = ok_verb(&emulator, &manifest, &["deploy"], &env);
    assert_eq!(writes(&emulator)[before..], [] as [String; 0], "the second machine's deploy wrote: {deployed}");
}

/// A crate with container class `Web` and a Durable Object class of its
/// own called `own`, bound as `ROOMS` by its wrangler file, which gets
/// `migrations` after the binding.
fn with_own_class(name: &str, own: &str, migrations: &str) -> Fixture {
    let extra = "wasm-bindgen = \"=0.2.130\"\n\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n";
    let fixture = Fixture::new(name, "", extra);
    std::fs::write(fixture.path().join("Dockerfile"), "FROM scratch\nCOPY note.txt /\nEXPOSE 8080\n").unwrap();
    std::fs::write(fixture.path().join("note.txt"), format!("{name}\n")).unwrap();
    rename_own_class(&fixture, name, own, migrations);
    fixture
}

/// The crate's own class and its binding named `own`.
fn rename_own_class(fixture: &Fixture, name: &str, own: &str, migrations: &str) {
    fixture.write_lib(&format!("use worker::*;\n{WEB}\n#[durable_object]\npub struct {own} {{ _state: State }}\nimpl DurableObject for {own} {{ fn new(state: State, _env: Env) -> Self {{ {own} {{ _state: state }} }} async fn fetch(&self, _req: Request) -> Result<Response> {{ Response::ok(\"own\") }} }}\n#[event(fetch)]\nasync fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {{ Response::ok(\"ok\") }}\n"));
    let file = format!(
        "name = \"{name}\"\n\n[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"{own}\"\n{migrations}"
    );
    std::fs::write(fixture.path().join("wrangler.toml"), file).unwrap();
}

#[test]
fn a_class_renamed_without_its_migration_is_told_the_lines_that_keep_its_data_and_they_do() {
    let Some(emulator) = start() else { return };
    // The last line of a deploy that must fail before any write, and the
    // namespace of `class`.
    let refused = |manifest: &str, needles: &[&str]| {
        let before = writes(&emulator).len();
        let (out, _) = run_verb(&emulator, manifest, &["deploy"], &[]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let last = stderr(&out).lines().last().unwrap_or_default().to_string();
        assert!(needles.iter().all(|n| last.contains(n)), "{last}");
        assert!(!last.contains("remove its binding"), "{last}");
        assert_eq!(writes(&emulator)[before..], [] as [String; 0]);
    };
    let namespace = |script: &str, class: &str| {
        let snapshot = emulator.snapshot();
        let found = snapshot["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["script"] == script && n["class"] == class)
            .cloned();
        found.map(|n| n["id"].clone())
    };

    // A container class: its attribute's `renamed_from`.
    let name = unique("renamedweb");
    let fixture = worker_fixture(&name, WEB);
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let web = namespace(&name, "Web");
    set_classes(&fixture, "#[cfcontainer::container(class = \"Site\", port = 8080)]\npub struct Site;");
    refused(
        &fixture.manifest(),
        &["would delete Durable Object class(es) Web", "#[container(class = \"Site\", renamed_from = \"Web\""],
    );
    set_classes(
        &fixture,
        "#[cfcontainer::container(class = \"Site\", port = 8080, renamed_from = \"Web\")]\npub struct Site;",
    );
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(namespace(&name, "Site"), web, "the data went with the rename");

    // The Worker's own class, with migrations in the file: the rename entry.
    let name = unique("renamedown");
    let v1 = "\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Web\", \"Room\"]\n";
    let fixture = with_own_class(&name, "Room", v1);
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let room = namespace(&name, "Room");
    rename_own_class(&fixture, &name, "Lobby", v1);
    let entry = "renamed_classes = [{ from = \"Room\", to = \"Lobby\" }]";
    refused(&fixture.manifest(), &["class `Room` is not exported", "`tag = \"v2\"`", entry]);
    rename_own_class(&fixture, &name, "Lobby", &format!("{v1}\n[[migrations]]\ntag = \"v2\"\n{entry}\n"));
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(namespace(&name, "Lobby"), room, "the data went with the rename");

    // The Worker's own class, without migrations in the file: the account's
    // history, then the rename.
    let name = unique("renamedbare");
    let fixture = with_own_class(&name, "Room", "");
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let room = namespace(&name, "Room");
    rename_own_class(&fixture, &name, "Lobby", "");
    let history = "`tag = \"v1\"`, `new_sqlite_classes = [\"Room\", \"Web\"]`";
    refused(&fixture.manifest(), &["would delete Durable Object class(es) Room", history, "`tag = \"v2\"`", entry]);
    let migrations = format!("\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Room\", \"Web\"]\n\n[[migrations]]\ntag = \"v2\"\n{entry}\n");
    rename_own_class(&fixture, &name, "Lobby", &migrations);
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(namespace(&name, "Lobby"), room, "the data went with the rename");
}

#[test]
fn a_deploy_after_its_image_left_the_registry_pushes_it_again_and_succeeds() {
    let Some(emulator) = start() else { return };
    let fixture = worker_fixture(&unique("pruned"), WEB);
    let deployed = ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let image = deployed["applications"][0]["image"].as_str().unwrap().to_string();
    // The registry loses it (pruned, or recreated); the engine still
    // remembers pushing it.
    let (host_and_repository, digest) = image.split_once('@').unwrap();
    let (host, repository) = host_and_repository.split_once('/').unwrap();
    let registry = crate::support::cloud::registry().unwrap();
    use base64::Engine;
    let credentials = format!("{}:{}", registry.username, registry.password);
    let auth = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(credentials));
    let manifest = format!("http://{host}/v2/{repository}/manifests/{digest}");
    ureq::delete(&manifest).set("Authorization", &auth).call().unwrap();
    assert!(matches!(ureq::head(&manifest).set("Authorization", &auth).call(), Err(ureq::Error::Status(404, _))));
    // The application is made anew with the image, which the registry
    // must have.
    ok_verb(&emulator, &fixture.manifest(), &["destroy"], &[]);
    let (out, report) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"reason\":\"push-progress\""), "not pushed again: {}", stdout(&out));
    assert_eq!(report.unwrap()["applications"][0]["image"], json!(image), "the same image, pinned the same");
    let accept = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";
    ureq::head(&manifest).set("Authorization", &auth).set("Accept", accept).call().unwrap();
}

#[test]
fn vars_from_the_wrangler_file_deploy_as_text_and_json_bindings_and_a_redeploy_writes_nothing() {
    let Some(emulator) = start() else { return };
    let name = unique("wranglervars");
    let fixture = worker_fixture(
        &name,
        "#[cfcontainer::container(class = \"Web\", port = 8080, env(MODE = var(\"MODE\")))]\npub struct Web;",
    );
    std::fs::write(
        fixture.path().join("wrangler.toml"),
        format!("name = \"{name}\"\n[vars]\nMODE = \"production\"\nLIMITS = {{ max_items = 3 }}\n"),
    )
    .unwrap();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let snapshot = emulator.snapshot();
    let bindings = &snapshot["scripts"][&name]["bindings"];
    let find = |binding: &str| bindings.as_array().unwrap().iter().find(|b| b["name"] == binding).cloned();
    assert_eq!(find("MODE"), Some(json!({ "type": "plain_text", "name": "MODE", "text": "production" })), "{bindings}");
    assert_eq!(find("LIMITS"), Some(json!({ "type": "json", "name": "LIMITS", "json": { "max_items": 3 } })));
    let before = writes(&emulator).len();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let after = writes(&emulator);
    assert_eq!(after.len(), before, "an unchanged redeploy writes nothing: {:?}", &after[before..]);
}

/// A wrangler file with every binding kind and Worker setting the deploy
/// uploads.
const EVERY_KIND: &str = r#"
logpush = true
limits = { cpu_ms = 50 }
placement = { mode = "smart" }
tail_consumers = [{ service = "tail-worker" }]
observability = { enabled = true, head_sampling_rate = 0.5, logs = { invocation_logs = false } }
kv_namespaces = [{ binding = "CACHE", id = "0f2ac74b498b48028cb68387c421e279" }]
r2_buckets = [{ binding = "ASSETS", bucket_name = "assets", jurisdiction = "eu" }, { binding = "LOGS", bucket_name = "logs" }]
d1_databases = [{ binding = "DB", database_name = "app", database_id = "6f1c5b6e-1d2a-4d5e-9c1b-2f3e4a5b6c7d" }]
services = [{ binding = "AUTH", service = "auth-worker", entrypoint = "Verify" }, { binding = "BILLING", service = "billing", environment = "production" }]
queues = { producers = [{ binding = "JOBS", queue = "jobs", delivery_delay = 30 }] }
durable_objects = { bindings = [{ name = "COUNTER", class_name = "Counter", script_name = "counter-worker" }] }
analytics_engine_datasets = [{ binding = "EVENTS", dataset = "events" }]
ai = { binding = "AI" }
vectorize = [{ binding = "SEARCH", index_name = "docs" }]
hyperdrive = [{ binding = "PG", id = "a76a99bc342644deb02c38d66082262a" }]
version_metadata = { binding = "VERSION" }
browser = { binding = "BROWSER" }
send_email = [{ name = "MAILER", destination_address = "ops@example.com" }]
mtls_certificates = [{ binding = "CERT", certificate_id = "c0ffee" }]
dispatch_namespaces = [{ binding = "TENANTS", namespace = "tenants", outbound = { service = "outbound", parameters = ["tenant"] } }]
workflows = [{ binding = "FLOW", name = "onboarding", class_name = "Onboarding", script_name = "flows" }]
secrets_store_secrets = [{ binding = "STRIPE", store_id = "s1", secret_name = "stripe" }]
"#;

#[test]
fn every_binding_kind_and_setting_of_the_wrangler_file_is_uploaded_as_the_official_cli_sends_it() {
    let Some(emulator) = start() else { return };
    let name = unique("everykind");
    let fixture = worker_fixture(&name, WEB);
    std::fs::write(fixture.path().join("wrangler.toml"), format!("name = \"{name}\"\n{EVERY_KIND}")).unwrap();
    // `COUNTER` binds a class of another Worker, which must export it.
    let counter = json!({ "main_module": "index.js", "compatibility_date": "2026-03-01",
        "migrations": { "new_tag": "v1", "new_sqlite_classes": ["Counter"] } });
    upload_foreign_worker_with(&emulator, "counter-worker", counter);
    // The Workers `AUTH` and `BILLING` bind must be in the account too.
    upload_foreign_worker(&emulator, "auth-worker");
    upload_foreign_worker(&emulator, "billing");
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let mut uploaded: Vec<Value> = emulator.snapshot()["scripts"][&name]["bindings"].as_array().unwrap().to_vec();
    uploaded.sort_by_key(|b| b["name"].as_str().unwrap().to_string());
    // Besides the file's: this tool's record of the version's images.
    let record = uploaded.iter().position(|b| b["name"] == "CFCONTAINER_IMAGES").expect("the images record");
    let record = uploaded.remove(record);
    assert_eq!((&record["type"], &record["json"]["schema"]), (&json!("json"), &json!(1)), "{record}");
    assert!(record["json"]["images"]["Web"]["image"].as_str().unwrap().contains("@sha256:"), "{record}");
    // As wrangler 4.164's createWorkerUploadForm builds them from the same
    // file: `type` names, renamed fields (id -> namespace_id, queue ->
    // queue_name, name -> workflow_name, outbound.parameters -> params).
    let mut expected = vec![
        json!({ "type": "r2_bucket", "name": "ASSETS", "bucket_name": "assets", "jurisdiction": "eu" }),
        json!({ "type": "ai", "name": "AI" }),
        json!({ "type": "service", "name": "AUTH", "service": "auth-worker", "entrypoint": "Verify" }),
        json!({ "type": "service", "name": "BILLING", "service": "billing", "environment": "production" }),
        json!({ "type": "browser", "name": "BROWSER" }),
        json!({ "type": "kv_namespace", "name": "CACHE", "namespace_id": "0f2ac74b498b48028cb68387c421e279" }),
        json!({ "type": "mtls_certificate", "name": "CERT", "certificate_id": "c0ffee" }),
        json!({ "type": "durable_object_namespace", "name": "COUNTER", "class_name": "Counter", "script_name": "counter-worker" }),
        json!({ "type": "d1", "name": "DB", "id": "6f1c5b6e-1d2a-4d5e-9c1b-2f3e4a5b6c7d" }),
        json!({ "type": "analytics_engine", "name": "EVENTS", "dataset": "events" }),
        json!({ "type": "workflow", "name": "FLOW", "workflow_name": "onboarding", "class_name": "Onboarding", "script_name": "flows" }),
        json!({ "type": "queue", "name": "JOBS", "queue_name": "jobs", "delivery_delay": 30 }),
        json!({ "type": "r2_bucket", "name": "LOGS", "bucket_name": "logs" }),
        json!({ "type": "send_email", "name": "MAILER", "destination_address": "ops@example.com" }),
        json!({ "type": "hyperdrive", "name": "PG", "id": "a76a99bc342644deb02c38d66082262a" }),
        json!({ "type": "vectorize", "name": "SEARCH", "index_name": "docs" }),
        json!({ "type": "secrets_store_secret", "name": "STRIPE", "store_id": "s1", "secret_name": "stripe" }),
        json!({ "type": "dispatch_namespace", "name": "TENANTS", "namespace": "tenants", "outbound": { "worker": { "service": "outbound" }, "params": [{ "name": "tenant" }] } }),
        json!({ "type": "version_metadata", "name": "VERSION" }),
        json!({ "type": "durable_object_namespace", "name": "WEB", "class_name": "Web" }),
    ];
    expected.sort_by_key(|b| b["name"].as_str().unwrap().to_string());
    assert_eq!(uploaded, expected);
    // The settings, passed through as written but `placement`, which the
    // official CLI parses (parseConfigPlacement).
    let script = &emulator.snapshot()["scripts"][&name];
    assert_eq!(
        [
            &script["logpush"],
            &script["limits"],
            &script["placement"],
            &script["tail_consumers"],
            &script["observability"]
        ],
        [
            &json!(true),
            &json!({ "cpu_ms": 50 }),
            &json!({ "mode": "smart" }),
            &json!([{ "service": "tail-worker" }]),
            &json!({ "enabled": true, "head_sampling_rate": 0.5, "logs": { "invocation_logs": false } })
        ]
    );
    let before = writes(&emulator).len();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let after = writes(&emulator);
    assert_eq!(after.len(), before, "an unchanged redeploy writes nothing: {:?}", &after[before..]);
}

#[test]
fn a_setting_deploy_does_not_apply_yet_stops_it_before_any_call() {
    let Some(emulator) = start() else { return };
    let fixture = worker_fixture(&unique("withassets"), WEB);
    std::fs::write(fixture.path().join("wrangler.toml"), "[site]\nbucket = \"./public\"\n").unwrap();
    fails_before_any_call(&emulator, &fixture, "deploy", &["wrangler.toml: `site` is not applied", "official CLI"]);
    // Static assets whose directory is missing.
    std::fs::write(fixture.path().join("wrangler.toml"), "[assets]\ndirectory = \"./public\"\n").unwrap();
    fails_before_any_call(&emulator, &fixture, "deploy", &["`assets.directory`", "public is not a directory"]);
    // A pull consumer cannot be configured in the file, as the official CLI says.
    std::fs::write(
        fixture.path().join("wrangler.toml"),
        "queues = { consumers = [{ queue = \"jobs\", type = \"http_pull\" }] }\n",
    )
    .unwrap();
    let expected = "`queues.consumers[0].type` is \"http_pull\", but only \"worker\" consumers can be configured";
    fails_before_any_call(&emulator, &fixture, "deploy", &[expected, "wrangler queues consumer http add jobs"]);
}

#[test]
fn a_binding_name_used_twice_or_a_container_bound_differently_is_an_error_before_any_call() {
    let Some(emulator) = start() else { return };
    let fixture = worker_fixture(&unique("twice"), WEB);
    std::fs::write(
        fixture.path().join("wrangler.toml"),
        "vars = { CACHE = \"x\" }\nkv_namespaces = [{ binding = \"CACHE\", id = \"0f2a\" }]\n",
    )
    .unwrap();
    fails_before_any_call(
        &emulator,
        &fixture,
        "deploy",
        &["binding name `CACHE` is used twice (plain_text and kv_namespace)"],
    );
    std::fs::write(
        fixture.path().join("wrangler.toml"),
        "durable_objects = { bindings = [{ name = \"WEBSITE\", class_name = \"Web\" }] }\n",
    )
    .unwrap();
    let expected = "container class `Web` as `WEBSITE`, its #[container] attribute as `WEB`";
    fails_before_any_call(&emulator, &fixture, "deploy", &[expected]);
    // A class of the Worker itself that its code does not export.
    std::fs::write(
        fixture.path().join("wrangler.toml"),
        "durable_objects = { bindings = [{ name = \"ROOMS\", class_name = \"Room\" }] }\n",
    )
    .unwrap();
    fails_before_any_call(
        &emulator,
        &fixture,
        "deploy",
        &["Durable Object class `Room` is not exported by the Worker"],
    );
}

#[test]
fn env_staging_deploys_its_own_worker_with_its_own_bindings_compiled_into_the_code() {
    let Some(emulator) = start() else { return };
    let name = unique("envs");
    let fixture = worker_fixture(&name, WEB);
    // The code reads a var only [env.staging] declares: it compiles only
    // when the build selects that environment.
    fixture.write_lib(&format!(
        "use worker::*;\ncfcontainer::bindings!();\n{WEB}\n#[event(fetch)]\nasync fn fetch(_req: Request, env: Env, _ctx: Context) -> Result<Response> {{ Response::ok(Bindings::of(&env).stage_note()?.to_string()) }}\n"
    ));
    std::fs::write(
        fixture.path().join("wrangler.toml"),
        format!("name = \"{name}\"\nvars = {{ MODE = \"production\" }}\n\n[env.staging]\nvars = {{ STAGE_NOTE = \"only in staging\" }}\nkv_namespaces = [{{ binding = \"CACHE\", id = \"9a1f\" }}]\n"),
    )
    .unwrap();
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy", "--env", "prod"], &[]);
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(last.contains("there is no environment `prod`; the file has: staging"), "{last}");
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert!(!out.status.success(), "the top level has no STAGE_NOTE: the code must not compile");
    assert!(stderr(&out).contains("stage_note"), "{}", stderr(&out));
    assert!(emulator.write_calls().is_empty(), "nothing written: {:?}", writes(&emulator));

    ok_verb(&emulator, &fixture.manifest(), &["deploy", "--env", "staging"], &[]);
    let snapshot = emulator.snapshot();
    let staging = format!("{name}-staging");
    let mut bindings: Vec<String> = snapshot["scripts"][&staging]["bindings"]
        .as_array()
        .unwrap_or_else(|| panic!("no Worker {staging}: {snapshot}"))
        .iter()
        .map(|b| format!("{} {}", b["type"].as_str().unwrap(), b["name"].as_str().unwrap()))
        .collect();
    bindings.sort();
    // The section's own, and the record of the images this version runs.
    assert_eq!(
        bindings,
        ["durable_object_namespace WEB", "json CFCONTAINER_IMAGES", "kv_namespace CACHE", "plain_text STAGE_NOTE"]
    );
    assert!(snapshot["scripts"].get(&name).is_none(), "the top-level Worker is not touched");
    let apps: Vec<&str> =
        snapshot["applications"].as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
    assert!(apps.iter().all(|a| a.starts_with(&staging)), "applications follow the env's Worker: {apps:?}");
}

#[test]
fn cron_triggers_are_set_when_they_differ_and_a_bad_one_stops_the_deploy_before_any_call() {
    let Some(emulator) = start() else { return };
    let name = unique("crons");
    let fixture = worker_fixture(&name, WEB);
    let config = |crons: &str| {
        std::fs::write(
            fixture.path().join("wrangler.toml"),
            format!("name = \"{name}\"\n[triggers]\ncrons = [{crons}]\n"),
        )
        .unwrap()
    };
    config("\"61 * * * *\"");
    fails_before_any_call(
        &emulator,
        &fixture,
        "deploy",
        &["`triggers.crons[0]` `61 * * * *` is not a cron expression"],
    );

    config("\"*/30 * * * *\", \"0 3 * * MON\"");
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let crons = |emulator: &Emulator| -> Vec<String> {
        let schedules = emulator.snapshot()["scripts"][&name]["schedules"].clone();
        schedules.as_array().unwrap().iter().map(|s| s["cron"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(crons(&emulator), ["*/30 * * * *", "0 3 * * MON"]);
    let before = writes(&emulator).len();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(writes(&emulator).len(), before, "unchanged crons are not written again");

    config("\"0 3 * * MON\"");
    let plan = ok_verb(&emulator, &fixture.manifest(), &["plan"], &[]);
    assert_eq!(plan["crons"], json!([["*/30 * * * *", "0 3 * * MON"], ["0 3 * * MON"]]), "{plan}");
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let after = writes(&emulator);
    assert_eq!(after[before..], [format!("PUT /workers/scripts/{name}/schedules")], "only the crons are written");
    assert_eq!(crons(&emulator), ["0 3 * * MON"]);
}

#[test]
fn routes_and_custom_domains_are_set_when_they_differ_and_an_unknown_zone_stops_the_deploy_before_any_write() {
    let Some(emulator) = start() else { return };
    let name = unique("routes");
    let fixture = worker_fixture(&name, WEB);
    let config = |routes: &str| {
        std::fs::write(fixture.path().join("wrangler.toml"), format!("name = \"{name}\"\nroutes = [{routes}]\n"))
            .unwrap()
    };
    config("\"api.example.org/*\"");
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    // Said by the checks before the build, with the zones the account has.
    let expected = "route `api.example.org/*` needs its zone (api.example.org or example.org), which account";
    assert!(last.contains(expected) && last.contains("(it has: example.com)"), "{last}");
    assert!(writes(&emulator).is_empty(), "wrote before failing: {:?}", writes(&emulator));

    config(
        "\"example.com/api/*\", { pattern = \"shop.example.com/*\", zone_name = \"example.com\" }, \
         { pattern = \"app.example.com\", custom_domain = true }",
    );
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let snapshot = emulator.snapshot();
    let patterns: Vec<&str> = snapshot["scripts"][&name]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(patterns, ["example.com/api/*", "shop.example.com/*"]);
    let domains: Vec<&str> =
        snapshot["domains"].as_array().unwrap().iter().map(|d| d["hostname"].as_str().unwrap()).collect();
    assert_eq!(domains, ["app.example.com"]);
    let before = writes(&emulator).len();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(writes(&emulator).len(), before, "unchanged routes are not written again");

    config("\"example.com/api/*\", { pattern = \"app.example.com\", custom_domain = true }");
    let plan = ok_verb(&emulator, &fixture.manifest(), &["plan"], &[]);
    assert_eq!(
        plan["routes"],
        json!([["example.com/api/*", "shop.example.com/*"], [{ "pattern": "example.com/api/*" }]]),
        "{plan}"
    );
    assert_eq!(plan["domains"], Value::Null, "the Custom Domain did not change");
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let after = writes(&emulator);
    assert_eq!(after[before..], [format!("PUT /workers/scripts/{name}/routes")], "only the routes are written");
}

#[test]
fn queue_consumers_are_created_then_updated_only_when_their_settings_differ() {
    let Some(emulator) = start() else { return };
    let name = unique("consumer");
    let fixture = worker_fixture(&name, WEB);
    let config = |queue: &str, batch: u32| {
        std::fs::write(
            fixture.path().join("wrangler.toml"),
            format!(
                "name = \"{name}\"\n[[queues.producers]]\nbinding = \"JOBS\"\nqueue = \"jobs\"\n\n[[queues.consumers]]\nqueue = \"{queue}\"\nmax_batch_size = {batch}\nmax_batch_timeout = 2.5\ndead_letter_queue = \"jobs-dlq\"\n"
            ),
        )
        .unwrap()
    };
    config("no-such-queue", 5);
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    // Said by the checks before the build, with the queues the account has.
    let expected = "a consumer in queues.consumers reads queue `no-such-queue`, which account";
    assert!(last.contains(expected) && last.contains("(it has: jobs, jobs-dlq)"), "{last}");
    assert!(writes(&emulator).is_empty(), "wrote before failing: {:?}", writes(&emulator));

    config("jobs", 5);
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let consumers = emulator.snapshot()["consumers"].clone();
    assert_eq!(consumers[0]["script"], json!(name), "{consumers}");
    assert_eq!(consumers[0]["dead_letter_queue"], "jobs-dlq");
    assert_eq!(
        (&consumers[0]["settings"]["batch_size"], &consumers[0]["settings"]["max_wait_time_ms"]),
        (&json!(5), &json!(2500))
    );
    let before = writes(&emulator).len();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(writes(&emulator).len(), before, "settings the file leaves unset do not count as a change");

    config("jobs", 20);
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let after = writes(&emulator);
    assert_eq!(after.len(), before + 1, "one update: {:?}", &after[before..]);
    assert!(after[before].starts_with("PUT /queues/") && after[before].contains("/consumers/"), "{}", after[before]);
    assert_eq!(emulator.snapshot()["consumers"][0]["settings"]["batch_size"], 20);
}

/// A crate without containers whose wrangler config is `file`.
fn crate_with_config(name: &str, file: &str) -> Fixture {
    let lib = "use worker::*;\n#[event(fetch)]\nasync fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> { Response::ok(\"ok\") }\n";
    let fixture = Fixture::new(name, lib, "\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n");
    std::fs::write(fixture.path().join("wrangler.toml"), file).unwrap();
    fixture
}

#[test]
fn the_official_cli_and_cfcontainer_leave_the_same_worker_for_the_same_wrangler_file() {
    let Some(ours) = start() else { return };
    let Some(wrangler) = wrangler_bin() else { return };
    let theirs = emulator().unwrap();
    let name = unique("parity");
    let file = format!(
        "name = \"{name}\"\ncompatibility_date = \"2026-03-05\"\n{EVERY_KIND}\nroutes = [\"example.com/api/*\", {{ pattern = \"app.example.com\", custom_domain = true }}]\n\n[vars]\nMODE = \"production\"\nLIMITS = {{ max_items = 3 }}\n\n[triggers]\ncrons = [\"*/30 * * * *\"]\n"
    )
    // A consumer too: the producers' inline table gains one.
    .replace(
        "delivery_delay = 30 }] }",
        "delivery_delay = 30 }], consumers = [{ queue = \"jobs\", max_batch_size = 5, max_batch_timeout = 2.5, dead_letter_queue = \"jobs-dlq\" }] }",
    );
    // Both accounts have the other Worker whose class COUNTER binds.
    for emulator in [&ours, &theirs] {
        let counter = json!({ "main_module": "index.js", "compatibility_date": "2026-03-01",
            "migrations": { "new_tag": "v1", "new_sqlite_classes": ["Counter"] } });
        upload_foreign_worker_with(emulator, "counter-worker", counter);
        // The Workers `AUTH` and `BILLING` bind must be in the account too.
        upload_foreign_worker(emulator, "auth-worker");
        upload_foreign_worker(emulator, "billing");
    }
    official_deploy(&wrangler, &theirs, &file, &[]);
    // cargo cfcontainer: a crate without containers, with the same file.
    let fixture = crate_with_config(&name, &file);
    ok_verb(&ours, &fixture.manifest(), &["deploy"], &[]);
    let (mine, official) = (deployed_shape(&ours, &name), deployed_shape(&theirs, &name));
    // What is compared is there (the official CLI did set each part).
    assert_eq!(official["bindings"].as_array().unwrap().len(), 21, "{official}");
    assert_eq!(
        [&official["crons"], &official["routes"], &official["domains"]],
        [&json!(["*/30 * * * *"]), &json!(["example.com/api/*"]), &json!(["app.example.com"])]
    );
    assert_eq!(official["consumers"][0]["settings"]["max_wait_time_ms"], 2500, "{official}");
    assert_eq!(official["workers_dev"], false, "with routes, workers.dev is off unless the file says: {official}");
    // Known, reasoned differences, none of which shows here: the official
    // CLI PUTs crons and routes on every deploy (we only when they differ)
    // and looks R2 buckets up before uploading (we let the upload fail).
    assert_eq!(mine, official);
}

#[test]
fn the_official_cli_and_cfcontainer_create_the_same_durable_object_classes_of_the_worker_itself() {
    let Some(ours) = start() else { return };
    let Some(wrangler) = wrangler_bin() else { return };
    let theirs = emulator().unwrap();
    let name = unique("ownclasses");
    // A key-value class renamed by a later migration, a SQLite one, and
    // a bound class no migration names (our deploy creates it; the
    // official CLI needs it in the file, so it is there for both here).
    let file = format!(
        "name = \"{name}\"\ncompatibility_date = \"2026-03-05\"\ndurable_objects = {{ bindings = [{{ name = \"ROOMS\", class_name = \"Room\" }}, {{ name = \"VIEWS\", class_name = \"Views\" }}] }}\n\n[[migrations]]\ntag = \"v1\"\nnew_classes = [\"Chat\"]\n\n[[migrations]]\ntag = \"v2\"\nrenamed_classes = [{{ from = \"Chat\", to = \"Room\" }}]\nnew_sqlite_classes = [\"Views\"]\n"
    );
    // Both Workers export the classes, as the official CLI checks.
    let js = "export class Room {}\nexport class Views {}\nexport default { fetch() { return new Response('ok') } }\n";
    official_deploy_with(&wrangler, &theirs, &file, &[], &[("index.js", js)]);
    let lib = "use worker::*;\n#[durable_object]\npub struct Room { _state: State }\nimpl DurableObject for Room { fn new(state: State, _env: Env) -> Self { Room { _state: state } } async fn fetch(&self, _req: Request) -> Result<Response> { Response::ok(\"room\") } }\n#[durable_object]\npub struct Views { _state: State }\nimpl DurableObject for Views { fn new(state: State, _env: Env) -> Self { Views { _state: state } } async fn fetch(&self, _req: Request) -> Result<Response> { Response::ok(\"views\") } }\n#[event(fetch)]\nasync fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> { Response::ok(\"ok\") }\n";
    let fixture = Fixture::new(
        &name,
        lib,
        "wasm-bindgen = \"=0.2.130\"\n\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n",
    );
    std::fs::write(fixture.path().join("wrangler.toml"), &file).unwrap();
    ok_verb(&ours, &fixture.manifest(), &["deploy"], &[]);
    let classes = |emulator: &Emulator| {
        let mut classes: Vec<Value> = emulator.snapshot()["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["script"] == json!(name))
            .map(|n| json!([n["class"], n["use_sqlite"]]))
            .collect();
        classes.sort_by_key(|c| c[0].as_str().unwrap_or_default().to_string());
        classes
    };
    let official = classes(&theirs);
    assert_eq!(official, [json!(["Room", false]), json!(["Views", true])]);
    assert_eq!(classes(&ours), official);
    assert_eq!(deployed_shape(&ours, &name), deployed_shape(&theirs, &name));
    // An unchanged redeploy leaves them (and writes nothing).
    let before = writes(&ours).len();
    ok_verb(&ours, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(writes(&ours)[before..], [] as [String; 0]);
}

/// A static site: pages, a script, a style sheet, an image, data, a source
/// map left out by `.assetsignore`, and the `_headers`/`_redirects` files.
const SITE: &[(&str, &str)] = &[
    ("public/index.html", "<!doctype html><h1>notes</h1>"),
    ("public/about/index.html", "<h1>about</h1>"),
    ("public/app.js", "console.log('app')"),
    ("public/app.js.map", "{\"version\":3}"),
    ("public/style.css", "h1 { color: teal }"),
    ("public/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
    ("public/data.json", "{\"notes\":[]}"),
    ("public/robots.txt", "User-agent: *"),
    ("public/.assetsignore", "*.map\n"),
    ("public/_headers", "/*\n  X-Frame-Options: DENY\n"),
    ("public/_redirects", "/old /about 301\n"),
];

#[test]
fn the_official_cli_and_cfcontainer_upload_the_same_static_assets_and_an_unchanged_site_is_not_sent_again() {
    let Some(ours) = start() else { return };
    let Some(wrangler) = wrangler_bin() else { return };
    let theirs = emulator().unwrap();
    let name = unique("assets");
    let file = format!(
        "name = \"{name}\"\ncompatibility_date = \"2026-03-05\"\nassets = {{ directory = \"./public\", binding = \"STATIC\", html_handling = \"drop-trailing-slash\", not_found_handling = \"single-page-application\", run_worker_first = [\"/api/*\"] }}\n"
    );
    official_deploy_with(&wrangler, &theirs, &file, &[], SITE);
    let fixture = crate_with_config(&name, &file);
    write_files(fixture.path(), SITE);
    ok_verb(&ours, &fixture.manifest(), &["deploy"], &[]);
    let assets = |emulator: &Emulator| emulator.snapshot()["scripts"][&name]["assets"].clone();
    let official = assets(&theirs);
    let paths: Vec<&String> = official["manifest"].as_object().unwrap().keys().collect();
    assert_eq!(
        paths,
        ["/about/index.html", "/app.js", "/data.json", "/index.html", "/logo.svg", "/robots.txt", "/style.css"],
        "{official}"
    );
    assert_eq!(official["config"]["_headers"], "/*\n  X-Frame-Options: DENY\n", "{official}");
    // The same files with the same hashes, sizes and content types, the
    // same config and binding.
    assert_eq!(assets(&ours), official);
    assert_eq!(deployed_shape(&ours, &name), deployed_shape(&theirs, &name));

    // Unchanged: no upload session, nothing written.
    let before = writes(&ours).len();
    ok_verb(&ours, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(writes(&ours)[before..], [] as [String; 0], "an unchanged site is not sent again");
    // One file changed: only it is uploaded.
    std::fs::write(fixture.path().join("public/app.js"), "console.log('app 2')").unwrap();
    let before = ours.log().len();
    ok_verb(&ours, &fixture.manifest(), &["deploy"], &[]);
    let uploads: Vec<String> = calls(&ours)[before..].iter().filter(|c| c.contains("/assets/")).cloned().collect();
    assert_eq!(uploads, ["POST /workers/assets/upload"], "one bucket with the changed file");
    let now = assets(&ours);
    assert_ne!(now["manifest"]["/app.js"]["hash"], official["manifest"]["/app.js"]["hash"]);
    assert_eq!(now["manifest"]["/index.html"], official["manifest"]["/index.html"]);
}

/// A whole Worker with a container class, as both tools deploy it: every
/// binding kind, settings with observability logs, `tail_consumers` at
/// the top level only, a cron, a zone route, a Custom Domain, a queue
/// consumer, and an `[env.staging]` with its own `containers` entry.
fn with_a_container(name: &str) -> String {
    format!(
        "name = \"{name}\"\ncompatibility_date = \"2026-03-05\"\n{EVERY_KIND}\nroutes = [\"example.com/api/*\", {{ pattern = \"app.example.com\", custom_domain = true }}]\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Web\"]\n\n[[containers]]\nclass_name = \"Web\"\nimage = \"./Dockerfile\"\nmax_instances = 20\n\n[triggers]\ncrons = [\"*/30 * * * *\"]\n\n[env.staging]\nname = \"{name}-staging\"\nroutes = [\"example.com/staging/*\"]\ndurable_objects = {{ bindings = [{{ name = \"WEB\", class_name = \"Web\" }}] }}\nvars = {{ MODE = \"staging\" }}\n\n[[env.staging.containers]]\nclass_name = \"Web\"\nimage = \"./Dockerfile\"\nmax_instances = 1\ninstance_type = \"basic\"\n"
    )
    .replace(
        "bindings = [{ name = \"COUNTER\", class_name = \"Counter\", script_name = \"counter-worker\" }]",
        "bindings = [{ name = \"COUNTER\", class_name = \"Counter\", script_name = \"counter-worker\" }, { name = \"WEB\", class_name = \"Web\" }]",
    )
    .replace("delivery_delay = 30 }] }", "delivery_delay = 30 }], consumers = [{ queue = \"jobs\", max_batch_size = 5 }] }")
}

#[test]
fn a_whole_worker_with_a_container_is_deployed_as_the_official_cli_deploys_it_at_the_top_and_in_an_environment() {
    let Some(ours) = start() else { return };
    let Some(wrangler) = wrangler_bin() else { return };
    let theirs = emulator().unwrap();
    let name = unique("fullparity");
    let file = with_a_container(&name);
    for emulator in [&ours, &theirs] {
        let counter = json!({ "main_module": "index.js", "compatibility_date": "2026-03-01",
            "migrations": { "new_tag": "v1", "new_sqlite_classes": ["Counter"] } });
        upload_foreign_worker_with(emulator, "counter-worker", counter);
        // The Workers `AUTH` and `BILLING` bind must be in the account too.
        upload_foreign_worker(emulator, "auth-worker");
        upload_foreign_worker(emulator, "billing");
    }
    let fixture = worker_fixture(&name, WEB);
    std::fs::write(fixture.path().join("wrangler.toml"), &file).unwrap();
    let note = std::fs::read_to_string(fixture.path().join("note.txt")).unwrap();
    let dockerfile = std::fs::read_to_string(fixture.path().join("Dockerfile")).unwrap();
    let index = "import { DurableObject } from \"cloudflare:workers\";\nexport class Web extends DurableObject {}\nexport default { fetch() { return new Response('ok') } }\n";
    let files = [("index.js", index), ("Dockerfile", dockerfile.as_str()), ("note.txt", note.as_str())];
    for env in [None, Some("staging")] {
        let (mut args, script) = match env {
            None => (vec!["deploy"], name.clone()),
            Some(env) => (vec!["deploy", "--env", env], format!("{name}-{env}")),
        };
        let official_args: Vec<&str> = match env {
            None => vec!["--env", ""],
            Some(env) => vec!["--env", env],
        };
        official_deploy_with(&wrangler, &theirs, &file, &official_args, &files);
        ok_verb(&ours, &fixture.manifest(), &args, &[]);
        let (mine, official) = (container_shape(&ours, &script), container_shape(&theirs, &script));
        // What is compared is there.
        // The official CLI 4.164 keeps the logs setting in the application's
        // own `observability` (4.86 put it in the configuration).
        assert_eq!(official["application"]["observability"], json!({ "logs": { "enabled": true } }), "{official}");
        assert_eq!(official["application"]["configuration_observability"], Value::Null, "{official}");
        assert_eq!(
            official["upload"]["code_update_strategy"],
            json!({ "mode": "deferred", "max_delay": 300 }),
            "{official}"
        );
        assert_eq!(official["upload_query"], json!("excludeScript=true&bindings_inherit=strict"), "{official}");
        assert!(official["tags"].as_array().unwrap().contains(&json!(format!("cf:service={name}"))), "{official}");
        match env {
            None => assert_eq!(official["tail_consumers"], json!([{ "service": "tail-worker" }]), "{official}"),
            Some(_) => assert_eq!(official["tail_consumers"], json!([]), "not inherited: {official}"),
        }
        // Known, reasoned differences, none of which shows here (see the
        // top-level parity test); this tool's own parts are taken out.
        assert_eq!(mine, official, "{}", env.unwrap_or("top level"));
        // An unchanged redeploy writes nothing.
        let before = ours.write_calls().len();
        args.push("-q");
        ok_verb(&ours, &fixture.manifest(), &args, &[]);
        assert_eq!(ours.write_calls().len(), before, "the no-change redeploy wrote {:?}", &writes(&ours)[before..]);
    }
}

/// The container calls of `emulator`'s log since its `from`th entry:
/// method, path after the application id, JSON body.
fn application_writes(emulator: &Emulator, from: usize) -> Vec<(String, String, Value)> {
    emulator.log()[from..]
        .iter()
        .filter(|l| l.method != "GET" && l.path.contains("/containers/applications"))
        .map(|l| {
            let tail = l.path.rsplit_once("/containers/applications").map(|(_, t)| t).unwrap_or_default();
            let tail = tail.trim_start_matches('/').split_once('/').map_or("", |(_, rest)| rest);
            (l.method.clone(), tail.to_string(), l.body.clone().unwrap_or(Value::Null))
        })
        .collect()
}

#[test]
fn an_application_update_is_patched_and_rolled_out_as_the_official_cli_does_it_and_a_logs_change_alone_is_not_rolled_out(
) {
    let Some(ours) = start() else { return };
    let Some(wrangler) = wrangler_bin() else { return };
    let theirs = emulator().unwrap();
    let name = unique("updateparity");
    // No `max_instances` in the file: the official CLI's default size
    // (20), and its default rollout for that size.
    let file = |logs: bool| {
        format!(
            "name = \"{name}\"\ncompatibility_date = \"2026-11-17\"\n\n[observability]\nenabled = {logs}\n\n[[durable_objects.bindings]]\nname = \"WEB\"\nclass_name = \"Web\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Web\"]\n\n[[containers]]\nclass_name = \"Web\"\nimage = \"./Dockerfile\"\n"
        )
    };
    let fixture = worker_fixture(&name, WEB);
    let index = "import { DurableObject } from \"cloudflare:workers\";\nexport class Web extends DurableObject {}\nexport default { fetch() { return new Response('ok') } }\n";
    let dockerfile = std::fs::read_to_string(fixture.path().join("Dockerfile")).unwrap();
    let deploy_both = |logs: bool, note: &str| {
        std::fs::write(fixture.path().join("wrangler.toml"), file(logs)).unwrap();
        std::fs::write(fixture.path().join("note.txt"), note).unwrap();
        let files = [("index.js", index), ("Dockerfile", dockerfile.as_str()), ("note.txt", note)];
        let (mine, official) = (ours.log().len(), theirs.log().len());
        official_deploy_with(&wrangler, &theirs, &file(logs), &[], &files);
        ok_verb(&ours, &fixture.manifest(), &["deploy"], &[]);
        (application_writes(&ours, mine), application_writes(&theirs, official))
    };

    // Created with the logs on, kept in the application's own settings.
    let (mine, official) = deploy_both(true, "first\n");
    assert_eq!(official.len(), 1, "one create: {official:?}");
    assert_eq!(official[0].2["observability"], json!({ "logs": { "enabled": true } }), "{official:?}");
    assert_eq!(mine[0].2["observability"], official[0].2["observability"]);
    assert_eq!(container_shape(&ours, &name), container_shape(&theirs, &name));

    // A new image: the same settings patched, then the same rollout.
    let (mine, official) = deploy_both(true, "second\n");
    let [(patch, _, theirs_patch), (post, rollouts, theirs_rollout)] = &official[..] else {
        panic!("a PATCH and a rollout: {official:?}")
    };
    assert_eq!((patch.as_str(), post.as_str(), rollouts.as_str()), ("PATCH", "POST", "rollouts"));
    assert_eq!(theirs_rollout["steps"].as_array().map(Vec::len), Some(2), "10 % then 100 %: {theirs_rollout}");
    let [(_, _, my_patch), (_, _, my_rollout)] = &mine[..] else { panic!("a PATCH and a rollout: {mine:?}") };
    // Listed difference: our PATCH leaves the configuration to the
    // rollout, which carries it (the official CLI sends it in both).
    let mut their_settings = theirs_patch.clone();
    their_settings.as_object_mut().unwrap().remove("configuration");
    assert_eq!(my_patch, &their_settings);
    // Listed difference: the rollout's description names what changed
    // (and identifies it when an answer is lost); the images are named by
    // each tool's own build.
    let rollout = |r: &Value| {
        let mut target = r["target_configuration"].clone();
        target.as_object_mut().unwrap().remove("image");
        json!({ "strategy": r["strategy"], "kind": r["kind"], "steps": r["steps"], "step_percentage": r["step_percentage"], "target": target })
    };
    assert_eq!(rollout(my_rollout), rollout(theirs_rollout));

    // The logs turned off: the application's settings only, no rollout.
    let (mine, official) = deploy_both(false, "second\n");
    let off = json!({ "logs": { "enabled": false } });
    assert_eq!(official.len(), 1, "one PATCH: {official:?}");
    assert_eq!((official[0].0.as_str(), &official[0].2["observability"]), ("PATCH", &off), "{official:?}");
    assert_eq!(mine.len(), 1, "one PATCH: {mine:?}");
    assert_eq!((mine[0].0.as_str(), &mine[0].2["observability"]), ("PATCH", &off), "{mine:?}");
    assert_eq!(container_shape(&ours, &name), container_shape(&theirs, &name));
    // And nothing changes on the next deploy.
    let before = ours.write_calls().len();
    ok_verb(&ours, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(ours.write_calls().len(), before, "the no-change redeploy wrote {:?}", &writes(&ours)[before..]);
}

#[test]
fn with_env_staging_the_official_cli_and_cfcontainer_leave_the_same_worker() {
    let Some(ours) = start() else { return };
    let Some(wrangler) = wrangler_bin() else { return };
    let theirs = emulator().unwrap();
    let name = unique("envparity");
    // Top level: what an environment inherits (triggers, routes) and what
    // it does not (vars, bindings); the section sets its own compatibility
    // date, workers.dev route and Preview URLs.
    let file = format!(
        "name = \"{name}\"\ncompatibility_date = \"2026-03-05\"\nroutes = [\"example.com/api/*\"]\nkv_namespaces = [{{ binding = \"CACHE\", id = \"0f2a\" }}]\n\n[vars]\nMODE = \"production\"\n\n[triggers]\ncrons = [\"0 3 * * *\"]\n\n[env.staging]\ncompatibility_date = \"2026-02-01\"\nworkers_dev = true\npreview_urls = true\nr2_buckets = [{{ binding = \"ASSETS\", bucket_name = \"assets\" }}]\nvars = {{ MODE = \"staging\" }}\n"
    );
    official_deploy(&wrangler, &theirs, &file, &["--env", "staging"]);
    let fixture = crate_with_config(&name, &file);
    ok_verb(&ours, &fixture.manifest(), &["deploy", "--env", "staging"], &[]);
    let staging = format!("{name}-staging");
    let official = deployed_shape(&theirs, &staging);
    assert_eq!(official["bindings"].as_array().map(Vec::len), Some(2), "the section's own: {official}");
    assert_eq!(
        [&official["compatibility_date"], &official["workers_dev"], &official["previews_enabled"]],
        [&json!("2026-02-01"), &json!(true), &json!(true)],
        "the section's own settings: {official}"
    );
    assert_eq!(deployed_shape(&ours, &staging), official);
    assert!(ours.snapshot()["scripts"].get(&name).is_none() && theirs.snapshot()["scripts"].get(&name).is_none());
}

#[test]
fn a_binding_without_its_required_field_names_the_file_and_key_path_before_any_call() {
    let Some(emulator) = start() else { return };
    let fixture = worker_fixture(&unique("nofield"), WEB);
    std::fs::write(
        fixture.path().join("wrangler.jsonc"),
        "{\n  // the Worker's config\n  \"d1_databases\": [{ \"binding\": \"DB\", \"database_name\": \"app\" },],\n}\n",
    )
    .unwrap();
    fails_before_any_call(
        &emulator,
        &fixture,
        "plan",
        &["wrangler.jsonc: `d1_databases[0]`: missing field `database_id`"],
    );
}

#[test]
fn a_declared_secret_must_have_a_value_and_is_uploaded_as_a_secret() {
    let Some(emulator) = start() else { return };
    let name = unique("declared");
    let extra = "\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n\n[package.metadata.cfcontainer]\nsecrets = [\"API_KEY\"]\n";
    let fixture = Fixture::new(&name, "", extra);
    std::fs::write(fixture.path().join("Dockerfile"), "FROM scratch\nCOPY note.txt /note.txt\nEXPOSE 8080\n").unwrap();
    std::fs::write(fixture.path().join("note.txt"), "declared\n").unwrap();
    set_classes(&fixture, WEB);
    let (out, _) = run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(last.contains("Worker secret `API_KEY` has no value: export API_KEY=..."), "{last}");
    assert!(writes(&emulator).is_empty(), "wrote before failing: {:?}", writes(&emulator));
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[("API_KEY", "k3y-value")]);
    let bindings = emulator.snapshot()["scripts"][&name]["bindings"].clone();
    let secret = bindings.as_array().unwrap().iter().find(|b| b["name"] == "API_KEY").cloned();
    assert_eq!(secret, Some(json!({ "type": "secret_text", "name": "API_KEY" })), "shown without its value");
}

#[test]
fn placement_settings_reach_the_application_and_a_change_is_a_patch() {
    let Some(emulator) = start() else { return };
    let name = unique("placed");
    let class = |regions: &str| {
        format!("#[cfcontainer::container(class = \"Web\", port = 8080, scheduling_policy = \"regional\", constraints(regions = [{regions}], jurisdiction = \"eu\"), rollout_active_grace_period = \"30s\")]\npub struct Web;")
    };
    let fixture = worker_fixture(&name, &class("\"weur\""));
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let app = emulator.snapshot()["applications"][0].clone();
    assert_eq!(
        (&app["scheduling_policy"], &app["constraints"], &app["rollout_active_grace_period"]),
        (&json!("regional"), &json!({ "tiers": [1, 2], "regions": ["WEUR"], "jurisdiction": "eu" }), &json!(30)),
        "as the official CLI sends them (regions upper case, default tiers): {app}"
    );
    set_classes(&fixture, &class("\"WEUR\", \"ENAM\""));
    let plan = ok_verb(&emulator, &fixture.manifest(), &["plan"], &[]);
    let changes = &plan["applications"][0]["changes"];
    assert_eq!(
        changes,
        &json!([{ "field": "constraints", "from": "tiers 1,2 regions WEUR jurisdiction eu", "to": "tiers 1,2 regions WEUR,ENAM jurisdiction eu" }]),
        "{plan}"
    );
    let before = writes(&emulator).len();
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    let after = writes(&emulator);
    assert!(after[before..].iter().any(|w| w.starts_with("PATCH /containers/applications/")), "{:?}", &after[before..]);
    assert_eq!(emulator.snapshot()["applications"][0]["constraints"]["regions"], json!(["WEUR", "ENAM"]));
}

#[test]
fn an_environment_sets_its_container_capacity_and_the_top_level_must_agree_with_the_attribute() {
    let Some(emulator) = start() else { return };
    let name = unique("capacity");
    let fixture = worker_fixture(
        &name,
        "#[cfcontainer::container(class = \"Web\", port = 8080, max_instances = 10)]\npub struct Web;",
    );
    let file = |top_max: u32| {
        format!(
            "name = \"{name}\"\n\n[[containers]]\nclass_name = \"Web\"\nimage = \"./Dockerfile\"\nmax_instances = {top_max}\n\n[[env.staging.containers]]\nclass_name = \"Web\"\nimage = \"./Dockerfile\"\nmax_instances = 1\ninstance_type = \"basic\"\n"
        )
    };
    std::fs::write(fixture.path().join("wrangler.toml"), file(7)).unwrap();
    let expected = "`containers` sets max_instances of container class `Web` to 7, its #[container] attribute to 10";
    fails_before_any_call(&emulator, &fixture, "plan", &[expected]);

    std::fs::write(fixture.path().join("wrangler.toml"), file(10)).unwrap();
    ok_verb(&emulator, &fixture.manifest(), &["deploy", "--env", "staging"], &[]);
    let app = emulator.snapshot()["applications"][0].clone();
    // Named as the official CLI names an environment's application.
    assert_eq!(app["name"], json!(format!("{name}-staging-web-staging")), "{app}");
    assert_eq!((&app["max_instances"], &app["configuration"]["instance_type"]), (&json!(1), &json!("basic")), "{app}");
}

/// The images record the live Worker of `emulator` called `script` carries.
fn images_record(emulator: &Emulator, script: &str) -> Value {
    let snapshot = emulator.snapshot();
    let bindings = snapshot["scripts"][script]["bindings"].as_array().cloned().unwrap_or_default();
    bindings.into_iter().find(|b| b["name"] == "CFCONTAINER_IMAGES").map(|b| b["json"].clone()).unwrap_or(Value::Null)
}

#[test]
fn containers_rollout_immediate_rolls_out_in_one_step_and_none_deploys_the_worker_alone_without_an_engine_as_plan_said()
{
    let Some(emulator) = start() else { return };
    let name = unique("rollout");
    let classes = |port: u16| {
        format!("#[cfcontainer::container(class = \"Web\", port = {port}, max_instances = 4, rollout(step_percentage = [25, 50, 100]))]\npub struct Web;")
    };
    let fixture = worker_fixture(&name, &classes(8080));
    let manifest = fixture.manifest();
    ok_verb(&emulator, &manifest, &["deploy"], &[]);
    let rollout_after = |note: &str, args: &[&str]| {
        std::fs::write(fixture.path().join("note.txt"), note).unwrap();
        let from = emulator.log().len();
        let report = ok_verb(&emulator, &manifest, args, &[]);
        let writes = application_writes(&emulator, from);
        let rollout = writes.iter().find(|(method, tail, _)| method == "POST" && tail == "rollouts");
        (report, rollout.map(|(.., body)| body.clone()))
    };

    // By default, the configured steps.
    let (_, gradual) = rollout_after("second\n", &["deploy"]);
    let gradual = gradual.expect("a rollout");
    let percentages: Vec<&Value> =
        gradual["steps"].as_array().unwrap().iter().map(|s| &s["step_size"]["percentage"]).collect();
    assert_eq!(percentages, [&json!(25), &json!(50), &json!(100)], "{gradual}");

    // Immediate: one step of every instance, as the official CLI sends it.
    let (report, immediate) = rollout_after("third\n", &["deploy", "--containers-rollout", "immediate"]);
    let immediate = immediate.expect("a rollout");
    assert_eq!((&immediate["step_percentage"], &immediate["steps"]), (&json!(100), &Value::Null), "{immediate}");
    let image = report["applications"][0]["image"].as_str().unwrap().to_string();
    assert_eq!(emulator.snapshot()["applications"][0]["configuration"]["image"], json!(image));
    let record = images_record(&emulator, &name);
    assert_eq!(record["images"]["Web"]["image"], json!(image), "{record}");

    // None: a new image and a new port, with no engine to build it. The
    // Worker is uploaded (the port lives in its code), still recording
    // the image its application runs; nothing is pushed (no registry
    // credentials asked for) and no application is written.
    set_classes(&fixture, &classes(9090));
    std::fs::write(fixture.path().join("note.txt"), "fourth\n").unwrap();
    emulator.clear_log();
    let no_engine = [("DOCKER_HOST", "unix:///nonexistent/docker.sock")];
    // `plan` with the same option says so beforehand (with no engine
    // either); without it, the application would change.
    let mut planned = ok_verb(&emulator, &manifest, &["plan", "--containers-rollout", "none"], &no_engine);
    planned.as_object_mut().unwrap().remove("reason");
    let gradual = ok_verb(&emulator, &manifest, &["plan"], &[]);
    assert_ne!(gradual["applications"], json!([]), "{gradual}");
    emulator.clear_log();
    let report = ok_verb(&emulator, &manifest, &["deploy", "--containers-rollout", "none"], &no_engine);
    assert_eq!(report["plan"], planned, "the deploy did what its plan said");
    assert_eq!(report["plan"]["script"]["action"], "update", "{report}");
    assert_eq!(report["plan"]["applications"], json!([]), "{report}");
    let calls = calls(&emulator);
    assert!(calls.iter().any(|c| c == &format!("PUT /workers/scripts/{name}")), "not uploaded: {calls:?}");
    // The applications are read (the account is), never written; the
    // registry's credentials are not asked for.
    let container_writes = |c: &&String| c.contains("/containers/") && !c.starts_with("GET ");
    assert_eq!(calls.iter().filter(container_writes).count(), 0, "touched the containers: {calls:?}");
    assert_eq!(images_record(&emulator, &name), record, "the upload must keep recording the running image");
    assert_eq!(emulator.snapshot()["applications"][0]["configuration"]["image"], json!(image));

    // Without the flag, the next deploy rolls the new image out.
    let (report, rolled) = rollout_after("fourth\n", &["deploy"]);
    assert!(rolled.is_some(), "{report}");
    assert_ne!(report["applications"][0]["image"], json!(image));
    ok_verb(&emulator, &manifest, &["destroy"], &[]);
}

#[test]
fn containers_rollout_none_refuses_to_leave_an_application_serving_a_deleted_class_before_any_write() {
    let Some(emulator) = start() else { return };
    let two = "#[cfcontainer::container(class = \"Web\", port = 8080)]\npub struct Web;\n#[cfcontainer::container(class = \"Api\", port = 8080)]\npub struct Api;";
    let fixture = worker_fixture(&unique("rolloutgone"), two);
    ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    set_classes(&fixture, WEB);
    emulator.clear_log();
    let (out, _) = run_verb(
        &emulator,
        &fixture.manifest(),
        &["deploy", "--containers-rollout", "none", "--allow-delete-classes"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(
        last.contains("class `Api` is deleted but its application")
            && last.contains("deploy without --containers-rollout none"),
        "{last}"
    );
    assert!(emulator.write_calls().is_empty(), "wrote: {:?}", calls(&emulator));
    ok_verb(&emulator, &fixture.manifest(), &["destroy"], &[]);
}

#[test]
fn containers_rollout_immediate_sends_the_rollout_the_official_cli_sends() {
    let Some(ours) = start() else { return };
    let Some(wrangler) = wrangler_bin() else { return };
    let theirs = emulator().unwrap();
    let name = unique("immediateparity");
    // No `max_instances`: the official CLI's default size (20) and steps
    // (10 %, then the rest), which `immediate` overrides.
    let file = format!(
        "name = \"{name}\"\ncompatibility_date = \"2026-11-17\"\n\n[[durable_objects.bindings]]\nname = \"WEB\"\nclass_name = \"Web\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Web\"]\n\n[[containers]]\nclass_name = \"Web\"\nimage = \"./Dockerfile\"\n"
    );
    let fixture = worker_fixture(&name, WEB);
    std::fs::write(fixture.path().join("wrangler.toml"), &file).unwrap();
    let index = "import { DurableObject } from \"cloudflare:workers\";\nexport class Web extends DurableObject {}\nexport default { fetch() { return new Response('ok') } }\n";
    let dockerfile = std::fs::read_to_string(fixture.path().join("Dockerfile")).unwrap();
    let deploy_both = |note: &str, args: &[&str]| {
        std::fs::write(fixture.path().join("note.txt"), note).unwrap();
        let files = [("index.js", index), ("Dockerfile", dockerfile.as_str()), ("note.txt", note)];
        let (mine, official) = (ours.log().len(), theirs.log().len());
        official_deploy_with(&wrangler, &theirs, &file, args, &files);
        let mut verb = vec!["deploy"];
        verb.extend(args);
        ok_verb(&ours, &fixture.manifest(), &verb, &[]);
        (application_writes(&ours, mine), application_writes(&theirs, official))
    };
    deploy_both("first\n", &[]);
    let (mine, official) = deploy_both("second\n", &["--containers-rollout", "immediate"]);
    let rollout_of = |writes: &[(String, String, Value)]| {
        let (.., r) = writes.iter().find(|(m, tail, _)| m == "POST" && tail == "rollouts").expect("a rollout");
        let mut target = r["target_configuration"].clone();
        target.as_object_mut().unwrap().remove("image");
        json!({ "strategy": r["strategy"], "kind": r["kind"], "steps": r["steps"], "step_percentage": r["step_percentage"], "target": target })
    };
    let theirs_rollout = rollout_of(&official);
    assert_eq!(theirs_rollout["step_percentage"], json!(100), "{theirs_rollout}");
    // Listed difference (as in the update parity test): the description
    // and each tool's own image are left out.
    assert_eq!(rollout_of(&mine), theirs_rollout);
    assert_eq!(container_shape(&ours, &name), container_shape(&theirs, &name));
}
