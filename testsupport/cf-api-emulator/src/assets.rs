//! Static assets: the upload session (`POST
//! /workers/scripts/{name}/assets-upload-session` with the manifest), the
//! bucket uploads (`POST /workers/assets/upload?base64=true`, authorized by
//! the session's token, not the API token), and the completion token the
//! script upload's `metadata.assets.jwt` must carry. As strict as the rest:
//! each file's hash is checked against its content (blake3 of the base64
//! content and the extension, 32 hex digits, as the official CLI computes
//! it), and a completion token is good for one upload of its own script.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::envelope::{fail, invalid, ok, Reply};
use crate::multipart;
use crate::state::{AssetCompletion as Completion, AssetSession as Session, State};

/// Files per bucket the session asks for: small, so that uploads of
/// several buckets are exercised.
const BUCKET_SIZE: usize = 2;

/// A JWT-shaped token (the official CLI decodes the payload's `exp`).
fn token(kind: &str, id: u64) -> String {
    let b64 = |text: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
    format!(
        "{}.{}.{}",
        b64(r#"{"alg":"HS256","typ":"JWT"}"#.into()),
        b64(format!(r#"{{"kind":"{kind}","id":{id},"exp":4102444800}}"#)),
        b64(format!("emulator-{kind}-{id}"))
    )
}

/// `POST /workers/scripts/{name}/assets-upload-session`.
pub fn start_session(state: &mut State, script: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let body: Map<String, Value> = match call.json_object() {
        Ok(body) => body,
        Err(r) => return r,
    };
    if let Some(key) = body.keys().find(|k| *k != "manifest") {
        return invalid(format!("Unexpected field '{key}'"));
    }
    let Some(Value::Object(entries)) = body.get("manifest") else { return invalid("`manifest` (object) is required") };
    let mut manifest = BTreeMap::new();
    for (path, entry) in entries {
        if !path.starts_with('/') {
            return invalid(format!("manifest path `{path}` must start with /"));
        }
        let Some(entry) = entry.as_object() else {
            return invalid(format!("manifest entry `{path}` must be an object"));
        };
        if let Some(key) = entry.keys().find(|k| *k != "hash" && *k != "size") {
            return invalid(format!("Unexpected field '{key}' in manifest entry `{path}`"));
        }
        let hash = entry.get("hash").and_then(Value::as_str).unwrap_or_default();
        if hash.len() != 32 || !hash.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
            return invalid(format!("manifest entry `{path}`: `hash` must be 32 lowercase hex digits"));
        }
        let Some(size) = entry.get("size").and_then(Value::as_u64) else {
            return invalid(format!("manifest entry `{path}`: `size` (integer) is required"));
        };
        manifest.insert(path.clone(), (hash.to_string(), size));
    }
    let missing: BTreeSet<String> =
        manifest.values().map(|(hash, _)| hash.clone()).filter(|h| !state.assets.blobs.contains_key(h)).collect();
    let id = state.id_number();
    if missing.is_empty() {
        let token = token("completion", id);
        state.assets.completions.push(Completion { token: token.clone(), script: script.to_string(), manifest });
        return ok(json!({ "jwt": token, "buckets": [] }));
    }
    let buckets: Vec<Vec<&String>> =
        missing.iter().collect::<Vec<_>>().chunks(BUCKET_SIZE).map(<[&String]>::to_vec).collect();
    let buckets = json!(buckets);
    let token = token("upload", id);
    state.assets.sessions.push(Session { token: token.clone(), manifest, missing, script: script.to_string() });
    ok(json!({ "jwt": token, "buckets": buckets }))
}

/// `POST /workers/assets/upload?base64=true`, authorized by `auth`, an
/// upload session's token.
pub fn upload(state: &mut State, auth: Option<&str>, call: &Call) -> Reply {
    match try_upload(state, auth, call) {
        Ok(reply) | Err(reply) => reply,
    }
}

fn try_upload(state: &mut State, auth: Option<&str>, call: &Call) -> Result<Reply, Reply> {
    call.only_query(&["base64"])?;
    if call.query.iter().find(|(k, _)| k == "base64").map(|(_, v)| v.as_str()) != Some("true") {
        return Err(invalid("only base64=true uploads are accepted"));
    }
    let bearer = auth.and_then(|a| a.strip_prefix("Bearer ")).unwrap_or_default();
    let session = state
        .assets
        .sessions
        .iter()
        .position(|s| s.token == bearer)
        .ok_or_else(|| fail(401, 10000, "this upload needs an assets upload session's token as its bearer"))?;
    let parts = multipart::parse(call.content_type.as_deref(), &call.body).map_err(invalid)?;
    if parts.is_empty() {
        return Err(invalid("no files in the upload"));
    }
    let mut decoded = Vec::new();
    {
        let session = &state.assets.sessions[session];
        for part in &parts {
            let hash = &part.name;
            if !session.missing.contains(hash) {
                return Err(invalid(format!("file `{hash}` was not asked for by this session")));
            }
            if part.filename.as_deref() != Some(hash.as_str()) || part.content_type.is_none() {
                return Err(invalid(format!("file `{hash}` must carry filename=\"{hash}\" and a Content-Type")));
            }
            let content = base64::engine::general_purpose::STANDARD
                .decode(&part.data)
                .map_err(|_| invalid(format!("file `{hash}` is not base64")))?;
            let (path, (_, size)) = session.manifest.iter().find(|(_, (h, _))| h == hash).expect("asked for");
            let extension = path.rsplit_once('.').map(|(_, e)| e).filter(|e| !e.contains('/')).unwrap_or("");
            let mut hasher = blake3::Hasher::new();
            hasher.update(&part.data);
            hasher.update(extension.as_bytes());
            let actual = hasher.finalize().to_hex()[..32].to_string();
            if actual != *hash || content.len() as u64 != *size {
                return Err(invalid(format!("file `{hash}` ({path}) does not match its manifest entry")));
            }
            let content_type = part.content_type.clone().unwrap_or_default();
            decoded.push((hash.clone(), (content, content_type)));
        }
    }
    for (hash, content) in decoded {
        state.assets.sessions[session].missing.remove(&hash);
        state.assets.blobs.insert(hash, content);
    }
    if !state.assets.sessions[session].missing.is_empty() {
        return Ok(ok(json!({})));
    }
    let done = state.assets.sessions.remove(session);
    let token = token("completion", state.id_number());
    state.assets.completions.push(Completion { token: token.clone(), script: done.script, manifest: done.manifest });
    Ok(ok(json!({ "jwt": token })))
}

/// The assets `metadata.assets` of an upload of `script` names: its
/// completion token (used up here) and config, checked.
pub fn take_for_upload(state: &mut State, script: &str, assets: &Value) -> Result<Value, Reply> {
    let object = assets.as_object().ok_or_else(|| invalid("metadata.assets must be an object"))?;
    if let Some(key) = object.keys().find(|k| *k != "jwt" && *k != "config") {
        return Err(invalid(format!("Unexpected field '{key}' in metadata.assets")));
    }
    let jwt = object.get("jwt").and_then(Value::as_str).ok_or_else(|| invalid("metadata.assets.jwt is required"))?;
    let config = object.get("config").cloned().unwrap_or(json!({}));
    check_config(&config)?;
    let index =
        state.assets.completions.iter().position(|c| c.token == jwt && c.script == script).ok_or_else(|| {
            invalid("metadata.assets.jwt is not a completion token of an assets upload for this Worker")
        })?;
    let completion = state.assets.completions.remove(index);
    let blobs = &state.assets.blobs;
    let manifest: Map<String, Value> = completion
        .manifest
        .into_iter()
        .map(|(path, (hash, size))| {
            let content_type = blobs.get(&hash).map(|(_, t)| t.clone());
            (path, json!({ "hash": hash, "size": size, "content_type": content_type }))
        })
        .collect();
    Ok(json!({ "manifest": manifest, "config": config }))
}

fn check_config(config: &Value) -> Result<(), Reply> {
    let object = config.as_object().ok_or_else(|| invalid("metadata.assets.config must be an object"))?;
    for (key, value) in object {
        let valid = match key.as_str() {
            "html_handling" => value.as_str().is_some_and(|v| {
                ["auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"].contains(&v)
            }),
            "not_found_handling" => {
                value.as_str().is_some_and(|v| ["single-page-application", "404-page", "none"].contains(&v))
            }
            "run_worker_first" => {
                value.is_boolean() || value.as_array().is_some_and(|rules| rules.iter().all(Value::is_string))
            }
            "_redirects" | "_headers" => value.is_string(),
            other => return Err(invalid(format!("Unexpected field '{other}' in metadata.assets.config"))),
        };
        if !valid {
            return Err(invalid(format!("metadata.assets.config.{key} has an invalid value {value}")));
        }
    }
    Ok(())
}
