//! `cargo cfcontainer wrangler`: the export merges into existing configs
//! and the official CLI (wrangler, from npm) accepts it for every example
//! in a dry-run deploy, which also runs the build command and builds the
//! images.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

const EXAMPLES: &[(&str, &[&str])] = &[
    ("hello", &["hello-mycontainer"]),
    ("pool", &["pool-member"]),
    ("two-classes", &["two-classes-api", "two-classes-jobrunner"]),
    ("websocket", &["websocket-echoserver"]),
    ("notes", &["notes-renderer"]),
];

fn wrangler_bin() -> Option<PathBuf> {
    let bin = std::env::var("WRANGLER_BIN").map(PathBuf::from).ok().filter(|p| p.is_file());
    prerequisite(bin.is_some(), "the official CLI (WRANGLER_BIN, installed by scripts/setup.sh)").then(|| bin.unwrap())
}

/// `wrangler deploy --dry-run <args>` in `dir` (building with
/// `target_dir`), and its output (stdout and stderr).
fn dry_run(wrangler: &Path, dir: &Path, args: &[&str], target_dir: &Path) -> (std::process::Output, String) {
    let out = Command::new(wrangler)
        .args(["deploy", "--dry-run"])
        .args(args)
        .arg("--outdir")
        .arg(dir.join("dist"))
        .current_dir(dir)
        // The official CLI passes BuildKit-only flags; the engine here has none.
        .env("WRANGLER_DOCKER_BIN", root().join("testsupport/wrangler/docker-without-buildkit"))
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "1")
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&out), stderr(&out));
    (out, text)
}

fn export(example: &str, config: &Path) -> String {
    let manifest = root().join("examples").join(example).join("Cargo.toml");
    let out = cfcontainer(
        &root(),
        &["wrangler", "--manifest-path", manifest.to_str().unwrap(), "--config", config.to_str().unwrap()],
    );
    assert!(out.status.success(), "export of {example} failed: {}", stderr(&out));
    std::fs::read_to_string(config).unwrap()
}

#[test]
fn the_official_cli_accepts_the_export_of_every_example() {
    if !(prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") && crate::support::stack::available()) {
        return;
    }
    let Some(wrangler) = wrangler_bin() else { return };
    for (example, apps) in EXAMPLES {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("wrangler.toml");
        // An example with its own wrangler file is exported into a copy of it.
        // (Its own paths, relative to the example, made absolute for the copy.)
        let example_dir = root().join("examples").join(example);
        if let Ok(own) = std::fs::read_to_string(example_dir.join("wrangler.toml")) {
            let public = format!("\"{}\"", example_dir.join("public").display());
            std::fs::write(&config, own.replace("\"./public\"", &public)).unwrap();
        }
        export(example, &config);
        let (out, text) = dry_run(&wrangler, dir.path(), &[], &root().join("target"));
        assert!(
            out.status.success(),
            "wrangler rejected the export of {example}:\n{text}\n{}",
            std::fs::read_to_string(&config).unwrap()
        );
        assert!(text.contains("--dry-run: exiting now."), "{text}");
        assert!(!text.contains("Unexpected fields"), "wrangler warned about fields of {example}:\n{text}");
        assert!(!text.contains("[WARNING]"), "wrangler warned for {example}:\n{text}");
        for app in *apps {
            assert!(text.contains(&format!("- {app} (")), "{example}: container {app} not listed:\n{text}");
        }
        assert!(text.contains("Durable Object"), "{text}");
    }
}

const USER_TOML: &str = r#"# The user's own settings, with comments.
name = "hello"
workers_dev = true # keep this

[vars]
GREETING = "hi"

[[durable_objects.bindings]]
name = "OTHER"
class_name = "Other"
script_name = "other-worker"

[[containers]]
class_name = "MyContainer"
image = "./old/Dockerfile"
max_instances = 1

[[migrations]]
tag = "v1"
new_sqlite_classes = ["MyContainer"]
"#;

#[test]
fn export_merges_into_toml_keeping_comments_and_settings_and_is_idempotent() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wrangler.toml");
    std::fs::write(&config, USER_TOML).unwrap();
    let merged = export("hello", &config);
    for kept in [
        "# The user's own settings, with comments.",
        "workers_dev = true # keep this",
        "GREETING = \"hi\"",
        "class_name = \"Other\"",
        "script_name = \"other-worker\"",
    ] {
        assert!(merged.contains(kept), "lost `{kept}`:\n{merged}");
    }
    let doc: toml_edit::DocumentMut = merged.parse().unwrap();
    let containers = doc["containers"].as_array_of_tables().unwrap();
    assert_eq!(containers.len(), 1, "the old MyContainer entry is replaced, not duplicated:\n{merged}");
    assert_eq!(containers.get(0).unwrap()["max_instances"].as_integer(), Some(20));
    assert!(containers.get(0).unwrap()["image"].as_str().unwrap().ends_with("examples/hello/Dockerfile"));
    assert_eq!(doc["migrations"].as_array_of_tables().unwrap().len(), 1, "MyContainer is already migrated:\n{merged}");
    assert_eq!(doc["durable_objects"]["bindings"].as_array_of_tables().unwrap().len(), 2);
    assert_eq!(doc["name"].as_str(), Some("hello"));
    assert_eq!(export("hello", &config), merged, "a second export changed the file");
}

#[test]
fn export_merges_into_json_keeping_settings_and_adds_a_migration() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("wrangler.json");
    std::fs::write(&config, r#"{ "name": "two", "vars": { "MODE": "prod" }, "routes": ["example.com/*"], "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Api"] }] }"#).unwrap();
    let merged: serde_json::Value = serde_json::from_str(&export("two-classes", &config)).unwrap();
    assert_eq!(merged["vars"]["MODE"], "prod");
    assert_eq!(merged["routes"][0], "example.com/*");
    assert_eq!(merged["name"], "two");
    assert_eq!(merged["containers"].as_array().unwrap().len(), 2);
    let migrations = merged["migrations"].as_array().unwrap();
    assert_eq!(migrations.len(), 2);
    assert_eq!(migrations[1], serde_json::json!({ "tag": "v2", "new_sqlite_classes": ["JobRunner"] }));
}

#[test]
fn export_with_env_writes_that_environments_section_and_the_official_cli_deploys_it() {
    if !(prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") && crate::support::stack::available()) {
        return;
    }
    let Some(wrangler) = wrangler_bin() else { return };
    let name = unique("envexport");
    let lib = "use worker::*;\n#[cfcontainer::container(class = \"Web\", port = 8080)]\npub struct Web;\n#[event(fetch)]\nasync fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> { Web::named(&env, \"a\")?.fetch(req).await }\n";
    let fixture = Fixture::new(&name, lib, "\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n");
    std::fs::write(fixture.path().join("Dockerfile"), "FROM scratch\nCOPY Cargo.toml /\nEXPOSE 8080\n").unwrap();
    let config = fixture.path().join("wrangler.toml");
    let user = format!(
        "name = \"{name}\"\ncompatibility_date = \"2026-03-05\"\n\n# staging: its own vars\n[env.staging]\nvars = {{ MODE = \"staging\" }} # kept\n"
    );
    std::fs::write(&config, &user).unwrap();
    let out = cfcontainer(fixture.path(), &["wrangler", "--env", "staging"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let merged = std::fs::read_to_string(&config).unwrap();
    assert!(merged.contains("# staging: its own vars") && merged.contains("# kept"), "{merged}");
    let doc: toml_edit::DocumentMut = merged.parse().unwrap();
    let staging = &doc["env"]["staging"];
    // Not inherited by an environment: its own containers and bindings.
    assert_eq!(staging["containers"][0]["name"].as_str(), Some(format!("{name}-staging-web").as_str()), "{merged}");
    assert_eq!(staging["durable_objects"]["bindings"][0]["class_name"].as_str(), Some("Web"), "{merged}");
    assert!(doc.get("containers").is_none(), "nothing for the top level's Worker:\n{merged}");
    // Inherited: the migrations, kept at the top level.
    assert_eq!(doc["migrations"][0]["new_sqlite_classes"][0].as_str(), Some("Web"), "{merged}");
    let again = cfcontainer(fixture.path(), &["wrangler", "--env", "staging"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), merged, "a second export changed the file");

    let (out, text) = dry_run(&wrangler, fixture.path(), &["--env", "staging"], &root().join("target/fixtures"));
    assert!(out.status.success() && text.contains("--dry-run: exiting now."), "{text}\n{merged}");
    assert!(!text.contains("[WARNING]"), "{text}");
    assert!(text.contains(&format!("- {name}-staging-web (")), "the staging application:\n{text}");
}

/// A crate with container class `Jobs` (and `Web` with `web`) and a
/// Durable Object class of its own, `Room`.
fn jobs_and_room(web: bool) -> String {
    let room = "#[durable_object]\npub struct Room { _state: State }\nimpl DurableObject for Room { fn new(state: State, _env: Env) -> Self { Room { _state: state } } async fn fetch(&self, _req: Request) -> Result<Response> { Response::ok(\"room\") } }\n";
    let jobs = "#[cfcontainer::container(class = \"Jobs\", port = 8080)]\npub struct Jobs;\n";
    let web_class = if web { "#[cfcontainer::container(class = \"Web\", port = 8080)]\npub struct Web;\n" } else { "" };
    format!("use worker::*;\n{jobs}{web_class}{room}#[event(fetch)]\nasync fn fetch(_req: Request, _env: Env, _ctx: Context) -> Result<Response> {{ Response::ok(\"ok\") }}\n")
}

#[test]
fn the_export_of_a_worker_this_tool_deployed_is_deployed_by_the_official_cli_on_it_and_on_a_new_one() {
    use crate::support::account::{ok_verb, start};
    use crate::support::parity::official_deploy_with;
    let Some(emulator) = start() else { return };
    let Some(wrangler) = wrangler_bin() else { return };
    let index = "import { DurableObject } from \"cloudflare:workers\";\nexport class Jobs extends DurableObject {}\nexport class Web extends DurableObject {}\nexport class Room extends DurableObject {}\nexport default { fetch() { return new Response('ok') } }\n";
    for with_migrations in [false, true] {
        let name = unique(if with_migrations { "exportwith" } else { "exportwithout" });
        let extra = "wasm-bindgen = \"=0.2.130\"\n\n[package.metadata.wasm-pack.profile.release]\nwasm-opt = false\n";
        let fixture = Fixture::new(&name, &jobs_and_room(false), extra);
        std::fs::write(fixture.path().join("Dockerfile"), "FROM scratch\nCOPY note.txt /\nEXPOSE 8080\n").unwrap();
        std::fs::write(fixture.path().join("note.txt"), format!("{name}\n")).unwrap();
        let config = fixture.path().join("wrangler.toml");
        // The Worker's own class, bound (and, with migrations, made by one).
        let mut file = format!("name = \"{name}\"\ncompatibility_date = \"2026-03-05\"\n\n[[durable_objects.bindings]]\nname = \"ROOMS\"\nclass_name = \"Room\"\n");
        if with_migrations {
            file.push_str(
                "\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Jobs\"]\nnew_classes = [\"Room\"]\n",
            );
        }
        std::fs::write(&config, &file).unwrap();
        ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
        // A second container class: the account's Worker goes to v2.
        fixture.write_lib(&jobs_and_room(true));
        if with_migrations {
            file.push_str("\n[[migrations]]\ntag = \"v2\"\nnew_sqlite_classes = [\"Web\"]\n");
            std::fs::write(&config, &file).unwrap();
        }
        ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
        let account = |emulator: &cf_api_emulator::Emulator| {
            let snapshot = emulator.snapshot();
            let mut classes: Vec<String> = snapshot["namespaces"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["script"] == name.as_str())
                .map(|n| format!("{} sqlite={}", n["class"].as_str().unwrap(), n["use_sqlite"]))
                .collect();
            classes.sort();
            let tag = snapshot["scripts"][&name]["migration_tag"].clone();
            (tag, classes, snapshot["applications"].as_array().unwrap().len())
        };
        let ours = account(&emulator);
        assert_eq!(ours.0, "v2", "with migrations {with_migrations}: {ours:?}");
        assert_eq!(ours.1.len(), 3, "{ours:?}");

        ok_verb(&emulator, &fixture.manifest(), &["wrangler"], &[]);
        let exported = std::fs::read_to_string(&config).unwrap();
        // The official CLI deploys it as it is, with a JavaScript Worker
        // exporting the same classes in place of worker-build's.
        let mut doc: toml_edit::DocumentMut = exported.parse().unwrap();
        doc.remove("main");
        doc.remove("build");
        let dockerfile = std::fs::read_to_string(fixture.path().join("Dockerfile")).unwrap();
        let note = std::fs::read_to_string(fixture.path().join("note.txt")).unwrap();
        let files = [("index.js", index), ("Dockerfile", dockerfile.as_str()), ("note.txt", note.as_str())];
        // On the same Worker: no migration applied again, nothing lost.
        official_deploy_with(&wrangler, &emulator, &doc.to_string(), &[], &files);
        assert_eq!(account(&emulator), ours, "with migrations {with_migrations}:\n{exported}");
        // On a new Worker: every class made, the Worker's own too.
        let fresh = crate::support::cloud::emulator().unwrap();
        official_deploy_with(&wrangler, &fresh, &doc.to_string(), &[], &files);
        let theirs = account(&fresh);
        assert_eq!((&theirs.1, theirs.2), (&ours.1, 2), "with migrations {with_migrations}:\n{exported}");
    }
}
