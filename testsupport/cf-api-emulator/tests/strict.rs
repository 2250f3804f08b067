//! The emulator is as strict as the real API: exact paths, auth, the
//! envelope, unknown fields, migration tags, bindings without migrations,
//! container errors as JSON documents, and faults on demand.

use cf_api_emulator::{Config, Emulator, Fault, FaultKind};
use serde_json::{json, Value};

fn call(emulator: &Emulator, method: &str, path: &str, token: &str, body: Option<(&str, Vec<u8>)>) -> (u16, Value) {
    let url = format!("{}/accounts/{}{path}", emulator.base_url(), emulator.account_id());
    let request = ureq::request(method, &url).set("Authorization", &format!("Bearer {token}"));
    let result = match body {
        Some((content_type, bytes)) => request.set("Content-Type", content_type).send_bytes(&bytes),
        None => request.call(),
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport: {e}"),
    };
    (response.status(), response.into_json().unwrap())
}

fn json_body(value: Value) -> Option<(&'static str, Vec<u8>)> {
    Some(("application/json", value.to_string().into_bytes()))
}

fn upload(emulator: &Emulator, metadata: Value) -> (u16, Value) {
    let mut body = Vec::new();
    for (name, content_type, data) in [
        ("metadata", "application/json", metadata.to_string()),
        ("index.js", "application/javascript+module", "export default {}".into()),
    ] {
        let filename = if name == "metadata" { String::new() } else { format!("; filename=\"{name}\"") };
        body.extend(format!("--B\r\nContent-Disposition: form-data; name=\"{name}\"{filename}\r\nContent-Type: {content_type}\r\n\r\n{data}\r\n").into_bytes());
    }
    body.extend(b"--B--\r\n");
    call(emulator, "PUT", "/workers/scripts/w", "test-token", Some(("multipart/form-data; boundary=B", body)))
}

fn first_error(body: &Value) -> (u64, String) {
    assert_eq!(body["success"], false);
    assert!(body["result"].is_null());
    (body["errors"][0]["code"].as_u64().unwrap(), body["errors"][0]["message"].as_str().unwrap().to_string())
}

#[test]
fn auth_account_and_routes_are_checked() {
    let emulator = Emulator::start(Config::for_tests());
    let (status, body) = call(&emulator, "GET", "/workers/scripts", "wrong", None);
    assert_eq!((status, first_error(&body).0), (403, 9109));
    let url = format!("{}/accounts/ffff/workers/scripts", emulator.base_url());
    let err = ureq::get(&url).set("Authorization", "Bearer test-token").call().unwrap_err();
    assert!(matches!(err, ureq::Error::Status(403, _)));
    let (status, body) = call(&emulator, "GET", "/workers/scriptz", "test-token", None);
    assert_eq!((status, first_error(&body).0), (404, 7003));
    let (status, body) = call(&emulator, "GET", "/workers/scripts", "test-token", None);
    assert_eq!(status, 200);
    assert_eq!(body, json!({ "success": true, "errors": [], "messages": [], "result": [] }));
}

#[test]
fn a_path_the_api_has_answers_405_to_a_method_it_lacks_and_an_unknown_path_404() {
    let emulator = Emulator::start(Config::for_tests());
    for (method, path) in [
        ("DELETE", "/workers/scripts"),
        ("PATCH", "/workers/scripts/w/routes"),
        ("PUT", "/containers/applications"),
        ("POST", "/queues"),
        ("GET", "/queues/q/consumers"),
    ] {
        let (status, body) = call(&emulator, method, path, "test-token", None);
        assert_eq!((status, first_error(&body).0), (405, 10405), "{method} {path}");
    }
    for (method, path) in [("DELETE", "/workers/scripts/w/nothing"), ("GET", "/queues/q/consumers/c/more")] {
        let (status, body) = call(&emulator, method, path, "test-token", None);
        assert_eq!((status, first_error(&body).0), (404, 7003), "{method} {path}");
    }
}

#[test]
fn uploads_check_fields_migration_tags_and_bindings() {
    let emulator = Emulator::start(Config::for_tests());
    let base = json!({ "main_module": "index.js", "compatibility_date": "2026-03-01" });
    let mut unknown = base.clone();
    unknown["main_modul"] = json!("index.js");
    let (status, body) = upload(&emulator, unknown);
    assert_eq!(status, 400);
    assert!(first_error(&body).1.contains("Unexpected field 'main_modul'"));

    let mut unmigrated = base.clone();
    unmigrated["bindings"] = json!([{ "type": "durable_object_namespace", "name": "C", "class_name": "C" }]);
    let (status, body) = upload(&emulator, unmigrated.clone());
    assert_eq!((status, first_error(&body).0), (400, 10061));

    let mut first = unmigrated.clone();
    first["migrations"] = json!({ "new_tag": "v1", "steps": [{ "new_sqlite_classes": ["C"] }] });
    assert_eq!(upload(&emulator, first.clone()).0, 200);
    let (status, body) = upload(&emulator, first);
    assert_eq!(status, 412);
    assert!(first_error(&body).1.contains("expected tag is 'v1'"), "{body}");
    assert_eq!(upload(&emulator, unmigrated).0, 200, "no migrations: the tag stays");
}

#[test]
fn container_errors_are_json_documents_and_unknown_fields_fail() {
    let emulator = Emulator::start(Config::for_tests());
    let body = json!({ "name": "a", "scheduling_policy": "default", "instances": 0, "max_instances": 1,
                       "configuration": { "image": "x", "instance_tipe": "lite" }, "durable_objects": { "namespace_id": "n" } });
    let (status, reply) = call(&emulator, "POST", "/containers/applications", "test-token", json_body(body));
    assert_eq!(status, 400);
    let doc: Value = serde_json::from_str(&first_error(&reply).1).unwrap();
    assert_eq!(doc["error"], "VALIDATE_INPUT");
    assert_eq!(doc["details"]["configuration.instance_tipe"], "unknown field");
    let (status, reply) = call(&emulator, "DELETE", "/containers/applications/nope", "test-token", None);
    assert_eq!(status, 404);
    assert!(first_error(&reply).1.contains("APPLICATION_NOT_FOUND"));
}

#[test]
fn faults_fire_once_in_order_and_are_logged() {
    let emulator = Emulator::start(Config::for_tests());
    let path = format!("/accounts/{}/workers/scripts", emulator.account_id());
    emulator.inject(Fault {
        method: "GET".into(),
        path: path.clone(),
        kind: FaultKind::Status { status: 429, retry_after: Some(3) },
        times: 1,
    });
    emulator.inject(Fault { method: "GET".into(), path: path.clone(), kind: FaultKind::Drop, times: 1 });
    let url = format!("{}{path}", emulator.base_url());
    match ureq::get(&url).set("Authorization", "Bearer test-token").call() {
        Err(ureq::Error::Status(429, r)) => assert_eq!(r.header("retry-after"), Some("3")),
        other => panic!("expected 429, got {other:?}"),
    }
    assert!(matches!(ureq::get(&url).set("Authorization", "Bearer test-token").call(), Err(ureq::Error::Transport(_))));
    assert_eq!(ureq::get(&url).set("Authorization", "Bearer test-token").call().unwrap().status(), 200);
    let statuses: Vec<u16> = emulator.log().iter().map(|l| l.status).collect();
    assert_eq!(statuses, [429, 0, 200]);
}

#[test]
fn a_fault_after_the_work_does_it_and_then_answers_a_502_or_nothing() {
    let emulator = Emulator::start(Config::for_tests());
    let path = format!("/accounts/{}/workers/scripts/w", emulator.account_id());
    emulator.inject(Fault {
        method: "PUT".into(),
        path: path.clone(),
        kind: FaultKind::StatusAfter { status: 502 },
        times: 1,
    });
    let (status, _) = upload(&emulator, json!({ "main_module": "index.js" }));
    assert_eq!(status, 502);
    assert_eq!(emulator.snapshot()["scripts"]["w"]["versions"], 1, "the upload was done");
    emulator.inject(Fault { method: "PUT".into(), path, kind: FaultKind::DropAfter, times: 1 });
    let url = format!("{}/accounts/{}/workers/scripts/w", emulator.base_url(), emulator.account_id());
    let body = "--B\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n{\"main_module\":\"index.js\"}\r\n--B\r\nContent-Disposition: form-data; name=\"index.js\"; filename=\"index.js\"\r\nContent-Type: application/javascript+module\r\n\r\nexport default {}\r\n--B--\r\n";
    let dropped = ureq::put(&url)
        .set("Authorization", "Bearer test-token")
        .set("Content-Type", "multipart/form-data; boundary=B")
        .send_string(body);
    assert!(matches!(dropped, Err(ureq::Error::Transport(_))), "{dropped:?}");
    let script = &emulator.snapshot()["scripts"]["w"];
    assert_eq!((&script["versions"], &script["deployments"]), (&json!(2), &json!(2)), "done, its answer lost");
    let statuses: Vec<u16> = emulator.log().iter().map(|l| l.status).collect();
    assert_eq!(statuses, [502, 0]);
}

#[test]
fn token_verification_answers_active_for_the_token_and_401_otherwise() {
    let emulator = Emulator::start(Config::for_tests());
    let verify = |token: &str| {
        let url = format!("{}/user/tokens/verify", emulator.base_url());
        match ureq::get(&url).set("Authorization", &format!("Bearer {token}")).call() {
            Ok(r) => (r.status(), r.into_json::<Value>().unwrap()),
            Err(ureq::Error::Status(status, r)) => (status, r.into_json().unwrap()),
            Err(e) => panic!("transport: {e}"),
        }
    };
    let (status, body) = verify("test-token");
    assert_eq!((status, body["result"]["status"].as_str()), (200, Some("active")), "{body}");
    let (status, body) = verify("wrong");
    assert_eq!((status, first_error(&body).0), (401, 1000), "{body}");
}

#[test]
fn tags_are_kept_only_through_script_settings_and_namespaces_come_in_pages() {
    let emulator = Emulator::start(Config::for_tests());
    let classes = ["A", "B", "C"];
    let mut metadata = json!({ "main_module": "index.js", "compatibility_date": "2026-03-01", "tags": ["from-upload"],
        "migrations": { "new_tag": "v1", "steps": [{ "new_sqlite_classes": classes }] } });
    metadata["bindings"] = json!(classes
        .iter()
        .map(|c| json!({ "type": "durable_object_namespace", "name": c, "class_name": c }))
        .collect::<Vec<_>>());
    assert_eq!(upload(&emulator, metadata).0, 200);
    let (_, settings) = call(&emulator, "GET", "/workers/scripts/w/script-settings", "test-token", None);
    assert_eq!(settings["result"]["tags"], json!([]), "tags in the upload are not kept: {settings}");

    let (status, body) = call(
        &emulator,
        "PATCH",
        "/workers/scripts/w/script-settings",
        "test-token",
        json_body(json!({ "tag": ["x"] })),
    );
    assert_eq!((status, first_error(&body).0), (400, 10021));
    let (status, _) = call(
        &emulator,
        "PATCH",
        "/workers/scripts/w/script-settings",
        "test-token",
        json_body(json!({ "tags": ["mine"] })),
    );
    assert_eq!(status, 200);
    let (_, settings) = call(&emulator, "GET", "/workers/scripts/w/script-settings", "test-token", None);
    assert_eq!(settings["result"]["tags"], json!(["mine"]));

    // Pages of one (Config::for_tests): three namespaces, three pages.
    let (_, first) = call(&emulator, "GET", "/workers/durable_objects/namespaces", "test-token", None);
    assert_eq!(first["result"].as_array().unwrap().len(), 1);
    assert_eq!(
        (first["result_info"]["total_count"].as_u64(), first["result_info"]["total_pages"].as_u64()),
        (Some(3), Some(3))
    );
    let (_, third) =
        call(&emulator, "GET", "/workers/durable_objects/namespaces?page=3&per_page=1", "test-token", None);
    assert_eq!(third["result"][0]["class"], "C", "{third}");
    let (status, _) = call(&emulator, "GET", "/workers/durable_objects/namespaces?pages=3", "test-token", None);
    assert_eq!(status, 400, "unknown query parameters are refused");
}

#[test]
fn what_the_official_cli_4164_adds_to_an_upload_is_checked_field_by_field() {
    let emulator = Emulator::start(Config::for_tests());
    let with = |extra: Value| {
        let mut metadata = json!({ "main_module": "index.js", "compatibility_date": "2026-11-17",
            "bindings": [{ "type": "secret_text", "name": "KEY", "text": "s3cret" }],
            "migrations": { "new_tag": "v1", "steps": [{ "new_sqlite_classes": ["Web"] }] } });
        metadata.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        upload(&emulator, metadata)
    };
    for (strategy, why) in [
        (json!({ "mode": "later" }), "mode must be"),
        (json!({ "mode": "deferred", "max_delay": 86401 }), "max_delay must be"),
        (json!({ "mode": "deferred", "max_delay": 0.0005 }), "max_delay must be"),
        (json!({ "mode": "immediate", "max_delay": 5 }), "only for mode"),
        (json!({ "mode": "deferred", "delay": 5 }), "Unexpected field 'delay'"),
    ] {
        let (status, body) = with(json!({ "code_update_strategy": strategy }));
        assert_eq!(status, 400, "{strategy}");
        assert!(first_error(&body).1.contains(why), "{strategy}: {body}");
    }
    let (status, body) = with(json!({ "containers": [{ "class_name": "Web", "image": "x" }] }));
    assert!(status == 400 && first_error(&body).1.contains("Unexpected field 'image'"), "{body}");
    let (status, body) = with(json!({
        "code_update_strategy": { "mode": "deferred", "max_delay": 300 },
        "containers": [{ "name": "w-web", "class_name": "Web" }],
        "keep_bindings": ["secret_text", "secret_key"],
    }));
    assert_eq!(status, 200, "{body}");
    // The secrets are listed by name and type, never with their values.
    let (status, body) = call(&emulator, "GET", "/workers/scripts/w/secrets", "test-token", None);
    assert_eq!((status, &body["result"]), (200, &json!([{ "name": "KEY", "type": "secret_text" }])));
    let (status, body) = call(&emulator, "GET", "/workers/scripts/nope/secrets", "test-token", None);
    assert_eq!((status, first_error(&body).0), (404, 10007));
    // The Worker as a resource of its own: its workers.dev state.
    let (status, body) = call(&emulator, "GET", "/workers/workers/w", "test-token", None);
    assert_eq!((status, &body["result"]["subdomain"]), (200, &json!({ "enabled": false, "previews_enabled": false })));
    // The migration tag the next upload's migrations start from.
    let (_, body) = call(&emulator, "GET", "/workers/services/w", "test-token", None);
    assert_eq!(body["result"]["default_environment"]["script"]["migration_tag"], "v1");
    // A deployment may say how the Durable Objects take up the version.
    let (_, body) = call(&emulator, "GET", "/workers/scripts/w/deployments", "test-token", None);
    let version = body["result"]["deployments"][0]["versions"][0]["version_id"].clone();
    let deployment = |strategy: Value| {
        json!({ "strategy": "percentage", "versions": [{ "version_id": version, "percentage": 100 }],
                "code_update_strategy": strategy })
    };
    let (status, _) = call(
        &emulator,
        "POST",
        "/workers/scripts/w/deployments",
        "test-token",
        json_body(deployment(json!({ "mode": "soon" }))),
    );
    assert_eq!(status, 400);
    let (status, body) = call(
        &emulator,
        "POST",
        "/workers/scripts/w/deployments",
        "test-token",
        json_body(deployment(json!({ "mode": "immediate" }))),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn an_applications_own_observability_is_checked_and_kept() {
    let emulator = Emulator::start(Config::for_tests());
    let migrations = json!({ "main_module": "index.js", "compatibility_date": "2026-11-17",
        "migrations": { "new_tag": "v1", "steps": [{ "new_sqlite_classes": ["Web"] }] } });
    assert_eq!(upload(&emulator, migrations).0, 200);
    let (_, namespaces) = call(&emulator, "GET", "/workers/durable_objects/namespaces", "test-token", None);
    let create = |observability: Value| {
        let body = json!({ "name": "w-web", "scheduling_policy": "default", "instances": 0, "max_instances": 2,
            "configuration": { "image": "registry.example/acct/w-web@sha256:0", "instance_type": "lite" },
            "durable_objects": { "namespace_id": namespaces["result"][0]["id"] }, "observability": observability });
        call(&emulator, "POST", "/containers/applications", "test-token", json_body(body))
    };
    for (observability, field) in [
        (json!({ "logs": { "enabled": "yes" } }), "observability.logs.enabled"),
        (json!({ "logs": { "enabled": true }, "sampled": 1 }), "observability.sampled"),
        (
            json!({ "logs": { "enabled": true }, "target_instance_percentage": 100 }),
            "observability.target_instance_percentage",
        ),
        (json!({ "target_instance_percentage": 10, "target_instance_count": 1 }), "observability"),
    ] {
        let (status, reply) = create(observability.clone());
        assert_eq!(status, 400, "{observability}");
        let doc: Value = serde_json::from_str(&first_error(&reply).1).unwrap();
        assert!(doc["details"].get(field).is_some(), "{observability}: {doc}");
    }
    let (status, reply) = create(json!({ "logs": { "enabled": true } }));
    assert_eq!((status, &reply["result"]["observability"]), (200, &json!({ "logs": { "enabled": true } })));
    let id = reply["result"]["id"].as_str().unwrap().to_string();
    let off = json!({ "observability": { "logs": { "enabled": false } } });
    let (status, reply) =
        call(&emulator, "PATCH", &format!("/containers/applications/{id}"), "test-token", json_body(off));
    assert_eq!((status, &reply["result"]["observability"]), (200, &json!({ "logs": { "enabled": false } })));
}

#[test]
fn an_upload_binding_a_resource_the_account_does_not_hold_is_refused_with_the_kinds_code() {
    let emulator = Emulator::start(Config::for_tests());
    let with = |binding: Value| json!({ "main_module": "index.js", "bindings": [binding] });
    let refused = [
        (
            json!({ "type": "kv_namespace", "name": "CACHE", "namespace_id": "ffff" }),
            10041,
            "KV namespace 'ffff' is not valid",
        ),
        (json!({ "type": "r2_bucket", "name": "B", "bucket_name": "nope" }), 10085, "R2 bucket 'nope' not found"),
        (json!({ "type": "d1", "name": "DB", "id": "0000" }), 10181, "D1 binding 'DB' references database '0000'"),
        (json!({ "type": "queue", "name": "Q", "queue_name": "nope" }), 11000, "Queue 'nope' does not exist"),
        (json!({ "type": "vectorize", "name": "V", "index_name": "nope" }), 10159, "index 'nope' which was not found"),
        (json!({ "type": "hyperdrive", "name": "H", "id": "0000" }), 10157, "config '0000' which was not found"),
        (json!({ "type": "service", "name": "S", "service": "nope" }), 10144, "Worker 'nope' which was not found"),
    ];
    for (binding, code, message) in refused {
        let (status, body) = upload(&emulator, with(binding.clone()));
        let (got, text) = first_error(&body);
        assert_eq!((status, got), (400, code), "{binding}: {body}");
        assert!(text.contains(message), "{text}");
    }
    assert!(emulator.snapshot()["scripts"].as_object().unwrap().is_empty(), "nothing was uploaded");
    let held = json!({ "type": "kv_namespace", "name": "CACHE", "namespace_id": "0f2ac74b498b48028cb68387c421e279" });
    assert_eq!(upload(&emulator, with(held)).0, 200);
    // A Worker may bind itself.
    assert_eq!(upload(&emulator, with(json!({ "type": "service", "name": "SELF", "service": "w" }))).0, 200);
}

#[test]
fn the_resource_lists_come_in_pages_and_r2_pages_by_cursor() {
    let emulator = Emulator::start(Config::for_tests());
    let (status, body) = call(&emulator, "GET", "/storage/kv/namespaces?per_page=2&page=2", "test-token", None);
    assert_eq!(status, 200);
    assert_eq!(body["result"].as_array().unwrap().len(), 1, "per_page is capped at the emulator's page size: {body}");
    assert_eq!(body["result_info"]["total_count"], 4);
    let (_, first) = call(&emulator, "GET", "/r2/buckets", "test-token", None);
    assert_eq!(first["result"]["buckets"][0]["name"], "assets");
    let cursor = first["result_info"]["cursor"].as_str().unwrap().to_string();
    let (_, second) = call(&emulator, "GET", &format!("/r2/buckets?cursor={cursor}"), "test-token", None);
    assert_eq!(second["result"]["buckets"][0]["name"], "logs");
    assert_eq!(second["result_info"]["cursor"], "");
    for path in ["/d1/database", "/vectorize/v2/indexes", "/hyperdrive/configs"] {
        let (status, body) = call(&emulator, "GET", path, "test-token", None);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(!body["result"].as_array().unwrap().is_empty(), "{path}: {body}");
        let (status, _) = call(&emulator, "GET", &format!("{path}?bogus=1"), "test-token", None);
        assert_eq!(status, 400, "{path} takes no unknown parameter");
    }
}
