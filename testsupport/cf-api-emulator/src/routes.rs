//! Zones, a Worker's zone routes (`GET`/`PUT .../routes`) and Custom
//! Domains (`GET /workers/domains`, `PUT .../domains/records`), as strict
//! as the rest: unknown fields rejected, a pattern or hostname outside the
//! account's zones refused.

use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::config::Config;
use crate::envelope::{fail, invalid, ok, ok_page, Reply};
use crate::state::{Domain, State};

const NO_SUCH_WORKER: (u16, u32, &str) = (404, 10007, "This Worker does not exist on your account.");

/// A zone's id: stable for its name.
pub fn zone_id(name: &str) -> String {
    stable_id(name)
}

/// 32 hex digits that are the same for the same `name` every run.
pub fn stable_id(name: &str) -> String {
    format!("{:0>32}", hex_of(name))
}

fn hex_of(name: &str) -> String {
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    format!("{hash:x}")
}

/// `GET /zones?name=...&account.id=...`.
pub fn zones(config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["name", "account.id", "page", "per_page"]) {
        return r;
    }
    let name = call.query.iter().find(|(k, _)| k == "name").map(|(_, v)| v.as_str());
    let listed: Vec<Value> = config
        .zones
        .iter()
        .filter(|z| name.is_none_or(|n| n == z.as_str()))
        .map(|z| json!({ "id": zone_id(z), "name": z, "status": "active" }))
        .collect();
    ok_page(listed, call.number("page"), call.number("per_page"), config.max_per_page)
}

/// The zone a host is in, by the longest zone name it ends with.
fn zone_of<'a>(config: &'a Config, host: &str) -> Option<&'a String> {
    config.zones.iter().filter(|z| host == z.as_str() || host.ends_with(&format!(".{z}"))).max_by_key(|z| z.len())
}

fn host_of(pattern: &str) -> &str {
    let rest = pattern.split_once("://").map_or(pattern, |(_, rest)| rest);
    let host = rest.split('/').next().unwrap_or(rest);
    host.trim_start_matches("*.").trim_start_matches('*')
}

fn json_array(call: &Call) -> Result<Vec<Value>, Reply> {
    match call.json()? {
        Value::Array(items) => Ok(items),
        _ => Err(invalid("the body must be a JSON array")),
    }
}

/// Checks `{pattern|hostname, zone_name?, zone_id?}`: known fields, and the
/// zone named (or found from the host) is the account's and holds the host.
fn check_zone(config: &Config, object: &Map<String, Value>, key: &str, extra: &[&str]) -> Result<String, Reply> {
    if let Some(unknown) =
        object.keys().find(|k| ![key, "zone_name", "zone_id"].contains(&k.as_str()) && !extra.contains(&k.as_str()))
    {
        return Err(invalid(format!("Unexpected field '{unknown}'")));
    }
    let value = object.get(key).and_then(Value::as_str).ok_or_else(|| invalid(format!("`{key}` is required")))?;
    let host = host_of(value);
    let zone = match (object.get("zone_id").and_then(Value::as_str), object.get("zone_name").and_then(Value::as_str)) {
        (Some(id), _) => config.zones.iter().find(|z| zone_id(z) == id),
        (None, Some(name)) => config.zones.iter().find(|z| z.as_str() == name),
        (None, None) => zone_of(config, host),
    };
    match zone {
        Some(zone) if host == zone.as_str() || host.ends_with(&format!(".{zone}")) => Ok(zone.clone()),
        Some(zone) => Err(fail(400, 10022, format!("`{value}` is not in zone {zone}"))),
        None => Err(fail(404, 7003, format!("Could not find a zone for `{value}`"))),
    }
}

/// `GET /workers/scripts/{name}/routes`.
pub fn get_routes(state: &State, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.scripts.get(name) {
        Some(script) => ok(json!(script.routes)),
        None => fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2),
    }
}

/// `PUT /workers/scripts/{name}/routes`: replaces the Worker's routes.
pub fn put_routes(state: &mut State, config: &Config, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let items = match json_array(call) {
        Ok(items) => items,
        Err(r) => return r,
    };
    let mut routes = Vec::new();
    for item in &items {
        let Some(object) = item.as_object() else { return invalid("each route must be an object") };
        if let Err(r) = check_zone(config, object, "pattern", &[]) {
            return r;
        }
        let pattern = object["pattern"].as_str().unwrap_or_default();
        let taken = state
            .scripts
            .iter()
            .find(|(other, s)| other.as_str() != name && s.routes.iter().any(|r| r["pattern"] == pattern));
        if let Some((other, _)) = taken {
            return fail(409, 10020, format!("The route `{pattern}` is already assigned to Worker `{other}`"));
        }
        routes.push(pattern.to_string());
    }
    let mut next_ids: Vec<String> = routes.iter().map(|_| state.id()).collect();
    let Some(script) = state.scripts.get_mut(name) else {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    };
    script.routes = routes.iter().map(|p| json!({ "id": next_ids.remove(0), "pattern": p, "script": name })).collect();
    ok(json!(script.routes))
}

/// `GET /workers/domains` (`?service=` filters).
pub fn get_domains(state: &State, config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["service", "hostname", "zone_name", "zone_id", "environment", "page", "per_page"])
    {
        return r;
    }
    let service = call.query.iter().find(|(k, _)| k == "service").map(|(_, v)| v.as_str());
    let listed: Vec<Value> =
        state.domains.iter().filter(|d| service.is_none_or(|s| s == d.service)).map(Domain::json).collect();
    ok_page(listed, call.number("page"), call.number("per_page"), config.max_per_page)
}

/// `PUT /workers/scripts/{name}/domains/records`.
pub fn put_domains(state: &mut State, config: &Config, name: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let body = match call.json_object() {
        Ok(body) => body,
        Err(r) => return r,
    };
    const KEYS: &[&str] = &["override_scope", "override_existing_origin", "override_existing_dns_record", "origins"];
    if let Some(key) = body.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return invalid(format!("Unexpected field '{key}'"));
    }
    let flag = |key: &str| body.get(key).and_then(Value::as_bool).unwrap_or(false);
    let Some(origins) = body.get("origins").and_then(Value::as_array) else { return invalid("`origins` is required") };
    if !state.scripts.contains_key(name) {
        return fail(NO_SUCH_WORKER.0, NO_SUCH_WORKER.1, NO_SUCH_WORKER.2);
    }
    let mut wanted = Vec::new();
    for origin in origins {
        let Some(object) = origin.as_object() else { return invalid("each origin must be an object") };
        let zone = match check_zone(config, object, "hostname", &["enabled", "previews_enabled"]) {
            Ok(zone) => zone,
            Err(r) => return r,
        };
        let hostname = object["hostname"].as_str().unwrap_or_default().to_string();
        let taken = state.domains.iter().find(|d| d.hostname == hostname && d.service != name);
        if let (Some(other), false) = (taken, flag("override_existing_origin")) {
            return fail(409, 100117, format!("Hostname `{hostname}` is already served by Worker `{}`", other.service));
        }
        wanted.push((hostname, zone));
    }
    // override_scope: the Worker's domains are exactly these afterwards.
    state.domains.retain(|d| {
        let replaced = flag("override_scope") && d.service == name;
        !replaced && !wanted.iter().any(|(h, _)| *h == d.hostname)
    });
    for (hostname, zone) in wanted {
        let id = state.id();
        state.domains.push(Domain {
            id,
            hostname,
            service: name.to_string(),
            zone_id: zone_id(&zone),
            zone_name: zone,
        });
    }
    ok(json!(state.domains.iter().filter(|d| d.service == name).map(Domain::json).collect::<Vec<_>>()))
}

/// `GET /zones/{id}/workers/routes`: every Worker's routes in the zone
/// (the official CLI looks for routes another Worker holds).
pub fn zone_routes(state: &State, config: &Config, id: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["page", "per_page"]) {
        return r;
    }
    let Some(zone) = config.zones.iter().find(|z| zone_id(z) == id) else {
        return fail(404, 7003, "Could not route to this zone, perhaps your object identifier is invalid?");
    };
    let in_zone = |r: &&Value| zone_of(config, host_of(r["pattern"].as_str().unwrap_or_default())) == Some(zone);
    let listed: Vec<Value> = state.scripts.values().flat_map(|s| s.routes.iter().filter(in_zone).cloned()).collect();
    ok(Value::Array(listed))
}
