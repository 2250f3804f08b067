//! Workers endpoints: scripts (multipart upload with bindings, migrations
//! and containers), settings, deletion and Durable Object namespaces.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::call::Call;
use crate::config::Config;
use crate::envelope::{fail, invalid, ok, ok_page, Reply};
use crate::multipart;
use crate::state::{Module, Namespace, Script, State, VersionContent};

const NO_SUCH_WORKER: (u16, u32, &str) = (404, 10007, "This Worker does not exist on your account.");

const METADATA_KEYS: &[&str] = &[
    "main_module",
    "compatibility_date",
    "compatibility_flags",
    "bindings",
    "migrations",
    "containers",
    "code_update_strategy",
    "observability",
    "keep_bindings",
    "placement",
    "tags",
    "tail_consumers",
    "logpush",
    "usage_model",
    "limits",
    "assets",
    "annotations",
];

const MODULE_TYPES: &[&str] = &[
    "application/javascript+module",
    "text/javascript",
    "application/javascript",
    "application/wasm",
    "application/json",
    "text/plain",
    "application/octet-stream",
    "application/source-map",
];

/// `GET /workers/scripts`.
pub fn list(state: &State, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    ok(Value::Array(state.scripts.iter().map(|(name, s)| s.list_json(name)).collect()))
}

/// `GET /workers/scripts/{name}/settings`.
pub fn settings(state: &State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.scripts.get(name) {
        Some(script) => {
            let mut settings = script.settings_json(false);
            let bindings = serde_json::from_value(settings["bindings"].take()).unwrap_or_default();
            settings["bindings"] = json!(crate::state::with_namespace_ids(bindings, name, &state.namespaces));
            ok(settings)
        }
        None => fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2),
    }
}

fn check_tags(tags: &[String], field: &str) -> Result<(), Reply> {
    if tags.len() > 8 || tags.iter().any(|t| t.is_empty() || t.len() > 64 || t.contains(',')) {
        return Err(invalid(format!("{field}: at most 8 tags of 1 to 64 characters without commas")));
    }
    Ok(())
}

/// `GET /workers/scripts/{name}/script-settings`: the settings that are not
/// part of a version.
pub fn script_settings(state: &State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.scripts.get(name) {
        Some(script) => ok(script.script_settings_json()),
        None => fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2),
    }
}

/// `PATCH /workers/scripts/{name}/script-settings`.
pub fn patch_script_settings(state: &mut State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let body = match call.json_object() {
        Ok(body) => body,
        Err(r) => return r,
    };
    const KNOWN: &[&str] = &["tags", "logpush", "tail_consumers", "streaming_tail_consumers", "observability"];
    if let Some(unknown) = body.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return invalid(format!("Unexpected field `{unknown}` in script-settings"));
    }
    let Some(script) = state.scripts.get_mut(name) else {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    };
    if let Some(tags) = body.get("tags") {
        let Some(tags) =
            tags.as_array().and_then(|t| t.iter().map(|v| v.as_str().map(str::to_string)).collect::<Option<Vec<_>>>())
        else {
            return invalid("tags must be an array of strings");
        };
        if let Err(reply) = check_tags(&tags, "tags") {
            return reply;
        }
        script.tags = tags;
    }
    if let Some(observability) = body.get("observability") {
        script.observability = Some(observability.clone());
    }
    if let Some(logpush) = body.get("logpush") {
        script.logpush = logpush.as_bool().unwrap_or(false);
    }
    if let Some(tail_consumers) = body.get("tail_consumers") {
        script.tail_consumers = tail_consumers.as_array().cloned().unwrap_or_default();
    }
    ok(script.script_settings_json())
}

/// `GET /workers/scripts/{name}/secrets`: the names and types of the
/// Worker's secrets, never their values (the official CLI 4.164 reads it
/// before each deploy to warn when a variable would replace a secret).
pub fn secrets(state: &State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let Some(script) = state.scripts.get(name) else {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    };
    let listed: Vec<Value> = script
        .content
        .bindings
        .iter()
        .filter(|b| b["type"] == "secret_text")
        .map(|b| json!({ "name": b["name"], "type": b["type"] }))
        .collect();
    ok(Value::Array(listed))
}

/// `GET /workers/workers/{name}`: the Worker as a resource of its own
/// (the official CLI 4.164 reads its workers.dev state here), by name.
pub fn worker(state: &State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let Some(script) = state.scripts.get(name) else {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    };
    let mut worker = script.script_settings_json();
    worker["id"] = json!(crate::routes::stable_id(&format!("worker:{name}")));
    worker["name"] = json!(name);
    worker["created_on"] = json!(script.created_on);
    worker["updated_on"] = json!(script.modified_on);
    worker["subdomain"] = json!({ "enabled": script.workers_dev, "previews_enabled": script.previews_enabled });
    ok(worker)
}

/// `GET /workers/durable_objects/namespaces`.
pub fn namespaces(state: &State, config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["page", "per_page"]) {
        return r;
    }
    let namespaces = state.namespaces.iter().map(Namespace::json).collect();
    ok_page(namespaces, call.number("page"), call.number("per_page"), config.max_per_page)
}

/// The account's workers.dev subdomain.
pub const SUBDOMAIN: &str = "cfc-test";

/// `GET /workers/subdomain`.
pub fn account_subdomain(call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    ok(json!({ "subdomain": SUBDOMAIN }))
}

/// `GET /workers/scripts/{name}/subdomain`.
pub fn script_subdomain(state: &State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.scripts.get(name) {
        Some(s) => ok(json!({ "enabled": s.workers_dev, "previews_enabled": s.previews_enabled })),
        None => fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2),
    }
}

/// `POST /workers/scripts/{name}/subdomain` with `{"enabled": bool,
/// "previews_enabled"?: bool}`; without `previews_enabled`, Preview URLs
/// follow `enabled` (the default the official CLI warns about when its
/// file does not set `preview_urls`).
pub fn set_script_subdomain(state: &mut State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let body: Map<String, Value> = match call.json_object() {
        Ok(body) => body,
        Err(r) => return r,
    };
    if let Some(key) = body.keys().find(|k| *k != "enabled" && *k != "previews_enabled") {
        return invalid(format!("Unexpected field '{key}'"));
    }
    let Some(enabled) = body.get("enabled").and_then(Value::as_bool) else {
        return invalid("`enabled` (bool) is required");
    };
    let previews = match body.get("previews_enabled") {
        None => enabled,
        Some(Value::Bool(previews)) => *previews,
        Some(_) => return invalid("`previews_enabled` must be a bool"),
    };
    match state.scripts.get_mut(name) {
        Some(s) => {
            s.workers_dev = enabled;
            s.previews_enabled = previews;
            ok(json!({ "enabled": enabled, "previews_enabled": previews }))
        }
        None => fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2),
    }
}

/// `DELETE /workers/scripts/{name}`: refused while a container
/// application still uses one of its namespaces.
pub fn delete(state: &mut State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["force"]) {
        return r;
    }
    if !state.scripts.contains_key(name) {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    }
    for ns in state.namespaces.iter().filter(|n| n.script == name) {
        if let Some(app) = state.applications.iter().find(|a| a.namespace_id == ns.id) {
            return fail(400, 10064, format!("cannot delete Worker {name}: class {} is used by container application {} ({}); delete the application first", ns.class, app.name, app.id));
        }
    }
    state.scripts.remove(name);
    // Its Custom Domains and queue consumers go with it.
    state.domains.retain(|d| d.service != name);
    state.consumers.retain(|c| c.script != name);
    state.namespaces.retain(|n| n.script != name);
    ok(Value::Null)
}

/// `PUT /workers/scripts/{name}`: multipart metadata plus modules, a new
/// version deployed to all traffic at once.
pub fn upload(state: &mut State, name: &str, call: &Call) -> Reply {
    match try_upload(state, name, call, true) {
        Ok(reply) | Err(reply) => reply,
    }
}

/// Uploads a version of `name`; with `deploy`, it takes all traffic.
pub(crate) fn try_upload(state: &mut State, name: &str, call: &Call, deploy: bool) -> Result<Reply, Reply> {
    // The official CLI's: leave the script out of the answer; bindings
    // marked `inherit` must exist.
    call.only_query(&["excludeScript", "bindings_inherit"])?;
    let parts = multipart::parse(call.content_type.as_deref(), &call.body).map_err(invalid)?;
    let metadata_part =
        parts.iter().find(|p| p.name == "metadata").ok_or_else(|| invalid("missing the `metadata` part"))?;
    let metadata: Map<String, Value> = match serde_json::from_slice(&metadata_part.data) {
        Ok(Value::Object(m)) => m,
        _ => return Err(invalid("the `metadata` part is not a JSON object")),
    };
    if let Some(key) = metadata.keys().find(|k| !METADATA_KEYS.contains(&k.as_str())) {
        return Err(invalid(format!("Unexpected field '{key}' in metadata")));
    }
    let main_module = metadata
        .get("main_module")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("metadata.main_module is required"))?;
    let mut modules = Vec::new();
    let mut hasher = Sha256::new();
    for part in parts.iter().filter(|p| p.name != "metadata") {
        let content_type =
            part.content_type.clone().ok_or_else(|| invalid(format!("module `{}` has no Content-Type", part.name)))?;
        if !MODULE_TYPES.contains(&content_type.as_str()) {
            return Err(invalid(format!("module `{}` has unsupported Content-Type {content_type}", part.name)));
        }
        if part.filename.as_deref() != Some(part.name.as_str()) {
            return Err(invalid(format!("module part `{}` must carry filename=\"{}\"", part.name, part.name)));
        }
        hasher.update(part.name.as_bytes());
        hasher.update([0]);
        hasher.update(content_type.as_bytes());
        hasher.update([0]);
        hasher.update(&part.data);
        modules.push(Module { name: part.name.clone(), content_type, size: part.data.len() });
    }
    let main = modules
        .iter()
        .find(|m| m.name == main_module)
        .ok_or_else(|| invalid(format!("main_module `{main_module}` is not one of the uploaded modules")))?;
    if main.content_type != "application/javascript+module" {
        return Err(invalid(format!("main_module `{main_module}` must be application/javascript+module")));
    }
    let compatibility_date = optional_string(&metadata, "compatibility_date")?;
    if let Some(date) = &compatibility_date {
        let valid = date.len() == 10
            && date.chars().enumerate().all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() });
        if !valid {
            return Err(invalid(format!("compatibility_date `{date}` is not YYYY-MM-DD")));
        }
    }
    let compatibility_flags = string_list(&metadata, "compatibility_flags")?;
    let keep_bindings = string_list(&metadata, "keep_bindings")?;
    if let Some(strategy) = metadata.get("code_update_strategy") {
        crate::code_update::check(strategy, "metadata.code_update_strategy")?;
    }
    let mut annotations = uploaded_annotations(metadata.get("annotations"))?;
    // Accepted, but not kept: tags are set through script-settings (the
    // endpoint the official CLI uses), the strictest reading of the API.
    check_tags(&string_list(&metadata, "tags")?, "metadata.tags")?;
    let tags = state.scripts.get(name).map(|s| s.tags.clone()).unwrap_or_default();
    let existing =
        state.scripts.get(name).map(|s| (s.content.bindings.clone(), s.migration_tag.clone(), s.created_on.clone()));
    let mut bindings = metadata.get("bindings").cloned().unwrap_or(json!([]));
    let Value::Array(list) = &mut bindings else { return Err(invalid("metadata.bindings must be an array")) };
    for binding in list.iter() {
        check_binding(binding)?;
    }
    if let Some((existing_bindings, ..)) = &existing {
        for kept in existing_bindings.iter().filter(|b| keep_bindings.iter().any(|t| b["type"] == t.as_str())) {
            if !list.iter().any(|b| b["name"] == kept["name"]) {
                list.push(kept.clone());
            }
        }
    }
    let mut names = BTreeSet::new();
    if let Some(dup) = list.iter().filter_map(|b| b["name"].as_str()).find(|n| !names.insert(*n)) {
        return Err(invalid(format!("binding name `{dup}` is used twice")));
    }
    let list = list.clone();

    // Migrations against the script's current tag.
    let mut namespaces: Vec<Namespace> = state.namespaces.clone();
    let mut migration_tag = existing.as_ref().and_then(|(_, tag, _)| tag.clone());
    if let Some(migrations) = metadata.get("migrations") {
        migration_tag = Some(apply_migrations(state, name, migrations, migration_tag.as_deref(), &mut namespaces)?);
    }
    // Bindings to this script's classes need their namespace.
    for b in list.iter().filter(|b| b["type"] == "durable_object_namespace") {
        let other_script = b.get("script_name").and_then(Value::as_str).filter(|s| *s != name);
        let class = b["class_name"].as_str().unwrap_or_default();
        let known = match other_script {
            Some(script) => namespaces.iter().any(|n| n.script == script && n.class == class),
            None => namespaces.iter().any(|n| n.script == name && n.class == class),
        };
        if !known {
            return Err(fail(400, 10061, format!("Cannot create binding for class '{class}' because it is not currently configured to implement Durable Objects. Did you forget to apply a Durable Object migration?")));
        }
    }
    let mut containers = Vec::new();
    if let Some(entries) = metadata.get("containers") {
        let entries = entries.as_array().ok_or_else(|| invalid("metadata.containers must be an array"))?;
        for entry in entries {
            let object =
                entry.as_object().ok_or_else(|| invalid("each metadata.containers entry must be an object"))?;
            // `name` (the official CLI 4.164 sends the container's
            // application name) links it by name to an `exports` entry.
            if let Some(key) = object.keys().find(|k| *k != "class_name" && *k != "name") {
                return Err(invalid(format!("Unexpected field '{key}' in metadata.containers")));
            }
            let class = object
                .get("class_name")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("metadata.containers[].class_name is required"))?;
            match object.get("name") {
                None => {}
                Some(Value::String(n)) if !n.is_empty() => {}
                Some(_) => return Err(invalid("metadata.containers[].name must be a non-empty string")),
            }
            match namespaces.iter().find(|n| n.script == name && n.class == class) {
                Some(ns) if ns.use_sqlite => containers.push(entry.clone()),
                Some(_) => {
                    return Err(invalid(format!(
                        "container class {class} must be a SQLite-backed Durable Object (use new_sqlite_classes)"
                    )))
                }
                None => {
                    return Err(invalid(format!("container class {class} is not a Durable Object class of {name}")))
                }
            }
        }
    }
    // Classes removed while a container application still uses them.
    for gone in state.namespaces.iter().filter(|n| !namespaces.iter().any(|m| m.id == n.id)) {
        if let Some(app) = state.applications.iter().find(|a| a.namespace_id == gone.id) {
            return Err(fail(
                400,
                10064,
                format!(
                    "cannot delete class {}: container application {} uses it; delete the application first",
                    gone.class, app.name
                ),
            ));
        }
    }

    let etag = hex::encode(hasher.finalize());
    let now = state.now();
    let version_id = state.uuid();
    let workers_dev = state.scripts.get(name).is_some_and(|s| s.workers_dev);
    let previews_enabled = state.scripts.get(name).is_some_and(|s| s.previews_enabled);
    let existing_schedules = state.scripts.get(name).map(|s| s.schedules.clone()).unwrap_or_default();
    let existing_routes = state.scripts.get(name).map(|s| s.routes.clone()).unwrap_or_default();
    let created_on = existing.map(|(.., created)| created).unwrap_or_else(|| now.clone());
    // Last: a completion token is used up by the upload that takes it.
    let assets = metadata.get("assets").map(|a| crate::assets::take_for_upload(state, name, a)).transpose()?;
    let source = if call.is_official_cli() { "wrangler" } else { "api" };
    let triggered_by = if deploy { "upload" } else { "version_upload" };
    annotations.insert("workers/triggered_by".into(), json!(triggered_by));
    let uploaded = Script {
        content: VersionContent {
            etag,
            main_module: main_module.to_string(),
            modules,
            compatibility_date,
            compatibility_flags,
            bindings: list,
            containers,
            placement: metadata.get("placement").cloned(),
            limits: metadata.get("limits").cloned(),
            assets,
            upload: Value::Object(
                metadata
                    .iter()
                    .filter(|(k, _)| !["bindings", "migrations", "annotations", "assets"].contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
        },
        migration_tag,
        observability: metadata.get("observability").cloned(),
        logpush: metadata.get("logpush").and_then(Value::as_bool).unwrap_or(false),
        tail_consumers: metadata.get("tail_consumers").and_then(Value::as_array).cloned().unwrap_or_default(),
        // A new upload keeps the Worker's Cron Triggers and routes.
        schedules: existing_schedules,
        routes: existing_routes,
        tags,
        workers_dev,
        previews_enabled,
        created_on,
        modified_on: now.clone(),
        version_id: version_id.clone(),
        versions: Vec::new(),
        deployments: Vec::new(),
    };
    let number = state.scripts.get(name).map(|s| s.versions.len() as u64).unwrap_or(0) + 1;
    let version = crate::state::Version {
        id: version_id.clone(),
        number,
        created_on: now.clone(),
        source: source.into(),
        annotations,
        content: uploaded.content.clone(),
    };
    let mut result = uploaded.list_json(name);
    result["deployment_id"] = json!(version_id);
    result["startup_time_ms"] = json!(1);
    result["main_module"] = json!(uploaded.content.main_module);
    state.namespaces = namespaces;
    let mut script = match state.scripts.remove(name) {
        // A version that is not deployed leaves what runs as it was.
        Some(previous) if !deploy => previous,
        Some(previous) => Script { versions: previous.versions, deployments: previous.deployments, ..uploaded },
        None => uploaded,
    };
    script.versions.push(version);
    if deploy {
        let id = state.uuid();
        let annotations = [("workers/triggered_by".to_string(), json!("upload"))].into_iter().collect();
        script.deployments.push(crate::state::Deployment {
            id,
            created_on: now,
            source: source.into(),
            annotations,
            versions: vec![(version_id.clone(), 100)],
        });
    }
    state.scripts.insert(name.to_string(), script);
    Ok(ok(result))
}

/// The longest `workers/message` and `workers/tag` the API takes.
const MAX_ANNOTATION: usize = 100;

/// The annotations an upload may carry (`metadata.annotations`):
/// `workers/message` and `workers/tag`, strings of at most 100 bytes.
pub fn uploaded_annotations(value: Option<&Value>) -> Result<Map<String, Value>, Reply> {
    let Some(value) = value else { return Ok(Map::new()) };
    let object = value.as_object().ok_or_else(|| invalid("metadata.annotations must be an object"))?;
    annotations(object, &["workers/message", "workers/tag"], "metadata.annotations")
}

pub(crate) fn annotations(
    object: &Map<String, Value>,
    allowed: &[&str],
    at: &str,
) -> Result<Map<String, Value>, Reply> {
    for (key, value) in object {
        if !allowed.contains(&key.as_str()) {
            return Err(invalid(format!("Unexpected field '{key}' in {at}")));
        }
        let text = value.as_str().ok_or_else(|| invalid(format!("{at}.{key} must be a string")))?;
        if text.len() > MAX_ANNOTATION {
            return Err(invalid(format!("{at}.{key} is longer than {MAX_ANNOTATION} bytes")));
        }
    }
    Ok(object.clone())
}

fn check_binding(binding: &Value) -> Result<(), Reply> {
    let object = binding.as_object().ok_or_else(|| invalid("each binding must be an object"))?;
    let kind = object.get("type").and_then(Value::as_str).ok_or_else(|| invalid("binding without `type`"))?;
    let name =
        object.get("name").and_then(Value::as_str).ok_or_else(|| invalid(format!("{kind} binding without `name`")))?;
    let (required, optional): (&[&str], &[&str]) = match kind {
        "durable_object_namespace" => (&["class_name"], &["script_name", "environment"]),
        "plain_text" | "secret_text" => (&["text"], &[]),
        "json" => (&["json"], &[]),
        // The fields wrangler 4.86 sends for each kind (createWorkerUploadForm).
        "kv_namespace" => (&["namespace_id"], &["raw"]),
        "r2_bucket" => (&["bucket_name"], &["jurisdiction", "raw"]),
        "d1" => (&["id"], &["internalEnv", "raw"]),
        "service" => (&["service"], &["environment", "entrypoint", "props", "cross_account_grant"]),
        "queue" => (&["queue_name"], &["delivery_delay", "raw"]),
        "analytics_engine" => (&[], &["dataset"]),
        "ai" => (&[], &["staging", "raw"]),
        "vectorize" => (&["index_name"], &["raw"]),
        "hyperdrive" => (&["id"], &[]),
        "version_metadata" => (&[], &[]),
        "browser" => (&[], &["raw"]),
        "send_email" => (&[], &["destination_address", "allowed_destination_addresses", "allowed_sender_addresses"]),
        "mtls_certificate" => (&["certificate_id"], &[]),
        "dispatch_namespace" => (&["namespace"], &["outbound"]),
        "workflow" => (&["workflow_name", "class_name"], &["script_name", "raw"]),
        "secrets_store_secret" => (&["store_id", "secret_name"], &[]),
        "assets" => (&[], &[]),
        other => return Err(invalid(format!("binding `{name}` has unsupported type `{other}`"))),
    };
    for key in required {
        if !object.contains_key(*key) {
            return Err(invalid(format!("{kind} binding `{name}` is missing `{key}`")));
        }
    }
    if let Some(key) = object.keys().find(|k| {
        !["type", "name"].contains(&k.as_str()) && !required.contains(&k.as_str()) && !optional.contains(&k.as_str())
    }) {
        return Err(invalid(format!("Unexpected field '{key}' in {kind} binding `{name}`")));
    }
    Ok(())
}

/// Checks `old_tag` and applies each step; returns the new tag.
fn apply_migrations(
    state: &mut State,
    script: &str,
    migrations: &Value,
    current: Option<&str>,
    namespaces: &mut Vec<Namespace>,
) -> Result<String, Reply> {
    let object = migrations.as_object().ok_or_else(|| invalid("metadata.migrations must be an object"))?;
    const STEP_KEYS: &[&str] = &["new_classes", "new_sqlite_classes", "renamed_classes", "deleted_classes"];
    if let Some(key) = object
        .keys()
        .find(|k| !["old_tag", "new_tag", "steps"].contains(&k.as_str()) && !STEP_KEYS.contains(&k.as_str()))
    {
        return Err(invalid(format!("Unexpected field '{key}' in metadata.migrations")));
    }
    let old_tag = object.get("old_tag").and_then(Value::as_str);
    if old_tag != current {
        let expected = match current {
            Some(tag) => format!("expected tag is '{tag}'"),
            None => "the script has no migration tag yet; omit old_tag".to_string(),
        };
        return Err(fail(412, 10079, format!("Migration tag precondition failed; {expected}")));
    }
    let new_tag = object
        .get("new_tag")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("metadata.migrations.new_tag is required"))?;
    if Some(new_tag) == current {
        return Err(invalid(format!("migrations.new_tag `{new_tag}` equals the current tag")));
    }
    let steps: Vec<Value> = match object.get("steps") {
        Some(Value::Array(steps)) => steps.clone(),
        Some(_) => return Err(invalid("metadata.migrations.steps must be an array")),
        None => vec![Value::Object(
            object
                .iter()
                .filter(|(k, _)| STEP_KEYS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )],
    };
    for step in &steps {
        let step = step.as_object().ok_or_else(|| invalid("each migration step must be an object"))?;
        if let Some(key) = step.keys().find(|k| !STEP_KEYS.contains(&k.as_str())) {
            return Err(invalid(format!("Unexpected field '{key}' in a migration step")));
        }
        for (key, sqlite) in [("new_classes", false), ("new_sqlite_classes", true)] {
            for class in class_list(step.get(key), key)? {
                if namespaces.iter().any(|n| n.script == script && n.class == class) {
                    return Err(fail(
                        400,
                        10074,
                        format!("Cannot apply new-class migration to class '{class}' that is already depended on"),
                    ));
                }
                namespaces.push(Namespace { id: state.id(), script: script.to_string(), class, use_sqlite: sqlite });
            }
        }
        for rename in step.get("renamed_classes").and_then(Value::as_array).into_iter().flatten() {
            let (from, to) = (rename["from"].as_str(), rename["to"].as_str());
            let (Some(from), Some(to)) = (from, to) else {
                return Err(invalid("renamed_classes entries need `from` and `to`"));
            };
            if namespaces.iter().any(|n| n.script == script && n.class == to) {
                return Err(fail(400, 10074, format!("Cannot rename class '{from}' to '{to}': '{to}' already exists")));
            }
            let ns = namespaces.iter_mut().find(|n| n.script == script && n.class == from);
            ns.ok_or_else(|| {
                fail(400, 10074, format!("Cannot rename class '{from}': no such Durable Object class"))
            })?
            .class = to.to_string();
        }
        for class in class_list(step.get("deleted_classes"), "deleted_classes")? {
            let before = namespaces.len();
            namespaces.retain(|n| !(n.script == script && n.class == class));
            if namespaces.len() == before {
                return Err(fail(400, 10074, format!("Cannot delete class '{class}': no such Durable Object class")));
            }
        }
    }
    Ok(new_tag.to_string())
}

fn class_list(value: Option<&Value>, key: &str) -> Result<Vec<String>, Reply> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| invalid(format!("migrations {key} must list class names")))
            })
            .collect(),
        Some(_) => Err(invalid(format!("migrations {key} must be an array"))),
    }
}

fn optional_string(metadata: &Map<String, Value>, key: &str) -> Result<Option<String>, Reply> {
    match metadata.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("metadata.{key} must be a string"))),
    }
}

fn string_list(metadata: &Map<String, Value>, key: &str) -> Result<Vec<String>, Reply> {
    class_list(metadata.get(key), key).map_err(|_| invalid(format!("metadata.{key} must be an array of strings")))
}

/// `GET /workers/services/{name}`: the Worker as a service (the official
/// CLI reads it first to see whether the Worker exists).
pub fn service(state: &State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.scripts.get(name) {
        Some(script) => {
            let mut service = json!({
                "id": name,
                "default_environment": {
                    "environment": "production",
                    "script": { "id": name, "tag": script.content.etag, "tags": script.tags, "last_deployed_from": "wrangler" },
                },
            });
            // The official CLI 4.164 reads the tag its migrations start
            // from here (4.86 read it from the scripts list).
            if let Some(tag) = &script.migration_tag {
                service["default_environment"]["script"]["migration_tag"] = json!(tag);
            }
            ok(service)
        }
        None => fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2),
    }
}
