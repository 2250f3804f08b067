//! The Worker's routes: zone routes and Custom Domains from the settings,
//! their zones found before anything is written, and set only when they
//! differ from the account's (each `PUT` replaces the Worker's set).

use serde::Serialize;

use crate::api::{Client, DomainsUpdate, Origin, ScriptRoute};
use crate::output::Output;
use crate::Error;
use cfcontainer_meta::wrangler::Route;

/// The routes the settings ask for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DesiredRoutes {
    /// Zone routes, sorted.
    pub zone_routes: Vec<ScriptRoute>,
    /// Custom Domains, sorted.
    pub domains: Vec<Origin>,
}

impl DesiredRoutes {
    /// Splits `routes` as the official CLI does: `custom_domain = true`
    /// ones are Custom Domains, the rest zone routes.
    pub fn of(routes: &[Route]) -> DesiredRoutes {
        let mut desired = DesiredRoutes::default();
        for route in routes {
            match route {
                Route::Pattern(pattern) => {
                    desired.zone_routes.push(ScriptRoute { pattern: pattern.clone(), zone_name: None, zone_id: None })
                }
                Route::Detailed { pattern, zone_name, zone_id, custom_domain: true } => desired.domains.push(Origin {
                    hostname: pattern.clone(),
                    zone_id: zone_id.clone(),
                    zone_name: zone_name.clone(),
                }),
                Route::Detailed { pattern, zone_name, zone_id, custom_domain: false } => {
                    desired.zone_routes.push(ScriptRoute {
                        pattern: pattern.clone(),
                        zone_name: zone_name.clone(),
                        zone_id: zone_id.clone(),
                    })
                }
            }
        }
        desired.zone_routes.sort();
        desired.domains.sort();
        desired
    }

    /// Each route without a `zone_id` and the zones that may hold it: its
    /// `zone_name`, or else its host and the host's parents.
    pub fn zones_wanted(&self) -> Vec<(&str, Vec<String>)> {
        let wanted = self.zone_routes.iter().map(|r| (r.pattern.as_str(), &r.zone_name, &r.zone_id));
        let domains = self.domains.iter().map(|d| (d.hostname.as_str(), &d.zone_name, &d.zone_id));
        wanted
            .chain(domains)
            .filter(|(_, _, zone_id)| zone_id.is_none())
            .map(|(pattern, zone_name, _)| match zone_name {
                Some(name) => (pattern, vec![name.clone()]),
                None => (pattern, parents(&host_of(pattern))),
            })
            .collect()
    }

    /// Checks that each route's zone is in the account (by `zone_name`, or
    /// else by the pattern's host and its parents); reads only.
    pub async fn check_zones(&self, client: &Client, out: &Output) -> Result<(), Error> {
        for (pattern, candidates) in self.zones_wanted() {
            let mut found = false;
            for name in &candidates {
                if client.zone_named(name, out).await?.is_some() {
                    found = true;
                    break;
                }
            }
            if !found {
                return Err(Error::NoZone { pattern: pattern.to_string(), tried: candidates.join(", ") });
            }
        }
        Ok(())
    }
}

/// The host of a route pattern: `https://*.example.com/api/*` -> `example.com`.
fn host_of(pattern: &str) -> String {
    let rest = pattern.split_once("://").map_or(pattern, |(_, rest)| rest);
    let host = rest.split('/').next().unwrap_or(rest);
    host.trim_start_matches("*.").trim_start_matches('*').to_string()
}

/// `a.b.example.com` and its parents down to two labels.
fn parents(host: &str) -> Vec<String> {
    let labels: Vec<&str> = host.split('.').collect();
    (0..labels.len().saturating_sub(1)).map(|i| labels[i..].join(".")).collect()
}

/// Sets the Worker's Custom Domains, taking over an existing origin or DNS
/// record as the official CLI does without a terminal.
pub async fn put_domains(client: &Client, worker: &str, origins: &[Origin], out: &Output) -> Result<(), Error> {
    let body = DomainsUpdate {
        override_scope: true,
        override_existing_origin: true,
        override_existing_dns_record: true,
        origins: origins.to_vec(),
    };
    client.set_domains(worker, &body, out).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patterns_zone_is_looked_for_from_its_host_up() {
        assert_eq!(host_of("https://*.api.example.com/v1/*"), "api.example.com");
        assert_eq!(parents("api.example.com"), ["api.example.com", "example.com"]);
    }
}
