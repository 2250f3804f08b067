//! `registries configure|list|delete` against the strict API emulator:
//! each kind of registry end to end, the same runs by the official CLI
//! 4.164 side by side (requests and bodies), the credential kept out of
//! everything but the body that creates its secret, and bad input refused
//! in one line before any call. Registries belong to the account, not to a
//! crate: the runs need no worker crate, engine or registry.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use base64::Engine;
use cf_api_emulator::{Config, Emulator};
use serde_json::{json, Value};

use crate::support::account::wrangler_bin;
use crate::support::cloud::{api_env, recorded};
use crate::support::*;

const ECR: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const GAR: &str = "europe-west1-docker.pkg.dev";
const GAR_EMAIL: &str = "puller@project-1.iam.gserviceaccount.com";

/// One registry of each kind: its domain, public-credential flag and
/// value, and a private credential as a user would pipe it in.
struct Case {
    domain: &'static str,
    flag: &'static str,
    public: &'static str,
    secret: String,
    kind: &'static str,
    secret_name: &'static str,
}

fn gar_key() -> String {
    json!({
        "type": "service_account",
        "project_id": "project-1",
        "private_key_id": "0f1e2d3c",
        "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvgIBADANBgkqhkiG9w0BAQEFAASC-not-a-real-key\n-----END PRIVATE KEY-----\n",
        "client_email": GAR_EMAIL,
    })
    .to_string()
}

fn cases() -> Vec<Case> {
    let nonce = unique("cred");
    vec![
        Case {
            domain: ECR,
            flag: "--aws-access-key-id",
            public: "AKIAEXAMPLE0000001",
            secret: format!("aws-secret-{nonce}"),
            kind: "ECR",
            secret_name: "AWS_Secret_Access_Key",
        },
        Case {
            domain: "docker.io",
            flag: "--dockerhub-username",
            public: "cfc-tester",
            secret: format!("dckr_pat_{nonce}"),
            kind: "DockerHub",
            secret_name: "DockerHub_PAT_Token",
        },
        Case {
            domain: GAR,
            flag: "--gar-email",
            public: GAR_EMAIL,
            secret: gar_key(),
            kind: "GAR",
            secret_name: "Google_Service_Account_JSON_Key",
        },
    ]
}

fn fresh_emulator() -> Emulator {
    Emulator::start(Config::for_tests())
}

/// Runs `cargo cfcontainer registries <args> --message-format json` with
/// `stdin` piped in, outside any crate.
fn ours(emulator: &Emulator, args: &[&str], stdin: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-cfcontainer"));
    command.arg("cfcontainer").arg("registries").args(args).args(["--message-format", "json"]);
    run_with_stdin(command.current_dir(dir.path()).envs(api_env(emulator)), stdin)
}

/// Runs the official CLI's `containers registries <args>` without a
/// terminal (as CI runs it), `stdin` piped in.
fn official(wrangler: &std::path::Path, emulator: &Emulator, args: &[&str], stdin: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(wrangler);
    command.args(["containers", "registries"]).args(args);
    command.current_dir(dir.path()).envs(api_env(emulator)).env("CI", "1").env("WRANGLER_SEND_METRICS", "false");
    let out = run_with_stdin(command.env("HOME", dir.path()), stdin);
    assert!(out.status.success(), "wrangler {args:?}:\n{}\n{}", stdout(&out), stderr(&out));
    out
}

fn run_with_stdin(command: &mut Command, stdin: &str) -> Output {
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // A run that refuses its arguments exits before reading stdin: the
    // pipe is closed then, which is no failure of the test.
    match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        written => written.unwrap(),
    }
    child.wait_with_output().unwrap()
}

/// The result line of `reason`.
fn result(out: &Output, reason: &str) -> Value {
    assert!(out.status.success(), "failed:\n{}\n{}", stdout(out), stderr(out));
    let line = stdout(out).lines().find(|l| l.contains(&format!(r#""reason":"{reason}""#))).map(str::to_string);
    serde_json::from_str(&line.unwrap_or_else(|| panic!("no {reason} line in {}", stdout(out)))).unwrap()
}

/// The one `error: ` line of a failed run.
fn one_error_line(out: &Output) -> String {
    assert!(!out.status.success(), "succeeded:\n{}\n{}", stdout(out), stderr(out));
    let text = stderr(out);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "not one line: {lines:?}");
    assert!(lines[0].starts_with("error: "), "{lines:?}");
    lines[0].to_string()
}

fn configure_args(case: &Case) -> Vec<&str> {
    vec!["configure", case.domain, case.flag, case.public, "--secret-name", case.secret_name, "-y"]
}

#[test]
fn a_registry_of_each_kind_is_configured_listed_and_deleted_with_its_secret() {
    let emulator = fresh_emulator();
    for case in cases() {
        let configured =
            result(&ours(&emulator, &configure_args(&case), &format!("{}\n", case.secret)), "registries-configure");
        assert_eq!(configured["domain"], case.domain);
        assert_eq!(configured["kind"], case.kind);
        assert_eq!(configured["public_credential"], case.public);
        assert_eq!(configured["secret"]["secret_name"], case.secret_name);
        assert_eq!(configured["secret_origin"], "created");
        let store = configured["secret"]["store_id"].clone();

        let listed = result(&ours(&emulator, &["list"], ""), "registries");
        let entry = listed["registries"].as_array().unwrap().iter().find(|r| r["domain"] == case.domain).cloned();
        let entry = entry.unwrap_or_else(|| panic!("{} not listed: {listed}", case.domain));
        assert_eq!(entry["kind"], case.kind);
        assert_eq!(entry["private_credential"], json!({ "store_id": store, "secret_name": case.secret_name }));
        let snapshot = emulator.snapshot();
        let secret =
            snapshot["store_secrets"].as_array().unwrap().iter().find(|s| s["name"] == case.secret_name).cloned();
        assert_eq!(secret.as_ref().map(|s| s["scopes"].clone()), Some(json!(["containers"])), "{snapshot}");

        let deleted = result(&ours(&emulator, &["delete", case.domain, "-y"], ""), "registries-delete");
        assert_eq!(
            deleted["secret"],
            json!({ "state": "deleted", "store_id": store, "secret_name": case.secret_name })
        );
        let listed = result(&ours(&emulator, &["list"], ""), "registries");
        assert_eq!(listed["registries"], json!([]));
        assert_eq!(emulator.snapshot()["store_secrets"], json!([]));
    }
    // The first configure made the account's store; the others used it.
    assert_eq!(emulator.snapshot()["stores"].as_array().unwrap().len(), 1);
}

#[test]
fn the_google_key_is_stored_as_the_base64_of_the_json_key_file() {
    let emulator = fresh_emulator();
    let case = cases().remove(2);
    let key_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(key_file.path(), &case.secret).unwrap();
    let path = key_file.path().to_str().unwrap();
    let mut args = configure_args(&case);
    args.extend(["--secret-file", path]);
    result(&ours(&emulator, &args, ""), "registries-configure");
    let created = recorded(&emulator).into_iter().find(|(m, p, _, _)| m == "POST" && p.ends_with("/secrets")).unwrap();
    let value = created.3.unwrap()[0]["value"].as_str().unwrap().to_string();
    let decoded = base64::engine::general_purpose::STANDARD.decode(value).unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), case.secret);
}

#[test]
fn configure_list_and_delete_send_what_the_official_cli_sends_besides_the_listed_differences() {
    let Some(wrangler) = wrangler_bin() else { return };
    for case in cases() {
        let theirs = fresh_emulator();
        let mine = fresh_emulator();
        let stdin = format!("{}\n", case.secret);
        official(&wrangler, &theirs, &configure_args(&case), &stdin);
        official(&wrangler, &theirs, &["list"], "");
        official(&wrangler, &theirs, &["delete", case.domain, "-y"], "");
        result(&ours(&mine, &configure_args(&case), &stdin), "registries-configure");
        result(&ours(&mine, &["list"], ""), "registries");
        result(&ours(&mine, &["delete", case.domain, "-y"], ""), "registries-delete");
        let (mut theirs, mine) = (recorded(&theirs), recorded(&mine));
        // Listed difference: the official CLI looks for the secret in the
        // store it has just made, which holds none; we do not ask.
        let made = theirs.iter().position(|(m, p, _, _)| m == "POST" && p == "/secrets_store/stores");
        if let Some(made) = made {
            let (method, path, query, _) = theirs.remove(made + 1);
            assert_eq!(method, "GET", "{path}");
            assert!(path.ends_with("/secrets") && query.is_some_and(|q| q.starts_with("search=")), "{path}");
        }
        assert_eq!(mine.len(), theirs.len(), "{}:\nours   {mine:#?}\ntheirs {theirs:#?}", case.domain);
        for (ours, official) in mine.iter().zip(&theirs) {
            let (mut ours, mut official) = (ours.clone(), official.clone());
            // Listed difference: the secret's comment names who made it
            // (the official CLI writes "Created by Wrangler: ...").
            for body in [&mut ours.3, &mut official.3] {
                if let Some(Value::Array(secrets)) = body {
                    for secret in secrets {
                        let comment = secret["comment"].as_str().unwrap_or_default();
                        let rest = comment.split_once(": ").map(|(_, rest)| rest.to_string());
                        secret["comment"] = json!(rest);
                    }
                }
            }
            assert_eq!(ours, official, "{}:\nours   {mine:#?}\ntheirs {theirs:#?}", case.domain);
        }
    }
}

#[test]
fn the_credential_reaches_only_the_body_that_creates_its_secret() {
    let emulator = fresh_emulator();
    for case in cases() {
        let token = match case.kind {
            // What leaks of a key file is its private key.
            "GAR" => "not-a-real-key".to_string(),
            _ => case.secret.clone(),
        };
        let configure = ours(&emulator, &configure_args(&case), &case.secret);
        let list = ours(&emulator, &["list"], "");
        let delete = ours(&emulator, &["delete", case.domain, "-y"], "");
        for out in [&configure, &list, &delete] {
            assert!(out.status.success(), "{}\n{}", stdout(out), stderr(out));
            assert!(!stdout(out).contains(&token) && !stderr(out).contains(&token), "{}\n{}", stdout(out), stderr(out));
        }
        let gar_encoded = base64::engine::general_purpose::STANDARD.encode(&case.secret);
        for (method, path, _, body) in recorded(&emulator) {
            let text = body.map(|b| b.to_string()).unwrap_or_default();
            let holds = text.contains(&token) || text.contains(&gar_encoded);
            let creates_secret = method == "POST" && path.ends_with("/secrets");
            assert_eq!(holds, creates_secret, "{method} {path}: {text}");
        }
        let snapshot = emulator.snapshot().to_string();
        assert!(!snapshot.contains(&token) && !snapshot.contains(&gar_encoded), "{snapshot}");
        emulator.clear_log();
    }
}

#[test]
fn a_registry_of_another_provider_is_refused_in_one_line_before_any_call() {
    let emulator = fresh_emulator();
    let out = ours(&emulator, &["configure", "ghcr.io", "--dockerhub-username", "me"], "secret");
    let line = one_error_line(&out);
    assert!(line.contains("ghcr.io is not a registry whose credentials can be configured"), "{line}");
    assert!(
        line.contains("AWS ECR") && line.contains("Docker Hub") && line.contains("Google Artifact Registry"),
        "{line}"
    );
    let out = ours(&emulator, &["configure", "https://docker.io", "--dockerhub-username", "me"], "secret");
    assert!(one_error_line(&out).contains("is a URL, not a registry host"));
    assert!(emulator.log().is_empty(), "{:?}", recorded(&emulator));
}

#[test]
fn a_public_credential_of_another_kind_of_registry_is_refused_naming_the_right_flag() {
    let emulator = fresh_emulator();
    let out = ours(&emulator, &["configure", "docker.io", "--aws-access-key-id", "AKIA"], "secret");
    let line = one_error_line(&out);
    assert!(line.contains("--aws-access-key-id gives the public credential of AWS ECR"), "{line}");
    assert!(line.ends_with("give --dockerhub-username instead"), "{line}");
    let out = ours(&emulator, &["configure", GAR], "secret");
    assert!(one_error_line(&out).ends_with("give it with --gar-email"));
    assert!(emulator.log().is_empty(), "{:?}", recorded(&emulator));
}

#[test]
fn an_empty_stdin_or_a_bad_google_key_is_refused_in_one_line_and_nothing_is_written() {
    let emulator = fresh_emulator();
    let out = ours(&emulator, &["configure", "docker.io", "--dockerhub-username", "me"], "  \n");
    let line = one_error_line(&out);
    assert!(line.contains("no DockerHub PAT Token given: stdin is empty"), "{line}");
    let pem = "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n";
    let out = ours(&emulator, &["configure", GAR, "--gar-email", GAR_EMAIL], pem);
    assert!(one_error_line(&out).contains("PEM private key"));
    let other = gar_key().replace(GAR_EMAIL, "someone-else@project-1.iam.gserviceaccount.com");
    let out = ours(&emulator, &["configure", GAR, "--gar-email", GAR_EMAIL], &other);
    assert!(one_error_line(&out).contains("does not match the service account email"));
    let writes: Vec<String> = emulator.write_calls().iter().map(|l| format!("{} {}", l.method, l.path)).collect();
    assert!(writes.is_empty(), "{writes:?}");
}

#[test]
fn a_domain_configured_twice_is_refused_naming_the_delete_and_its_secret_is_reused_with_yes() {
    let emulator = fresh_emulator();
    let case = cases().remove(1);
    result(&ours(&emulator, &configure_args(&case), &case.secret), "registries-configure");
    let out = ours(&emulator, &configure_args(&case), "");
    let line = one_error_line(&out);
    assert!(line.contains("registry docker.io is configured already"), "{line}");
    assert!(line.contains("cargo cfcontainer registries delete docker.io"), "{line}");
    // Without a terminal, delete needs --yes (which would delete the
    // secret too): the registry alone is deleted through the API, and the
    // next configure uses the secret of that name as it is, reading
    // nothing from stdin.
    let out = ours(&emulator, &["delete", "docker.io"], "");
    assert!(one_error_line(&out).contains("no terminal to ask on; rerun with --yes"));
    delete_through_the_api(&emulator, "docker.io");
    let again = result(&ours(&emulator, &configure_args(&case), ""), "registries-configure");
    assert_eq!(again["secret_origin"], "reused");
    // Without --yes and without a terminal to ask, an existing secret is
    // not taken over.
    let mut without_yes = configure_args(&case);
    without_yes.pop();
    delete_through_the_api(&emulator, "docker.io");
    let out = ours(&emulator, &without_yes, "other");
    assert!(one_error_line(&out).contains("secret `DockerHub_PAT_Token` exists already"));
}

fn delete_through_the_api(emulator: &Emulator, domain: &str) {
    let url = format!("{}/accounts/{}/containers/registries/{domain}", emulator.base_url(), emulator.account_id());
    ureq::delete(&url).set("Authorization", &format!("Bearer {}", emulator.token())).call().unwrap();
}

#[test]
fn deleting_a_registry_that_is_not_configured_fails_in_one_line() {
    let emulator = fresh_emulator();
    let line = one_error_line(&ours(&emulator, &["delete", "docker.io", "-y"], ""));
    assert!(line.contains("registry docker.io is not configured on the account"), "{line}");
}

#[test]
fn the_emulator_refuses_a_registry_of_the_wrong_kind_an_unknown_secret_and_a_duplicate() {
    let emulator = fresh_emulator();
    let url = format!("{}/accounts/{}/containers/registries", emulator.base_url(), emulator.account_id());
    let post = |body: Value| {
        let request = ureq::post(&url)
            .set("Authorization", &format!("Bearer {}", emulator.token()))
            .set("Content-Type", "application/json");
        let (status, text) = match request.send_string(&body.to_string()) {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(status, r)) => (status, r.into_string().unwrap()),
            Err(e) => panic!("{e}"),
        };
        (status, serde_json::from_str::<Value>(&text).unwrap())
    };
    let auth = json!({ "public_credential": "me", "private_credential": "inline-secret" });
    let (status, _) = post(json!({ "domain": "ghcr.io", "is_public": false, "auth": auth, "kind": "DockerHub" }));
    assert_eq!(status, 403);
    let (status, _) = post(json!({ "domain": "docker.io", "is_public": false, "auth": auth, "kind": "ECR" }));
    assert_eq!(status, 400);
    let missing =
        json!({ "public_credential": "me", "private_credential": { "store_id": "nope", "secret_name": "x" } });
    let (status, _) = post(json!({ "domain": "docker.io", "is_public": false, "auth": missing, "kind": "DockerHub" }));
    assert_eq!(status, 400);
    let (status, answer) =
        post(json!({ "domain": "docker.io", "is_public": false, "auth": auth, "kind": "DockerHub" }));
    assert_eq!(status, 200);
    assert!(!answer.to_string().contains("inline-secret"), "{answer}");
    let (status, _) = post(json!({ "domain": "docker.io", "is_public": false, "auth": auth, "kind": "DockerHub" }));
    assert_eq!(status, 409);
}

#[test]
fn a_container_with_an_image_of_a_configured_registry_deploys_it_without_a_build_or_a_push() {
    let Some(emulator) = crate::support::account::start() else { return };
    let name = unique("extreg");
    let image = "docker.io/cfc-tester/web:1.0";
    let web = format!("#[cfcontainer::container(class = \"Web\", port = 8080, image = \"{image}\")]\npub struct Web;");
    let fixture = crate::support::account::worker_fixture(&name, &web);
    // Not configured: the platform would have no way in, and refuses it.
    let (out, _) = crate::support::account::run_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(stderr(&out).contains(image), "{}", stderr(&out));

    let case = cases().remove(1);
    result(&ours(&emulator, &configure_args(&case), &case.secret), "registries-configure");
    emulator.clear_log();
    let deployed = crate::support::account::ok_verb(&emulator, &fixture.manifest(), &["deploy"], &[]);
    assert_eq!(deployed["applications"][0]["image"], image, "{deployed}");
    let application = &emulator.snapshot()["applications"][0];
    assert_eq!(application["configuration"]["image"], image);
    // Nothing was pushed: the only registry credentials asked for are
    // the preflight's pull-only ones (which check that the account has
    // Cloudflare's registry, before the crate is built).
    let permissions: Vec<Value> = recorded(&emulator)
        .into_iter()
        .filter(|(_, path, _, _)| path.ends_with("/credentials"))
        .map(|(_, _, _, body)| body.map(|b| b["permissions"].clone()).unwrap_or_default())
        .collect();
    assert_eq!(permissions, [json!(["pull"])]);
}

#[test]
fn with_several_secrets_stores_the_store_must_be_named_and_the_named_one_is_used() {
    let emulator = fresh_emulator();
    let url = format!("{}/accounts/{}/secrets_store/stores", emulator.base_url(), emulator.account_id());
    let mut ids = Vec::new();
    for name in ["team_a", "team_b"] {
        let answer = ureq::post(&url)
            .set("Authorization", &format!("Bearer {}", emulator.token()))
            .set("Content-Type", "application/json")
            .send_string(&json!({ "name": name }).to_string())
            .unwrap()
            .into_string()
            .unwrap();
        ids.push(serde_json::from_str::<Value>(&answer).unwrap()["result"]["id"].as_str().unwrap().to_string());
    }
    let case = cases().remove(0);
    let line = one_error_line(&ours(&emulator, &configure_args(&case), &case.secret));
    assert!(line.contains("the account has 2 Secrets Stores") && line.contains("--secret-store-id"), "{line}");
    assert!(line.contains(&ids[0]) && line.contains(&ids[1]), "{line}");
    let mut args = configure_args(&case);
    args.extend(["--secret-store-id", &ids[1]]);
    let configured = result(&ours(&emulator, &args, &case.secret), "registries-configure");
    assert_eq!(configured["secret"]["store_id"], ids[1].as_str());
    assert_eq!(configured["store"], "existing");
}
