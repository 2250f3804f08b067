//! What the emulated account holds.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::config::Config;

/// The account's resources.
#[derive(Default)]
pub struct State {
    pub scripts: BTreeMap<String, Script>,
    pub namespaces: Vec<Namespace>,
    pub applications: Vec<Application>,
    /// Custom Domains of every Worker.
    pub domains: Vec<Domain>,
    /// Queue consumers.
    pub consumers: Vec<Consumer>,
    /// Credential requests still to answer with a wrong password.
    pub bad_credentials: u32,
    /// Static assets and their upload sessions.
    pub assets: Assets,
    next_id: u64,
    clock: u64,
}

/// The account's asset storage and the upload sessions in flight.
#[derive(Default)]
pub struct Assets {
    /// Content and content type by hash, as uploaded (decoded).
    pub blobs: BTreeMap<String, (Vec<u8>, String)>,
    /// Sessions whose files are not all in yet.
    pub sessions: Vec<AssetSession>,
    /// Completion tokens not used by a script upload yet.
    pub completions: Vec<AssetCompletion>,
}

/// An assets upload session: its token, manifest (path → hash, size),
/// the hashes still to upload, and its script.
pub struct AssetSession {
    pub token: String,
    pub manifest: BTreeMap<String, (String, u64)>,
    pub missing: std::collections::BTreeSet<String>,
    pub script: String,
}

/// A completed upload, good for one upload of its script.
pub struct AssetCompletion {
    pub token: String,
    pub script: String,
    pub manifest: BTreeMap<String, (String, u64)>,
}

/// An uploaded Worker script.
pub struct Script {
    pub etag: String,
    pub migration_tag: Option<String>,
    pub main_module: String,
    pub modules: Vec<Module>,
    pub compatibility_date: Option<String>,
    pub compatibility_flags: Vec<String>,
    pub bindings: Vec<Value>,
    pub containers: Vec<String>,
    pub observability: Option<Value>,
    /// `logpush`, `placement`, `tail_consumers`, `limits` of the upload.
    pub logpush: bool,
    pub placement: Option<Value>,
    pub tail_consumers: Vec<Value>,
    pub limits: Option<Value>,
    /// Cron Triggers, as `GET .../schedules` lists them.
    pub schedules: Vec<Value>,
    /// Zone routes, as `GET .../routes` lists them.
    pub routes: Vec<Value>,
    pub tags: Vec<String>,
    /// Served on `<name>.<subdomain>.workers.dev`.
    pub workers_dev: bool,
    /// Each version served on its own Preview URL.
    pub previews_enabled: bool,
    /// Static assets: `{ manifest, config }` of the last upload.
    pub assets: Option<Value>,
    pub created_on: String,
    pub modified_on: String,
    pub version_id: String,
}

impl Script {
    /// What `script-settings` shows.
    pub fn script_settings_json(&self) -> Value {
        json!({
            "logpush": self.logpush,
            "tail_consumers": self.tail_consumers,
            "observability": self.observability.clone().unwrap_or(json!({ "enabled": false })),
            "tags": self.tags,
        })
    }
}

/// A Worker consuming a queue.
pub struct Consumer {
    pub consumer_id: String,
    pub queue: String,
    pub script: String,
    pub settings: serde_json::Map<String, Value>,
    pub dead_letter_queue: Option<String>,
}

impl Consumer {
    /// As `GET /queues` lists it. Settings the consumer did not set show
    /// the API's defaults.
    pub fn json(&self) -> Value {
        let mut settings = json!({ "batch_size": 10, "max_retries": 3, "max_wait_time_ms": 5000 });
        for (key, value) in &self.settings {
            settings[key] = value.clone();
        }
        let mut consumer = json!({ "consumer_id": self.consumer_id, "type": "worker", "script": self.script,
                                   "queue_name": self.queue, "settings": settings });
        if let Some(dlq) = &self.dead_letter_queue {
            consumer["dead_letter_queue"] = json!(dlq);
        }
        consumer
    }
}

/// A Custom Domain: a hostname a Worker serves.
pub struct Domain {
    pub id: String,
    pub hostname: String,
    pub service: String,
    pub zone_id: String,
    pub zone_name: String,
}

impl Domain {
    /// As `GET /workers/domains` lists it.
    pub fn json(&self) -> Value {
        json!({ "id": self.id, "hostname": self.hostname, "service": self.service, "environment": "production",
                "zone_id": self.zone_id, "zone_name": self.zone_name })
    }
}

/// One module of a script.
pub struct Module {
    pub name: String,
    pub content_type: String,
    pub size: usize,
}

/// A Durable Object namespace: one class of one script.
#[derive(Clone)]
pub struct Namespace {
    pub id: String,
    pub script: String,
    pub class: String,
    pub use_sqlite: bool,
}

/// A container application.
pub struct Application {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub version: u64,
    pub scheduling_policy: String,
    pub instances: u64,
    pub max_instances: u64,
    pub constraints: Value,
    pub configuration: Value,
    pub namespace_id: String,
    pub rollout_active_grace_period: u64,
    pub rollouts: Vec<Value>,
}

impl State {
    /// A fresh id: 32 hex digits.
    pub fn id(&mut self) -> String {
        format!("{:032x}", 0xcf00_0000_0000_0000_u128 + u128::from(self.id_number()))
    }

    /// A fresh number.
    pub fn id_number(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A fresh, increasing timestamp.
    pub fn now(&mut self) -> String {
        self.clock += 1;
        format!("2026-11-27T{:02}:{:02}:{:02}.000000Z", self.clock / 3600 % 24, self.clock / 60 % 60, self.clock % 60)
    }

    /// Everything, for tests.
    pub fn snapshot(&self, config: &Config) -> Value {
        json!({
            "scripts": self.scripts.iter().map(|(name, s)| (name.clone(), s.settings_json(true))).collect::<serde_json::Map<_, _>>(),
            "namespaces": self.namespaces.iter().map(Namespace::json).collect::<Vec<_>>(),
            "applications": self.applications.iter().map(|a| a.json(&config.account_id)).collect::<Vec<_>>(),
            "domains": self.domains.iter().map(Domain::json).collect::<Vec<_>>(),
            "consumers": self.consumers.iter().map(Consumer::json).collect::<Vec<_>>(),
        })
    }
}

impl Script {
    /// The settings view; secret values are never shown, `internal` adds
    /// what only tests see (tag, modules).
    pub fn settings_json(&self, internal: bool) -> Value {
        let bindings: Vec<Value> = self
            .bindings
            .iter()
            .map(|b| {
                let mut b = b.clone();
                if b["type"] == "secret_text" {
                    b.as_object_mut().unwrap().remove("text");
                }
                b
            })
            .collect();
        let mut settings = json!({
            "bindings": bindings,
            "compatibility_date": self.compatibility_date,
            "compatibility_flags": self.compatibility_flags,
            "logpush": self.logpush,
            "placement": self.placement.clone().unwrap_or(json!({})),
            "tags": self.tags,
            "tail_consumers": self.tail_consumers,
            "usage_model": "standard",
        });
        if let Some(limits) = &self.limits {
            settings["limits"] = limits.clone();
        }
        if let Some(o) = &self.observability {
            settings["observability"] = o.clone();
        }
        if internal {
            settings["schedules"] = json!(self.schedules);
            settings["routes"] = json!(self.routes);
            settings["migration_tag"] = json!(self.migration_tag);
            settings["containers"] = json!(self.containers);
            settings["etag"] = json!(self.etag);
            settings["workers_dev"] = json!(self.workers_dev);
            settings["previews_enabled"] = json!(self.previews_enabled);
            settings["assets"] = json!(self.assets);
            settings["modules"] = json!(self
                .modules
                .iter()
                .map(|m| json!({"name": m.name, "content_type": m.content_type, "size": m.size}))
                .collect::<Vec<_>>());
        }
        settings
    }

    /// The scripts-list entry.
    pub fn list_json(&self, name: &str) -> Value {
        let mut entry = json!({
            "id": name,
            "etag": self.etag,
            "handlers": ["fetch"],
            "created_on": self.created_on,
            "modified_on": self.modified_on,
            "has_modules": true,
            "usage_model": "standard",
            "compatibility_date": self.compatibility_date,
        });
        if let Some(tag) = &self.migration_tag {
            entry["migration_tag"] = json!(tag);
        }
        entry
    }
}

impl Namespace {
    /// The namespaces-list entry.
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "name": format!("{}_{}", self.script, self.class),
            "script": self.script,
            "class": self.class,
            "use_sqlite": self.use_sqlite,
        })
    }
}

impl Application {
    /// The API's view: the configuration with the instance type's
    /// resources expanded.
    pub fn json(&self, account_id: &str) -> Value {
        let mut configuration = self.configuration.clone();
        if let Some((vcpu, memory, disk)) =
            configuration.get("instance_type").and_then(Value::as_str).and_then(crate::instances::instance_resources)
        {
            configuration["vcpu"] = json!(vcpu);
            configuration["memory_mib"] = json!(memory);
            configuration["memory"] = json!(format!("{memory}MB"));
            configuration["disk"] = json!({ "size": format!("{disk}MB"), "size_mb": disk });
        }
        json!({
            "id": self.id,
            "account_id": account_id,
            "name": self.name,
            "created_at": self.created_at,
            "version": self.version,
            "scheduling_policy": self.scheduling_policy,
            "instances": self.instances,
            "max_instances": self.max_instances,
            "constraints": self.constraints,
            "configuration": configuration,
            "durable_objects": { "namespace_id": self.namespace_id },
            "rollout_active_grace_period": self.rollout_active_grace_period,
            "health": { "instances": { "healthy": 0, "failed": 0, "starting": 0, "scheduling": 0 } },
        })
    }
}
