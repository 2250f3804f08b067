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
    /// The registry front's hosts (plain, TLS) once it is opened: the
    /// account's registry under other names.
    pub front_hosts: Vec<String>,
    /// The registry passwords handed out for the front's hosts.
    pub grants: crate::grants::Grants,
    /// Static assets and their upload sessions.
    pub assets: Assets,
    /// Live-log tails of every Worker.
    pub tails: Vec<Tail>,
    /// Instances of every container application.
    pub instances: Vec<Instance>,
    /// Registries of other providers the containers pull from.
    pub image_registries: Vec<ImageRegistry>,
    /// Secrets Store stores.
    pub stores: Vec<Store>,
    /// The secrets of every store.
    pub store_secrets: Vec<StoreSecret>,
    next_id: u64,
    clock: u64,
}

/// A registry of another provider, configured on the account.
pub struct ImageRegistry {
    pub domain: String,
    /// `ECR`, `DockerHub` or `GAR`.
    pub kind: &'static str,
    /// The public credential and where the private one is; none for a
    /// public registry.
    pub auth: Option<(String, PrivateCredential)>,
    pub created_at: String,
}

/// Where a registry's private credential is.
pub enum PrivateCredential {
    /// Given in the request (only its length is kept).
    Inline { length: usize },
    /// A secret of the Secrets Store.
    SecretsStore { store_id: String, secret_name: String },
}

/// A Secrets Store store.
pub struct Store {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub created: String,
}

/// A secret of a store: its value is not kept, only its length.
pub struct StoreSecret {
    pub id: String,
    pub store_id: String,
    pub name: String,
    pub value_length: usize,
    pub scopes: Vec<String>,
    pub comment: String,
    pub created: String,
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
    /// What the live version runs.
    pub content: VersionContent,
    pub migration_tag: Option<String>,
    pub observability: Option<Value>,
    /// `logpush` and `tail_consumers` of the upload.
    pub logpush: bool,
    pub tail_consumers: Vec<Value>,
    /// Cron Triggers, as `GET .../schedules` lists them.
    pub schedules: Vec<Value>,
    /// Zone routes, as `GET .../routes` lists them.
    pub routes: Vec<Value>,
    pub tags: Vec<String>,
    /// Served on `<name>.<subdomain>.workers.dev`.
    pub workers_dev: bool,
    /// Each version served on its own Preview URL.
    pub previews_enabled: bool,
    pub created_on: String,
    pub modified_on: String,
    /// The live version.
    pub version_id: String,
    /// Every version uploaded, oldest first.
    pub versions: Vec<Version>,
    /// Every deployment, oldest first; the last is live.
    pub deployments: Vec<Deployment>,
}

/// What one version of a Worker runs: the parts of an upload a deployment
/// of that version brings back (settings outside versions, such as tags,
/// routes, crons and observability, stay as they are).
#[derive(Clone)]
pub struct VersionContent {
    pub etag: String,
    pub main_module: String,
    pub modules: Vec<Module>,
    pub compatibility_date: Option<String>,
    pub compatibility_flags: Vec<String>,
    pub bindings: Vec<Value>,
    /// The upload's `containers` entries (`class_name`, and `name` when
    /// sent).
    pub containers: Vec<Value>,
    pub placement: Option<Value>,
    pub limits: Option<Value>,
    /// Static assets: `{ manifest, config }` of the upload.
    pub assets: Option<Value>,
    /// The upload's metadata without its bindings, migrations,
    /// annotations and assets token, for tests comparing what two tools
    /// sent (secret values are only ever in bindings).
    pub upload: Value,
}

/// One uploaded version of a Worker.
pub struct Version {
    pub id: String,
    pub number: u64,
    pub created_on: String,
    /// `wrangler` for the official CLI's uploads, else `api`.
    pub source: String,
    /// `workers/message`, `workers/tag` as uploaded, and `workers/triggered_by`.
    pub annotations: serde_json::Map<String, Value>,
    pub content: VersionContent,
}

/// All traffic of a Worker going to some versions.
pub struct Deployment {
    pub id: String,
    pub created_on: String,
    pub source: String,
    /// `workers/message` as given, and `workers/triggered_by`.
    pub annotations: serde_json::Map<String, Value>,
    /// `(version id, percentage)`.
    pub versions: Vec<(String, u64)>,
}

/// One tail of a Worker.
pub struct Tail {
    pub id: String,
    pub script: String,
    pub filters: Vec<Value>,
    pub expires_at: String,
    /// The connected WebSocket's queue, once a client connected.
    pub socket: Option<tokio::sync::mpsc::UnboundedSender<String>>,
    /// Events seen, for the sampling filter.
    pub seen: u64,
}

/// One instance of an application.
pub struct Instance {
    /// 64 hex digits.
    pub id: String,
    pub application_id: String,
    /// The Durable Object it runs for.
    pub durable_object_id: String,
    /// The Durable Object's name, when it has one.
    pub name: Option<String>,
    /// `running`, `provisioning`, `failed`, `stopping` or `stopped`.
    pub state: String,
    pub location: String,
    pub created_at: String,
    /// The application version it runs.
    pub app_version: u64,
}

impl Instance {
    /// As the dashboard endpoint lists it, running `image`.
    pub fn json(&self, image: &Value) -> Value {
        json!({
            "id": self.id,
            "created_at": self.created_at,
            "current_placement": {
                "id": format!("{}p", &self.id[..63]),
                "deployment_id": self.id,
                "status": { "health": self.state, "container_status": self.state },
            },
            "location": self.location,
            "region": "WNAM",
            "app_version": self.app_version,
            "image": image,
        })
    }
}

/// The account's user, as versions and deployments name their author.
pub const AUTHOR_EMAIL: &str = "developer@example.com";

impl Version {
    /// As `GET .../versions` lists it: secret values never shown, each
    /// Durable Object binding with the id of its namespace in `namespaces`
    /// (the official CLI finds its applications' namespaces there).
    pub fn json(&self, script: &str, namespaces: &[Namespace]) -> Value {
        let c = &self.content;
        let mut json = json!({
            "id": self.id,
            "number": self.number,
            "metadata": {
                "created_on": self.created_on, "modified_on": self.created_on, "source": self.source,
                "author_id": "0f0e0d0c0b0a09080706050403020100", "author_email": AUTHOR_EMAIL, "has_preview": false,
            },
            "annotations": self.annotations,
            "resources": {
                "script": { "etag": c.etag, "handlers": ["fetch"], "last_deployed_from": self.source },
                "script_runtime": {
                    "compatibility_date": c.compatibility_date, "compatibility_flags": c.compatibility_flags,
                    "usage_model": "standard", "limits": c.limits.clone().unwrap_or(json!({})),
                },
                "bindings": with_namespace_ids(without_secret_values(&c.bindings), script, namespaces),
            },
        });
        // The upload's container entries, when it had any (the official
        // CLI 4.164 reads them back for `--containers-rollout=none`).
        if !c.containers.is_empty() {
            json["resources"]["script_runtime"]["containers"] = json!(c.containers);
        }
        json
    }
}

/// `bindings` with `namespace_id` in each Durable Object binding whose
/// namespace (of `script`, or of its `script_name`) exists.
pub fn with_namespace_ids(mut bindings: Vec<Value>, script: &str, namespaces: &[Namespace]) -> Vec<Value> {
    for binding in bindings.iter_mut().filter(|b| b["type"] == "durable_object_namespace") {
        let owner = binding.get("script_name").and_then(Value::as_str).unwrap_or(script).to_string();
        let class = binding["class_name"].as_str().unwrap_or_default().to_string();
        if let Some(ns) = namespaces.iter().find(|n| n.script == owner && n.class == class) {
            binding["namespace_id"] = json!(ns.id);
        }
    }
    bindings
}

impl Deployment {
    /// As `GET .../deployments` lists it.
    pub fn json(&self) -> Value {
        json!({
            "id": self.id,
            "created_on": self.created_on,
            "source": self.source,
            "strategy": "percentage",
            "author_email": AUTHOR_EMAIL,
            "annotations": self.annotations,
            "versions": self.versions.iter().map(|(id, p)| json!({ "version_id": id, "percentage": p })).collect::<Vec<_>>(),
        })
    }
}

/// Bindings as the API shows them: a secret's value never.
pub fn without_secret_values(bindings: &[Value]) -> Vec<Value> {
    bindings
        .iter()
        .map(|b| {
            let mut b = b.clone();
            if b["type"] == "secret_text" {
                b.as_object_mut().expect("bindings are objects").remove("text");
            }
            b
        })
        .collect()
}

impl Script {
    /// Makes `version` the one that runs.
    pub fn run(&mut self, version: &str, content: VersionContent) {
        self.version_id = version.to_string();
        self.content = content;
    }

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
#[derive(Clone)]
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
    /// The application's own log settings (`{"logs": {"enabled"}}`, with
    /// an optional target share or count of instances), when set: the
    /// official CLI 4.164 sets them here rather than in `configuration`.
    pub observability: Option<Value>,
    pub rollouts: Vec<Value>,
}

impl State {
    /// A fresh id: 32 hex digits.
    pub fn id(&mut self) -> String {
        format!("{:032x}", 0xcf00_0000_0000_0000_u128 + u128::from(self.id_number()))
    }

    /// A fresh UUID (versions and deployments are named by UUIDs), as
    /// scattered as real ones (the official CLI tags images with the first
    /// eight digits of a version's).
    pub fn uuid(&mut self) -> String {
        use sha2::Digest;
        let hex = hex::encode(sha2::Sha256::digest(self.id().as_bytes()));
        format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
    }

    /// The domains of the registries of other providers configured.
    pub fn external_registries(&self) -> Vec<String> {
        self.image_registries.iter().map(|r| r.domain.clone()).collect()
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

    /// An application as the API shows it, with its instances' health.
    pub fn application_json(&self, app: &Application, account_id: &str) -> Value {
        let mut json = app.json(account_id);
        json["health"] = self.health(&app.id);
        json
    }

    /// An application's instance counts, as its `health.instances`.
    pub fn health(&self, application_id: &str) -> Value {
        let count =
            |s: &str| self.instances.iter().filter(|i| i.application_id == application_id && i.state == s).count();
        json!({ "instances": {
            "active": count("running"), "healthy": count("running"), "failed": count("failed"),
            "starting": count("provisioning"), "scheduling": 0,
        } })
    }

    /// Everything, for tests (with how many rollouts each application had).
    pub fn snapshot(&self, config: &Config) -> Value {
        json!({
            "scripts": self.scripts.iter().map(|(name, s)| (name.clone(), s.settings_json(true))).collect::<serde_json::Map<_, _>>(),
            "namespaces": self.namespaces.iter().map(Namespace::json).collect::<Vec<_>>(),
            "applications": self.applications.iter().map(|a| {
                let mut json = self.application_json(a, &config.account_id);
                json["rollouts"] = json!(a.rollouts.len());
                json
            }).collect::<Vec<_>>(),
            "tails": self.tails.iter().map(|t| json!({ "id": t.id, "script": t.script, "filters": t.filters, "connected": t.socket.is_some() })).collect::<Vec<_>>(),
            "domains": self.domains.iter().map(Domain::json).collect::<Vec<_>>(),
            "consumers": self.consumers.iter().map(Consumer::json).collect::<Vec<_>>(),
            "image_registries": self.image_registries.iter().map(|r| {
                let mut json = r.json();
                if let Some((public, private)) = &r.auth {
                    json["public_credential"] = json!(public);
                    if let PrivateCredential::Inline { length } = private {
                        json["inline_credential_length"] = json!(length);
                    }
                }
                json
            }).collect::<Vec<_>>(),
            "stores": self.stores.iter().map(Store::json).collect::<Vec<_>>(),
            "store_secrets": self.store_secrets.iter().map(|s| {
                let mut json = s.json();
                json["value_length"] = json!(s.value_length);
                json
            }).collect::<Vec<_>>(),
        })
    }
}

impl Script {
    /// The settings view; secret values are never shown, `internal` adds
    /// what only tests see (tag, modules).
    pub fn settings_json(&self, internal: bool) -> Value {
        let bindings = without_secret_values(&self.content.bindings);
        let mut settings = json!({
            "bindings": bindings,
            "compatibility_date": self.content.compatibility_date,
            "compatibility_flags": self.content.compatibility_flags,
            "logpush": self.logpush,
            "placement": self.content.placement.clone().unwrap_or(json!({})),
            "tags": self.tags,
            "tail_consumers": self.tail_consumers,
            "usage_model": "standard",
        });
        if let Some(limits) = &self.content.limits {
            settings["limits"] = limits.clone();
        }
        if let Some(o) = &self.observability {
            settings["observability"] = o.clone();
        }
        if internal {
            settings["schedules"] = json!(self.schedules);
            settings["routes"] = json!(self.routes);
            settings["migration_tag"] = json!(self.migration_tag);
            settings["version_id"] = json!(self.version_id);
            settings["versions"] = json!(self.versions.len());
            settings["deployments"] = json!(self.deployments.len());
            settings["containers"] = json!(self.content.containers);
            settings["upload"] = self.content.upload.clone();
            settings["etag"] = json!(self.content.etag);
            settings["workers_dev"] = json!(self.workers_dev);
            settings["previews_enabled"] = json!(self.previews_enabled);
            settings["assets"] = json!(self.content.assets);
            settings["modules"] = json!(self
                .content
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
            "etag": self.content.etag,
            "handlers": ["fetch"],
            "created_on": self.created_on,
            "modified_on": self.modified_on,
            "has_modules": true,
            "usage_model": "standard",
            "compatibility_date": self.content.compatibility_date,
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
        let mut json = json!({
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
            "active_rollout_id": self.rollouts.last().map(|r| r["id"].clone()),
            "health": { "instances": { "healthy": 0, "failed": 0, "starting": 0, "scheduling": 0 } },
        });
        if let Some(observability) = &self.observability {
            json["observability"] = observability.clone();
        }
        json
    }
}
