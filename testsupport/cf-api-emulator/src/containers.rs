//! Container endpoints: registry credentials, applications and rollouts.
//! Their errors carry a JSON document in `errors[0].message`.

use serde_json::{json, Map, Value};

use crate::call::Call;
use crate::config::Config;
use crate::envelope::{container_fail, ok, Reply};
use crate::instances::instance_resources;
use crate::state::{Application, State};

fn validate(details: Value) -> Reply {
    container_fail(400, "VALIDATE_INPUT", details)
}

fn not_found(id: &str) -> Reply {
    container_fail(404, "APPLICATION_NOT_FOUND", json!({ "id": id }))
}

fn json_body(call: &Call) -> Result<Map<String, Value>, Reply> {
    if call.content_type.as_deref().map(|c| c.starts_with("application/json")) != Some(true) {
        return Err(validate(json!({ "body": "Content-Type must be application/json" })));
    }
    match serde_json::from_slice(&call.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(validate(json!({ "body": "must be a JSON object" }))),
    }
}

fn only_keys(body: &Map<String, Value>, required: &[&str], optional: &[&str], at: &str) -> Result<(), Reply> {
    if let Some(key) = body.keys().find(|k| !required.contains(&k.as_str()) && !optional.contains(&k.as_str())) {
        return Err(validate(json!({ format!("{at}{key}"): "unknown field" })));
    }
    match required.iter().find(|k| !body.contains_key(**k)) {
        Some(key) => Err(validate(json!({ format!("{at}{key}"): "required" }))),
        None => Ok(()),
    }
}

/// `POST /containers/registries/{host}/credentials`.
pub fn credentials(state: &mut State, config: &Config, host: &str, call: &Call) -> Reply {
    let mut run = || -> Result<Reply, Reply> {
        call.only_query(&[])?;
        let body = json_body(call)?;
        only_keys(&body, &["expiration_minutes", "permissions"], &[], "")?;
        let Some(minutes) = body["expiration_minutes"].as_u64().filter(|m| (1..=1440).contains(m)) else {
            return Err(validate(json!({ "expiration_minutes": "must be an integer from 1 to 1440" })));
        };
        let permissions: Option<Vec<&str>> = body["permissions"]
            .as_array()
            .filter(|p| !p.is_empty())
            .and_then(|p| p.iter().map(|x| x.as_str().filter(|x| *x == "push" || *x == "pull")).collect());
        let Some(permissions) = permissions else {
            return Err(validate(json!({ "permissions": "must list \"push\" and/or \"pull\"" })));
        };
        let front = state.front_hosts.iter().any(|h| h == host);
        let registry = config.registry.as_ref().filter(|r| r.host == host || front);
        let Some(registry) = registry else {
            return Err(container_fail(404, "REGISTRY_NOT_FOUND", json!({ "registry_host": host })));
        };
        let password = if state.bad_credentials > 0 {
            state.bad_credentials -= 1;
            "expired-credentials".to_string()
        } else if front {
            // The front checks its own passwords, as Cloudflare's registry
            // checks the ones its API hands out.
            state.grants.hand_out(&permissions, minutes)
        } else {
            registry.password.clone()
        };
        Ok(ok(
            json!({ "account_id": config.account_id, "registry_host": host, "username": registry.username, "password": password }),
        ))
    };
    run().unwrap_or_else(|r| r)
}

/// `GET /containers/applications`.
pub fn list(state: &State, config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&["name"]) {
        return r;
    }
    let name = call.query.iter().find(|(k, _)| k == "name").map(|(_, v)| v.as_str());
    ok(Value::Array(
        state
            .applications
            .iter()
            .filter(|a| name.is_none_or(|n| a.name == n))
            .map(|a| state.application_json(a, &config.account_id))
            .collect(),
    ))
}

/// `GET /containers/me`: the account's container limits, as the official
/// CLI reads them before a push (the account id it namespaces images by,
/// and what one instance may use).
pub fn me(config: &Config, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    ok(json!({
        "external_account_id": config.account_id,
        "legacy_identity": config.account_id,
        "limits": {
            "account_id": config.account_id, "vcpu_per_deployment": 4, "memory_mib_per_deployment": 12288,
            "memory_per_deployment": "12288MB", "disk_per_deployment": "20000MB", "disk_mb_per_deployment": 20000,
            "total_vcpu": 1500, "total_memory_mib": 6291456, "total_memory": "6291456MB", "total_disk_mb": 30000000,
            "total_disk": "30000000MB", "node_group": "metal", "ipv4s": 0, "network_modes": ["public", "private"],
        },
        "locations": [{ "location": "sfo06", "name": "San Francisco", "region": "WNAM" }],
        "defaults": { "vcpus": 0.0625, "memory_mib": 256, "memory": "256MB", "disk_mb": 2000 },
    }))
}

/// `GET /containers/applications/{id}`.
pub fn get(state: &State, config: &Config, id: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.applications.iter().find(|a| a.id == id) {
        Some(app) => ok(state.application_json(app, &config.account_id)),
        None => not_found(id),
    }
}

/// `POST /containers/applications`.
pub fn create(state: &mut State, config: &Config, call: &Call) -> Reply {
    let run = |state: &mut State| -> Result<Reply, Reply> {
        call.only_query(&[])?;
        let body = json_body(call)?;
        only_keys(
            &body,
            &["name", "scheduling_policy", "instances", "max_instances", "configuration", "durable_objects"],
            &["constraints", "affinities", "rollout_active_grace_period", "observability"],
            "",
        )?;
        let name = body["name"]
            .as_str()
            .filter(|n| !n.is_empty() && n.len() <= 64)
            .ok_or_else(|| validate(json!({ "name": "must be a non-empty string" })))?;
        if state.applications.iter().any(|a| a.name == name) {
            return Err(container_fail(409, "APPLICATION_NAME_ALREADY_EXISTS", json!({ "name": name })));
        }
        let scheduling_policy = scheduling_policy(&body["scheduling_policy"])?;
        let instances =
            body["instances"].as_u64().ok_or_else(|| validate(json!({ "instances": "must be an integer" })))?;
        let max_instances = max_instances(&body["max_instances"])?;
        let configuration = configuration(
            &body["configuration"],
            config,
            &state.front_hosts,
            &state.external_registries(),
            "configuration.",
        )?;
        let durable_objects = body["durable_objects"]
            .as_object()
            .ok_or_else(|| validate(json!({ "durable_objects": "must be an object" })))?;
        only_keys(durable_objects, &["namespace_id"], &[], "durable_objects.")?;
        let namespace_id = durable_objects["namespace_id"].as_str().unwrap_or_default().to_string();
        if !state.namespaces.iter().any(|n| n.id == namespace_id) {
            return Err(validate(json!({ "durable_objects.namespace_id": "no such Durable Object namespace" })));
        }
        if let Some(other) = state.applications.iter().find(|a| a.namespace_id == namespace_id) {
            return Err(container_fail(
                400,
                "DURABLE_OBJECT_ALREADY_HAS_APPLICATION",
                json!({ "namespace_id": namespace_id, "application_id": other.id, "application_name": other.name }),
            ));
        }
        let constraints = body.get("constraints").map(constraints).transpose()?.unwrap_or(json!({ "tiers": [1] }));
        let grace = body.get("rollout_active_grace_period").map(grace_period).transpose()?;
        let observability = body.get("observability").map(app_observability).transpose()?;
        let app = Application {
            id: state.uuid(),
            name: name.to_string(),
            created_at: state.now(),
            version: 1,
            scheduling_policy,
            instances,
            max_instances,
            constraints,
            configuration,
            namespace_id,
            rollout_active_grace_period: grace.unwrap_or(0),
            observability,
            rollouts: Vec::new(),
        };
        let reply = ok(app.json(&config.account_id));
        state.applications.push(app);
        Ok(reply)
    };
    run(state).unwrap_or_else(|r| r)
}

/// `PATCH /containers/applications/{id}`: top-level settings only; a new
/// configuration goes through a rollout.
pub fn patch(state: &mut State, config: &Config, id: &str, call: &Call) -> Reply {
    let run = |state: &mut State| -> Result<Reply, Reply> {
        call.only_query(&[])?;
        let body = json_body(call)?;
        only_keys(
            &body,
            &[],
            &[
                "instances",
                "max_instances",
                "scheduling_policy",
                "constraints",
                "affinities",
                "rollout_active_grace_period",
                "configuration",
                "observability",
            ],
            "",
        )?;
        // The official CLI sends the configuration too (then rolls it out);
        // it is checked as a new application's.
        let configuration = body
            .get("configuration")
            .map(|c| configuration(c, config, &state.front_hosts, &state.external_registries(), "configuration."))
            .transpose()?;
        let max = body.get("max_instances").map(max_instances).transpose()?;
        let policy = body.get("scheduling_policy").map(scheduling_policy).transpose()?;
        let new_constraints = body.get("constraints").map(constraints).transpose()?;
        let grace = body.get("rollout_active_grace_period").map(grace_period).transpose()?;
        let observability = body.get("observability").map(app_observability).transpose()?;
        let app = state.applications.iter_mut().find(|a| a.id == id).ok_or_else(|| not_found(id))?;
        if let Some(max) = max {
            app.max_instances = max;
        }
        if let Some(policy) = policy {
            app.scheduling_policy = policy;
        }
        if let Some(n) = body.get("instances").and_then(Value::as_u64) {
            app.instances = n;
        }
        if let Some(c) = new_constraints {
            app.constraints = c;
        }
        if let Some(grace) = grace {
            app.rollout_active_grace_period = grace;
        }
        if let Some(configuration) = configuration {
            app.configuration = configuration;
        }
        if let Some(observability) = observability {
            app.observability = Some(observability);
        }
        app.version += 1;
        Ok(ok(app.json(&config.account_id)))
    };
    run(state).unwrap_or_else(|r| r)
}

/// `DELETE /containers/applications/{id}`.
pub fn delete(state: &mut State, id: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    let before = state.applications.len();
    state.applications.retain(|a| a.id != id);
    if state.applications.len() == before {
        return not_found(id);
    }
    ok(Value::Null)
}

/// `POST /containers/applications/{id}/rollouts`: the emulated rollout
/// completes at once.
pub fn rollout(state: &mut State, config: &Config, id: &str, call: &Call) -> Reply {
    let run = |state: &mut State| -> Result<Reply, Reply> {
        call.only_query(&[])?;
        let body = json_body(call)?;
        only_keys(
            &body,
            &["description", "strategy", "kind", "target_configuration"],
            &["step_percentage", "steps"],
            "",
        )?;
        if body["strategy"] != "rolling" {
            return Err(validate(json!({ "strategy": "must be \"rolling\"" })));
        }
        if body["kind"] != "full_auto" && body["kind"] != "full_manual" {
            return Err(validate(json!({ "kind": "must be \"full_auto\" or \"full_manual\"" })));
        }
        let steps = steps(&body)?;
        let target = configuration(
            &body["target_configuration"],
            config,
            &state.front_hosts,
            &state.external_registries(),
            "target_configuration.",
        )?;
        let rollout_id = state.uuid();
        let created_at = state.now();
        let instances = state.instances.iter().filter(|i| i.application_id == id && i.state != "stopped").count();
        let app = state.applications.iter_mut().find(|a| a.id == id).ok_or_else(|| not_found(id))?;
        // An automatic rollout goes through its steps at once here; a
        // manual one waits at its first step for someone to advance it.
        let manual = body["kind"] == "full_manual";
        let total_steps = if steps.len() == 1 { (100 / steps[0]) as usize } else { steps.len() };
        let current_step = if manual { 1 } else { total_steps };
        let updated = if manual { instances.min(1) } else { instances };
        let rollout = json!({
            "id": rollout_id,
            "created_at": created_at,
            "last_updated_at": created_at,
            "description": body["description"],
            "kind": body["kind"],
            "strategy": "rolling",
            "current_version": app.version,
            "target_version": app.version + 1,
            "current_configuration": app.configuration,
            "steps": steps,
            "status": if manual { "progressing" } else { "completed" },
            "progress": { "total_steps": total_steps, "current_step": current_step,
                          "updated_instances": updated, "total_instances": instances },
            "target_configuration": target,
        });
        app.version += 1;
        app.configuration = target;
        app.rollouts.push(rollout.clone());
        Ok(ok(rollout))
    };
    run(state).unwrap_or_else(|r| r)
}

/// `GET /containers/applications/{id}/rollouts`.
pub fn rollouts(state: &State, id: &str, call: &Call) -> Reply {
    if let Err(r) = call.only_query(&[]) {
        return r;
    }
    match state.applications.iter().find(|a| a.id == id) {
        Some(app) => ok(Value::Array(app.rollouts.clone())),
        None => not_found(id),
    }
}

/// `constraints`: tiers (numbers), regions (upper-case codes), a
/// jurisdiction, cities; nothing else.
fn constraints(value: &Value) -> Result<Value, Reply> {
    let object = value.as_object().ok_or_else(|| validate(json!({ "constraints": "must be an object" })))?;
    only_keys(object, &[], &["tiers", "regions", "jurisdiction", "cities"], "constraints.")?;
    let numbers =
        |v: &Value| v.as_array().is_some_and(|a| a.iter().all(|n| n.as_u64().is_some_and(|n| (1..=9).contains(&n))));
    if object.get("tiers").is_some_and(|t| !numbers(t)) {
        return Err(validate(json!({ "constraints.tiers": "must be a list of tiers 1..9" })));
    }
    let codes = |v: &Value| {
        v.as_array()
            .is_some_and(|a| a.iter().all(|r| r.as_str().is_some_and(|r| r.chars().all(|c| c.is_ascii_uppercase()))))
    };
    if object.get("regions").is_some_and(|r| !codes(r)) {
        return Err(validate(json!({ "constraints.regions": "must be a list of upper-case region codes" })));
    }
    Ok(value.clone())
}

/// An application's own `observability`: `{"logs": {"enabled": bool}}`,
/// and at most one of `target_instance_percentage` (1 to 99) and
/// `target_instance_count` (1 or more), the instances whose logs are kept.
fn app_observability(value: &Value) -> Result<Value, Reply> {
    let object = value.as_object().ok_or_else(|| validate(json!({ "observability": "must be an object" })))?;
    only_keys(object, &[], &["logs", "target_instance_percentage", "target_instance_count"], "observability.")?;
    if let Some(logs) = object.get("logs") {
        let logs = logs.as_object().ok_or_else(|| validate(json!({ "observability.logs": "must be an object" })))?;
        only_keys(logs, &["enabled"], &[], "observability.logs.")?;
        if !logs["enabled"].is_boolean() {
            return Err(validate(json!({ "observability.logs.enabled": "must be a bool" })));
        }
    }
    let percentage = object.get("target_instance_percentage");
    if percentage.is_some_and(|p| !p.as_u64().is_some_and(|p| (1..=99).contains(&p))) {
        return Err(validate(json!({ "observability.target_instance_percentage": "must be an integer from 1 to 99" })));
    }
    let count = object.get("target_instance_count");
    if count.is_some_and(|c| c.as_u64().is_none_or(|c| c == 0)) {
        return Err(validate(json!({ "observability.target_instance_count": "must be an integer of 1 or more" })));
    }
    if percentage.is_some() && count.is_some() {
        return Err(validate(
            json!({ "observability": "give target_instance_percentage or target_instance_count, not both" }),
        ));
    }
    Ok(value.clone())
}

fn grace_period(value: &Value) -> Result<u64, Reply> {
    value.as_u64().ok_or_else(|| validate(json!({ "rollout_active_grace_period": "must be an integer" })))
}

fn scheduling_policy(value: &Value) -> Result<String, Reply> {
    match value.as_str() {
        Some(p @ ("default" | "regional" | "moon" | "gpu")) => Ok(p.to_string()),
        _ => Err(validate(json!({ "scheduling_policy": "must be one of default, regional, moon, gpu" }))),
    }
}

fn max_instances(value: &Value) -> Result<u64, Reply> {
    value
        .as_u64()
        .filter(|n| (1..=1000).contains(n))
        .ok_or_else(|| validate(json!({ "max_instances": "must be an integer from 1 to 1000" })))
}

fn steps(body: &Map<String, Value>) -> Result<Vec<u64>, Reply> {
    const ALLOWED: &[u64] = &[5, 10, 20, 25, 50, 100];
    match (body.get("step_percentage"), body.get("steps")) {
        (Some(p), None) => match p.as_u64().filter(|p| ALLOWED.contains(p)) {
            Some(p) => Ok(vec![p]),
            None => Err(validate(json!({ "step_percentage": "must be one of 5, 10, 20, 25, 50, 100" }))),
        },
        (None, Some(Value::Array(steps))) => {
            let mut out = Vec::new();
            for step in steps {
                let object =
                    step.as_object().ok_or_else(|| validate(json!({ "steps": "each step must be an object" })))?;
                only_keys(object, &["step_size"], &["description"], "steps[].")?;
                let p = object["step_size"].get("percentage").and_then(Value::as_u64).filter(|p| (1..=100).contains(p));
                out.push(p.ok_or_else(|| validate(json!({ "steps[].step_size.percentage": "must be 1..100" })))?);
            }
            if out.last() != Some(&100) || out.windows(2).any(|w| w[0] >= w[1]) {
                return Err(validate(json!({ "steps": "percentages must increase and end at 100" })));
            }
            Ok(out)
        }
        _ => Err(validate(json!({ "step_percentage": "give step_percentage or steps, not both or neither" }))),
    }
}

/// Validates an application configuration: a pinned image in the
/// account's registry namespace that the registry has (by its host or one
/// of `aliases`, the registry front's), or in a registry of another
/// provider configured on the account (`external`); an instance type or
/// custom resources; and log settings.
fn configuration(
    value: &Value,
    config: &Config,
    aliases: &[String],
    external: &[String],
    at: &str,
) -> Result<Value, Reply> {
    let object = value.as_object().ok_or_else(|| validate(json!({ at.trim_end_matches('.'): "must be an object" })))?;
    only_keys(object, &["image"], &["instance_type", "vcpu", "memory_mib", "disk", "observability"], at)?;
    let image = object["image"].as_str().unwrap_or_default();
    check_image(image, config, aliases, external).map_err(|why| validate(json!({ format!("{at}image"): why })))?;
    match (object.get("instance_type"), object.get("vcpu")) {
        (Some(t), None) => {
            if t.as_str().and_then(instance_resources).is_none() {
                return Err(validate(json!({ format!("{at}instance_type"): "unknown instance type" })));
            }
        }
        (None, Some(_)) => {
            let complete = object.get("memory_mib").is_some_and(Value::is_u64)
                && object["disk"].get("size_mb").is_some_and(Value::is_u64);
            if !complete || !object["vcpu"].is_number() {
                return Err(validate(
                    json!({ format!("{at}vcpu"): "custom resources need vcpu, memory_mib and disk.size_mb" }),
                ));
            }
        }
        (None, None) => {}
        (Some(_), Some(_)) => {
            return Err(validate(
                json!({ format!("{at}instance_type"): "give instance_type or vcpu/memory_mib/disk, not both" }),
            ))
        }
    }
    if let Some(o) = object.get("observability") {
        let enabled = o
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.get("logs"))
            .and_then(|l| l.as_object())
            .filter(|l| l.len() == 1)
            .and_then(|l| l.get("enabled"));
        if !enabled.is_some_and(Value::is_boolean) {
            return Err(validate(json!({ format!("{at}observability"): "must be {\"logs\": {\"enabled\": bool}}" })));
        }
    }
    Ok(value.clone())
}

/// Checks that `image` is in the account's registry namespace, by the
/// registry's host or one of `aliases` (the registry front's), and that
/// the registry has it; or that it is in a registry of another provider
/// configured on the account (`external`).
fn check_image(image: &str, config: &Config, aliases: &[String], external: &[String]) -> Result<(), String> {
    let Some(registry) = &config.registry else { return Ok(()) };
    // An image of a configured registry of another provider is pulled by
    // the platform with the account's credentials; the emulator cannot
    // reach that registry, so the image is taken on trust.
    let host = image.split_once('/').map(|(host, _)| host).unwrap_or_default();
    if external.iter().any(|domain| domain == host) {
        return Ok(());
    }
    if host != registry.host && !aliases.iter().any(|alias| alias == host) {
        return Err(format!("image {image} is in {host}, which is not a registry configured on the account"));
    }
    let prefix = |host: &str| format!("{host}/{}/", config.account_id);
    let rest = std::iter::once(&registry.host)
        .chain(aliases)
        .find_map(|host| image.strip_prefix(&prefix(host)))
        .ok_or_else(|| format!("image must be in {}", prefix(&registry.host)))?;
    let (repository, reference) = match rest.split_once('@') {
        Some((repo, digest)) => (repo, digest),
        None => rest.rsplit_once(':').ok_or("image needs a tag or a digest")?,
    };
    let full = format!("{}/{repository}", config.account_id);
    match registry.has_manifest(&full, reference) {
        Ok(true) => Ok(()),
        Ok(false) => Err(format!("image {image} does not exist in the registry")),
        Err(e) => Err(e),
    }
}
