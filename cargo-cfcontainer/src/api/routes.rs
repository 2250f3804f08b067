//! Routes and Custom Domains of a Worker, and the zones they live in, as
//! the official CLI sets them: `PUT /workers/scripts/{name}/routes` (the
//! zone routes) and `PUT /workers/scripts/{name}/domains/records` (the
//! Custom Domains); each replaces what the Worker had.

use serde::{Deserialize, Serialize};

/// A zone, from `GET /zones?name=...`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Zone {
    /// Its id.
    pub id: String,
    /// Its name (`example.com`).
    pub name: String,
}

/// A zone route of the Worker: sent in `PUT .../routes`, listed by `GET`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ScriptRoute {
    /// The pattern (`example.com/api/*`).
    pub pattern: String,
    /// The zone, by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_name: Option<String>,
    /// The zone, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
}

/// A Custom Domain, as `GET /workers/domains` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DomainRecord {
    /// The hostname served.
    pub hostname: String,
    /// The Worker serving it.
    pub service: String,
}

/// One Custom Domain of `PUT .../domains/records`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Origin {
    /// The hostname to serve.
    pub hostname: String,
    /// Its zone, by id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_id: Option<String>,
    /// Its zone, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zone_name: Option<String>,
}

/// `PUT .../domains/records`: the official CLI's body when it does not ask
/// (no terminal): take over an existing origin or DNS record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainsUpdate {
    /// Replace the Worker's Custom Domains with these.
    pub override_scope: bool,
    /// Take over a hostname another Worker serves.
    pub override_existing_origin: bool,
    /// Take over a DNS record of the hostname.
    pub override_existing_dns_record: bool,
    /// The Custom Domains.
    pub origins: Vec<Origin>,
}
