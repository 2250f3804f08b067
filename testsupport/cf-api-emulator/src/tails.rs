//! Live logs: tails of a Worker (`POST`/`GET`/`DELETE .../tails`), their
//! WebSocket (`trace-v1`, as the real tail host serves it), and the events
//! the emulated Worker makes when it is called (`/__worker/{script}/...`),
//! sent to every tail of that Worker whose filters they pass.
//!
//! The emulated Worker answers every request itself; headers of the
//! request shape what its invocation did, as a real Worker's code would:
//! `x-emulator-console: <level> <message>` (repeatable) a console line,
//! `x-emulator-exception: <Name>: <message>` an uncaught exception,
//! `x-emulator-entrypoint: <Class>` an invocation of that Durable Object
//! class, `x-emulator-status: <n>` the answer's status.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};
use tokio::sync::mpsc::UnboundedSender;

use crate::call::Call;
use crate::envelope::{fail, invalid, ok, Reply};
use crate::state::{State, Tail};

const NO_SUCH_WORKER: (u16, u32, &str) = (404, 10007, "This Worker does not exist on your account.");

/// The outcomes an event can have (the tail API's `outcome` filter values).
const OUTCOMES: &[&str] = &["ok", "canceled", "exception", "exceededCpu", "exceededMemory", "unknown"];

/// `POST /workers/scripts/{name}/tails` with `{"filters": [...]}`.
pub fn create(state: &mut State, base_ws: &str, name: &str, call: &Call) -> Reply {
    let run = |state: &mut State| -> Result<Reply, Reply> {
        call.only_query(&[])?;
        if !state.scripts.contains_key(name) {
            return Err(fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2));
        }
        let body = match call.json_any_type()? {
            Value::Object(body) => body,
            _ => return Err(invalid("the body must be a JSON object")),
        };
        if let Some(key) = body.keys().find(|k| *k != "filters") {
            return Err(invalid(format!("Unexpected field '{key}'")));
        }
        let filters = match body.get("filters") {
            Some(Value::Array(filters)) => filters.clone(),
            _ => return Err(invalid("`filters` (an array) is required")),
        };
        for filter in &filters {
            check_filter(filter)?;
        }
        let id = state.id();
        let expires_at = "2026-12-31T23:59:59Z".to_string();
        let url = format!("{base_ws}/__tail/{id}");
        state.tails.push(Tail {
            id: id.clone(),
            script: name.to_string(),
            filters,
            expires_at: expires_at.clone(),
            socket: None,
            seen: 0,
        });
        Ok(ok(json!({ "id": id, "url": url, "expires_at": expires_at })))
    };
    run(state).unwrap_or_else(|r| r)
}

/// `GET /workers/scripts/{name}/tails`: the Worker's active tails.
pub fn list(state: &State, base_ws: &str, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    if !state.scripts.contains_key(name) {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    }
    let tails: Vec<Value> = state
        .tails
        .iter()
        .filter(|t| t.script == name)
        .map(|t| json!({ "id": t.id, "url": format!("{base_ws}/__tail/{}", t.id), "expires_at": t.expires_at }))
        .collect();
    ok(Value::Array(tails))
}

/// `DELETE /workers/scripts/{name}/tails/{id}`: the tail ends, and its
/// WebSocket closes.
pub fn delete(state: &mut State, name: &str, id: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.tails.iter().position(|t| t.id == id && t.script == name) {
        Some(i) => {
            state.tails.remove(i);
            ok(Value::Null)
        }
        None => fail(404, 10057, format!("Tail {id} not found for Worker {name}")),
    }
}

/// A filter is one object with one known key, of the tail API's shapes.
fn check_filter(filter: &Value) -> Result<(), Reply> {
    let object =
        filter.as_object().filter(|o| o.len() == 1).ok_or_else(|| invalid("each filter is an object with one key"))?;
    let (key, value) = object.iter().next().expect("one key");
    let strings = |v: &Value| v.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string));
    let valid = match key.as_str() {
        "sampling_rate" => value.as_f64().is_some_and(|r| r > 0.0 && r <= 1.0),
        "outcome" => {
            strings(value) && value.as_array().unwrap().iter().all(|o| OUTCOMES.contains(&o.as_str().unwrap()))
        }
        "method" | "client_ip" => strings(value),
        "query" | "scriptVersion" => value.is_string(),
        "header" => value.as_object().is_some_and(|h| {
            h.get("key").is_some_and(Value::is_string)
                && h.keys().all(|k| k == "key" || k == "query")
                && h.get("query").is_none_or(Value::is_string)
        }),
        other => return Err(invalid(format!("unknown filter `{other}`"))),
    };
    match valid {
        true => Ok(()),
        false => Err(invalid(format!("filter `{key}` has an invalid value {value}"))),
    }
}

/// The tail a WebSocket to `/__tail/{id}` is for: registers the socket's
/// queue; `None` if there is no such tail.
pub fn connect(state: &mut State, id: &str, socket: UnboundedSender<String>) -> Option<()> {
    let tail = state.tails.iter_mut().find(|t| t.id == id)?;
    tail.socket = Some(socket);
    Some(())
}

/// Whether the tail `id` still exists.
pub fn exists(state: &State, id: &str) -> bool {
    state.tails.iter().any(|t| t.id == id)
}

/// One call of the emulated Worker `script`: what it answers (status,
/// body), after sending its event to the tails that want it; `None` if
/// there is no such Worker.
pub fn invoke(state: &mut State, script: &str, request: &Invocation) -> Option<(u16, String)> {
    let version = state.scripts.get(script)?.version_id.clone();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let mut logs = Vec::new();
    let mut exceptions = Vec::new();
    let mut headers = Map::new();
    let mut entrypoint = None;
    let mut status = 200;
    for (name, value) in &request.headers {
        match name.as_str() {
            "x-emulator-console" => {
                let (level, message) = value.split_once(' ').unwrap_or(("log", value));
                logs.push(json!({ "message": [message], "level": level, "timestamp": now }));
            }
            "x-emulator-exception" => {
                let (kind, message) = value.split_once(": ").unwrap_or(("Error", value));
                exceptions.push(json!({ "name": kind, "message": message, "timestamp": now }));
            }
            "x-emulator-entrypoint" => entrypoint = Some(value.clone()),
            "x-emulator-status" => status = value.parse().unwrap_or(200),
            "authorization" | "cookie" => {
                headers.insert(name.clone(), json!("REDACTED"));
            }
            _ => {
                headers.insert(name.clone(), json!(value));
            }
        }
    }
    let outcome = if exceptions.is_empty() { "ok" } else { "exception" };
    if !exceptions.is_empty() {
        status = 500;
    }
    let url = format!("https://{script}.cfc-test.workers.dev{}", request.path);
    let mut event = json!({
        "outcome": outcome,
        "scriptName": script,
        "scriptVersion": { "id": version },
        "scriptTags": [],
        "exceptions": exceptions,
        "logs": logs,
        "eventTimestamp": now,
        "wallTime": 1,
        "cpuTime": 0,
        "truncated": false,
        "executionModel": if entrypoint.is_some() { "durableObject" } else { "stateless" },
        "diagnosticsChannelEvents": [],
        "event": {
            "request": { "url": url, "method": request.method, "headers": headers, "cf": { "colo": "SFO", "country": "US" } },
            "response": { "status": status },
        },
    });
    if let Some(class) = entrypoint {
        event["entrypoint"] = json!(class);
        event["durableObjectId"] = json!(format!("{:064x}", now));
    }
    let text = event.to_string();
    for tail in state.tails.iter_mut().filter(|t| t.script == script) {
        tail.seen += 1;
        if passes(&tail.filters, &event, request, tail.seen) {
            if let Some(socket) = &tail.socket {
                let _ = socket.send(text.clone());
            }
        }
    }
    Some((status, format!("{script} {version}\n")))
}

/// A request to the emulated Worker.
pub struct Invocation {
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Lower-case header names.
    pub headers: Vec<(String, String)>,
    pub client_ip: String,
}

/// Whether `event` passes every filter (the `seen`-th event of the tail,
/// for sampling).
fn passes(filters: &[Value], event: &Value, request: &Invocation, seen: u64) -> bool {
    filters.iter().all(|filter| {
        let (key, value) = filter.as_object().and_then(|o| o.iter().next()).expect("checked when created");
        let listed = |wanted: &str| value.as_array().is_some_and(|a| a.iter().any(|v| v.as_str() == Some(wanted)));
        match key.as_str() {
            "sampling_rate" => {
                // Every (1/rate)-th event, so tests see a steady share.
                let every = (1.0 / value.as_f64().unwrap_or(1.0)).round().max(1.0) as u64;
                (seen - 1).is_multiple_of(every)
            }
            "outcome" => listed(event["outcome"].as_str().unwrap_or_default()),
            "method" => value
                .as_array()
                .is_some_and(|a| a.iter().any(|m| m.as_str().is_some_and(|m| m.eq_ignore_ascii_case(&request.method)))),
            "client_ip" => listed(&request.client_ip) || (listed("self") && request.client_ip == "127.0.0.1"),
            "scriptVersion" => event["scriptVersion"]["id"] == *value,
            "query" => {
                let needle = value.as_str().unwrap_or_default();
                let texts = event["logs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|l| l["message"].as_array().cloned().unwrap_or_default());
                let mut found = texts.into_iter().any(|m| m.as_str().is_some_and(|m| m.contains(needle)));
                found |= event["exceptions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|e| e["message"].as_str().is_some_and(|m| m.contains(needle)));
                found
            }
            "header" => {
                let key = value["key"].as_str().unwrap_or_default().to_ascii_lowercase();
                request
                    .headers
                    .iter()
                    .any(|(name, v)| *name == key && value.get("query").is_none_or(|q| q.as_str() == Some(v.as_str())))
            }
            _ => false,
        }
    })
}
