//! `cargo cfcontainer inspect`: metadata comes from the compiled artifact,
//! settings from `[package.metadata.cfcontainer]`, failures are one line.

use crate::support::*;
use serde_json::Value;

fn inspect_json(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "inspect failed: {}", stderr(out));
    let line = stdout(out).lines().find(|l| l.contains(r#""reason":"inspect""#)).map(str::to_string);
    serde_json::from_str(&line.expect("an inspect message on stdout")).unwrap()
}

fn classes(report: &Value) -> Vec<String> {
    report["containers"].as_array().unwrap().iter().map(|c| c["class"].as_str().unwrap().to_string()).collect()
}

#[test]
fn hello_reports_my_container_in_json() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let manifest = root().join("examples/hello/Cargo.toml");
    let out =
        cfcontainer(&root(), &["inspect", "--manifest-path", manifest.to_str().unwrap(), "--message-format", "json"]);
    let report = inspect_json(&out);
    let containers = report["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    assert_eq!(c["class"], "MyContainer");
    assert_eq!(c["binding"], "MY_CONTAINER");
    assert_eq!(c["port"], 8080);
    assert_eq!(c["sleep_after_secs"], 180);
    assert_eq!(c["env"][0]["name"], "MESSAGE");
    assert_eq!(report["worker"]["name"], "hello");
    assert!(report["artifact"].as_str().unwrap().ends_with("hello.wasm"));
}

const TWO_CONTAINERS: &str = r#"
#[cfcontainer::container(port = 8080, sleep_after = "90s", instance_type = "basic")]
pub struct Always;

#[cfg(feature = "extra")]
#[cfcontainer::container(port = 9000, image = "registry.cloudflare.com/acct/extra:1")]
pub struct Extra;
"#;

#[test]
fn a_container_behind_a_disabled_cfg_is_not_reported() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let fx = Fixture::new("fx-cfg", TWO_CONTAINERS, "[features]\nextra = []\n");
    let without = inspect_json(&cfcontainer(fx.path(), &["inspect", "--message-format", "json"]));
    assert_eq!(classes(&without), ["Always"]);
    let with = inspect_json(&cfcontainer(fx.path(), &["inspect", "--message-format", "json", "--features", "extra"]));
    assert_eq!(classes(&with), ["Always", "Extra"]);
    // Back without the feature: the earlier build must not be taken as fresh.
    let again = inspect_json(&cfcontainer(fx.path(), &["inspect", "--message-format", "json"]));
    assert_eq!(classes(&again), ["Always"]);
}

#[test]
fn the_host_artifact_carries_the_same_metadata() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let fx = Fixture::new("fx-host", TWO_CONTAINERS, "[features]\nextra = []\n");
    let host = String::from_utf8(std::process::Command::new("rustc").arg("-vV").output().unwrap().stdout).unwrap();
    let triple = host.lines().find_map(|l| l.strip_prefix("host: ")).unwrap().to_string();
    let wasm = inspect_json(&cfcontainer(fx.path(), &["inspect", "--message-format", "json"]));
    let native = inspect_json(&cfcontainer(fx.path(), &["inspect", "--message-format", "json", "--target", &triple]));
    assert_eq!(wasm["containers"], native["containers"]);
    assert!(native["artifact"].as_str().unwrap().ends_with(".so"));
}

#[test]
fn editing_the_attribute_changes_the_report() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let fx = Fixture::new("fx-edit", TWO_CONTAINERS, "[features]\nextra = []\n");
    let first = inspect_json(&cfcontainer(fx.path(), &["inspect", "--message-format", "json"]));
    assert_eq!(first["containers"][0]["sleep_after_secs"], 90);
    std::thread::sleep(std::time::Duration::from_millis(20));
    fx.write_lib(&TWO_CONTAINERS.replace(r#""90s""#, r#""1h30m""#));
    let second = inspect_json(&cfcontainer(fx.path(), &["inspect", "--message-format", "json"]));
    assert_eq!(second["containers"][0]["sleep_after_secs"], 5400);
}

#[test]
fn worker_settings_come_from_package_metadata_and_the_environment() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let settings = r#"
[package.metadata.cfcontainer]
name = "shop-api"
compatibility_date = "2026-02-14"
compatibility_flags = ["nodejs_compat"]
account_id = "from-toml"
routes = ["shop.example.com/*", { pattern = "api.example.com/*", zone_name = "example.com" }]
"#;
    let fx = Fixture::new("fx-settings", "", settings);
    let report = inspect_json(&cfcontainer(fx.path(), &["inspect", "--message-format", "json"]));
    let w = &report["worker"];
    assert_eq!(w["name"], "shop-api");
    assert_eq!(w["compatibility_date"], "2026-02-14");
    assert_eq!(w["compatibility_flags"][0], "nodejs_compat");
    assert_eq!(w["account_id"], "from-toml");
    assert_eq!(w["routes"][1]["zone_name"], "example.com");
    assert_eq!(report["containers"].as_array().unwrap().len(), 0);
    let env = cfcontainer_with_env(
        fx.path(),
        &["inspect", "--message-format", "json"],
        &[("CLOUDFLARE_ACCOUNT_ID", "from-env")],
    );
    assert_eq!(inspect_json(&env)["worker"]["account_id"], "from-env");
    let table = stdout(&cfcontainer(fx.path(), &["inspect"]));
    assert!(table.starts_with("worker shop-api (compatibility date 2026-02-14), 0 containers"), "{table}");
}

#[test]
fn the_table_shows_each_container() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let manifest = root().join("examples/hello/Cargo.toml");
    let out = cfcontainer(&root(), &["inspect", "--manifest-path", manifest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let row = text.lines().find(|l| l.starts_with("MyContainer")).expect("a row for MyContainer");
    for cell in ["MY_CONTAINER", "8080*", "3m", "lite", "20", "MESSAGE"] {
        assert!(row.split_whitespace().any(|c| c == cell), "`{cell}` missing from `{row}`");
    }
}

fn assert_one_line_failure(out: &std::process::Output, starts: &str) {
    assert_eq!(out.status.code(), Some(1), "stdout: {} stderr: {}", stdout(out), stderr(out));
    let err = stderr(out);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.starts_with(starts), "last stderr line `{last}` should start with `{starts}`");
}

#[test]
fn bad_settings_are_one_line_errors() {
    let fx =
        Fixture::new("fx-bad-settings", "", "[package.metadata.cfcontainer]\ncompatibilty_date = \"2026-01-01\"\n");
    let out = cfcontainer(fx.path(), &["inspect"]);
    assert_one_line_failure(
        &out,
        "error: [package.metadata.cfcontainer] of `fx-bad-settings` is invalid: unknown field `compatibilty_date`",
    );
    let json = cfcontainer(fx.path(), &["inspect", "--message-format", "json"]);
    let message: Value = serde_json::from_str(stdout(&json).trim()).unwrap();
    assert_eq!(message["reason"], "error");
}

#[test]
fn a_compile_error_fails_the_verb_with_one_line() {
    if !prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target") {
        return;
    }
    let fx = Fixture::new("fx-broken", "#[cfcontainer::container(port = 0)]\npub struct Broken;\n", "");
    let out = cfcontainer(fx.path(), &["inspect", "-q"]);
    assert_one_line_failure(&out, "error: building `fx-broken` for wasm32-unknown-unknown failed: ");
    assert!(stderr(&out).contains("port 0 is out of range"), "the compiler's own error is shown: {}", stderr(&out));
}

#[test]
fn unknown_package_and_bad_manifest_are_one_line_errors() {
    let out = cfcontainer(&root(), &["inspect", "-p", "nope"]);
    assert_one_line_failure(&out, "error: package `nope` is not in the workspace; members: ");
    let out = cfcontainer(&root(), &["inspect"]);
    assert_one_line_failure(&out, "error: the workspace has several packages");
    let out = cfcontainer(&root(), &["inspect", "--manifest-path", "/nonexistent/Cargo.toml"]);
    assert_one_line_failure(&out, "error: cannot read the cargo project at /nonexistent/Cargo.toml: ");
}
