//! The Worker's routes: zone routes and Custom Domains from the settings
//! (their zones checked before the build, by `preflight`), set only when
//! they differ from the account's (each `PUT` replaces the Worker's set).

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
