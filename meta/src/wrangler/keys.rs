//! The keys the official CLI knows in a wrangler file (wrangler 4.164's
//! `config-schema.json`: `RawEnvironment` for a section, `RawConfig` for
//! the top level), and the keys a file sets that it does not know: the
//! official CLI ignores those with a warning ("Unexpected fields found in
//! top-level field"), so they are most often typos.

use std::fmt;

use crate::suggest::closest;

/// The keys of an `[env.NAME]` section, which the top level may set too.
pub const ENV_KEYS: &[&str] = &[
    "access",
    "account_id",
    "agent_memory",
    "ai",
    "ai_search",
    "ai_search_namespaces",
    "analytics",
    "analytics_engine_datasets",
    "artifacts",
    "assets",
    "base_dir",
    "browser",
    "build",
    "cache",
    "cloudchamber",
    "compatibility_date",
    "compatibility_flags",
    "compliance_region",
    "connect",
    "containers",
    "d1_databases",
    "define",
    "dispatch_namespaces",
    "durable_objects",
    "exports",
    "find_additional_modules",
    "first_party_worker",
    "flagship",
    "hyperdrive",
    "images",
    "jsx_factory",
    "jsx_fragment",
    "k2",
    "keep_names",
    "kv_namespaces",
    "limits",
    "logfwdr",
    "logpush",
    "main",
    "media",
    "migrations",
    "minify",
    "mtls_certificates",
    "name",
    "no_bundle",
    "observability",
    "pipelines",
    "placement",
    "preserve_file_names",
    "preview_urls",
    "previews",
    "python_modules",
    "queues",
    "r2_buckets",
    "ratelimits",
    "route",
    "routes",
    "rules",
    "secrets",
    "secrets_store_secrets",
    "send_email",
    "services",
    "stream",
    "streaming_tail_consumers",
    "tail_consumers",
    "triggers",
    "tsconfig",
    "unsafe",
    "unsafe_hello_world",
    "upload_source_maps",
    "vars",
    "vectorize",
    "version_metadata",
    "vpc_networks",
    "vpc_services",
    "worker_loaders",
    "workers_dev",
    "workflows",
];

/// The keys only the top level may set (besides `env`).
pub const TOP_LEVEL_ONLY_KEYS: &[&str] = &[
    "$schema",
    "addresses",
    "alias",
    "data_blobs",
    "dependencies_instrumentation",
    "dev",
    "keep_vars",
    "pages_build_output_dir",
    "send_metrics",
    "site",
    "text_blobs",
    "wasm_modules",
];

/// A key of a section that the official CLI does not know there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownKey {
    /// Its path: `compatability_flags`, `env.staging.keep_vars`.
    pub path: String,
    /// What the user probably meant.
    pub hint: KeyHint,
}

/// What an unknown key probably is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHint {
    /// A misspelling of this known key.
    Misspelled(&'static str),
    /// A key only the top level may set, given in an environment.
    TopLevelOnly,
    /// Nothing close.
    Unknown,
}

impl UnknownKey {
    /// `key` of a section (`env`: the environment's name, `None` for the
    /// top level) if the official CLI does not know it there.
    pub fn of(key: &str, env: Option<&str>) -> Option<UnknownKey> {
        let known_in_env = ENV_KEYS.contains(&key);
        let top_only = TOP_LEVEL_ONLY_KEYS.contains(&key);
        let hint = match env {
            None if known_in_env || top_only => return None,
            Some(_) if known_in_env => return None,
            Some(_) if top_only => KeyHint::TopLevelOnly,
            None => {
                let all: Vec<&'static str> = ENV_KEYS.iter().chain(TOP_LEVEL_ONLY_KEYS).copied().collect();
                closest(key, &all).map_or(KeyHint::Unknown, KeyHint::Misspelled)
            }
            Some(_) => closest(key, ENV_KEYS).map_or(KeyHint::Unknown, KeyHint::Misspelled),
        };
        let path = match env {
            Some(env) => format!("env.{env}.{key}"),
            None => key.to_string(),
        };
        Some(UnknownKey { path, hint })
    }
}

/// What is wrong and what to do, e.g. ``unknown key `compatability_flags`,
/// which is ignored (as the official CLI ignores it); did you mean
/// `compatibility_flags`?``.
impl fmt::Display for UnknownKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        match self.hint {
            KeyHint::Misspelled(known) => write!(
                f,
                "unknown key `{path}`, which is ignored (as the official CLI ignores it); did you mean `{known}`?"
            ),
            KeyHint::TopLevelOnly => write!(
                f,
                "`{path}` can only be set at the top level, so it is ignored here (as the official CLI ignores it); move it to the top of the file"
            ),
            KeyHint::Unknown => write!(
                f,
                "unknown key `{path}`, which is ignored (as the official CLI ignores it); remove it, or check its name in the wrangler configuration reference"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelled_key_is_unknown_with_the_key_it_resembles() {
        let key = UnknownKey::of("compatability_flags", None).unwrap();
        assert_eq!(key.hint, KeyHint::Misspelled("compatibility_flags"));
        let key = UnknownKey::of("kv_namspaces", Some("staging")).unwrap();
        assert_eq!((key.path.as_str(), key.hint), ("env.staging.kv_namspaces", KeyHint::Misspelled("kv_namespaces")));
    }

    #[test]
    fn every_key_of_the_official_cli_is_known_where_it_may_stand() {
        for key in ENV_KEYS {
            assert_eq!(UnknownKey::of(key, None), None);
            assert_eq!(UnknownKey::of(key, Some("staging")), None);
        }
        for key in TOP_LEVEL_ONLY_KEYS {
            assert_eq!(UnknownKey::of(key, None), None);
            assert_eq!(UnknownKey::of(key, Some("staging")).map(|k| k.hint), Some(KeyHint::TopLevelOnly));
        }
        assert_eq!(UnknownKey::of("zzzz", None).map(|k| k.hint), Some(KeyHint::Unknown));
    }
}
