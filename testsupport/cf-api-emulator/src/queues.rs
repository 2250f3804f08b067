//! Queues and their consumers (`GET /queues` with `?name=`, `POST
//! /queues/{id}/consumers`, `PUT /queues/{id}/consumers/{consumer}`), R2
//! buckets (`GET /r2/buckets/{name}`) and dispatch namespaces (`GET
//! /workers/dispatch/namespaces`). The account's queues, buckets and
//! dispatch namespaces come from the config; a consumer's body is checked
//! field by field, and its Worker must exist.

use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::config::Config;
use crate::envelope::{fail, invalid, ok, ok_page, Reply};
use crate::state::{Consumer, State};

/// A queue's id: stable for its name.
pub fn queue_id(name: &str) -> String {
    crate::routes::zone_id(&format!("queue:{name}"))
}

fn queue_json(state: &State, name: &str) -> Value {
    let consumers: Vec<Value> = state.consumers.iter().filter(|c| c.queue == name).map(Consumer::json).collect();
    json!({ "queue_id": queue_id(name), "queue_name": name, "consumers": consumers, "producers": [] })
}

/// `GET /queues`.
pub fn list(state: &State, config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["name", "page", "per_page"]) {
        return r;
    }
    let names: Vec<&str> = call.query.iter().filter(|(k, _)| k == "name").map(|(_, v)| v.as_str()).collect();
    let listed: Vec<Value> = config
        .queues
        .iter()
        .filter(|q| names.is_empty() || names.contains(&q.as_str()))
        .map(|q| queue_json(state, q))
        .collect();
    ok_page(listed, call.number("page"), call.number("per_page"), config.max_per_page)
}

/// What a consumer body sets.
struct Parts {
    script: String,
    settings: Map<String, Value>,
    dead_letter_queue: Option<String>,
}

/// The consumer body: `type` `worker`, `script_name` an existing Worker,
/// known `settings`, an optional `dead_letter_queue`.
fn body(state: &State, call: &Call) -> Result<Parts, Reply> {
    // No Content-Type check: the official CLI sends this body without one,
    // and the API takes it.
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&call.body) else {
        return Err(invalid("the body must be a JSON object"));
    };
    if let Some(key) =
        body.keys().find(|k| !["type", "script_name", "settings", "dead_letter_queue"].contains(&k.as_str()))
    {
        return Err(invalid(format!("Unexpected field '{key}'")));
    }
    if body.get("type").and_then(Value::as_str) != Some("worker") {
        return Err(invalid("`type` must be \"worker\""));
    }
    let script = body.get("script_name").and_then(Value::as_str).ok_or_else(|| invalid("`script_name` is required"))?;
    if !state.scripts.contains_key(script) {
        return Err(fail(404, 10007, "This Worker does not exist on your account."));
    }
    let settings = body.get("settings").and_then(Value::as_object).cloned().unwrap_or_default();
    const SETTINGS: &[&str] = &["batch_size", "max_retries", "max_wait_time_ms", "max_concurrency", "retry_delay"];
    if let Some(key) = settings.keys().find(|k| !SETTINGS.contains(&k.as_str())) {
        return Err(invalid(format!("Unexpected field '{key}' in settings")));
    }
    let dlq = body.get("dead_letter_queue").and_then(Value::as_str).map(str::to_string);
    Ok(Parts { script: script.to_string(), settings, dead_letter_queue: dlq })
}

/// The queue of `id`, by name.
fn queue_named<'a>(config: &'a Config, id: &str) -> Option<&'a String> {
    config.queues.iter().find(|q| queue_id(q) == id)
}

/// `POST /queues/{id}/consumers`.
pub fn add_consumer(state: &mut State, config: &Config, id: &str, call: &Call) -> Reply {
    let Some(queue) = queue_named(config, id) else { return fail(404, 11000, "Queue does not exist") };
    let Parts { script, settings, dead_letter_queue } = match body(state, call) {
        Ok(parts) => parts,
        Err(r) => return r,
    };
    if state.consumers.iter().any(|c| &c.queue == queue && c.script == script) {
        return fail(409, 11004, format!("Worker {script} is already a consumer of queue {queue}"));
    }
    let consumer_id = state.id();
    let consumer = Consumer { consumer_id, queue: queue.clone(), script, settings, dead_letter_queue };
    let reply = consumer.json();
    state.consumers.push(consumer);
    ok(reply)
}

/// `PUT /queues/{id}/consumers/{consumer}`.
pub fn update_consumer(state: &mut State, config: &Config, id: &str, consumer_id: &str, call: &Call) -> Reply {
    let Some(queue) = queue_named(config, id) else { return fail(404, 11000, "Queue does not exist") };
    let Parts { script, settings, dead_letter_queue } = match body(state, call) {
        Ok(parts) => parts,
        Err(r) => return r,
    };
    let Some(consumer) = state.consumers.iter_mut().find(|c| c.consumer_id == consumer_id && &c.queue == queue) else {
        return fail(404, 11005, "Consumer does not exist");
    };
    (consumer.script, consumer.settings, consumer.dead_letter_queue) = (script, settings, dead_letter_queue);
    ok(consumer.json())
}

/// `GET /r2/buckets/{name}`: a bucket of the account (the official CLI
/// looks each R2 binding's bucket up before it uploads).
pub fn r2_bucket(config: &Config, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match config.r2_buckets.iter().any(|b| b == name) {
        true => ok(json!({ "name": name, "creation_date": "2026-01-01T00:00:00Z", "location": "weur" })),
        false => fail(404, 10006, "The specified bucket does not exist."),
    }
}

/// `GET /workers/dispatch/namespaces`: the account's dispatch namespaces
/// (the official CLI 4.164 looks a binding's namespace up there before
/// it uploads, to create it when missing).
pub fn dispatch_namespaces(config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["page", "per_page"]) {
        return r;
    }
    let listed: Vec<Value> = config
        .dispatch_namespaces
        .iter()
        .map(|name| {
            json!({
                "namespace_id": crate::routes::stable_id(&format!("dispatch:{name}")),
                "namespace_name": name,
                "created_on": "2026-01-01T00:00:00.000000Z",
                "modified_on": "2026-01-01T00:00:00.000000Z",
                "script_count": 0,
                "trusted_workers": false,
            })
        })
        .collect();
    ok_page(listed, call.number("page"), call.number("per_page"), config.max_per_page)
}
