//! Workers endpoints: the script upload's metadata and bindings (written),
//! and what the account answers about scripts, their settings and
//! Durable Object namespaces (read). Read types ignore unknown fields so
//! new API fields do not break deploys.

use cfcontainer_meta::wrangler::{CodeUpdateStrategy, Limits, Observability, PlacementConfig, TailConsumer};
use reqwest::Method;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::{Annotations, AssetsMetadata, Body, Client, Part, Retry, Secret};
use crate::output::Output;
use crate::Error;

/// The `metadata` part of `PUT /workers/scripts/{name}`.
///
/// Field order is the order of the JSON sent: the deploy digest hashes it,
/// so reordering fields re-uploads every deployed script once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScriptMetadata {
    /// The module the runtime starts from.
    pub main_module: String,
    /// Runtime compatibility date.
    pub compatibility_date: String,
    /// Runtime compatibility flags.
    pub compatibility_flags: Vec<String>,
    /// Every binding the script gets.
    pub bindings: Vec<Binding>,
    /// The Durable Object classes that own a container (left out when
    /// none do, as the official CLI leaves it out).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<ContainerClassRef>,
    /// Binding kinds the account keeps when this upload lacks them.
    pub keep_bindings: Vec<BindingType>,
    /// The Durable Object migration this upload applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrations: Option<MigrationsBody>,
    /// How the Worker's Durable Objects take up this upload's code, as
    /// the official CLI 4.164 sends it with every upload that applies
    /// migrations or carries containers (set per upload, like the
    /// annotations: it is no part of what the Worker runs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_update_strategy: Option<CodeUpdateStrategy>,
    /// The static assets this version serves (their upload's completion
    /// token and config).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assets: Option<AssetsMetadata>,
    /// The wrangler file's settings below, as the official CLI sends them,
    /// in its order and only when set (an upload without them hashes as
    /// before they existed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logpush: Option<bool>,
    /// Placement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    /// Tail consumers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tail_consumers: Option<Vec<TailConsumer>>,
    /// Limits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Limits>,
    /// Observability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observability: Option<Observability>,
    /// The version's annotations: this tool tags each upload with what
    /// identifies it (set per upload, so the digest is taken without).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Annotations>,
}

/// `placement` as the upload carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Placement {
    /// Near the Worker's back ends.
    Smart {
        /// A hint where those are.
        #[serde(skip_serializing_if = "Option::is_none")]
        hint: Option<String>,
    },
    /// At a given place.
    Targeted(Target),
}

/// Where targeted placement puts the Worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A cloud region.
    Region(String),
    /// A host.
    Host(String),
    /// A hostname.
    Hostname(String),
}

impl Placement {
    /// What the official CLI uploads for the file's `placement`
    /// (`parseConfigPlacement`): nothing for `mode = "off"` without a hint,
    /// smart with a hint or `mode = "smart"`, else targeted at the first of
    /// region, host, hostname.
    pub fn of(config: &PlacementConfig) -> Option<Placement> {
        if config.hint.is_some() || config.mode.as_deref() == Some("smart") {
            return Some(Placement::Smart { hint: config.hint.clone() });
        }
        if config.mode.as_deref() == Some("off") {
            return None;
        }
        let target = (config.region.clone().map(Target::Region))
            .or_else(|| config.host.clone().map(Target::Host))
            .or_else(|| config.hostname.clone().map(Target::Hostname))?;
        Some(Placement::Targeted(target))
    }
}

/// One entry of the upload's `containers`, as the official CLI 4.164
/// sends it: the container's application name, and its class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerClassRef {
    /// The container application's name.
    pub name: String,
    /// The Durable Object class.
    pub class_name: String,
}

/// A binding of the uploaded script, tagged by `type` as the API wants.
/// Its `type` as a string comes from the same rule as serde's tag
/// (`IntoStaticStr`, snake_case), not from a second list.
#[derive(Debug, Clone, PartialEq, Serialize, strum::IntoStaticStr)]
#[serde(tag = "type", rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Binding {
    /// A Durable Object namespace: of this script's class, or of
    /// `script_name`'s.
    DurableObjectNamespace {
        /// The name the Worker sees.
        name: String,
        /// The class.
        class_name: String,
        /// The Worker that exports the class, if not this one.
        #[serde(skip_serializing_if = "Option::is_none")]
        script_name: Option<String>,
        /// That Worker's environment.
        #[serde(skip_serializing_if = "Option::is_none")]
        environment: Option<String>,
    },
    /// A KV namespace.
    KvNamespace { name: String, namespace_id: String },
    /// An R2 bucket.
    R2Bucket {
        name: String,
        bucket_name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        jurisdiction: Option<String>,
    },
    /// A D1 database.
    D1 { name: String, id: String },
    /// Another Worker.
    Service {
        name: String,
        service: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        environment: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        entrypoint: Option<String>,
    },
    /// A queue producer.
    Queue {
        name: String,
        queue_name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        delivery_delay: Option<u32>,
    },
    /// An Analytics Engine dataset.
    AnalyticsEngine {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        dataset: Option<String>,
    },
    /// Workers AI.
    Ai { name: String },
    /// A Vectorize index.
    Vectorize { name: String, index_name: String },
    /// A Hyperdrive config.
    Hyperdrive { name: String, id: String },
    /// Version metadata.
    VersionMetadata { name: String },
    /// Browser Rendering.
    Browser { name: String },
    /// An email sender.
    SendEmail {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        destination_address: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        allowed_destination_addresses: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        allowed_sender_addresses: Option<Vec<String>>,
    },
    /// An mTLS certificate.
    MtlsCertificate { name: String, certificate_id: String },
    /// A dispatch namespace (Workers for Platforms).
    DispatchNamespace {
        name: String,
        namespace: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        outbound: Option<DispatchOutbound>,
    },
    /// A Workflow.
    Workflow {
        name: String,
        workflow_name: String,
        class_name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        script_name: Option<String>,
    },
    /// A secret of a Secrets Store.
    SecretsStoreSecret { name: String, store_id: String, secret_name: String },
    /// A plain-text Worker var.
    PlainText {
        /// The name the Worker sees.
        name: String,
        /// Its value.
        text: String,
    },
    /// A JSON Worker var (a wrangler config `vars` entry that is not a string).
    Json {
        /// The name the Worker sees.
        name: String,
        /// Its value.
        json: serde_json::Value,
    },
    /// The Worker's static assets (`assets.binding`).
    Assets {
        /// The name the Worker sees.
        name: String,
    },
    /// A Worker secret; its value is only ever serialized into the upload.
    SecretText {
        /// The name the Worker sees.
        name: String,
        /// Its value.
        #[serde(serialize_with = "expose")]
        text: Secret,
    },
}

impl Binding {
    /// The name the Worker sees.
    pub fn name(&self) -> &str {
        match self {
            Binding::DurableObjectNamespace { name, .. }
            | Binding::PlainText { name, .. }
            | Binding::Json { name, .. }
            | Binding::SecretText { name, .. }
            | Binding::KvNamespace { name, .. }
            | Binding::R2Bucket { name, .. }
            | Binding::D1 { name, .. }
            | Binding::Service { name, .. }
            | Binding::Queue { name, .. }
            | Binding::AnalyticsEngine { name, .. }
            | Binding::Ai { name }
            | Binding::Vectorize { name, .. }
            | Binding::Hyperdrive { name, .. }
            | Binding::VersionMetadata { name }
            | Binding::Browser { name }
            | Binding::SendEmail { name, .. }
            | Binding::MtlsCertificate { name, .. }
            | Binding::DispatchNamespace { name, .. }
            | Binding::Workflow { name, .. }
            | Binding::SecretsStoreSecret { name, .. }
            | Binding::Assets { name } => name,
        }
    }

    /// Its kind.
    pub fn kind(&self) -> BindingType {
        match self {
            Binding::DurableObjectNamespace { .. } => BindingType::DurableObjectNamespace,
            Binding::PlainText { .. } => BindingType::PlainText,
            Binding::Json { .. } => BindingType::Json,
            Binding::SecretText { .. } => BindingType::SecretText,
            other => BindingType::Other(<&'static str>::from(other).to_string()),
        }
    }
}

/// A dispatch namespace's outbound Worker, as the official CLI renames the
/// config's fields for the upload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DispatchOutbound {
    /// The outbound Worker.
    pub worker: OutboundWorker,
    /// The parameters it gets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<Vec<OutboundParam>>,
}

/// `outbound.worker` of a dispatch namespace binding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboundWorker {
    /// Its name.
    pub service: String,
    /// Its environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// One parameter of an outbound Worker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboundParam {
    /// Its name.
    pub name: String,
}

fn expose<S: Serializer>(secret: &Secret, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

/// The API's `type` of a binding (as the upload and `GET .../settings`
/// name it; the wrangler file's kinds are
/// [`cfcontainer_meta::wrangler::BindingKind`]). Types this tool does not
/// write are kept by name, so a plan can still show them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingType {
    /// `durable_object_namespace`.
    DurableObjectNamespace,
    /// `plain_text`.
    PlainText,
    /// `json`.
    Json,
    /// `secret_text`.
    SecretText,
    /// `secret_key`: a cryptographic key set as a secret.
    SecretKey,
    /// Any other kind, as the API names it.
    #[serde(untagged)]
    Other(String),
}

impl std::fmt::Display for BindingType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BindingType::DurableObjectNamespace => "durable_object_namespace",
            BindingType::PlainText => "plain_text",
            BindingType::Json => "json",
            BindingType::SecretText => "secret_text",
            BindingType::SecretKey => "secret_key",
            BindingType::Other(kind) => kind,
        })
    }
}

/// A binding as `GET .../settings` lists it: kind and name, and a JSON
/// binding's value (secret values are never returned).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BoundName {
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: BindingType,
    /// The name the Worker sees.
    pub name: String,
    /// A JSON binding's value.
    #[serde(default)]
    pub json: Option<serde_json::Value>,
}

/// The upload's `migrations`: from the account's tag to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationsBody {
    /// The tag the script must be at; absent for its first migration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_tag: Option<String>,
    /// The tag after this upload.
    pub new_tag: String,
    /// What changes.
    pub steps: Vec<MigrationStep>,
}

/// One migration step, as the API and wrangler's `migrations` write it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationStep {
    /// New classes with key-value storage (read from wrangler files only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_classes: Vec<String>,
    /// New SQLite-backed classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_sqlite_classes: Vec<String>,
    /// Renamed classes (their Durable Objects keep their data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub renamed_classes: Vec<RenamedClass>,
    /// Deleted classes (with their data).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted_classes: Vec<String>,
}

/// A class rename.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenamedClass {
    /// The old name.
    pub from: String,
    /// The new name.
    pub to: String,
}

/// An entry of `GET /workers/scripts`.
#[derive(Debug, Clone, Deserialize)]
pub struct ScriptEntry {
    /// The script name.
    pub id: String,
    /// The last applied Durable Object migration tag.
    #[serde(default)]
    pub migration_tag: Option<String>,
    /// The hash of its content.
    #[serde(default)]
    pub etag: Option<String>,
}

/// `PUT /workers/scripts/{name}`'s answer.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadedScript {
    /// The hash of the content uploaded.
    #[serde(default)]
    pub etag: Option<String>,
}

/// `GET /workers/scripts/{name}/settings`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScriptSettings {
    /// Bindings.
    #[serde(default)]
    pub bindings: Vec<BoundName>,
    /// Compatibility date.
    #[serde(default)]
    pub compatibility_date: Option<String>,
    /// Compatibility flags.
    #[serde(default)]
    pub compatibility_flags: Vec<String>,
}

impl ScriptSettings {
    /// True if the account has a secret called `name`.
    pub fn has_secret(&self, name: &str) -> bool {
        self.bindings.iter().any(|b| b.kind == BindingType::SecretText && b.name == name)
    }
}

/// `GET /workers/scripts/{name}/script-settings`, and the body of its
/// `PATCH` (as the official CLI sets a Worker's tags).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScriptTags {
    /// Script tags; `cfcontainer-<digest>` records the last upload.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `POST /workers/scripts/{name}/subdomain`'s body and `GET`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptSubdomain {
    /// Served on workers.dev.
    pub enabled: bool,
    /// Each version served on its own Preview URL; left out of a `POST`,
    /// the API's default (which follows `enabled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previews_enabled: Option<bool>,
}

/// The API date the official CLI sends with the subdomain `POST` (the one
/// at which it takes `previews_enabled`).
pub const SUBDOMAIN_API_DATE: &str = "2025-08-01";

/// `GET /workers/subdomain`.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountSubdomain {
    /// `<subdomain>.workers.dev`.
    pub subdomain: String,
}

/// An entry of `GET /workers/durable_objects/namespaces`.
#[derive(Debug, Clone, Deserialize)]
pub struct Namespace {
    /// Namespace id.
    pub id: String,
    /// The script that defines the class.
    #[serde(default)]
    pub script: Option<String>,
    /// The class name.
    #[serde(default)]
    pub class: Option<String>,
    /// SQLite-backed storage, else key-value.
    #[serde(default)]
    pub use_sqlite: Option<bool>,
}

impl Client {
    /// `GET /workers/scripts`: every script of the account.
    pub async fn scripts(&self, out: &Output) -> Result<Vec<ScriptEntry>, Error> {
        self.get_all("/workers/scripts", out).await
    }

    /// The script called `name`, if the account has it.
    pub async fn script(&self, name: &str, out: &Output) -> Result<Option<ScriptEntry>, Error> {
        Ok(self.scripts(out).await?.into_iter().find(|s| s.id == name))
    }

    /// `GET /workers/scripts/{name}/settings`: its bindings and compatibility.
    pub async fn script_settings(&self, name: &str, out: &Output) -> Result<ScriptSettings, Error> {
        self.get(&format!("/workers/scripts/{name}/settings"), out).await
    }

    /// `GET /workers/scripts/{name}/script-settings`: its tags, `None` if
    /// there is no such script.
    pub async fn script_tags(&self, name: &str, out: &Output) -> Result<Option<Vec<String>>, Error> {
        let found: Option<ScriptTags> =
            self.get_if_found(&format!("/workers/scripts/{name}/script-settings"), out).await?;
        Ok(found.map(|s| s.tags))
    }

    /// `PATCH /workers/scripts/{name}/script-settings` with `tags`, as the
    /// official CLI sets a Worker's tags.
    pub async fn set_script_tags(&self, name: &str, tags: Vec<String>, out: &Output) -> Result<(), Error> {
        let path = format!("/workers/scripts/{name}/script-settings");
        self.call::<Value>(Method::PATCH, &path, Body::json(&ScriptTags { tags }), Retry::Safe, out).await.map(drop)
    }

    /// `GET /workers/scripts/{name}/subdomain`.
    pub async fn script_subdomain(&self, name: &str, out: &Output) -> Result<ScriptSubdomain, Error> {
        self.get(&format!("/workers/scripts/{name}/subdomain"), out).await
    }

    /// `POST /workers/scripts/{name}/subdomain`, with the API date the
    /// official CLI sends it with.
    pub async fn set_script_subdomain(&self, name: &str, wanted: &ScriptSubdomain, out: &Output) -> Result<(), Error> {
        let path = format!("/workers/scripts/{name}/subdomain");
        let body =
            Body::DatedJson(serde_json::to_value(wanted).expect("subdomain bodies serialize"), SUBDOMAIN_API_DATE);
        self.call::<Value>(Method::POST, &path, body, Retry::Safe, out).await.map(drop)
    }

    /// `PUT /workers/scripts/{name}`: the metadata and module parts, with
    /// the query the official CLI sends (the answer without the script,
    /// inherited bindings checked strictly). Not repeated after an
    /// ambiguous failure ([`Retry::Reconcile`]).
    pub async fn upload_script(&self, name: &str, parts: Vec<Part>, out: &Output) -> Result<UploadedScript, Error> {
        let path = format!("/workers/scripts/{name}?excludeScript=true&bindings_inherit=strict");
        self.call(Method::PUT, &path, Body::Multipart(parts), Retry::Reconcile, out).await
    }

    /// `DELETE /workers/scripts/{name}?force=true` (with its Durable
    /// Objects); `false` if there was none.
    pub async fn delete_script(&self, name: &str, out: &Output) -> Result<bool, Error> {
        self.delete(&format!("/workers/scripts/{name}?force=true"), out).await
    }

    /// `GET /workers/subdomain`: the account's workers.dev subdomain.
    pub async fn account_subdomain(&self, out: &Output) -> Result<AccountSubdomain, Error> {
        self.get("/workers/subdomain", out).await
    }

    /// `GET /workers/durable_objects/namespaces`: every namespace of the account.
    pub async fn namespaces(&self, out: &Output) -> Result<Vec<Namespace>, Error> {
        self.get_all("/workers/durable_objects/namespaces", out).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bindings_type_name_is_the_tag_the_upload_carries() {
        let bindings = [
            Binding::KvNamespace { name: "K".into(), namespace_id: "n".into() },
            Binding::D1 { name: "D".into(), id: "d".into() },
            Binding::MtlsCertificate { name: "M".into(), certificate_id: "c".into() },
            Binding::SecretsStoreSecret { name: "S".into(), store_id: "s".into(), secret_name: "x".into() },
            Binding::VersionMetadata { name: "V".into() },
            Binding::Ai { name: "A".into() },
        ];
        for binding in bindings {
            let tag = serde_json::to_value(&binding).unwrap()["type"].as_str().unwrap().to_string();
            assert_eq!(binding.kind(), BindingType::Other(tag));
        }
    }

    #[test]
    fn bindings_serialize_tagged_by_type_with_the_secret_value() {
        let bindings = [
            Binding::DurableObjectNamespace {
                name: "WEB".into(),
                class_name: "Web".into(),
                script_name: None,
                environment: None,
            },
            Binding::PlainText { name: "MODE".into(), text: "prod".into() },
            Binding::SecretText { name: "KEY".into(), text: Secret::new("s3cret".into()) },
        ];
        assert_eq!(
            serde_json::to_string(&bindings).unwrap(),
            r#"[{"type":"durable_object_namespace","name":"WEB","class_name":"Web"},{"type":"plain_text","name":"MODE","text":"prod"},{"type":"secret_text","name":"KEY","text":"s3cret"}]"#
        );
    }

    #[test]
    fn listed_bindings_of_kinds_we_do_not_write_keep_their_kind() {
        let listed: Vec<BoundName> = serde_json::from_str(
            r#"[{"type":"kv_namespace","name":"CACHE","namespace_id":"1"},{"type":"secret_text","name":"KEY"}]"#,
        )
        .unwrap();
        assert_eq!(listed[0].kind, BindingType::Other("kv_namespace".into()));
        assert_eq!(listed[0].kind.to_string(), "kv_namespace");
        assert_eq!(listed[1].kind, BindingType::SecretText);
    }

    #[test]
    fn placement_is_uploaded_as_the_official_cli_parses_it() {
        let config = |json: serde_json::Value| Placement::of(&serde_json::from_value::<PlacementConfig>(json).unwrap());
        let json = |p: Option<Placement>| serde_json::to_value(p).unwrap();
        assert_eq!(json(config(serde_json::json!({ "mode": "smart" }))), serde_json::json!({ "mode": "smart" }));
        assert_eq!(json(config(serde_json::json!({ "mode": "off" }))), serde_json::Value::Null);
        assert_eq!(
            json(config(serde_json::json!({ "region": "aws:us-east-1" }))),
            serde_json::json!({ "mode": "targeted", "region": "aws:us-east-1" })
        );
    }
}
