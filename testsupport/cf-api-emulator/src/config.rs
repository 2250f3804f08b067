//! The emulated account's settings.

use crate::registry::Registry;

/// What the emulated account looks like.
#[derive(Debug, Clone)]
pub struct Config {
    /// The account id every path must name.
    pub account_id: String,
    /// The API token with every permission (as `Authorization: Bearer ...`).
    pub token: String,
    /// A token with Workers Scripts Read only: it reads Workers scripts and
    /// their settings, versions and deployments, and nothing else.
    pub read_token: String,
    /// The registry whose credentials the API hands out and where
    /// application images must exist; `None` accepts any image.
    pub registry: Option<Registry>,
    /// The most items one page of a paginated list holds (the real API's
    /// pages are larger; a small one makes clients page).
    pub max_per_page: usize,
    /// The account's zones, by name (routes and Custom Domains must be in one).
    pub zones: Vec<String>,
    /// The account's queues, by name.
    pub queues: Vec<String>,
    /// The account's R2 buckets, by name.
    pub r2_buckets: Vec<String>,
    /// The account's Workers for Platforms dispatch namespaces, by name.
    pub dispatch_namespaces: Vec<String>,
}

impl Config {
    /// Account `0123456789abcdef0123456789abcdef`, token `test-token`, no
    /// registry, zone `example.com`, queues `jobs` and `jobs-dlq`, R2
    /// buckets `assets` and `logs`, dispatch namespace `tenants`.
    pub fn for_tests() -> Config {
        Config {
            account_id: "0123456789abcdef0123456789abcdef".into(),
            token: "test-token".into(),
            read_token: "scripts-read-token".into(),
            registry: None,
            max_per_page: 1,
            zones: vec!["example.com".into()],
            queues: vec!["jobs".into(), "jobs-dlq".into()],
            r2_buckets: vec!["assets".into(), "logs".into()],
            dispatch_namespaces: vec!["tenants".into()],
        }
    }
}
