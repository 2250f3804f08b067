//! The wrangler config file as written: the bindings and settings
//! `cargo cfcontainer` and `cfcontainer::bindings!` read. Field names are
//! wrangler's (the same in TOML and JSON).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A whole `wrangler.toml` / `wrangler.json(c)` (read by
/// [`parse`](super::parse), key by key, so that an error names its key path).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WranglerFile {
    /// Settings and bindings of the top level (the default environment).
    pub top: Section,
    /// `[env.NAME]` sections.
    pub env: BTreeMap<String, Section>,
}

/// What the top level and each `[env.NAME]` may hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    /// `name`: the Worker's name (in an environment: its name there).
    pub name: Option<String>,
    /// Every binding the section declares.
    pub bindings: Bindings,
    /// Its settings.
    pub settings: super::Settings,
    /// The keys it sets that this model does not type and that would
    /// change what the official CLI deploys (`site`, `unsafe`, ...; the
    /// build settings of [`INERT_KEYS`](super::INERT_KEYS) are not
    /// among them).
    pub untyped: Vec<String>,
    /// The keys it sets that the official CLI does not know there either
    /// (it ignores them with a warning): most often typos.
    pub unknown: Vec<super::UnknownKey>,
}

/// Every binding kind of a wrangler config.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bindings {
    /// Plain-text (string) and JSON vars.
    pub vars: BTreeMap<String, Value>,
    pub kv_namespaces: Vec<KvNamespace>,
    pub r2_buckets: Vec<R2Bucket>,
    pub d1_databases: Vec<D1Database>,
    pub services: Vec<Service>,
    pub queues: Queues,
    pub durable_objects: DurableObjects,
    pub analytics_engine_datasets: Vec<AnalyticsEngineDataset>,
    pub ai: Option<Named>,
    pub vectorize: Vec<Vectorize>,
    pub hyperdrive: Vec<Hyperdrive>,
    pub version_metadata: Option<Named>,
    pub browser: Option<Named>,
    pub send_email: Vec<SendEmail>,
    pub mtls_certificates: Vec<MtlsCertificate>,
    pub dispatch_namespaces: Vec<DispatchNamespace>,
    pub workflows: Vec<Workflow>,
    pub secrets_store_secrets: Vec<SecretsStoreSecret>,
}

/// `{ binding = "NAME" }`: bindings that need nothing else.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Named {
    pub binding: String,
}

/// `kv_namespaces` entry: a KV namespace.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct KvNamespace {
    pub binding: String,
    pub id: String,
    pub preview_id: Option<String>,
}

/// `r2_buckets` entry: an R2 bucket.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct R2Bucket {
    pub binding: String,
    pub bucket_name: String,
    pub jurisdiction: Option<String>,
    pub preview_bucket_name: Option<String>,
}

/// `d1_databases` entry: a D1 database.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct D1Database {
    pub binding: String,
    pub database_id: String,
    pub database_name: Option<String>,
    pub preview_database_id: Option<String>,
    pub migrations_dir: Option<String>,
}

/// `services` entry: another Worker (service binding).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Service {
    pub binding: String,
    pub service: String,
    pub environment: Option<String>,
    pub entrypoint: Option<String>,
}

/// `queues`: producers (bindings) and consumers.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Queues {
    pub producers: Vec<QueueProducer>,
    /// Consumers are not bindings; deploy configures them on the queue.
    pub consumers: Vec<QueueConsumer>,
}

/// `queues.consumers` entry: this Worker consumes a queue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConsumer {
    pub queue: String,
    /// `worker` (the default; the only type a wrangler file may configure).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub max_batch_size: Option<u32>,
    /// Seconds.
    pub max_batch_timeout: Option<f64>,
    pub max_retries: Option<u32>,
    pub dead_letter_queue: Option<String>,
    pub max_concurrency: Option<u32>,
    /// Seconds.
    pub retry_delay: Option<u32>,
    /// Accepted as the official CLI accepts it, and not sent (it applies to
    /// pull consumers only).
    pub visibility_timeout_ms: Option<u64>,
}

/// `queues.producers` entry: a queue to send to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct QueueProducer {
    pub binding: String,
    pub queue: String,
    pub delivery_delay: Option<u32>,
}

/// `durable_objects`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct DurableObjects {
    pub bindings: Vec<DurableObjectBinding>,
    /// How the Worker's Durable Objects take up new code; `None`: the
    /// official CLI's default ([`super::CodeUpdateStrategy::default`]).
    pub code_update_strategy: Option<super::CodeUpdateStrategy>,
}

/// `durable_objects.bindings` entry: a Durable Object namespace.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DurableObjectBinding {
    pub name: String,
    pub class_name: String,
    pub script_name: Option<String>,
    pub environment: Option<String>,
}

/// `analytics_engine_datasets` entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AnalyticsEngineDataset {
    pub binding: String,
    pub dataset: Option<String>,
}

/// `vectorize` entry: a Vectorize index.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Vectorize {
    pub binding: String,
    pub index_name: String,
}

/// `hyperdrive` entry: a Hyperdrive config.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Hyperdrive {
    pub binding: String,
    pub id: String,
    #[serde(rename = "localConnectionString")]
    pub local_connection_string: Option<String>,
}

/// `send_email` entry: an email sender.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SendEmail {
    pub name: String,
    pub destination_address: Option<String>,
    pub allowed_destination_addresses: Option<Vec<String>>,
    pub allowed_sender_addresses: Option<Vec<String>>,
}

/// `mtls_certificates` entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MtlsCertificate {
    pub binding: String,
    pub certificate_id: String,
}

/// `dispatch_namespaces` entry (Workers for Platforms).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DispatchNamespace {
    pub binding: String,
    pub namespace: String,
    pub outbound: Option<Outbound>,
}

/// A dispatch namespace's outbound Worker.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Outbound {
    pub service: String,
    pub environment: Option<String>,
    pub parameters: Option<Vec<String>>,
}

/// `workflows` entry.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Workflow {
    pub binding: String,
    pub name: String,
    pub class_name: String,
    pub script_name: Option<String>,
}

/// `secrets_store_secrets` entry: a secret of a Secrets Store.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SecretsStoreSecret {
    pub binding: String,
    pub store_id: String,
    pub secret_name: String,
}
