//! The Worker project model: the worker crate (its package and target
//! directory, through `cargo metadata`), its settings from
//! `[package.metadata.cfcontainer]` ([`settings`]) merged with its wrangler
//! file ([`wrangler_file`]), its static assets and its own Durable Object
//! classes. It imports nothing above the crate-wide parts: every stage
//! reads it.

pub mod assets;
mod manifest;
pub mod own_classes;
pub mod secrets_store;
mod settings;
mod targets;
mod wrangler_file;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use cargo_metadata::{Metadata, MetadataCommand, Package};
use cfcontainer_meta::DeclaringPackage;

use crate::child::WithoutCredentials;
use crate::error::one_line;
use crate::output::Output;
use crate::Error;
use settings::{is_date, is_worker_name, RawSettings};

pub use settings::{DateSource, WorkerSettings, WranglerSource, DEFAULT_COMPATIBILITY_DATE};
pub use targets::{find_binary, MemberTarget};
pub use wrangler_file::{ENVIRONMENT_TAG, SERVICE_TAG};

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
    /// The directories of the crates that may declare containers, by
    /// package: the workspace's members, and the dependencies whose
    /// records name them ([`Project::locate_declaring`]).
    crate_dirs: Vec<(DeclaringPackage, PathBuf)>,
    /// Every target of every workspace member (where a container's
    /// `binary` is found).
    pub member_targets: Vec<MemberTarget>,
}

impl Project {
    /// Loads `package` (or the package `manifest` names, or the only
    /// member, or the only worker) of the workspace at `manifest` (default:
    /// the nearest `Cargo.toml` from the current directory upward, as
    /// cargo finds it).
    pub fn load(manifest: Option<&Path>, package: Option<&str>, env: Option<&str>) -> Result<Project, Error> {
        let manifest = manifest::manifest(manifest)?;
        let metadata = metadata(&manifest, true)
            .map_err(|why| Error::Metadata { manifest: manifest.display().to_string(), why: one_line(&why) })?;
        let members: Vec<&Package> = metadata.workspace_packages();
        let package = manifest::select(&members, &manifest, package)?;
        let lib = manifest::worker_library(package)?;
        let manifest_path = package.manifest_path.clone().into_std_path_buf();
        let dir = manifest_path.parent().map(Path::to_path_buf).unwrap_or_default();
        let crate_dirs = members.iter().map(|p| located(p)).collect();
        let member_targets = members.iter().flat_map(|p| MemberTarget::of(p)).collect();
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
            crate_dirs,
            member_targets,
        })
    }

    /// The directory of the crate of `package`, as the manifest this run
    /// was given finds it (where its Cargo.toml is); `None` unless it is a
    /// workspace member or [`Project::locate_declaring`] found it.
    pub fn crate_dir(&self, package: &DeclaringPackage) -> Option<&Path> {
        let same = |p: &DeclaringPackage| p.name == package.name && p.version == package.version;
        self.crate_dirs.iter().find(|(p, _)| same(p)).map(|(_, dir)| dir.as_path())
    }

    /// Finds the crates of `packages` (the ones that declare the
    /// containers) that are not workspace members among the workspace's
    /// dependencies (`cargo metadata` with them, run only then).
    pub fn locate_declaring<'a>(
        &mut self,
        packages: impl IntoIterator<Item = &'a DeclaringPackage>,
    ) -> Result<(), Error> {
        let missing: Vec<&DeclaringPackage> = packages.into_iter().filter(|p| self.crate_dir(p).is_none()).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let manifest = self.manifest_path.display().to_string();
        let metadata = metadata(&self.manifest_path, false)
            .map_err(|why| Error::Metadata { manifest: manifest.clone(), why: one_line(&why) })?;
        self.crate_dirs.extend(metadata.packages.iter().map(located));
        match missing.into_iter().find(|p| self.crate_dir(p).is_none()) {
            Some(lost) => Err(Error::Metadata {
                manifest,
                why: format!(
                    "a container is declared by package {} {}, which is not among its packages",
                    lost.name, lost.version
                ),
            }),
            None => Ok(()),
        }
    }
}

/// A package and its directory.
fn located(package: &Package) -> (DeclaringPackage, PathBuf) {
    let dir = package.manifest_path.parent().map(|d| d.to_path_buf().into_std_path_buf()).unwrap_or_default();
    (DeclaringPackage { name: package.name.to_string(), version: package.version.to_string() }, dir)
}

impl Project {
    /// The name of the container application of `class`, which is its
    /// image repository too, as the official CLI names both: the wrangler
    /// file's `containers[].name` for the class, else `<worker>-<class>`
    /// lowercased (spaces as dashes), with `-<env>` after it in an
    /// environment (`validateContainerApp`), so that either tool finds the
    /// other's application.
    pub fn application_name(&self, class: &str) -> String {
        let entries = self.settings.wrangler.iter().flat_map(|w| &w.containers);
        if let Some(name) = entries.filter(|e| e.class_name == class).find_map(|e| e.name.clone()) {
            return name;
        }
        let mut name = format!("{}-{class}", self.settings.name);
        if let Some(env) = &self.env {
            name.push_str(&format!("-{env}"));
        }
        name.to_lowercase().replace(' ', "-")
    }

    /// The warning a deploy or a dev session prints when the crate sets no
    /// compatibility date (the official CLI 4.164 asks for one too: it
    /// refuses to deploy without one outside a terminal), with the line
    /// that sets it.
    pub fn default_date_warning(&self) -> Option<String> {
        (self.settings.compatibility_date_source == DateSource::Default).then(|| {
            let date = &self.settings.compatibility_date;
            let place = match &self.settings.wrangler {
                Some(source) => format!("{}", source.path.display()),
                None => format!("[package.metadata.cfcontainer] of {}", self.manifest_path.display()),
            };
            format!("no compatibility_date is set, so {date} is used (the local runtime's date); add `compatibility_date = \"{date}\"` to {place} to keep it")
        })
    }

    /// Warns of each key of the wrangler file that the official CLI does
    /// not know either (a typo, most often), with the key it resembles.
    pub fn warn_unknown_keys(&self, out: &Output) {
        let Some(source) = &self.settings.wrangler else { return };
        for key in &source.unknown_keys {
            let message = format!("{}: {key}", source.path.display());
            out.warning(&message);
        }
    }

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

/// `cargo metadata` (`--no-deps` with `members_only`) of the workspace at
/// `manifest`, run without the account's credentials in its environment.
fn metadata(manifest: &Path, members_only: bool) -> Result<Metadata, String> {
    let mut command = MetadataCommand::new();
    command.manifest_path(manifest);
    if members_only {
        command.no_deps();
    }
    let mut cmd = command.cargo_command();
    let output =
        cmd.without_credentials().stdin(Stdio::null()).output().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = stdout.lines().find(|line| line.starts_with('{')).ok_or("cargo metadata printed no JSON")?;
    MetadataCommand::parse(json).map_err(|e| e.to_string())
}

/// The settings of `package` (in `dir`) for environment `env`.
fn settings_of(package: &Package, dir: &Path, env: Option<&str>) -> Result<WorkerSettings, Error> {
    let bad = |why: String| Error::Settings { package: package.name.to_string(), why };
    let mut raw: RawSettings = match package.metadata.get("cfcontainer") {
        Some(value) => serde_json::from_value(value.clone()).map_err(|e| bad(e.to_string()))?,
        None => RawSettings::default(),
    };
    let (from_file, wrangler) = match (cfcontainer_meta::wrangler::find(dir), env) {
        (Some(path), _) => {
            let (from_file, source) = wrangler_file::merge(&path, &mut raw, env.map(|e| (e, package.name.as_str())))?;
            (from_file, Some(source))
        }
        (None, Some(env)) => {
            return Err(bad(format!(
                "--env {env} needs a wrangler file with an [env.{env}] section next to Cargo.toml"
            )))
        }
        (None, None) => (wrangler_file::FromFile::default(), None),
    };
    let name = raw.name.unwrap_or_else(|| package.name.to_string());
    if !is_worker_name(&name) {
        return Err(bad(format!("worker name `{name}` must be 1 to 63 lowercase letters, digits and dashes, not starting or ending with a dash")));
    }
    let compatibility_date_source =
        if raw.compatibility_date.is_some() { DateSource::Set } else { DateSource::Default };
    let compatibility_date = raw.compatibility_date.unwrap_or_else(|| DEFAULT_COMPATIBILITY_DATE.to_string());
    if !is_date(&compatibility_date) {
        return Err(bad(format!("compatibility_date `{compatibility_date}` is not a date like 2026-03-01")));
    }
    let account_id = std::env::var("CLOUDFLARE_ACCOUNT_ID").ok().filter(|a| !a.is_empty()).or(raw.account_id);
    let workers_dev = raw.workers_dev.unwrap_or(raw.routes.is_empty());
    Ok(WorkerSettings {
        name,
        compatibility_date,
        compatibility_date_source,
        compatibility_flags: raw.compatibility_flags,
        account_id,
        routes: raw.routes,
        vars: raw.vars,
        json_vars: from_file.json_vars,
        secrets: raw.secrets,
        workers_dev,
        preview_urls: raw.preview_urls,
        carried: from_file.carried,
        crons: from_file.crons,
        assets: from_file.assets,
        wrangler,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_crate_without_a_compatibility_date_gets_the_runtimes_and_one_warning_naming_where_to_set_it() {
        let (_dir, bare) = crate::testing::project("bare", &[], None);
        assert_eq!(bare.settings.compatibility_date, super::DEFAULT_COMPATIBILITY_DATE);
        let warning = bare.default_date_warning().unwrap();
        assert!(
            warning.contains("add `compatibility_date = \"2026-11-17\"` to [package.metadata.cfcontainer]"),
            "{warning}"
        );

        let file = ("wrangler.toml", "name = \"dated\"\n");
        let (_dir, in_file) = crate::testing::project("dated", &[file], None);
        assert!(in_file.default_date_warning().unwrap().contains("wrangler.toml"), "the wrangler file is named");

        let set = ("wrangler.toml", "compatibility_date = \"2026-10-01\"\n");
        let (_dir, dated) = crate::testing::project("dated", &[set], None);
        assert_eq!((dated.settings.compatibility_date.as_str(), dated.default_date_warning()), ("2026-10-01", None));
    }
}
