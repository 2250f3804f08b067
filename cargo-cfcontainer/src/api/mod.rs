//! The Cloudflare API: credentials from the environment, a client that
//! speaks the envelope and retries what is safe to retry, and typed
//! bodies: what `cargo cfcontainer` sends and the answers it reads.

mod assets;
mod client;
mod containers;
mod kill_hook;
mod queues;
mod registries;
mod resources;
mod routes;
mod schedules;
mod secret;
mod secrets_store;
mod tails;
mod user;
mod versions;
mod workers;

pub use assets::*;
pub use client::{Backoff, Body, Client, Part, Retry};
pub use containers::*;
pub use kill_hook::KillHook;
pub use queues::*;
pub use registries::*;
pub use routes::*;
pub use secret::Secret;
pub use secrets_store::*;
pub use tails::*;
pub use user::*;
pub use versions::*;
pub use workers::*;

use crate::Error;

/// The public API base; `CLOUDFLARE_API_BASE_URL` overrides it.
pub const DEFAULT_BASE_URL: &str = "https://api.cloudflare.com/client/v4";

/// Cloudflare's container registry; `CLOUDFLARE_CONTAINER_REGISTRY`
/// overrides it.
pub const DEFAULT_REGISTRY: &str = "registry.cloudflare.com";

/// The registry host images are pushed to.
pub fn registry_host() -> String {
    std::env::var("CLOUDFLARE_CONTAINER_REGISTRY")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| DEFAULT_REGISTRY.into())
}

/// True if `CLOUDFLARE_CONTAINER_REGISTRY` chooses the registry.
pub fn registry_chosen() -> bool {
    std::env::var("CLOUDFLARE_CONTAINER_REGISTRY").is_ok_and(|h| !h.is_empty())
}

/// [`registry_host`], or an error naming `CLOUDFLARE_CONTAINER_REGISTRY`
/// when it holds no registry host (the engine would take it for part of
/// a Docker Hub repository, or refuse the reference).
pub fn checked_registry_host() -> Result<String, Error> {
    let host = registry_host();
    match is_registry_host(&host) {
        true => Ok(host),
        false => Err(Error::BadVariable {
            name: "CLOUDFLARE_CONTAINER_REGISTRY",
            value: host,
            what: "a registry host (a name with a dot, localhost or an address, with an optional port: registry.cloudflare.com, 127.0.0.1:5055)",
            fix: "fix it, or unset it to use Cloudflare's registry",
        }),
    }
}

/// True for what the engine reads as the registry part of an image
/// reference: `name.with.dots`, `localhost` or an address, with an
/// optional `:port`.
fn is_registry_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    let component = |c: &str| {
        !c.is_empty()
            && !c.starts_with('-')
            && !c.ends_with('-')
            && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let name_ok = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => name.split('.').all(component) && (name.contains('.') || name == "localhost" || port.is_some()),
    };
    port_ok && name_ok
}

#[cfg(test)]
mod tests {
    use super::is_registry_host;

    #[test]
    fn a_registry_host_is_a_name_with_a_dot_localhost_or_an_address_with_an_optional_port() {
        for host in ["registry.cloudflare.com", "127.0.0.1:5055", "localhost", "registry:5000", "[::1]:5000"] {
            assert!(is_registry_host(host), "{host}");
        }
        for host in ["not a host!", "myregistry", "registry.example.com:http", "a..b", "-x.com", "host.com:0", "[nope]"]
        {
            assert!(!is_registry_host(host), "{host}");
        }
    }
}
