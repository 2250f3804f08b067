//! Where a container application's instances may run.

use serde::{Deserialize, Serialize};

/// How instances are placed (the attribute's `scheduling_policy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchedulingPolicy {
    /// Cloudflare's choice.
    #[default]
    Default,
    /// Within the regions of the constraints.
    Regional,
}

impl SchedulingPolicy {
    /// Its name in the attribute and the API.
    pub fn name(self) -> &'static str {
        match self {
            SchedulingPolicy::Default => "default",
            SchedulingPolicy::Regional => "regional",
        }
    }

    /// The policy called `name` in the attribute and the API.
    pub fn from_name(name: &str) -> Option<SchedulingPolicy> {
        match name {
            "default" => Some(SchedulingPolicy::Default),
            "regional" => Some(SchedulingPolicy::Regional),
            _ => None,
        }
    }
}

/// Where instances may run (the attribute's `constraints(...)`), as the
/// official CLI sends them: tiers `[1, 2]` unless given, regions in upper
/// case, the jurisdiction in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    /// Network tiers.
    pub tiers: Vec<u8>,
    /// Region codes (`ENAM`, `WEUR`); empty: anywhere.
    pub regions: Vec<String>,
    /// A jurisdiction (`eu`, `fedramp`).
    pub jurisdiction: Option<String>,
}

impl Default for Constraints {
    fn default() -> Self {
        Constraints { tiers: vec![1, 2], regions: Vec::new(), jurisdiction: None }
    }
}
