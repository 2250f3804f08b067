//! `cargo cfcontainer push` against the real engine and the real local
//! registry (htpasswd auth), with credentials from the API emulator.

use crate::support::cloud::{api_env, calls, emulator, with_env};
use crate::support::*;
use serde_json::Value;

const ONE_CONTAINER: &str = r#"
#[cfcontainer::container(class = "Web", port = 8080)]
pub struct Web;
"#;

fn ready() -> bool {
    prerequisite(has_wasm_target(), "the wasm32-unknown-unknown target")
        && prerequisite(crate::support::stack::docker_available(), "the Docker engine")
}

fn push_report(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "push failed:\n{}\n{}", stdout(out), stderr(out));
    let line =
        stdout(out).lines().find(|l| l.contains(r#""reason":"push""#)).map(str::to_string).expect("a push result");
    serde_json::from_str(&line).unwrap()
}

/// A fixture whose image has two content layers: a small text file and
/// 300 kB of data.
fn layered_fixture(name: &str) -> Fixture {
    let fixture = Fixture::new(name, ONE_CONTAINER, "");
    std::fs::write(
        fixture.path().join("Dockerfile"),
        "FROM scratch\nCOPY data.bin /data.bin\nCOPY note.txt /note.txt\nEXPOSE 8080\n",
    )
    .unwrap();
    // Unique per fixture, so parallel tests never share a layer.
    let seed = name.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let data: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_add(seed).wrapping_mul(2654435761) >> 13) as u8).collect();
    std::fs::write(fixture.path().join("data.bin"), data).unwrap();
    std::fs::write(fixture.path().join("note.txt"), format!("first {name}\n")).unwrap();
    fixture
}

fn manifest_exists(reference: &str) -> bool {
    let (repo_host, digest) = reference.split_once('@').expect("a pinned reference");
    let (host, repo) = repo_host.split_once('/').unwrap();
    let registry = cloud::registry().unwrap();
    let url = format!("http://{host}/v2/{repo}/manifests/{digest}");
    let auth = format!("{}:{}", registry.username, registry.password);
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u", &auth, "-H"])
        .arg("Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
        .arg(&url)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout) == "200"
}

#[test]
fn hello_is_pushed_pinned_by_digest_and_a_rerun_sends_nothing() {
    if !ready() {
        return;
    }
    let Some(emulator) = emulator() else { return };
    let env = api_env(&emulator);
    let manifest = root().join("examples/hello/Cargo.toml");
    let args = ["push", "--manifest-path", manifest.to_str().unwrap(), "--message-format", "json"];
    let first = push_report(&cfcontainer_with_env(&root(), &args, &with_env(&env, &[])));
    let image = &first["images"][0];
    let reference = image["reference"].as_str().unwrap();
    let expected_repo =
        format!("{}/{}/hello-mycontainer@sha256:", std::env::var("CFC_REGISTRY").unwrap(), emulator.account_id());
    assert!(reference.starts_with(&expected_repo), "{reference}");
    assert!(manifest_exists(reference), "the registry does not serve {reference}");

    emulator.clear_log();
    let second = push_report(&cfcontainer_with_env(&root(), &args, &with_env(&env, &[])));
    assert_eq!(second["images"][0]["reference"], reference);
    assert_eq!(second["images"][0]["pushed"], false);
    assert_eq!(second["images"][0]["layers_pushed"], 0);
    // Only credentials: once to check the registry before the build, once
    // to ask the registry whether it still has the image (the engine's
    // memory of a push is no proof).
    let host = std::env::var("CFC_REGISTRY").unwrap();
    let credentials = format!("POST /containers/registries/{host}/credentials");
    assert_eq!(calls(&emulator), [credentials.clone(), credentials]);
}

#[test]
fn a_one_file_change_pushes_only_its_layer() {
    if !ready() {
        return;
    }
    let Some(emulator) = emulator() else { return };
    let env = api_env(&emulator);
    let fixture = layered_fixture(&unique("pushlayers"));
    let args = ["push", "--manifest-path", &fixture.manifest(), "--message-format", "json"];
    let first = push_report(&cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[])));
    assert_eq!(first["images"][0]["pushed"], true);
    assert_eq!(first["images"][0]["layers_pushed"], 2, "{first}");

    // The edit is unique too: no earlier run can have pushed that layer.
    let name = fixture.path().join("Cargo.toml");
    std::fs::write(fixture.path().join("note.txt"), format!("second, after an edit of {}\n", name.display())).unwrap();
    let second = push_report(&cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[])));
    let image = &second["images"][0];
    assert_ne!(image["reference"], first["images"][0]["reference"]);
    assert_eq!(image["layers_pushed"], 1, "{second}");
    assert_eq!(image["layers_present"], 1, "{second}");
    assert!(manifest_exists(image["reference"].as_str().unwrap()));
}

#[test]
fn a_fixed_tag_whose_content_changed_is_pushed_again() {
    if !ready() {
        return;
    }
    let Some(emulator) = emulator() else { return };
    let env = api_env(&emulator);
    let name = unique("fixedtag");
    let fixture = layered_fixture(&name);
    let class = format!(
        "#[cfcontainer::container(class = \"Web\", port = 8080, name = \"{name}\", tag = \"v1\")]\npub struct Web;"
    );
    fixture.write_lib(&class);
    let args = ["push", "--manifest-path", &fixture.manifest(), "--message-format", "json"];
    let first = push_report(&cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[])));
    assert_eq!(first["images"][0]["pushed"], true, "{first}");

    // The registry has `v1` now; new content under the same tag must reach it.
    std::fs::write(fixture.path().join("note.txt"), format!("changed content of {name}\n")).unwrap();
    let second = push_report(&cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[])));
    let image = &second["images"][0];
    assert_eq!(image["pushed"], true, "a changed image under a fixed tag was skipped: {second}");
    assert_ne!(image["reference"], first["images"][0]["reference"], "the same digest after a change: {second}");
    assert!(manifest_exists(image["reference"].as_str().unwrap()));
    // And with nothing changed, nothing is sent.
    let third = push_report(&cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[])));
    assert_eq!(third["images"][0]["pushed"], false, "{third}");
}

#[test]
fn credentials_refused_mid_push_are_refreshed_once() {
    if !ready() {
        return;
    }
    let Some(emulator) = emulator() else { return };
    // The credentials the push is first given look expired to the
    // registry (the check before the build asks for a pair it never uses).
    emulator.hand_out_bad_credentials(2);
    let fixture = layered_fixture(&unique("pushexpired"));
    let args = ["push", "--manifest-path", &fixture.manifest(), "--message-format", "json"];
    let report = push_report(&cfcontainer_with_env(fixture.path(), &args, &with_env(&api_env(&emulator), &[])));
    assert_eq!(report["images"][0]["pushed"], true);
    let credential_calls = calls(&emulator).iter().filter(|c| c.ends_with("/credentials")).count();
    assert_eq!(credential_calls, 3, "{:?}", calls(&emulator));
}

/// The last stderr line is the one error line; there is exactly one.
fn one_error_line(out: &std::process::Output) -> String {
    assert_eq!(out.status.code(), Some(1), "expected exit 1:\n{}", stderr(out));
    let text = stderr(out);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    errors[0].to_string()
}

#[test]
fn failures_are_one_readable_line() {
    if !ready() {
        return;
    }
    let Some(emulator) = emulator() else { return };
    let env = api_env(&emulator);

    let missing = Fixture::new(&unique("nodockerfile"), ONE_CONTAINER, "");
    let built = cfcontainer_with_env(
        missing.path(),
        &["inspect", "--manifest-path", &missing.manifest()],
        &with_env(&env, &[]),
    );
    assert!(built.status.success(), "{}", stderr(&built));
    // Gone after the crate was built: the image build says so.
    std::fs::remove_file(missing.path().join("Dockerfile")).unwrap();
    let out =
        cfcontainer_with_env(missing.path(), &["push", "--manifest-path", &missing.manifest()], &with_env(&env, &[]));
    let line = one_error_line(&out);
    assert!(line.contains("Dockerfile") && line.contains("does not exist"), "{line}");

    let syntax = Fixture::new(&unique("badsyntax"), ONE_CONTAINER, "");
    std::fs::write(syntax.path().join("Dockerfile"), "FROMM scratch\n").unwrap();
    let out =
        cfcontainer_with_env(syntax.path(), &["push", "--manifest-path", &syntax.manifest()], &with_env(&env, &[]));
    let line = one_error_line(&out);
    assert!(line.contains("building the image of `Web` failed") && line.to_lowercase().contains("fromm"), "{line}");

    let fixture = Fixture::new(&unique("pusherrors"), ONE_CONTAINER, "");
    let args = ["push", "--manifest-path", &fixture.manifest()];
    let out = cfcontainer_with_env(
        fixture.path(),
        &args,
        &with_env(&env, &[("DOCKER_HOST", "unix:///tmp/cfc-no-such-engine.sock")]),
    );
    let line = one_error_line(&out);
    assert!(
        line.contains("Docker engine at unix:///tmp/cfc-no-such-engine.sock") && line.contains("DOCKER_HOST"),
        "{line}"
    );

    let out =
        cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[("CLOUDFLARE_API_TOKEN", "not-the-token")]));
    let line = one_error_line(&out);
    assert!(line.contains("HTTP 403") && line.contains("CLOUDFLARE_API_TOKEN"), "{line}");
    assert!(!stderr(&out).contains("not-the-token"), "the token leaked");

    emulator.hand_out_bad_credentials(10);
    let out = cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[]));
    let line = one_error_line(&out);
    assert!(line.contains("refused the credentials"), "{line}");
    assert!(!stderr(&out).contains("expired-credentials"), "the registry password leaked");

    let out = cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[("CLOUDFLARE_API_TOKEN", "")]));
    assert!(one_error_line(&out).contains("CLOUDFLARE_API_TOKEN is not set"));
}

#[test]
fn dev_builds_stay_local_except_dev_remote_containers_which_are_pushed() {
    if !ready() {
        return;
    }
    let Some(emulator) = emulator() else { return };
    let classes = r#"
#[cfcontainer::container(class = "Local", port = 8080)]
pub struct Local;
#[cfcontainer::container(class = "Remote", port = 8080, dev(remote = true))]
pub struct Remote;
"#;
    let fixture = layered_fixture(&unique("devremote"));
    fixture.write_lib(classes);
    let args = ["build", "--dev", "--manifest-path", &fixture.manifest(), "--message-format", "json"];
    let out = cfcontainer_with_env(fixture.path(), &args, &with_env(&api_env(&emulator), &[]));
    assert!(out.status.success(), "{}", stderr(&out));
    let line = stdout(&out).lines().find(|l| l.contains(r#""reason":"build""#)).map(str::to_string).unwrap();
    let report: Value = serde_json::from_str(&line).unwrap();
    let local = report["images"].as_array().unwrap();
    assert_eq!(local.len(), 1);
    assert!(local[0]["reference"].as_str().unwrap().starts_with("cloudflare-dev/"), "{report}");
    let pushed = report["pushed"].as_array().unwrap();
    assert_eq!(pushed.len(), 1);
    assert_eq!(pushed[0]["class"], "Remote");
    assert!(manifest_exists(pushed[0]["reference"].as_str().unwrap()));
}

#[test]
fn a_dockerfile_image_pushed_through_the_registry_api_is_served_refreshes_refused_credentials_and_is_sent_once() {
    if !ready() {
        return;
    }
    let Some(emulator) = emulator() else { return };
    // The first credentials look expired to the registry.
    emulator.hand_out_bad_credentials(1);
    let fixture = layered_fixture(&unique("noenginepush"));
    let args = ["push", "--no-engine-push", "--manifest-path", &fixture.manifest(), "--message-format", "json"];
    let env = api_env(&emulator);
    let first = push_report(&cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[])));
    let image = &first["images"][0];
    assert_eq!((image["pushed"].as_bool(), image["layers_pushed"].as_u64()), (Some(true), Some(2)), "{first}");
    assert!(manifest_exists(image["reference"].as_str().unwrap()), "the registry does not serve {image}");
    let credential_calls = calls(&emulator).iter().filter(|c| c.ends_with("/credentials")).count();
    assert_eq!(credential_calls, 2, "refused once, fetched again: {:?}", calls(&emulator));

    // Its content tag is in the registry now: nothing is sent again.
    let second = push_report(&cfcontainer_with_env(fixture.path(), &args, &with_env(&env, &[])));
    assert_eq!(second["images"][0]["pushed"], false, "{second}");
    assert_eq!(second["images"][0]["reference"], image["reference"]);
}
