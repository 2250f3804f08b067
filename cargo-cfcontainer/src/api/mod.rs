//! The Cloudflare API: credentials from the environment, a client that
//! speaks the envelope and retries what is safe to retry, and typed
//! bodies: what `cargo cfcontainer` sends and the answers it reads.

mod assets;
mod client;
mod containers;
mod kill_hook;
mod queues;
mod routes;
mod schedules;
mod secret;
mod tails;
mod user;
mod versions;
mod workers;

pub use assets::*;
pub use client::{Backoff, Body, Client, Part, Retry};
pub use containers::*;
pub use queues::*;
pub use routes::*;
pub use secret::Secret;
pub use tails::*;
pub use user::*;
pub use versions::*;
pub use workers::*;

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
