//! Reading a Worker's wrangler config (`wrangler.json`, `wrangler.jsonc` or
//! `wrangler.toml`, found as the official CLI finds it) into a typed
//! model: the one source of the Worker's bindings for `cargo cfcontainer`
//! and for the compile-time accessors of `cfcontainer::bindings!`.

mod bindings;
mod code_update;
mod keys;
mod model;
mod settings;

pub use bindings::{BindingKind, NamedBinding};
pub use code_update::{CodeUpdateStrategy, Delay};
pub use keys::{KeyHint, UnknownKey, ENV_KEYS, TOP_LEVEL_ONLY_KEYS};
pub use model::*;
pub use settings::*;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that selects `[env.NAME]` for
/// `cfcontainer::bindings!` (`cargo cfcontainer --env NAME` sets it for
/// its builds).
pub const ENV_VAR: &str = "CFCONTAINER_ENV";

/// The config files the official CLI looks for, in its order.
pub const CANDIDATES: &[&str] = &["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// The wrangler config in `dir`, if there is one.
pub fn find(dir: &Path) -> Option<PathBuf> {
    CANDIDATES.iter().map(|c| dir.join(c)).find(|p| p.is_file())
}

/// Why a wrangler config could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, with the line and column where the parser knows them.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Reads and parses the config at `path`.
pub fn read(path: &Path) -> Result<WranglerFile, ConfigError> {
    let error = |message: String| ConfigError { path: path.to_path_buf(), message };
    let text = std::fs::read_to_string(path).map_err(|e| error(format!("cannot read it: {e}")))?;
    parse(&text, is_json(path)).map_err(error)
}

/// Whether `path` is a JSON(C) config (else TOML).
pub fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json" || e == "jsonc")
}

/// Parses config text: JSON with comments and trailing commas (as the
/// official CLI accepts them), or TOML.
///
/// ```
/// use cfcontainer_meta::wrangler::parse;
/// let file = parse(r#"{ "name": "app", // the Worker
///   "kv_namespaces": [{ "binding": "CACHE", "id": "0f2a" },], }"#, true).unwrap();
/// assert_eq!(file.top.name.as_deref(), Some("app"));
/// let error = parse("kv_namespaces = [{ binding = \"CACHE\" }]", false).unwrap_err();
/// assert_eq!(error, "`kv_namespaces[0]`: missing field `id`");
/// ```
pub fn parse(text: &str, json: bool) -> Result<WranglerFile, String> {
    // Syntax first (positions known), then the model from the tree, so a
    // wrong value is reported at its key path (`kv_namespaces[0]`).
    let tree: serde_json::Value = if json {
        let options = jsonc_parser::ParseOptions::default();
        jsonc_parser::parse_to_serde_value(text, &options).map_err(|e| e.to_string())?
    } else {
        toml::from_str(text).map_err(|e| one_line(&e.to_string()))?
    };
    let serde_json::Value::Object(mut top) = tree else { return Err("the top level must be a table".into()) };
    let env: BTreeMap<String, serde_json::Value> = take(&mut top, "env", "")?;
    let env = env
        .into_iter()
        .map(|(name, value)| {
            let prefix = format!("env.{name}.");
            let serde_json::Value::Object(map) = value else { return Err(format!("`env.{name}` must be a table")) };
            let section = section(map, &prefix, Some(&name))?;
            Ok((name, section))
        })
        .collect::<Result<_, String>>()?;
    Ok(WranglerFile { top: section(top, "", None)?, env })
}

/// One section's keys (`env`: the environment it is, `None` for the top
/// level): each binding kind and setting typed, the names of the others
/// kept, those the official CLI does not know apart.
fn section(
    mut map: serde_json::Map<String, serde_json::Value>,
    prefix: &str,
    env: Option<&str>,
) -> Result<Section, String> {
    let m = &mut map;
    let bindings = Bindings {
        vars: take(m, "vars", prefix)?,
        kv_namespaces: take(m, "kv_namespaces", prefix)?,
        r2_buckets: take(m, "r2_buckets", prefix)?,
        d1_databases: take(m, "d1_databases", prefix)?,
        services: take(m, "services", prefix)?,
        queues: take(m, "queues", prefix)?,
        durable_objects: take(m, "durable_objects", prefix)?,
        analytics_engine_datasets: take(m, "analytics_engine_datasets", prefix)?,
        ai: take(m, "ai", prefix)?,
        vectorize: take(m, "vectorize", prefix)?,
        hyperdrive: take(m, "hyperdrive", prefix)?,
        version_metadata: take(m, "version_metadata", prefix)?,
        browser: take(m, "browser", prefix)?,
        send_email: take(m, "send_email", prefix)?,
        mtls_certificates: take(m, "mtls_certificates", prefix)?,
        dispatch_namespaces: take(m, "dispatch_namespaces", prefix)?,
        workflows: take(m, "workflows", prefix)?,
        secrets_store_secrets: take(m, "secrets_store_secrets", prefix)?,
    };
    let routes: Option<Vec<Route>> = take(m, "routes", prefix)?;
    let route: Option<Route> = take(m, "route", prefix)?;
    if routes.is_some() && route.is_some() {
        return Err(format!("give `{prefix}routes` or `{prefix}route`, not both"));
    }
    let settings = Settings {
        account_id: take(m, "account_id", prefix)?,
        compatibility_date: take(m, "compatibility_date", prefix)?,
        compatibility_flags: take(m, "compatibility_flags", prefix)?,
        workers_dev: take(m, "workers_dev", prefix)?,
        preview_urls: take(m, "preview_urls", prefix)?,
        routes: routes.or(route.map(|r| vec![r])),
        triggers: take(m, "triggers", prefix)?,
        containers: take(m, "containers", prefix)?,
        migrations: take(m, "migrations", prefix)?,
        assets: take(m, "assets", prefix)?,
        limits: take(m, "limits", prefix)?,
        placement: take(m, "placement", prefix)?,
        tail_consumers: take(m, "tail_consumers", prefix)?,
        observability: take(m, "observability", prefix)?,
        logpush: take(m, "logpush", prefix)?,
    };
    let name = take(m, "name", prefix)?;
    let (mut untyped, mut unknown) = (Vec::new(), Vec::new());
    for key in map.keys() {
        match UnknownKey::of(key, env) {
            Some(misplaced) => unknown.push(misplaced),
            None if !INERT_KEYS.contains(&key.as_str()) => untyped.push(key.clone()),
            None => {}
        }
    }
    Ok(Section { name, bindings, settings, untyped, unknown })
}

/// Removes `key` from `map` and reads it as a `T` (its default when
/// absent); an error names the key path, e.g. `env.staging.kv_namespaces[0]`.
fn take<T: serde::de::DeserializeOwned + Default>(
    map: &mut serde_json::Map<String, serde_json::Value>,
    key: &str,
    prefix: &str,
) -> Result<T, String> {
    let Some(value) = map.remove(key) else { return Ok(T::default()) };
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.path().to_string();
        let path = if inner == "." { format!("{prefix}{key}") } else { format!("{prefix}{key}{}", dotted(&inner)) };
        format!("`{path}`: {}", e.inner())
    })
}

/// serde_path_to_error's path as it continues a key: `[0].id`, `.max`.
fn dotted(inner: &str) -> String {
    if inner.starts_with('[') {
        inner.to_string()
    } else {
        format!(".{inner}")
    }
}

/// The TOML error's message and position, on one line (its own text draws
/// the offending line over several).
fn one_line(message: &str) -> String {
    let mut lines = message.lines();
    let position = lines.next().unwrap_or_default().trim_start_matches("TOML parse error at ").to_string();
    let what = message.lines().last().unwrap_or_default().trim();
    format!("{position}: {what}")
}

impl WranglerFile {
    /// The section of environment `env` (`None`: the top level), or an
    /// error naming the environments the file has.
    pub fn section(&self, env: Option<&str>) -> Result<&Section, String> {
        let Some(env) = env else { return Ok(&self.top) };
        self.env.get(env).ok_or_else(|| {
            let known: Vec<&str> = self.env.keys().map(String::as_str).collect();
            match known.is_empty() {
                true => format!("there is no environment `{env}`: the file has no [env.*] sections"),
                false => format!("there is no environment `{env}`; the file has: {}", known.join(", ")),
            }
        })
    }

    /// The name of the static assets' binding (`assets.binding`) in
    /// environment `env`: `assets` is inherited from the top level unless
    /// the section has its own, as the official CLI reads it.
    ///
    /// ```
    /// let file = cfcontainer_meta::wrangler::parse(r#"
    ///     assets = { directory = "./public", binding = "ASSETS" }
    ///     [env.staging]
    ///     vars = { MODE = "staging" }
    /// "#, false).unwrap();
    /// assert_eq!(file.assets_binding(Some("staging")).as_deref(), Some("ASSETS"));
    /// ```
    pub fn assets_binding(&self, env: Option<&str>) -> Option<String> {
        let own = env.and_then(|e| self.env.get(e)).and_then(|s| s.settings.assets.as_ref());
        own.or(self.top.settings.assets.as_ref())?.binding.clone()
    }
}
