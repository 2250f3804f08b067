//! A Worker's Cron Triggers: `GET` and `PUT /workers/scripts/{name}/schedules`
//! (the PUT replaces them all, with a JSON array of `{"cron": "..."}`).

use serde_json::{json, Value};

use crate::call::Call;
use crate::envelope::{fail, invalid, ok, Reply};
use crate::state::State;

const NO_SUCH_WORKER: (u16, u32, &str) = (404, 10007, "This Worker does not exist on your account.");

/// `GET /workers/scripts/{name}/schedules`.
pub fn get(state: &State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.scripts.get(name) {
        Some(script) => ok(json!({ "schedules": script.schedules })),
        None => fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2),
    }
}

/// `PUT /workers/scripts/{name}/schedules`.
pub fn put(state: &mut State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let entries = match call.json() {
        Ok(Value::Array(entries)) => entries,
        Ok(_) => return invalid("the body must be a JSON array of {\"cron\": \"...\"}"),
        Err(r) => return r,
    };
    let mut crons = Vec::new();
    for entry in &entries {
        let Some(object) = entry.as_object() else { return invalid("each schedule must be an object") };
        if let Some(key) = object.keys().find(|k| *k != "cron") {
            return invalid(format!("Unexpected field '{key}' in a schedule"));
        }
        let Some(cron) = object.get("cron").and_then(Value::as_str) else { return invalid("`cron` is required") };
        if !looks_like_cron(cron) {
            return fail(400, 10100, format!("Invalid cron expression: {cron}"));
        }
        crons.push(cron.to_string());
    }
    let now = state.now();
    let Some(script) = state.scripts.get_mut(name) else {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    };
    script.schedules =
        crons.iter().map(|cron| json!({ "cron": cron, "created_on": now, "modified_on": now })).collect();
    ok(json!({ "schedules": script.schedules }))
}

/// Five fields of digits, names and `* , - / L W #`: the shape Cloudflare
/// accepts (its own parser decides the rest).
fn looks_like_cron(cron: &str) -> bool {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    fields.len() == 5 && fields.iter().all(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || "*,-/?LW#".contains(c)))
}
