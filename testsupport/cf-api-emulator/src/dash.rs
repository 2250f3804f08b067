//! The container platform's dashboard endpoints the official CLI lists
//! with (`GET /containers/dash/applications`, `.../{id}/instances`), paged
//! by token, and the instances of the emulated account's applications
//! (placed through the control endpoint `POST /__emulator/instances`, as
//! the platform places them when Durable Objects start containers).

use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::config::Config;
use crate::envelope::{container_fail, fail, ok, Reply};
use crate::state::{Application, Instance, State};

/// The states an instance can be in.
const STATES: &[&str] = &["running", "provisioning", "failed", "stopping", "stopped"];

/// A page of `items` from `page_token` (an index), `per_page` at most,
/// with `result_info.next_page_token` while more follow.
fn token_page(items: Vec<Value>, call: &Call, max_per_page: usize) -> Result<(Vec<Value>, Value), Reply> {
    let start = match call.query.iter().find(|(k, _)| k == "page_token") {
        Some((_, token)) => token.strip_prefix("after-").and_then(|n| n.parse::<usize>().ok()).ok_or_else(|| {
            container_fail(400, "VALIDATE_INPUT", json!({ "page_token": "not a token this API gave" }))
        })?,
        None => 0,
    };
    let per_page = call.number("per_page").unwrap_or(max_per_page).clamp(1, max_per_page);
    let total = items.len();
    let shown: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    let end = start + shown.len();
    let mut info = json!({ "per_page": per_page, "count": shown.len(), "total_count": total });
    if end < total {
        info["next_page_token"] = json!(format!("after-{end}"));
    }
    Ok((shown, info))
}

/// `GET /containers/dash/applications`.
pub fn applications(state: &State, config: &Config, call: &Call) -> Reply {
    let run = || -> Result<Reply, Reply> {
        call.only_query(&["per_page", "page_token"])?;
        let items = state.applications.iter().map(|a| dash_application(state, a)).collect();
        let (shown, info) = token_page(items, call, config.max_per_page)?;
        let mut reply = ok(Value::Array(shown));
        reply.body["result_info"] = info;
        Ok(reply)
    };
    run().unwrap_or_else(|r| r)
}

fn dash_application(state: &State, app: &Application) -> Value {
    let live = state.instances.iter().filter(|i| i.application_id == app.id && i.state != "stopped").count();
    json!({
        "id": app.id, "created_at": app.created_at, "updated_at": app.created_at, "name": app.name,
        "version": app.version, "instances": live, "image": app.configuration["image"], "health": state.health(&app.id),
    })
}

/// `GET /containers/dash/applications/{id}/instances`: the instances, and
/// the Durable Objects they run for, each with its name (when it has one)
/// and the instance it runs on as `deployment_id`: the official CLI joins
/// the two lists by it to show an instance's Durable Object name, which the
/// instance itself does not carry.
pub fn instances(state: &State, config: &Config, id: &str, call: &Call) -> Reply {
    let run = || -> Result<Reply, Reply> {
        call.only_query(&["per_page", "page_token"])?;
        let app = state.applications.iter().find(|a| a.id == id);
        let app = app.ok_or_else(|| container_fail(404, "APPLICATION_NOT_FOUND", json!({ "id": id })))?;
        let ours: Vec<&Instance> = state.instances.iter().filter(|i| i.application_id == id).collect();
        let items = ours.iter().map(|i| i.json(&app.configuration["image"])).collect();
        let (shown, info) = token_page(items, call, config.max_per_page)?;
        let objects: Vec<Value> = shown
            .iter()
            .filter_map(|s| ours.iter().find(|i| s["id"] == i.id.as_str()))
            .map(|i| json!({ "id": i.durable_object_id, "deployment_id": i.id, "placement_id": format!("{}p", &i.id[..63]), "assigned_at": i.created_at, "name": i.name }))
            .collect();
        let mut reply = ok(json!({ "instances": shown, "durable_objects": objects }));
        reply.body["result_info"] = info;
        Ok(reply)
    };
    run().unwrap_or_else(|r| r)
}

/// `POST /__emulator/instances` with `{"application": name or id, "state",
/// "location"?, "name"?}` places an instance (answer: its id); with `"id"`
/// and `"state"` moves one to that state.
pub fn place(state: &mut State, body: &Map<String, Value>) -> Reply {
    let Some(wanted) = body.get("state").and_then(Value::as_str).filter(|s| STATES.contains(s)) else {
        return fail(400, 10021, format!("`state` must be one of {}", STATES.join(", ")));
    };
    if let Some(id) = body.get("id").and_then(Value::as_str) {
        return match state.instances.iter_mut().find(|i| i.id == id) {
            Some(instance) => {
                instance.state = wanted.to_string();
                ok(json!(id))
            }
            None => fail(404, 10021, format!("no instance {id}")),
        };
    }
    let app = body.get("application").and_then(Value::as_str).unwrap_or_default();
    let Some((application_id, version)) =
        state.applications.iter().find(|a| a.id == app || a.name == app).map(|a| (a.id.clone(), a.version))
    else {
        return fail(404, 10021, format!("no application {app}"));
    };
    let id = format!("{}{}", state.id(), state.id());
    let durable_object_id = format!("{}{}", state.id(), state.id());
    let created_at = state.now();
    state.instances.push(Instance {
        id: id.clone(),
        application_id,
        durable_object_id,
        name: body.get("name").and_then(Value::as_str).map(str::to_string),
        state: wanted.to_string(),
        location: body.get("location").and_then(Value::as_str).unwrap_or("sfo06").to_string(),
        created_at,
        app_version: version,
    });
    ok(json!(id))
}
