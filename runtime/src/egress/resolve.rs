//! Which way an intercepted outbound request goes: the JS library's
//! resolution order (its `docs/egress.md`, as its `ContainerProxy.fetch`
//! 0.3.7 implements it), for the static configuration the attribute gives.

use serde::{Deserialize, Serialize};

use super::glob;

/// The egress settings an interception carries to the entrypoint (its
/// props): what the attribute says, and the instance's identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Props {
    /// The container class.
    pub class_name: String,
    /// The Durable Object's id.
    pub container_id: String,
    /// Whether the container may reach the internet.
    pub enable_internet: bool,
    /// Only these hosts are let through (handlers or the internet).
    pub allowed_hosts: Option<Vec<String>>,
    /// These hosts are refused whatever else is set.
    pub denied_hosts: Option<Vec<String>>,
    /// Every outbound request is intercepted (else only the by-host ones).
    pub intercept_all: bool,
    /// The by-host handlers' patterns, in the attribute's order.
    pub by_host: Vec<String>,
    /// Whether a catch-all handler exists.
    pub catch_all: bool,
}

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Refused: 520 `Origin is disallowed`.
    Deny,
    /// The by-host handler at this index of the attribute's list.
    ByHost(usize),
    /// The catch-all handler.
    CatchAll,
    /// Sent on to the internet, from the Worker.
    Internet,
}

/// The decision for `host` (normalized: lowercase, no port, no trailing
/// dot).
pub fn resolve(props: &Props, host: &str) -> Decision {
    // 1. Denied hosts, before anything.
    if props.denied_hosts.as_ref().is_some_and(|d| glob::any(d, host)) {
        return Decision::Deny;
    }
    // 2. Allowed hosts gate everything else (an empty list refuses all,
    //    as the library's code does).
    if props.allowed_hosts.as_ref().is_some_and(|a| !glob::any(a, host)) {
        return Decision::Deny;
    }
    // 4. By-host handlers: the exact pattern first, then the first glob.
    let exact = props.by_host.iter().position(|p| p == host);
    if let Some(index) = exact.or_else(|| props.by_host.iter().position(|p| glob::matches(p, host))) {
        return Decision::ByHost(index);
    }
    // 5. Only by-host interception: the rest follows the internet switch.
    if !props.intercept_all {
        return if props.allowed_hosts.is_some() || props.enable_internet {
            Decision::Internet
        } else {
            Decision::Deny
        };
    }
    // 7. The catch-all handler.
    if props.catch_all {
        return Decision::CatchAll;
    }
    // 8, 9. An allowed host, or the internet switch.
    if props.allowed_hosts.is_some() || props.enable_internet {
        return Decision::Internet;
    }
    Decision::Deny
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props() -> Props {
        Props {
            class_name: "Web".into(),
            container_id: "id".into(),
            enable_internet: false,
            allowed_hosts: None,
            denied_hosts: None,
            intercept_all: true,
            by_host: Vec::new(),
            catch_all: false,
        }
    }

    fn list(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn the_js_librarys_egress_test_table_is_answered_the_same() {
        // examples/egress-tests of @cloudflare/containers: internet off,
        // allowed and denied lists, two by-host handlers, a catch-all.
        let p = Props {
            allowed_hosts: list(&["allowed.com", "by-host.com", "*.globtest.com"]),
            denied_hosts: list(&["denied.com"]),
            by_host: vec!["by-host.com".into(), "*.globtest.com".into()],
            catch_all: true,
            ..props()
        };
        assert_eq!(resolve(&p, "denied.com"), Decision::Deny);
        assert_eq!(resolve(&p, "random.com"), Decision::Deny);
        assert_eq!(resolve(&p, "by-host.com"), Decision::ByHost(0));
        assert_eq!(resolve(&p, "allowed.com"), Decision::CatchAll);
        assert_eq!(resolve(&p, "api.globtest.com"), Decision::ByHost(1));
        assert_eq!(resolve(&p, "a.b.globtest.com"), Decision::ByHost(1));
        assert_eq!(resolve(&p, "globtest.com"), Decision::Deny);
    }

    #[test]
    fn edge_cases_follow_the_librarys_code_not_its_docs() {
        // An empty allowed list refuses every host.
        let p = Props { allowed_hosts: list(&[]), enable_internet: true, ..props() };
        assert_eq!(resolve(&p, "a.com"), Decision::Deny);
        // Without a catch-all, a host outside the allowed list is refused
        // (the docs say it falls through to the internet switch).
        let p = Props { allowed_hosts: list(&["a.com"]), enable_internet: true, ..props() };
        assert_eq!(resolve(&p, "b.com"), Decision::Deny);
        // An allowed host reaches the internet even with it switched off.
        let p = Props { allowed_hosts: list(&["a.com"]), ..props() };
        assert_eq!(resolve(&p, "a.com"), Decision::Internet);
        // Denial beats a by-host handler.
        let p = Props { denied_hosts: list(&["a.com"]), by_host: vec!["a.com".into()], ..props() };
        assert_eq!(resolve(&p, "a.com"), Decision::Deny);
        // The exact pattern before a glob declared earlier.
        let p = Props { by_host: vec!["*.a.com".into(), "x.a.com".into()], ..props() };
        assert_eq!(resolve(&p, "x.a.com"), Decision::ByHost(1));
        // The first glob in order.
        let p = Props { by_host: vec!["*.a.com".into(), "x.*".into()], ..props() };
        assert_eq!(resolve(&p, "x.a.com"), Decision::ByHost(0));
        // A catch-all beats the allowed-host internet.
        let p = Props { allowed_hosts: list(&["z.com"]), catch_all: true, ..props() };
        assert_eq!(resolve(&p, "z.com"), Decision::CatchAll);
        // By-host only: the rest follows the internet switch.
        let p = Props { by_host: vec!["a.com".into()], intercept_all: false, enable_internet: true, ..props() };
        assert_eq!((resolve(&p, "a.com"), resolve(&p, "b.com")), (Decision::ByHost(0), Decision::Internet));
        // Intercepting everything with nothing else, internet off: refused.
        assert_eq!(resolve(&props(), "x"), Decision::Deny);
    }
}
