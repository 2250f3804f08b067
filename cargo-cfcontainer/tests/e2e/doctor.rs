//! `cargo cfcontainer doctor`: every check on a ready machine, and the fix
//! named for a stopped engine, a wasm-bindgen that does not match
//! `Cargo.lock`, a sidecar binary that is not there and a token the API
//! refuses.

use serde_json::Value;

use crate::support::cloud::{api_env, emulator, with_env};
use crate::support::*;

fn doctor(extra: &[(&'static str, &str)]) -> Option<(std::process::Output, Value)> {
    if !crate::support::stack::available() {
        return None;
    }
    let emulator = emulator()?;
    let env = api_env(&emulator);
    let hello = root().join("examples/hello");
    let out = cfcontainer_with_env(&hello, &["doctor", "--message-format", "json"], &with_env(&env, extra));
    let report =
        stdout(&out).lines().find(|l| l.contains(r#""reason":"doctor""#)).map(|l| serde_json::from_str(l).unwrap());
    Some((out, report.expect("a doctor report")))
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name}: {report}"))
}

#[test]
fn doctor_passes_every_check_on_a_machine_set_up_for_dev_and_deploy() {
    let Some((out, report)) = doctor(&[]) else { return };
    assert!(out.status.success(), "{}\n{report:#}", stderr(&out));
    for name in [
        "docker engine",
        "bridge network",
        "egress sidecar",
        "wasm32 target",
        "musl target",
        "worker-build",
        "wasm-bindgen",
        "workerd",
        "esbuild",
        "miniflare",
        "container registry",
        "api token",
    ] {
        assert_eq!(check(&report, name)["status"], "ok", "{name}: {report:#}");
    }
}

#[test]
fn doctor_names_the_fix_for_a_stopped_engine_a_wrong_wasm_bindgen_a_missing_sidecar_and_a_bad_token() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("wasm-bindgen");
    std::fs::write(&fake, "#!/bin/sh\necho wasm-bindgen 0.2.100\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some((out, report)) = doctor(&[
        ("DOCKER_HOST", "unix:///tmp/cfc-doctor-no-engine.sock"),
        ("WASM_BINDGEN_BIN", fake.to_str().unwrap()),
        ("CLOUDFLARE_API_TOKEN", "not-the-token"),
        ("CFCONTAINER_SIDECAR_BIN", "/nonexistent/cfcontainer-sidecar"),
    ]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let last = stderr(&out).lines().last().unwrap_or_default().to_string();
    assert!(
        last.starts_with("error: 4 of") && last.contains("docker engine, wasm-bindgen, egress sidecar, api token"),
        "{last}"
    );
    let sidecar = check(&report, "egress sidecar");
    assert!(sidecar["fix"].as_str().unwrap().contains("CFCONTAINER_SIDECAR_BIN"), "{sidecar}");
    let engine = check(&report, "docker engine");
    assert_eq!(engine["status"], "fail");
    assert!(engine["fix"].as_str().unwrap().contains("DOCKER_HOST"), "{engine}");
    let wasm_bindgen = check(&report, "wasm-bindgen");
    assert!(wasm_bindgen["detail"].as_str().unwrap().contains("0.2.100"), "{wasm_bindgen}");
    assert!(wasm_bindgen["fix"].as_str().unwrap().contains("wasm-bindgen 0.2.130"), "{wasm_bindgen}");
    let token = check(&report, "api token");
    assert_eq!(token["status"], "fail");
    assert!(token["detail"].as_str().unwrap().contains("HTTP 401"), "{token}");
    assert!(token["fix"].as_str().unwrap().contains("CLOUDFLARE_API_TOKEN"), "{token}");
    assert!(!stdout(&out).contains("not-the-token") && !stderr(&out).contains("not-the-token"), "the token leaked");
}
