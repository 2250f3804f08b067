//! The account's named resources a Worker binds (KV namespaces, R2
//! buckets, D1 databases, Vectorize indexes, Hyperdrive configs; queues
//! and zones have modules of their own, other Workers are the scripts),
//! their list endpoints, paged as the real API pages them, and the
//! refusal of an upload that binds one the account does not hold, with
//! the code the API answers for each kind.

use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::config::Config;
use crate::envelope::{fail, ok, ok_page, Reply};
use crate::state::State;

/// `GET /storage/kv/namespaces`.
pub fn kv_namespaces(config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["page", "per_page", "order", "direction"]) {
        return r;
    }
    let items = config
        .kv_namespaces
        .iter()
        .map(|(id, title)| json!({ "id": id, "title": title, "supports_url_encoding": true }))
        .collect();
    ok_page(items, call.number("page"), call.number("per_page"), config.max_per_page)
}

/// `GET /r2/buckets`: `{ buckets }`, paged by an opaque `cursor`.
pub fn r2_buckets(config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["per_page", "cursor", "name_contains", "start_after", "order", "direction"]) {
        return r;
    }
    let per_page = call.number("per_page").unwrap_or(config.max_per_page).clamp(1, config.max_per_page.max(1));
    let start = match call.query.iter().find(|(k, _)| k == "cursor") {
        Some((_, cursor)) => match cursor.strip_prefix("after-").and_then(|n| n.parse::<usize>().ok()) {
            Some(start) => start,
            None => return fail(400, 10040, "The provided cursor is invalid"),
        },
        None => 0,
    };
    let page: Vec<Value> = config
        .r2_buckets
        .iter()
        .skip(start)
        .take(per_page)
        .map(|name| json!({ "name": name, "creation_date": "2026-01-01T00:00:00Z", "location": "weur" }))
        .collect();
    let next = start + page.len();
    let mut reply = ok(json!({ "buckets": page }));
    let cursor = if next < config.r2_buckets.len() { json!(format!("after-{next}")) } else { json!("") };
    reply.body["result_info"] = json!({ "cursor": cursor, "per_page": per_page });
    reply
}

/// `GET /d1/database`.
pub fn d1_databases(config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["page", "per_page", "name"]) {
        return r;
    }
    let name = call.query.iter().find(|(k, _)| k == "name").map(|(_, v)| v.as_str());
    let items = config
        .d1_databases
        .iter()
        .filter(|(_, n)| name.is_none_or(|wanted| wanted == n))
        .map(|(uuid, name)| {
            json!({ "uuid": uuid, "name": name, "version": "production", "created_at": "2026-01-01T00:00:00Z" })
        })
        .collect();
    ok_page(items, call.number("page"), call.number("per_page"), config.max_per_page)
}

/// `GET /vectorize/v2/indexes` (one list, unpaged).
pub fn vectorize_indexes(config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    ok(Value::Array(
        config
            .vectorize_indexes
            .iter()
            .map(|name| {
                json!({ "name": name, "description": "", "config": { "dimensions": 768, "metric": "cosine" },
                    "created_on": "2026-01-01T00:00:00Z", "modified_on": "2026-01-01T00:00:00Z" })
            })
            .collect(),
    ))
}

/// `GET /hyperdrive/configs` (one list, unpaged).
pub fn hyperdrive_configs(config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    ok(Value::Array(
        config
            .hyperdrive_configs
            .iter()
            .map(|(id, name)| {
                json!({ "id": id, "name": name,
                    "origin": { "host": "db.example.com", "port": 5432, "database": "app", "scheme": "postgres", "user": "app" } })
            })
            .collect(),
    ))
}

/// The answer to an upload of Worker `script` (`PUT .../scripts/{name}`
/// or `POST .../versions`) that binds a resource the account does not
/// hold, as the API refuses it (each kind its own code); `None` when
/// every bound resource is there, or the upload is malformed (its own
/// checks say how).
pub fn refuse_unheld(config: &Config, state: &State, script: &str, call: &Call) -> Option<Reply> {
    let parts = crate::multipart::parse(call.content_type.as_deref(), &call.body).ok()?;
    let metadata: Map<String, Value> =
        serde_json::from_slice(&parts.iter().find(|p| p.name == "metadata")?.data).ok()?;
    let bindings = metadata.get("bindings")?.as_array()?;
    bindings.iter().filter_map(Value::as_object).find_map(|b| unheld(config, state, script, b))
}

fn unheld(config: &Config, state: &State, script: &str, binding: &Map<String, Value>) -> Option<Reply> {
    let field = |key: &str| binding.get(key).and_then(Value::as_str).unwrap_or_default();
    let name = field("name");
    match field("type") {
        "kv_namespace" if !config.kv_namespaces.iter().any(|(id, _)| id == field("namespace_id")) => Some(fail(
            400,
            10041,
            format!(
                "KV namespace '{}' is not valid. Please verify the namespace_id in your configuration.",
                field("namespace_id")
            ),
        )),
        "r2_bucket" if !config.r2_buckets.iter().any(|b| b == field("bucket_name")) => Some(fail(
            400,
            10085,
            format!("R2 bucket '{}' not found. Please use a different name and try again.", field("bucket_name")),
        )),
        "d1" if !config.d1_databases.iter().any(|(uuid, _)| uuid == field("id")) => Some(fail(
            400,
            10181,
            format!("D1 binding '{name}' references database '{}' which was not found. Verify the database exists in your account and that the database_id in your configuration is correct.", field("id")),
        )),
        "queue" if !config.queues.iter().any(|q| q == field("queue_name")) => {
            Some(fail(400, 11000, format!("Queue '{}' does not exist", field("queue_name"))))
        }
        "vectorize" if !config.vectorize_indexes.iter().any(|i| i == field("index_name")) => Some(fail(
            400,
            10159,
            format!("Vectorize binding '{name}' references index '{}' which was not found.", field("index_name")),
        )),
        "hyperdrive" if !config.hyperdrive_configs.iter().any(|(id, _)| id == field("id")) => Some(fail(
            400,
            10157,
            format!("Hyperdrive binding '{name}' references config '{}' which was not found.", field("id")),
        )),
        "service" if field("service") != script && !state.scripts.contains_key(field("service")) => Some(fail(
            400,
            10144,
            format!("Service binding '{name}' references Worker '{}' which was not found.", field("service")),
        )),
        _ => None,
    }
}
