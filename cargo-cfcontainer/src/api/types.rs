//! What the API answers, as far as `cargo cfcontainer` reads it. Unknown
//! fields are ignored so new API fields do not break deploys.

use serde::Deserialize;
use serde_json::Value;

use super::Secret;

/// An entry of `GET /workers/scripts`.
#[derive(Debug, Clone, Deserialize)]
pub struct ScriptEntry {
    /// The script name.
    pub id: String,
    /// Hash of the uploaded content.
    #[serde(default)]
    pub etag: Option<String>,
    /// The last applied Durable Object migration tag.
    #[serde(default)]
    pub migration_tag: Option<String>,
}

/// `PUT /workers/scripts/{name}`'s answer.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadedScript {
    /// Hash of the uploaded content.
    #[serde(default)]
    pub etag: Option<String>,
}

/// `GET /workers/scripts/{name}/settings`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScriptSettings {
    /// Bindings (secret values are never returned).
    #[serde(default)]
    pub bindings: Vec<Value>,
    /// Compatibility date.
    #[serde(default)]
    pub compatibility_date: Option<String>,
    /// Compatibility flags.
    #[serde(default)]
    pub compatibility_flags: Vec<String>,
    /// Script tags; one records the digest of the last upload.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// `GET /workers/scripts/{name}/subdomain`.
#[derive(Debug, Clone, Deserialize)]
pub struct ScriptSubdomain {
    /// Served on workers.dev.
    pub enabled: bool,
}

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
}

/// A container application.
#[derive(Debug, Clone, Deserialize)]
pub struct Application {
    /// Application id.
    pub id: String,
    /// Its unique name.
    pub name: String,
    /// Upper bound of instances.
    pub max_instances: u32,
    /// What every instance runs.
    pub configuration: AppConfiguration,
    /// The Durable Object namespace it serves.
    #[serde(default)]
    pub durable_objects: Option<DurableObjects>,
}

impl Application {
    /// True if it serves the Durable Object namespace `namespace_id`.
    pub fn serves(&self, namespace_id: &str) -> bool {
        self.durable_objects.as_ref().is_some_and(|d| d.namespace_id == namespace_id)
    }
}

/// An application's configuration, with resources expanded.
#[derive(Debug, Clone, Deserialize)]
pub struct AppConfiguration {
    /// The image reference.
    pub image: String,
    /// Named instance type, if one was given.
    #[serde(default)]
    pub instance_type: Option<String>,
    /// vCPUs.
    #[serde(default)]
    pub vcpu: Option<f64>,
    /// Memory in MiB.
    #[serde(default)]
    pub memory_mib: Option<u32>,
    /// Disk.
    #[serde(default)]
    pub disk: Option<Disk>,
    /// Log settings.
    #[serde(default)]
    pub observability: Option<Value>,
}

/// Disk size.
#[derive(Debug, Clone, Deserialize)]
pub struct Disk {
    /// MB.
    #[serde(default)]
    pub size_mb: Option<u32>,
}

/// `durable_objects` of an application.
#[derive(Debug, Clone, Deserialize)]
pub struct DurableObjects {
    /// The namespace id.
    pub namespace_id: String,
}

/// A rollout.
#[derive(Debug, Clone, Deserialize)]
pub struct Rollout {
    /// Rollout id.
    pub id: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
}

/// Short-lived registry credentials.
#[derive(Debug, Clone, Deserialize)]
pub struct RegistryCredentials {
    /// Registry user.
    pub username: String,
    /// Registry password; never printed.
    pub password: Secret,
}
