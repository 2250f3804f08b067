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
