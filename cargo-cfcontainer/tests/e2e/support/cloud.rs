//! The Cloudflare side for tests: the API emulator wired to the real local
//! registry (htpasswd auth), and the environment the CLI reads.

use cf_api_emulator::{Config, Emulator, Registry};
use serde_json::Value;

use super::prerequisite;

/// The local registry from scripts/setup.sh (`CFC_REGISTRY*` in env.sh).
pub fn registry() -> Option<Registry> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let registry = match (var("CFC_REGISTRY"), var("CFC_REGISTRY_USER"), var("CFC_REGISTRY_PASSWORD")) {
        (Some(host), Some(username), Some(password)) => Some(Registry { host, username, password }),
        _ => None,
    };
    let reachable = registry.as_ref().is_some_and(|r| std::net::TcpStream::connect(&r.host).is_ok());
    prerequisite(reachable, "the local registry (CFC_REGISTRY from /opt/cfcontainer-tools/env.sh)")
        .then(|| registry.unwrap())
}

/// An emulator whose credentials open the local registry, or `None` (skip).
pub fn emulator() -> Option<Emulator> {
    let registry = registry()?;
    Some(Emulator::start(Config { registry: Some(registry), ..Config::for_tests() }))
}

/// The variables users set for the official tools, pointed at `emulator`.
pub fn api_env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    vec![
        ("CLOUDFLARE_API_BASE_URL", emulator.base_url()),
        ("CLOUDFLARE_API_TOKEN", emulator.token().to_string()),
        ("CLOUDFLARE_ACCOUNT_ID", emulator.account_id().to_string()),
        ("CLOUDFLARE_CONTAINER_REGISTRY", std::env::var("CFC_REGISTRY").unwrap_or_default()),
    ]
}

/// `api_env` plus `extra`, as the `&[(&str, &str)]` the runners take.
pub fn with_env<'a>(
    base: &'a [(&'static str, String)],
    extra: &'a [(&'static str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut env: Vec<(&str, &str)> = base.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (k, v) in extra {
        env.retain(|(key, _)| key != k);
        env.push((k, v));
    }
    env
}

/// The log's calls as `METHOD /path-after-account`.
pub fn calls(emulator: &Emulator) -> Vec<String> {
    let prefix = format!("/accounts/{}", emulator.account_id());
    emulator.log().iter().map(|l| format!("{} {}", l.method, l.path.strip_prefix(&prefix).unwrap_or(&l.path))).collect()
}

/// A call as the differential tests compare them: method, path after the
/// account (ids kept), query, JSON body.
pub fn recorded(emulator: &Emulator) -> Vec<(String, String, Option<String>, Option<Value>)> {
    let prefix = format!("/accounts/{}", emulator.account_id());
    emulator
        .log()
        .into_iter()
        .map(|l| (l.method, l.path.strip_prefix(&prefix).unwrap_or(&l.path).to_string(), l.query, l.body))
        .collect()
}
