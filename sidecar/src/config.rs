//! The egress configuration workerd pushes with `PUT /egress`: where its
//! egress listener is, whether the app has the internet, and which names
//! DNS answers. One immutable snapshot is swapped in whole, so a flow or a
//! query sees either the old or the new configuration, never a mix, and
//! the new one is in force before the `204` goes out.

use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::Deserialize;

use crate::glob;

/// One configuration snapshot.
#[derive(Clone, Debug, PartialEq)]
pub struct EgressConfig {
    /// Port of workerd's egress listener on `host.docker.internal`.
    pub port: u16,
    /// Whether workerd lets the app reach the internet (it decides; DNS
    /// follows it here).
    pub internet: bool,
    /// Hostname globs DNS answers for, normalised (lowercase, no trailing dot).
    pub allow_hostnames: Vec<String>,
}

impl EgressConfig {
    /// The configuration before the first `PUT /egress`, as the official
    /// image has it: internet on, every name allowed.
    pub fn initial(port: u16) -> EgressConfig {
        EgressConfig { port, internet: true, allow_hostnames: vec!["*".to_string()] }
    }

    /// True if DNS may answer for `name` (any case, a trailing dot ignored).
    pub fn allows(&self, name: &str) -> bool {
        let name = normalise(name);
        self.allow_hostnames.iter().any(|pattern| glob::matches(pattern, &name))
    }
}

/// The body of `PUT /egress`: each part replaces its setting, an absent
/// part (or an absent field in it) leaves the setting as it is.
#[derive(Debug, Default, Deserialize, PartialEq)]
pub struct EgressUpdate {
    /// The egress listener's new port.
    pub port: Option<u64>,
    /// DNS settings.
    pub dns: Option<DnsUpdate>,
    /// Internet settings.
    pub internet: Option<InternetUpdate>,
}

/// `dns` of an update.
#[derive(Debug, Default, Deserialize, PartialEq)]
pub struct DnsUpdate {
    /// The new allow list; `[]` allows nothing.
    #[serde(rename = "allowHostnames")]
    pub allow_hostnames: Option<Vec<String>>,
}

/// `internet` of an update.
#[derive(Debug, Default, Deserialize, PartialEq)]
pub struct InternetUpdate {
    /// The new internet setting.
    pub enabled: Option<bool>,
}

/// Why an update was refused (the answer is `400`).
#[derive(Debug, PartialEq)]
pub enum UpdateError {
    /// The body is not the JSON object expected.
    BadJson(String),
    /// None of `port`, `dns` and `internet` is there.
    Empty,
    /// The port is not 1..=65535.
    BadPort(u64),
}

impl std::fmt::Display for UpdateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UpdateError::BadJson(e) => write!(f, "the body is not an egress configuration: {e}"),
            UpdateError::Empty => write!(f, "the body has none of port, dns and internet"),
            UpdateError::BadPort(p) => write!(f, "port {p} is not in 1..65535"),
        }
    }
}

impl EgressUpdate {
    /// Parses and checks a `PUT /egress` body.
    pub fn parse(body: &[u8]) -> Result<EgressUpdate, UpdateError> {
        let update: EgressUpdate = serde_json::from_slice(body).map_err(|e| UpdateError::BadJson(e.to_string()))?;
        if update == EgressUpdate::default() {
            return Err(UpdateError::Empty);
        }
        if let Some(port) = update.port {
            if !(1..=u64::from(u16::MAX)).contains(&port) {
                return Err(UpdateError::BadPort(port));
            }
        }
        Ok(update)
    }

    /// `config` with this update applied.
    pub fn apply(&self, config: &EgressConfig) -> EgressConfig {
        let mut next = config.clone();
        if let Some(port) = self.port {
            next.port = u16::try_from(port).expect("checked by parse");
        }
        if let Some(enabled) = self.internet.as_ref().and_then(|i| i.enabled) {
            next.internet = enabled;
        }
        if let Some(list) = self.dns.as_ref().and_then(|d| d.allow_hostnames.as_ref()) {
            next.allow_hostnames = list.iter().map(|h| normalise(h)).filter(|h| !h.is_empty()).collect();
        }
        next
    }
}

/// Lowercase, trimmed, without a trailing dot.
fn normalise(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The configuration in force, shared by every task.
pub struct ConfigStore {
    current: ArcSwap<EgressConfig>,
}

impl ConfigStore {
    /// A store holding `initial`.
    pub fn new(initial: EgressConfig) -> ConfigStore {
        ConfigStore { current: ArcSwap::from_pointee(initial) }
    }

    /// The snapshot in force now.
    pub fn current(&self) -> Arc<EgressConfig> {
        self.current.load_full()
    }

    /// Applies `update` to whatever is in force (concurrent updates each
    /// apply to the other's result) and returns the new snapshot.
    pub fn update(&self, update: &EgressUpdate) -> Arc<EgressConfig> {
        self.current.rcu(|current| update.apply(current));
        self.current()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(json: &str) -> Result<EgressUpdate, UpdateError> {
        EgressUpdate::parse(json.as_bytes())
    }

    #[test]
    fn before_any_update_every_name_resolves_and_the_internet_is_on() {
        let config = EgressConfig::initial(4000);
        assert!(config.internet);
        assert!(config.allows("anything.example."));
    }

    #[test]
    fn a_full_update_from_workerd_replaces_all_three_settings() {
        let u = update(
            r#"{"port":4100,"dns":{"allowHostnames":["Google.com.","*.cloudflare.com"]},"internet":{"enabled":false}}"#,
        )
        .unwrap();
        let next = u.apply(&EgressConfig::initial(4000));
        assert_eq!(
            next,
            EgressConfig {
                port: 4100,
                internet: false,
                allow_hostnames: vec!["google.com".into(), "*.cloudflare.com".into()]
            }
        );
        assert!(next.allows("GOOGLE.COM."));
        assert!(next.allows("www.cloudflare.com"));
        assert!(!next.allows("cloudflare.com"));
    }

    #[test]
    fn a_port_only_update_leaves_dns_and_internet_as_they_were() {
        let before = EgressConfig { port: 1, internet: false, allow_hostnames: vec!["a.example".into()] };
        let next = update(r#"{"port":5000}"#).unwrap().apply(&before);
        assert_eq!(next, EgressConfig { port: 5000, ..before });
    }

    #[test]
    fn an_empty_allow_list_allows_nothing_while_an_absent_one_changes_nothing() {
        let before = EgressConfig::initial(1);
        let cleared = update(r#"{"dns":{"allowHostnames":[]}}"#).unwrap().apply(&before);
        assert!(!cleared.allows("a.example"));
        let same = update(r#"{"dns":{},"internet":{}}"#).unwrap().apply(&before);
        assert_eq!(same, before);
    }

    #[test]
    fn blank_names_are_dropped_from_the_allow_list() {
        let next =
            update(r#"{"dns":{"allowHostnames":[" ", ".", "A.example "]}}"#).unwrap().apply(&EgressConfig::initial(1));
        assert_eq!(next.allow_hostnames, vec!["a.example".to_string()]);
    }

    #[test]
    fn bad_bodies_are_refused_with_their_reason() {
        assert!(matches!(update("{"), Err(UpdateError::BadJson(_))));
        assert!(matches!(update("[1]"), Err(UpdateError::BadJson(_))));
        assert!(matches!(update(r#"{"port":-1}"#), Err(UpdateError::BadJson(_))));
        assert!(matches!(update(r#"{"dns":{"allowHostnames":"*"}}"#), Err(UpdateError::BadJson(_))));
        assert_eq!(update("{}"), Err(UpdateError::Empty));
        assert_eq!(update(r#"{"other":1}"#), Err(UpdateError::Empty));
        assert_eq!(update(r#"{"port":0}"#), Err(UpdateError::BadPort(0)));
        assert_eq!(update(r#"{"port":65536}"#), Err(UpdateError::BadPort(65536)));
    }

    #[test]
    fn the_store_swaps_in_the_new_snapshot_before_update_returns() {
        let store = ConfigStore::new(EgressConfig::initial(1));
        let old = store.current();
        let new = store.update(&update(r#"{"internet":{"enabled":false}}"#).unwrap());
        assert!(old.internet, "a snapshot taken before stays as it was");
        assert!(!new.internet);
        assert!(!store.current().internet);
    }
}
