//! What a deploy wants the account to hold: the Worker script (modules,
//! bindings, containers) and one container application per class.

use std::collections::BTreeMap;
use std::path::Path;

use cfcontainer_meta::{ContainerMeta, EnvValue, InstanceType, Rollout};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::api::{Part, Secret};
use crate::{Error, Project};

/// The script tag that records what was uploaded: `cfcontainer-` and the
/// first 32 hex digits of the upload digest.
pub const DIGEST_TAG_PREFIX: &str = "cfcontainer-";

/// The Worker script as it should be.
pub struct DesiredScript {
    /// Script name.
    pub name: String,
    /// Upload metadata without `migrations` (added per deploy).
    pub metadata: Value,
    /// The module parts.
    pub modules: Vec<Part>,
    /// Names of the Durable Object classes, with their previous names.
    pub classes: Vec<(String, Option<String>)>,
    /// Digest of modules, metadata and (keyed) secret values.
    pub digest: String,
    /// Secret bindings and whether this deploy has their value.
    pub secrets: Vec<(String, bool)>,
}

impl DesiredScript {
    /// The tag recording this upload.
    pub fn digest_tag(&self) -> String {
        format!("{DIGEST_TAG_PREFIX}{}", &self.digest[..32])
    }
}

/// One container application as it should be.
#[derive(Debug, Clone)]
pub struct DesiredApp {
    /// The container class.
    pub class: String,
    /// Application name: `<worker>-<class>` lowercased.
    pub name: String,
    /// Image reference (digest-pinned when built here).
    pub image: String,
    /// Instance size.
    pub instance_type: InstanceType,
    /// Upper bound of instances.
    pub max_instances: u32,
    /// Collect logs.
    pub logs: bool,
    /// How updates roll out.
    pub rollout: Rollout,
}

impl DesiredApp {
    /// From a container's metadata and its image reference.
    pub fn new(worker: &str, meta: &ContainerMeta, image: String) -> DesiredApp {
        DesiredApp {
            class: meta.class.clone(),
            name: format!("{worker}-{}", meta.class).to_lowercase(),
            image,
            instance_type: meta.instance_type.clone(),
            max_instances: meta.max_instances,
            logs: meta.observability_logs,
            rollout: meta.rollout.clone(),
        }
    }

    /// The API's `configuration` object.
    pub fn configuration(&self) -> Value {
        let mut config = json!({ "image": self.image, "observability": { "logs": { "enabled": self.logs } } });
        match &self.instance_type {
            InstanceType::Named(name) => config["instance_type"] = json!(name),
            InstanceType::Custom { vcpu, memory_mib, disk_mb } => {
                config["vcpu"] = json!(vcpu);
                config["memory_mib"] = json!(memory_mib);
                config["disk"] = json!({ "size_mb": disk_mb });
            }
        }
        config
    }
}

/// Builds the desired script from the worker-build output in `modules_dir`.
/// Secret values come from environment variables named like the secret;
/// `token` keys their digest so it reveals nothing without the token.
pub fn script(
    project: &Project,
    containers: &[ContainerMeta],
    modules_dir: &Path,
    token: &Secret,
) -> Result<DesiredScript, Error> {
    let settings = &project.settings;
    let mut modules = Vec::new();
    for (name, content_type) in [("index.js", "application/javascript+module"), ("index_bg.wasm", "application/wasm")] {
        let path = modules_dir.join(name);
        let mut data = std::fs::read(&path).map_err(|e| Error::Read { path: path.clone(), why: e.to_string() })?;
        if name.ends_with(".wasm") {
            data = crate::section::strip_wasm_custom_section(&data, cfcontainer_meta::SECTION)
                .map_err(|why| Error::Section { path: path.clone(), why })?;
        }
        modules.push(Part { name: name.into(), content_type: content_type.into(), data, file: true });
    }
    // A container env var read from a Worker var needs that var: plain-text
    // bindings are not kept across uploads, so it must be in the settings.
    for c in containers {
        for var in &c.env {
            if let EnvValue::Var(name) = &var.value {
                if !settings.vars.contains_key(name) {
                    return Err(Error::MissingVar {
                        class: c.class.clone(),
                        env: var.name.clone(),
                        name: name.clone(),
                    });
                }
            }
        }
    }
    let mut bindings: Vec<Value> = containers
        .iter()
        .map(|c| json!({ "type": "durable_object_namespace", "name": c.binding, "class_name": c.class }))
        .collect();
    for (name, text) in &settings.vars {
        bindings.push(json!({ "type": "plain_text", "name": name, "text": text }));
    }
    let mut secret_names: Vec<String> = containers
        .iter()
        .flat_map(|c| c.env.iter())
        .filter_map(|v| match &v.value {
            EnvValue::Secret(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    secret_names.sort();
    secret_names.dedup();
    let mut hasher = Sha256::new();
    let mut secrets = Vec::new();
    let mut secret_bindings = Vec::new();
    for name in secret_names {
        let value = std::env::var(&name).ok().filter(|v| !v.is_empty());
        if let Some(value) = &value {
            let mut mac = Hmac::<Sha256>::new_from_slice(token.expose().as_bytes()).expect("any key length");
            mac.update(name.as_bytes());
            mac.update(&[0]);
            mac.update(value.as_bytes());
            hasher.update(mac.finalize().into_bytes());
            secret_bindings.push(json!({ "type": "secret_text", "name": name, "text": value }));
        }
        secrets.push((name, value.is_some()));
    }
    let mut metadata = json!({
        "main_module": "index.js",
        "compatibility_date": settings.compatibility_date,
        "compatibility_flags": settings.compatibility_flags,
        "bindings": bindings,
        "containers": containers.iter().map(|c| json!({ "class_name": c.class })).collect::<Vec<_>>(),
        "keep_bindings": ["secret_text"],
    });
    // The digest covers everything but secret texts (keyed digests above).
    hasher.update(metadata.to_string().as_bytes());
    for part in &modules {
        hasher.update(part.name.as_bytes());
        hasher.update(Sha256::digest(&part.data));
    }
    let digest = hex::encode(hasher.finalize());
    metadata["bindings"].as_array_mut().expect("an array").extend(secret_bindings);
    let script = DesiredScript {
        name: settings.name.clone(),
        metadata,
        modules,
        classes: containers.iter().map(|c| (c.class.clone(), c.renamed_from.clone())).collect(),
        digest,
        secrets,
    };
    Ok(script)
}

/// Every field of each container's metadata as a flat `Class.field`
/// map, for showing what changed since the last deploy from here.
pub fn container_fields(containers: &[ContainerMeta]) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    for c in containers {
        if let Ok(Value::Object(map)) = serde_json::to_value(c) {
            for (key, value) in map {
                fields.insert(format!("{}.{key}", c.class), value.to_string());
            }
        }
    }
    fields
}
