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
    /// The account's KV namespaces: `(id, title)`.
    pub kv_namespaces: Vec<(String, String)>,
    /// The account's D1 databases: `(uuid, name)`.
    pub d1_databases: Vec<(String, String)>,
    /// The account's Vectorize indexes, by name.
    pub vectorize_indexes: Vec<String>,
    /// The account's Hyperdrive configs: `(id, name)`.
    pub hyperdrive_configs: Vec<(String, String)>,
}

impl Config {
    /// Account `0123456789abcdef0123456789abcdef`, token `test-token`, no
    /// registry, zone `example.com`, queues `jobs` and `jobs-dlq`, R2
    /// buckets `assets` and `logs`, dispatch namespace `tenants`, and the KV
    /// namespaces, D1 databases, Vectorize index and Hyperdrive config the
    /// tests' wrangler files (and examples/notes) bind.
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
            kv_namespaces: [
                ("0f2a", "cache"),
                ("9a1f", "staging-cache"),
                ("0f2ac74b498b48028cb68387c421e279", "cache-production"),
                ("6d1b1f6d0e2a4c4c9f4e6f3a2b1c0d9e", "notes-latest"),
            ]
            .map(|(id, title)| (id.into(), title.into()))
            .into(),
            d1_databases: [
                ("6f1c5b6e-1d2a-4d5e-9c1b-2f3e4a5b6c7d", "app"),
                ("5f0c6a8e-2b4d-4c1e-9a7f-3d2e1b0c9a8f", "notes"),
            ]
            .map(|(uuid, name)| (uuid.into(), name.into()))
            .into(),
            vectorize_indexes: vec!["docs".into()],
            hyperdrive_configs: vec![("a76a99bc342644deb02c38d66082262a".into(), "pg".into())],
        }
    }
}
