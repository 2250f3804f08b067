//! Worker settings carried by the script upload's metadata (`limits`,
//! `placement`, `tail_consumers`, `observability`, `logpush`), read from
//! the wrangler file in its shape and sent as the official CLI sends them
//! (wrangler 4.86 passes all but `placement` through as written). Apart
//! from `api`: the Worker settings hold them too, and the API
//! client reads the Worker settings.

use serde::{Deserialize, Serialize};

/// `limits`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// CPU time per invocation, in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<u64>,
    /// Subrequests per invocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subrequests: Option<u64>,
}

/// `tail_consumers` entry: a Worker that receives this one's events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TailConsumer {
    /// Its name.
    pub service: String,
    /// Its environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// `observability`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerObservability {
    /// Collect logs and traces at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Share of requests sampled, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_sampling_rate: Option<f64>,
    /// Logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<ObservabilityPart>,
    /// Traces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traces: Option<ObservabilityPart>,
}

/// `observability.logs` / `.traces`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservabilityPart {
    /// Collected at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Share of requests sampled, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_sampling_rate: Option<f64>,
    /// Logs only: one log per invocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invocation_logs: Option<bool>,
}

/// `placement` as the config writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementConfig {
    /// `smart` or `off`.
    pub mode: Option<String>,
    /// A hint for smart placement.
    pub hint: Option<String>,
    /// Targeted: a region.
    pub region: Option<String>,
    /// Targeted: a host.
    pub host: Option<String>,
    /// Targeted: a hostname.
    pub hostname: Option<String>,
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

impl PlacementConfig {
    /// What the official CLI uploads for this config (`parseConfigPlacement`):
    /// nothing for `mode = "off"` without a hint, smart with a hint or
    /// `mode = "smart"`, else targeted at the first of region, host, hostname.
    pub fn upload(&self) -> Option<Placement> {
        if self.hint.is_some() || self.mode.as_deref() == Some("smart") {
            return Some(Placement::Smart { hint: self.hint.clone() });
        }
        if self.mode.as_deref() == Some("off") {
            return None;
        }
        let target = (self.region.clone().map(Target::Region))
            .or_else(|| self.host.clone().map(Target::Host))
            .or_else(|| self.hostname.clone().map(Target::Hostname))?;
        Some(Placement::Targeted(target))
    }
}

/// The Worker settings of the upload's metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UploadSettings {
    /// Logpush.
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
    pub observability: Option<WorkerObservability>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placement_is_uploaded_as_the_official_cli_parses_it() {
        let config = |json: serde_json::Value| serde_json::from_value::<PlacementConfig>(json).unwrap().upload();
        let json = |p: Option<Placement>| serde_json::to_value(p).unwrap();
        assert_eq!(json(config(serde_json::json!({ "mode": "smart" }))), serde_json::json!({ "mode": "smart" }));
        assert_eq!(json(config(serde_json::json!({ "mode": "off" }))), serde_json::Value::Null);
        assert_eq!(
            json(config(serde_json::json!({ "region": "aws:us-east-1" }))),
            serde_json::json!({ "mode": "targeted", "region": "aws:us-east-1" })
        );
    }
}
