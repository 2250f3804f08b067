//! Every route's zone is in the account: the account's zone list is read
//! once, and each route without a `zone_id` must find its zone in it (by
//! its `zone_name`, or else by its host and the host's parents). The
//! deploy itself looks no zone up again.

use cfcontainer_meta::wrangler::Route;

use super::resources::listing;
use crate::api::Client;
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// Checks that each of `project`'s routes has its zone in the account.
pub async fn check(project: &Project, client: &Client, out: &Output) -> Result<(), Error> {
    let place = match &project.settings.wrangler {
        Some(source) => source.path.display().to_string(),
        None => project.manifest_path.display().to_string(),
    };
    let wanted = zones_wanted(&project.settings.routes);
    if wanted.is_empty() {
        return Ok(());
    }
    let zones = client.zones(out).await?;
    for (pattern, candidates) in wanted {
        if !zones.iter().any(|z| candidates.contains(&z.name)) {
            let known: Vec<String> = zones.iter().map(|z| z.name.clone()).collect();
            return Err(Error::NoResource {
                place,
                what: format!("route `{pattern}` needs its zone ({})", candidates.join(" or ")),
                account: client.account().to_string(),
                known: listing(&known),
                fix: "add the zone to the account, or give the route its `zone_id`",
            });
        }
    }
    Ok(())
}

/// Each route without a `zone_id` and the zones that may hold it: its
/// `zone_name`, or else its host and the host's parents. Zone routes come
/// first, then Custom Domains, each sorted as the deploy sets them.
fn zones_wanted(routes: &[Route]) -> Vec<(&str, Vec<String>)> {
    let mut unplaced: Vec<(bool, &str, Option<&String>)> = routes
        .iter()
        .filter_map(|route| match route {
            Route::Pattern(pattern) => Some((false, pattern.as_str(), None)),
            Route::Detailed { pattern, zone_name, zone_id: None, custom_domain } => {
                Some((*custom_domain, pattern.as_str(), zone_name.as_ref()))
            }
            Route::Detailed { zone_id: Some(_), .. } => None,
        })
        .collect();
    unplaced.sort();
    unplaced
        .into_iter()
        .map(|(_, pattern, zone_name)| match zone_name {
            Some(name) => (pattern, vec![name.clone()]),
            None => (pattern, parents(&host_of(pattern))),
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_patterns_zone_is_looked_for_from_its_host_up() {
        assert_eq!(host_of("https://*.api.example.com/v1/*"), "api.example.com");
        assert_eq!(parents("api.example.com"), ["api.example.com", "example.com"]);
    }

    #[test]
    fn a_route_with_a_zone_id_needs_no_zone_and_one_with_a_zone_name_needs_that_one() {
        let detailed = |pattern: &str, zone_name: Option<&str>, zone_id: Option<&str>, custom_domain| Route::Detailed {
            pattern: pattern.into(),
            zone_name: zone_name.map(Into::into),
            zone_id: zone_id.map(Into::into),
            custom_domain,
        };
        let routes = [
            detailed("app.example.org", None, None, true),
            Route::Pattern("shop.example.com/*".into()),
            detailed("api.example.net/*", None, Some("z1"), false),
            detailed("b.example.com/*", Some("example.com"), None, false),
        ];
        let wanted = zones_wanted(&routes);
        assert_eq!(
            wanted,
            [
                ("b.example.com/*", vec!["example.com".to_string()]),
                ("shop.example.com/*", vec!["shop.example.com".to_string(), "example.com".to_string()]),
                ("app.example.org", vec!["app.example.org".to_string(), "example.org".to_string()]),
            ]
        );
    }
}
