//! The worker crate: its package, target directory and
//! `[package.metadata.cfcontainer]` settings, read through `cargo metadata`.

pub mod assets;
pub mod own_classes;
pub mod upload_settings;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use cargo_metadata::{Metadata, MetadataCommand, Package};
use cfcontainer_meta::wrangler::{self, Bindings};
use serde::{Deserialize, Serialize};

use crate::child::WithoutCredentials;
use crate::error::one_line;
use crate::Error;
use upload_settings::{PlacementConfig, UploadSettings};

/// Compatibility date used when the crate sets none: the newest date the
/// pinned local workerd (1.20260305.0) supports.
pub const DEFAULT_COMPATIBILITY_DATE: &str = "2026-03-05";

/// Worker-level settings from `[package.metadata.cfcontainer]`, with
/// defaults applied.
///
/// ```toml
/// [package.metadata.cfcontainer]
/// name = "my-worker"                  # default: the package name
/// compatibility_date = "2026-03-01"   # default: 2026-03-05
/// compatibility_flags = ["nodejs_compat"]
/// account_id = "0123..."              # default: $CLOUDFLARE_ACCOUNT_ID
/// workers_dev = true                  # default: true unless the Worker has routes
/// preview_urls = true                 # default: the API's (it follows workers_dev)
/// routes = ["example.com/*", { pattern = "api.example.com/*", zone_name = "example.com" }]
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerSettings {
    /// Worker script name.
    pub name: String,
    /// Runtime compatibility date.
    pub compatibility_date: String,
    /// Runtime compatibility flags.
    pub compatibility_flags: Vec<String>,
    /// Cloudflare account, if known.
    pub account_id: Option<String>,
    /// Routes the Worker serves.
    pub routes: Vec<Route>,
    /// Plain-text Worker vars.
    pub vars: std::collections::BTreeMap<String, String>,
    /// JSON Worker vars (the wrangler config's `vars` that are not strings).
    pub json_vars: std::collections::BTreeMap<String, serde_json::Value>,
    /// Worker secrets the code reads (`secrets`; `cfcontainer::bindings!`
    /// gives each an accessor).
    pub secrets: Vec<String>,
    /// Serve the Worker on `<name>.<subdomain>.workers.dev` (default: true
    /// unless it has routes, as the official CLI decides).
    pub workers_dev: bool,
    /// Serve each version on its own Preview URL; `None` leaves it to the
    /// API (whose default follows `workers_dev`).
    pub preview_urls: Option<bool>,
    /// The wrangler file's `triggers.crons`; `None` without `triggers`
    /// (the Worker's Cron Triggers are then left as they are, as the
    /// official CLI leaves them).
    pub crons: Option<Vec<String>>,
    /// `limits`, `placement`, `tail_consumers`, `observability`, `logpush`
    /// of the wrangler config, as the upload carries them.
    #[serde(skip)]
    pub upload_settings: UploadSettings,
    /// The wrangler file's static `assets`.
    #[serde(skip)]
    pub assets: Option<assets::Assets>,
    /// The crate's wrangler config, when it has one.
    pub wrangler: Option<WranglerSource>,
}

/// What the crate's wrangler config adds to the settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WranglerSource {
    /// The file.
    pub path: PathBuf,
    /// Its bindings (the vars are in the settings' `vars`/`json_vars`).
    #[serde(skip)]
    pub bindings: Bindings,
    /// The selected section's `containers` entries (an environment's own,
    /// else the top level's), as written.
    #[serde(skip)]
    pub containers: Vec<serde_json::Value>,
    /// The Worker's own Durable Object classes (containers' included
    /// when the file names them; the attribute decides about those).
    #[serde(skip)]
    pub own_classes: Vec<own_classes::OwnClass>,
    /// Its keys that would change the deployed Worker but that `deploy`
    /// does not apply yet (`triggers`, `routes`, ...): deploy refuses
    /// them rather than leave them out.
    pub not_applied: Vec<String>,
}

/// Keys of a wrangler config that `cargo cfcontainer` takes from the file
/// (`name`, compatibility, `workers_dev`), or that do not change what is
/// deployed (build settings), or that are the attribute's (`containers`,
/// `migrations`, written by `cargo cfcontainer wrangler`).
const APPLIED_OR_INERT: &[&str] = &[
    "compatibility_date",
    "compatibility_flags",
    "workers_dev",
    "preview_urls",
    "account_id",
    "main",
    "build",
    "rules",
    "no_bundle",
    "minify",
    "find_additional_modules",
    "base_dir",
    "preserve_file_names",
    "keep_vars",
    "send_metrics",
    "dev",
    "containers",
    "migrations",
    "$schema",
    "limits",
    "placement",
    "tail_consumers",
    "observability",
    "logpush",
    "triggers",
    "routes",
    "route",
    "assets",
];

/// One route: a bare pattern, or a pattern with its zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Route {
    /// `"example.com/*"`.
    Pattern(String),
    /// `{ pattern = "...", zone_name = "..." }` or with `zone_id`, or a custom domain.
    Detailed {
        /// The route pattern.
        pattern: String,
        /// Zone by name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone_name: Option<String>,
        /// Zone by id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone_id: Option<String>,
        /// Serve the pattern as a custom domain.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        custom_domain: bool,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    name: Option<String>,
    compatibility_date: Option<String>,
    #[serde(default)]
    compatibility_flags: Vec<String>,
    account_id: Option<String>,
    #[serde(default)]
    routes: Vec<Route>,
    #[serde(default)]
    vars: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    secrets: Vec<String>,
    workers_dev: Option<bool>,
    preview_urls: Option<bool>,
}

/// The selected worker package and where cargo puts its artifacts.
#[derive(Debug, Clone)]
pub struct Project {
    /// Package name.
    pub package: String,
    /// The package's Cargo.toml.
    pub manifest_path: PathBuf,
    /// The workspace's Cargo.toml.
    pub workspace_manifest: PathBuf,
    /// The package's directory (paths in container metadata are relative to it).
    pub dir: PathBuf,
    /// The library target's file stem (`my_worker` for `my-worker`).
    pub lib_name: String,
    /// cargo's target directory.
    pub target_dir: PathBuf,
    /// Worker settings.
    pub settings: WorkerSettings,
    /// The wrangler file's environment selected with `--env`.
    pub env: Option<String>,
}

impl Project {
    /// Loads `package` (or the package `manifest` names, or the only
    /// member) of the workspace at `manifest` (default: `./Cargo.toml`).
    pub fn load(manifest: Option<&Path>, package: Option<&str>, env: Option<&str>) -> Result<Project, Error> {
        let manifest = manifest.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("Cargo.toml"));
        let metadata = metadata(&manifest)
            .map_err(|why| Error::Metadata { manifest: manifest.display().to_string(), why: one_line(&why) })?;
        let members: Vec<&Package> = metadata.workspace_packages();
        let member_names = || members.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ");
        let package = match package {
            Some(name) => members
                .iter()
                .find(|p| p.name.as_str() == name)
                .ok_or_else(|| Error::NoSuchPackage { name: name.to_string(), members: member_names() })?,
            None => select_default(&members, &manifest)
                .ok_or_else(|| Error::AmbiguousPackage { members: member_names() })?,
        };
        let lib = package
            .targets
            .iter()
            .find(|t| t.kind.iter().any(|k| matches!(k.to_string().as_str(), "cdylib" | "lib" | "rlib")))
            .ok_or_else(|| Error::NoLibrary { package: package.name.to_string() })?;
        let manifest_path = package.manifest_path.clone().into_std_path_buf();
        let dir = manifest_path.parent().map(Path::to_path_buf).unwrap_or_default();
        let settings = settings_of(package, &dir, env)?;
        Ok(Project {
            package: package.name.to_string(),
            dir,
            manifest_path,
            workspace_manifest: metadata.workspace_root.join("Cargo.toml").into_std_path_buf(),
            lib_name: lib.name.replace('-', "_"),
            target_dir: metadata.target_directory.clone().into_std_path_buf(),
            settings,
            env: env.map(str::to_string),
        })
    }
}

impl Project {
    /// Sets what `cfcontainer::bindings!` compiles against for a build of
    /// this crate: the selected environment, or the top level (a
    /// `CFCONTAINER_ENV` of the shell is not passed on: the settings would
    /// not match the code).
    pub fn set_bindings_env(&self, cmd: &mut std::process::Command) {
        match &self.env {
            Some(env) => cmd.env(cfcontainer_meta::wrangler::ENV_VAR, env),
            None => cmd.env_remove(cfcontainer_meta::wrangler::ENV_VAR),
        };
    }

    /// Text bindings for local runs: the `vars`, then local secrets from
    /// `.dev.vars` next to Cargo.toml (`KEY=value` lines, as the official
    /// CLI reads them), which win.
    pub fn local_bindings(&self) -> Result<Vec<(String, String)>, Error> {
        let mut bindings = self.settings.vars.clone();
        let path = self.dir.join(".dev.vars");
        if let Ok(text) = std::fs::read_to_string(&path) {
            for (number, line) in text.lines().enumerate() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let (key, value) = line.split_once('=').ok_or_else(|| Error::Settings {
                    package: self.package.clone(),
                    why: format!(".dev.vars line {} is not KEY=value", number + 1),
                })?;
                let value = value.trim();
                let unquoted = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(value);
                bindings.insert(key.trim().to_string(), unquoted.to_string());
            }
        }
        Ok(bindings.into_iter().collect())
    }
}

/// `cargo metadata --no-deps` of the workspace at `manifest`, run without
/// the account's credentials in its environment.
fn metadata(manifest: &Path) -> Result<Metadata, String> {
    let mut cmd = MetadataCommand::new().manifest_path(manifest).no_deps().cargo_command();
    let output =
        cmd.without_credentials().stdin(Stdio::null()).output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = stdout.lines().find(|line| line.starts_with('{')).ok_or("cargo metadata printed no JSON")?;
    MetadataCommand::parse(json).map_err(|e| e.to_string())
}

/// The package whose manifest was named, or the only member.
fn select_default<'a>(members: &[&'a Package], manifest: &Path) -> Option<&'a Package> {
    let wanted = std::fs::canonicalize(manifest).ok();
    members
        .iter()
        .find(|p| wanted.is_some() && std::fs::canonicalize(&p.manifest_path).ok() == wanted)
        .or_else(|| if members.len() == 1 { members.first() } else { None })
        .copied()
}

fn settings_of(package: &Package, dir: &Path, env: Option<&str>) -> Result<WorkerSettings, Error> {
    let bad = |why: String| Error::Settings { package: package.name.to_string(), why };
    let mut raw: RawSettings = match package.metadata.get("cfcontainer") {
        Some(value) => serde_json::from_value(value.clone()).map_err(|e| bad(e.to_string()))?,
        None => RawSettings::default(),
    };
    let (from_file, wrangler) = match (wrangler::find(dir), env) {
        (Some(path), _) => from_wrangler(&path, &mut raw, env.map(|e| (e, package.name.as_str())))?,
        (None, Some(env)) => {
            return Err(bad(format!(
                "--env {env} needs a wrangler file with an [env.{env}] section next to Cargo.toml"
            )))
        }
        (None, None) => (FromFile::default(), None),
    };
    let name = raw.name.unwrap_or_else(|| package.name.to_string());
    if !is_worker_name(&name) {
        return Err(bad(format!("worker name `{name}` must be 1 to 63 lowercase letters, digits and dashes, not starting or ending with a dash")));
    }
    let compatibility_date = raw.compatibility_date.unwrap_or_else(|| DEFAULT_COMPATIBILITY_DATE.to_string());
    if !is_date(&compatibility_date) {
        return Err(bad(format!("compatibility_date `{compatibility_date}` is not a date like 2026-03-01")));
    }
    let account_id = std::env::var("CLOUDFLARE_ACCOUNT_ID").ok().filter(|a| !a.is_empty()).or(raw.account_id);
    let workers_dev = raw.workers_dev.unwrap_or(raw.routes.is_empty());
    Ok(WorkerSettings {
        name,
        compatibility_date,
        compatibility_flags: raw.compatibility_flags,
        account_id,
        routes: raw.routes,
        vars: raw.vars,
        json_vars: from_file.json_vars,
        secrets: raw.secrets,
        workers_dev,
        preview_urls: raw.preview_urls,
        upload_settings: from_file.upload_settings,
        crons: from_file.crons,
        assets: from_file.assets,
        wrangler,
    })
}

/// Takes the Worker's name, compatibility settings and vars from the
/// wrangler config at `path` into `raw`; with `env` (the environment and
/// the package's name), from its section as the official CLI does. One source per setting: a value
/// given in both places must be the same, else the error names both.
fn from_wrangler(
    path: &Path,
    raw: &mut RawSettings,
    env: Option<(&str, &str)>,
) -> Result<(FromFile, Option<WranglerSource>), Error> {
    let (env, package) = (env.map(|(e, _)| e), env.map(|(_, p)| p).unwrap_or_default());
    let bad = |why: String| Error::WranglerSource { path: path.to_path_buf(), why };
    let file = wrangler::read(path).map_err(|e| bad(e.message))?;
    let section = file.section(env).map_err(bad)?;
    let top = &file.top;
    let both = |key: &str, ours: &dyn std::fmt::Debug, theirs: &dyn std::fmt::Debug| {
        bad(format!("`{key}` is {theirs:?} here and {ours:?} in [package.metadata.cfcontainer]; keep it in one place"))
    };
    if let Some(name) = &top.name {
        match &raw.name {
            Some(ours) if ours != name => return Err(both("name", ours, name)),
            _ => raw.name = Some(name.clone()),
        }
    }
    if let Some(date) = top.other.get("compatibility_date") {
        let date = date.as_str().ok_or_else(|| bad("`compatibility_date` must be a string".into()))?;
        match &raw.compatibility_date {
            Some(ours) if ours != date => return Err(both("compatibility_date", ours, &date)),
            _ => raw.compatibility_date = Some(date.to_string()),
        }
    }
    if let Some(flags) = top.other.get("compatibility_flags") {
        let flags: Vec<String> = serde_json::from_value(flags.clone())
            .map_err(|_| bad("`compatibility_flags` must be a list of strings".into()))?;
        if !raw.compatibility_flags.is_empty() && raw.compatibility_flags != flags {
            return Err(both("compatibility_flags", &raw.compatibility_flags, &flags));
        }
        raw.compatibility_flags = flags;
    }
    for (key, setting) in [("workers_dev", &mut raw.workers_dev), ("preview_urls", &mut raw.preview_urls)] {
        let Some(value) = top.other.get(key) else { continue };
        let value = value.as_bool().ok_or_else(|| bad(format!("`{key}` must be true or false")))?;
        match *setting {
            Some(ours) if ours != value => return Err(both(key, &ours, &value)),
            _ => *setting = Some(value),
        }
    }
    if let Some(env) = env {
        // The official CLI's rules: the Worker `<name>-<env>` unless the
        // section names it; the section's own vars and bindings only.
        let base = raw.name.clone().unwrap_or_else(|| package.to_string());
        raw.name = Some(section.name.clone().unwrap_or_else(|| format!("{base}-{env}")));
        raw.vars.clear();
        // Inheritable settings the section sets itself replace the top
        // level's (checked against the package metadata above).
        let own = |key: &str| section.other.get(key).map(|v| (format!("env.{env}.{key}"), v));
        if let Some((key, date)) = own("compatibility_date") {
            let date = date.as_str().filter(|d| is_date(d));
            raw.compatibility_date =
                Some(date.ok_or_else(|| bad(format!("`{key}` must be a date like \"2026-03-01\"")))?.to_string());
        }
        if let Some((key, flags)) = own("compatibility_flags") {
            raw.compatibility_flags =
                serde_json::from_value(flags.clone()).map_err(|_| bad(format!("`{key}` must be a list of strings")))?;
        }
        for (name, setting) in [("workers_dev", &mut raw.workers_dev), ("preview_urls", &mut raw.preview_urls)] {
            if let Some((key, value)) = own(name) {
                *setting = Some(value.as_bool().ok_or_else(|| bad(format!("`{key}` must be true or false")))?);
            }
        }
    }
    let mut json_vars = JsonVars::new();
    for (name, value) in &section.bindings.vars {
        match (value.as_str(), raw.vars.get(name)) {
            (Some(text), Some(ours)) if ours != text => return Err(both(&format!("vars.{name}"), ours, &text)),
            (Some(text), _) => {
                raw.vars.insert(name.clone(), text.to_string());
            }
            (None, _) => {
                json_vars.insert(name.clone(), value.clone());
            }
        }
    }
    let mut not_applied: Vec<String> =
        top.other.keys().filter(|k| !APPLIED_OR_INERT.contains(&k.as_str())).cloned().collect();
    if let Some(env) = env {
        let keys = section.other.keys().filter(|k| !APPLIED_OR_INERT.contains(&k.as_str()));
        not_applied.extend(keys.map(|k| format!("env.{env}.{k}")));
    }
    let upload_settings = upload_settings(&top.other).map_err(bad)?;
    // `routes`/`route`, `triggers` and `containers` are inherited by an
    // environment unless it sets its own.
    let inherited = |key: &str| section.other.get(key).or_else(|| top.other.get(key));
    let containers = match inherited("containers") {
        Some(serde_json::Value::Array(entries)) => entries.clone(),
        Some(_) => return Err(bad("`containers` must be a list".into())),
        None => Vec::new(),
    };
    let own_classes = own_classes::own_classes(inherited("migrations"), &section.bindings).map_err(bad)?;
    let source = WranglerSource {
        path: path.to_path_buf(),
        bindings: section.bindings.clone(),
        containers,
        own_classes,
        not_applied,
    };
    let routes: Option<Vec<Route>> = match (inherited("routes"), inherited("route")) {
        (Some(_), Some(_)) => return Err(bad("give `routes` or `route`, not both".into())),
        (Some(list), None) => Some(serde_json::from_value(list.clone()).map_err(|e| bad(format!("`routes`: {e}")))?),
        (None, Some(one)) => Some(vec![serde_json::from_value(one.clone()).map_err(|e| bad(format!("`route`: {e}")))?]),
        (None, None) => None,
    };
    if let Some(routes) = routes {
        if !raw.routes.is_empty() && raw.routes != routes {
            return Err(both("routes", &raw.routes, &routes));
        }
        raw.routes = routes;
    }
    let crons = inherited("triggers").map(crons).transpose().map_err(bad)?;
    let assets = match inherited("assets") {
        Some(section) => {
            let section: assets::AssetsSection =
                serde_json::from_value(section.clone()).map_err(|e| bad(format!("`assets`: {e}")))?;
            Some(assets::Assets::from_section(&section, path.parent().unwrap_or(Path::new("."))).map_err(bad)?)
        }
        None => None,
    };
    Ok((FromFile { json_vars, upload_settings, crons, assets }, Some(source)))
}

type JsonVars = std::collections::BTreeMap<String, serde_json::Value>;

/// What only the wrangler file sets.
#[derive(Debug, Default)]
struct FromFile {
    json_vars: JsonVars,
    upload_settings: UploadSettings,
    crons: Option<Vec<String>>,
    assets: Option<assets::Assets>,
}

/// `triggers = { crons = [...] }`, each a five-field cron expression as
/// Cloudflare takes them (checked here, before any call).
fn crons(triggers: &serde_json::Value) -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Triggers {
        #[serde(default)]
        crons: Vec<String>,
    }
    let triggers: Triggers = serde_json::from_value(triggers.clone()).map_err(|e| format!("`triggers`: {e}"))?;
    for (i, cron) in triggers.crons.iter().enumerate() {
        let fields = cron.split_whitespace().count();
        let parsed = (fields == 5).then(|| cron.parse::<croner::Cron>());
        if let Some(Ok(_)) = parsed {
            continue;
        }
        let why = match parsed {
            Some(Err(e)) => e.to_string(),
            _ => format!("it has {fields} fields"),
        };
        return Err(format!(
            "`triggers.crons[{i}]` `{cron}` is not a cron expression ({why}); write five fields: minute hour day-of-month month day-of-week, e.g. \"*/30 * * * *\""
        ));
    }
    Ok(triggers.crons)
}

/// The settings the script upload carries, from the file's keys; a value
/// of the wrong shape is an error naming its key.
fn upload_settings(keys: &std::collections::BTreeMap<String, serde_json::Value>) -> Result<UploadSettings, String> {
    fn read<T: serde::de::DeserializeOwned>(
        keys: &std::collections::BTreeMap<String, serde_json::Value>,
        key: &str,
    ) -> Result<Option<T>, String> {
        keys.get(key).map(|v| serde_json::from_value(v.clone()).map_err(|e| format!("`{key}`: {e}"))).transpose()
    }
    let placement: Option<PlacementConfig> = read(keys, "placement")?;
    Ok(UploadSettings {
        logpush: read(keys, "logpush")?,
        placement: placement.and_then(|p| p.upload()),
        tail_consumers: read(keys, "tail_consumers")?,
        limits: read(keys, "limits")?,
        observability: read(keys, "observability")?,
    })
}

fn is_worker_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

fn is_date(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
        && (1..=12).contains(&date[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&date[8..10].parse::<u8>().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw_with(date: &str) -> RawSettings {
        RawSettings { compatibility_date: Some(date.into()), ..RawSettings::default() }
    }

    #[test]
    fn a_setting_in_both_places_must_agree_and_the_error_names_both_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrangler.toml");
        std::fs::write(&path, "compatibility_date = \"2026-01-01\"\nvars = { MODE = \"dev\", LIMITS = [1, 2] }\n")
            .unwrap();
        let error = from_wrangler(&path, &mut raw_with("2026-03-05"), None).unwrap_err().to_string();
        assert!(error.contains("\"2026-01-01\" here and \"2026-03-05\" in [package.metadata.cfcontainer]"), "{error}");

        let mut raw = raw_with("2026-01-01");
        let (from_file, source) = from_wrangler(&path, &mut raw, None).unwrap();
        assert_eq!(raw.vars.get("MODE").map(String::as_str), Some("dev"));
        assert_eq!(from_file.json_vars.get("LIMITS"), Some(&serde_json::json!([1, 2])));
        assert!(source.unwrap().not_applied.is_empty());
    }
}
