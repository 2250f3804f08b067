//! Routes and Custom Domains of a Worker, and the zones they live in, as
//! the official CLI sets them: `PUT /workers/scripts/{name}/routes` (the
//! zone routes) and `PUT /workers/scripts/{name}/domains/records` (the
//! Custom Domains); each replaces what the Worker had.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::query_value;
use super::{Body, Client, Retry};
use crate::output::Output;
use crate::Error;

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

impl Client {
    /// `GET /workers/scripts/{name}/routes`: the Worker's zone routes.
    pub async fn script_routes(&self, name: &str, out: &Output) -> Result<Vec<ScriptRoute>, Error> {
        self.get(&format!("/workers/scripts/{name}/routes"), out).await
    }

    /// `PUT /workers/scripts/{name}/routes`: replaces the Worker's zone routes.
    pub async fn set_script_routes(&self, name: &str, routes: &[ScriptRoute], out: &Output) -> Result<(), Error> {
        let path = format!("/workers/scripts/{name}/routes");
        self.call::<Value>(Method::PUT, &path, Body::json(&routes), Retry::Safe, out).await.map(drop)
    }

    /// `GET /workers/domains?service=`: the Custom Domains `service` serves.
    pub async fn domains_of(&self, service: &str, out: &Output) -> Result<Vec<DomainRecord>, Error> {
        let all: Vec<DomainRecord> =
            self.get_all(&format!("/workers/domains?service={}", query_value(service)), out).await?;
        Ok(all.into_iter().filter(|d| d.service == service).collect())
    }

    /// `PUT /workers/scripts/{name}/domains/records`: replaces the
    /// Worker's Custom Domains.
    pub async fn set_domains(&self, name: &str, update: &DomainsUpdate, out: &Output) -> Result<(), Error> {
        let path = format!("/workers/scripts/{name}/domains/records");
        self.call::<Value>(Method::PUT, &path, Body::json(update), Retry::Safe, out).await.map(drop)
    }
}
