//! A Worker's versions and deployments: every upload is a version, every
//! deployment sends all traffic to one (the only strategy the emulator
//! takes is 100 percent to one version), and a deployment of an older
//! version is a rollback: what that version ran runs again, while the
//! settings outside versions (tags, routes, crons, observability) stay.

use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::envelope::{fail, invalid, ok, Reply};
use crate::state::{Deployment, State};
use crate::workers::{annotations, try_upload};

const NO_SUCH_WORKER: (u16, u32, &str) = (404, 10007, "This Worker does not exist on your account.");

/// `GET /workers/scripts/{name}/versions`: newest first, in pages
/// (`page`, `per_page`); `deployable=true` lists every version at once
/// (the API ignores pagination then), as the official CLI asks.
pub fn list(state: &State, name: &str, max_per_page: usize, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["deployable", "page", "per_page"]) {
        return r;
    }
    let Some(script) = state.scripts.get(name) else {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    };
    let items: Vec<Value> = script.versions.iter().rev().map(|v| v.json(name, &state.namespaces)).collect();
    let total = items.len();
    let deployable = call.query.iter().any(|(k, v)| k == "deployable" && v == "true");
    let (page, per_page) = match deployable {
        true => (1, total.max(1)),
        false => (
            call.number("page").unwrap_or(1).max(1),
            call.number("per_page").unwrap_or(max_per_page).clamp(1, max_per_page),
        ),
    };
    let shown: Vec<Value> = items.into_iter().skip((page - 1) * per_page).take(per_page).collect();
    let mut reply = ok(json!({ "items": shown }));
    reply.body["result_info"] =
        json!({ "page": page, "per_page": per_page, "count": shown.len(), "total_count": total });
    reply
}

/// `GET /workers/scripts/{name}/versions/{id}`.
pub fn get(state: &State, name: &str, id: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let Some(script) = state.scripts.get(name) else {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    };
    match script.versions.iter().find(|v| v.id == id) {
        Some(version) => ok(version.json(name, &state.namespaces)),
        None => fail(404, 10222, format!("Version {id} not found for Worker {name}")),
    }
}

/// `POST /workers/scripts/{name}/versions`: a version that does not run
/// until a deployment sends traffic to it.
pub fn upload(state: &mut State, name: &str, call: &Call) -> Reply {
    if !state.scripts.contains_key(name) {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    }
    match try_upload(state, name, call, false) {
        Ok(_) => {
            let version = state.scripts[name].versions.last().expect("the upload added it");
            ok(
                json!({ "id": version.id, "number": version.number, "resources": { "script": { "etag": version.content.etag } }, "startup_time_ms": 1 }),
            )
        }
        Err(reply) => reply,
    }
}

/// `GET /workers/scripts/{name}/deployments`: newest first.
pub fn deployments(state: &State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.scripts.get(name) {
        Some(script) => {
            ok(json!({ "deployments": script.deployments.iter().rev().map(Deployment::json).collect::<Vec<_>>() }))
        }
        None => fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2),
    }
}

/// `POST /workers/scripts/{name}/deployments` with `{"strategy":
/// "percentage", "versions": [{"version_id", "percentage": 100}],
/// "annotations"?: {"workers/message"}}`: that version runs. Refused when
/// its secrets differ from the ones running now (code 10220) unless
/// `?force=true`, and when it binds a class of the Worker's that no longer
/// exists.
pub fn deploy(state: &mut State, name: &str, call: &Call) -> Reply {
    let mut run = || -> Result<Reply, Reply> {
        call.only_query(&["force"])?;
        let force = call.query.iter().any(|(k, v)| k == "force" && v == "true");
        let body = call.json_object()?;
        const KEYS: &[&str] = &["strategy", "versions", "annotations", "code_update_strategy"];
        if let Some(key) = body.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(invalid(format!("Unexpected field '{key}'")));
        }
        if let Some(strategy) = body.get("code_update_strategy") {
            crate::code_update::check(strategy, "code_update_strategy")?;
        }
        if body.get("strategy") != Some(&json!("percentage")) {
            return Err(invalid("strategy must be \"percentage\""));
        }
        let versions = body.get("versions").and_then(Value::as_array).cloned().unwrap_or_default();
        let [only] = versions.as_slice() else { return Err(invalid("deploy one version at 100 percent")) };
        let only = only.as_object().ok_or_else(|| invalid("versions[0] must be an object"))?;
        if let Some(key) = only.keys().find(|k| *k != "version_id" && *k != "percentage") {
            return Err(invalid(format!("Unexpected field '{key}' in versions[0]")));
        }
        if only.get("percentage") != Some(&json!(100)) {
            return Err(invalid("deploy one version at 100 percent"));
        }
        let version_id = only
            .get("version_id")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("versions[0].version_id is required"))?;
        let mut annotations = match body.get("annotations") {
            None => Map::new(),
            Some(Value::Object(a)) => annotations(a, &["workers/message"], "annotations")?,
            Some(_) => return Err(invalid("annotations must be an object")),
        };
        let now = state.now();
        let id = state.uuid();
        let namespaces = state.namespaces.clone();
        let script =
            state.scripts.get_mut(name).ok_or_else(|| fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2))?;
        let position = script.versions.iter().position(|v| v.id == version_id);
        let position =
            position.ok_or_else(|| fail(404, 10222, format!("Version {version_id} not found for Worker {name}")))?;
        let content = script.versions[position].content.clone();
        for binding in content
            .bindings
            .iter()
            .filter(|b| b["type"] == "durable_object_namespace" && b.get("script_name").is_none())
        {
            let class = binding["class_name"].as_str().unwrap_or_default();
            if !namespaces.iter().any(|n| n.script == name && n.class == class) {
                return Err(fail(400, 10214, format!("Version {version_id} binds Durable Object class '{class}', which Worker {name} no longer has; it cannot be deployed")));
            }
        }
        let changed: Vec<String> = secrets(&script.content.bindings)
            .into_iter()
            .filter(|(secret, value)| {
                secrets(&content.bindings).into_iter().find(|(n, _)| n == secret).map(|(_, v)| v) != Some(value.clone())
            })
            .map(|(secret, _)| secret)
            .collect();
        if !changed.is_empty() && !force {
            return Err(fail(
                400,
                10220,
                format!(
                    "Cannot rollback to a version with different secrets. The following secrets have changed: {}",
                    changed.join(", ")
                ),
            ));
        }
        let live = script.versions.iter().position(|v| v.id == script.version_id);
        let triggered_by = if live.is_some_and(|l| position < l) { "rollback" } else { "deployment" };
        annotations.insert("workers/triggered_by".into(), json!(triggered_by));
        let source = if call.is_official_cli() { "wrangler" } else { "api" };
        script.run(version_id, content);
        script.modified_on = now.clone();
        let deployment = Deployment {
            id,
            created_on: now,
            source: source.into(),
            annotations,
            versions: vec![(version_id.to_string(), 100)],
        };
        let reply = deployment.json();
        script.deployments.push(deployment);
        Ok(ok(reply))
    };
    run().unwrap_or_else(|r| r)
}

/// `(name, value)` of every secret among `bindings`.
fn secrets(bindings: &[Value]) -> Vec<(String, Value)> {
    bindings
        .iter()
        .filter(|b| b["type"] == "secret_text")
        .map(|b| (b["name"].as_str().unwrap_or_default().to_string(), b["text"].clone()))
        .collect()
}
