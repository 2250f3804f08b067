//! The entries of a wrangler config that the export writes or reads, typed
//! as the official CLI documents them.

use cfcontainer_meta::wrangler::{InstanceTypeEntry, StepPercentage};
use cfcontainer_meta::RolloutKind;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::api::MigrationStep;

/// Top-level settings the export sets only where the file lacks them.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerDefaults {
    /// The Worker's name (not written for an environment, whose Worker
    /// name derives from the top level's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The module worker-build writes.
    pub main: String,
    /// Runtime compatibility date (likewise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compatibility_date: Option<String>,
    /// Runtime compatibility flags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compatibility_flags: Vec<String>,
    /// How the official CLI builds the Worker.
    pub build: BuildEntry,
}

/// `[build]`.
#[derive(Debug, Clone, Serialize)]
pub struct BuildEntry {
    /// The build command.
    pub command: String,
    /// Where it runs, relative to the config (absent: next to it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

/// One `[[containers]]` entry.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerEntry {
    /// The Durable Object class.
    pub class_name: String,
    /// The application name.
    pub name: String,
    /// The Dockerfile (relative to the config) or an image reference.
    pub image: String,
    /// The build context, when it is not the Dockerfile's directory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_build_context: Option<String>,
    /// Build arguments, in declaration order.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "pairs_as_map")]
    pub image_vars: Vec<(String, String)>,
    /// Upper bound of instances.
    pub max_instances: u32,
    /// Instance size.
    pub instance_type: InstanceTypeEntry,
    /// Rollout steps.
    pub rollout_step_percentage: StepPercentage,
    /// Rollout kind.
    pub rollout_kind: RolloutKind,
    /// Seconds an old instance keeps serving during a rollout (unless 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub rollout_active_grace_period: u64,
    /// Placement policy (unless the default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduling_policy: Option<&'static str>,
    /// Where instances may run (unless the defaults).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraints: Option<ConstraintsEntry>,
}

/// `constraints`, as the official CLI reads them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConstraintsEntry {
    /// Region codes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Network tiers.
    pub tiers: Vec<u8>,
    /// A jurisdiction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One `[[durable_objects.bindings]]` entry.
#[derive(Debug, Clone, Serialize)]
pub struct DurableObjectEntry {
    /// The binding name.
    pub name: String,
    /// The class.
    pub class_name: String,
}

/// One `[[migrations]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationEntry {
    /// Its tag.
    pub tag: String,
    /// What it changes.
    #[serde(flatten)]
    pub step: MigrationStep,
}

/// The class an existing container or binding entry names, if any.
#[derive(Debug, Deserialize)]
pub struct ClassOf {
    /// Its `class_name`.
    #[serde(default)]
    pub class_name: Option<String>,
}

/// An entry as JSON, which the TOML and JSON writers turn into their syntax.
pub fn to_json<T: Serialize>(entry: &T) -> serde_json::Value {
    // Our entries are structs with string keys: serializing cannot fail.
    serde_json::to_value(entry).expect("wrangler entries serialize")
}

fn pairs_as_map<S: Serializer>(pairs: &[(String, String)], serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(pairs.len()))?;
    for (key, value) in pairs {
        map.serialize_entry(key, value)?;
    }
    map.end()
}
