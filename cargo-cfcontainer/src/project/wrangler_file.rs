//! The crate's wrangler file merged into its settings: the Worker's name,
//! compatibility, account, vars, routes, crons, assets and the settings the
//! upload carries, for the selected environment as the official CLI
//! resolves it (the section's own bindings and vars, inherited settings).
//! One source per setting: a value given in the file and in
//! `[package.metadata.cfcontainer]` must be the same.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::Path;

use super::assets::Assets;
use super::own_classes::own_classes;
use super::settings::{is_date, CarriedSettings, RawSettings, WranglerSource};
use crate::Error;
use cfcontainer_meta::wrangler::{self, Settings, Triggers};

/// The prefix of the official CLI's tag naming a Worker's service.
pub const SERVICE_TAG: &str = "cf:service=";

/// The prefix of the official CLI's tag naming a Worker's environment.
pub const ENVIRONMENT_TAG: &str = "cf:environment=";

/// What only the wrangler file sets.
#[derive(Debug, Default)]
pub(super) struct FromFile {
    pub(super) json_vars: BTreeMap<String, serde_json::Value>,
    pub(super) carried: CarriedSettings,
    pub(super) crons: Option<Vec<String>>,
    pub(super) assets: Option<Assets>,
}

/// Takes the Worker's settings from the wrangler config at `path` into
/// `raw`; with `env` (the environment and the package's name), from its
/// section as the official CLI does.
pub(super) fn merge(
    path: &Path,
    raw: &mut RawSettings,
    env: Option<(&str, &str)>,
) -> Result<(FromFile, WranglerSource), Error> {
    let (env, package) = (env.map(|(e, _)| e), env.map(|(_, p)| p).unwrap_or_default());
    let bad = |why: String| Error::WranglerSource { path: path.to_path_buf(), why };
    let file = wrangler::read(path).map_err(|e| bad(e.message))?;
    let section = file.section(env).map_err(bad)?;
    let top = &file.top;
    agree_with_top(top.name.as_ref(), &top.settings, raw).map_err(bad)?;
    let settings = match env {
        Some(env) => {
            // The official CLI's rules: the Worker `<name>-<env>` unless the
            // section names it; the section's own vars and bindings only.
            let base = raw.name.clone().unwrap_or_else(|| package.to_string());
            raw.name = Some(section.name.clone().unwrap_or_else(|| format!("{base}-{env}")));
            raw.vars.clear();
            take_own(&section.settings, env, raw).map_err(bad)?;
            top.settings.for_env(&section.settings)
        }
        None => top.settings.clone(),
    };
    let mut json_vars = BTreeMap::new();
    for (name, value) in &section.bindings.vars {
        match (value.as_str(), raw.vars.get(name)) {
            (Some(text), Some(ours)) if ours != text => {
                return Err(bad(both(&format!("vars.{name}"), ours, &text)));
            }
            (Some(text), _) => {
                raw.vars.insert(name.clone(), text.to_string());
            }
            (None, _) => {
                json_vars.insert(name.clone(), value.clone());
            }
        }
    }
    let mut not_applied = top.untyped.clone();
    let mut unknown_keys = top.unknown.clone();
    if let Some(env) = env {
        not_applied.extend(section.untyped.iter().map(|k| format!("env.{env}.{k}")));
        unknown_keys.extend(section.unknown.iter().cloned());
    }
    if let Some(routes) = &settings.routes {
        if !raw.routes.is_empty() && raw.routes != *routes {
            return Err(bad(both("routes", &raw.routes, routes)));
        }
        raw.routes = routes.clone();
    }
    let migrations = settings.migrations.clone().unwrap_or_default();
    let mut service_tags = Vec::new();
    if let (false, Some(service)) = (file.env.is_empty(), &top.name) {
        service_tags.push(format!("{SERVICE_TAG}{service}"));
        service_tags.extend(env.map(|env| format!("{ENVIRONMENT_TAG}{env}")));
    }
    let source = WranglerSource {
        path: path.to_path_buf(),
        bindings: section.bindings.clone(),
        containers: settings.containers.clone().unwrap_or_default(),
        own_classes: own_classes(&migrations, &section.bindings),
        migrations,
        service_tags,
        not_applied,
        unknown_keys,
    };
    let crons = settings.triggers.as_ref().map(crons).transpose().map_err(bad)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let assets = settings.assets.as_ref().map(|a| Assets::from_section(a, dir)).transpose().map_err(bad)?;
    let carried = CarriedSettings {
        logpush: settings.logpush,
        placement: settings.placement,
        tail_consumers: settings.tail_consumers,
        limits: settings.limits,
        observability: settings.observability,
    };
    Ok((FromFile { json_vars, carried, crons, assets }, source))
}

/// `key` is set in both places to different values.
fn both(key: &str, ours: &dyn Debug, theirs: &dyn Debug) -> String {
    format!("`{key}` is {theirs:?} here and {ours:?} in [package.metadata.cfcontainer]; keep it in one place")
}

/// The top level's name, account, compatibility and workers.dev settings
/// into `raw`, each agreeing with the package metadata.
fn agree_with_top(name: Option<&String>, top: &Settings, raw: &mut RawSettings) -> Result<(), String> {
    fn one<T: PartialEq + Clone + Debug>(key: &str, file: Option<&T>, ours: &mut Option<T>) -> Result<(), String> {
        match (file, ours.as_ref()) {
            (Some(theirs), Some(mine)) if theirs != mine => Err(both(key, mine, theirs)),
            (Some(theirs), _) => {
                *ours = Some(theirs.clone());
                Ok(())
            }
            (None, _) => Ok(()),
        }
    }
    one("name", name, &mut raw.name)?;
    one("account_id", top.account_id.as_ref(), &mut raw.account_id)?;
    one("compatibility_date", top.compatibility_date.as_ref(), &mut raw.compatibility_date)?;
    one("workers_dev", top.workers_dev.as_ref(), &mut raw.workers_dev)?;
    one("preview_urls", top.preview_urls.as_ref(), &mut raw.preview_urls)?;
    if let Some(flags) = &top.compatibility_flags {
        if !raw.compatibility_flags.is_empty() && raw.compatibility_flags != *flags {
            return Err(both("compatibility_flags", &raw.compatibility_flags, flags));
        }
        raw.compatibility_flags = flags.clone();
    }
    Ok(())
}

/// The inheritable settings environment `env` sets itself replace the top
/// level's (checked against the package metadata before).
fn take_own(own: &Settings, env: &str, raw: &mut RawSettings) -> Result<(), String> {
    if let Some(date) = &own.compatibility_date {
        if !is_date(date) {
            return Err(format!("`env.{env}.compatibility_date` must be a date like \"2026-03-01\""));
        }
        raw.compatibility_date = Some(date.clone());
    }
    if let Some(flags) = &own.compatibility_flags {
        raw.compatibility_flags = flags.clone();
    }
    raw.account_id = own.account_id.clone().or(raw.account_id.take());
    raw.workers_dev = own.workers_dev.or(raw.workers_dev);
    raw.preview_urls = own.preview_urls.or(raw.preview_urls);
    Ok(())
}

/// `triggers.crons`, each a five-field cron expression as Cloudflare takes
/// them (checked here, before any call).
fn crons(triggers: &Triggers) -> Result<Vec<String>, String> {
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
    Ok(triggers.crons.clone())
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
        let error = merge(&path, &mut raw_with("2026-03-05"), None).unwrap_err().to_string();
        assert!(error.contains("\"2026-01-01\" here and \"2026-03-05\" in [package.metadata.cfcontainer]"), "{error}");

        let mut raw = raw_with("2026-01-01");
        let (from_file, source) = merge(&path, &mut raw, None).unwrap();
        assert_eq!(raw.vars.get("MODE").map(String::as_str), Some("dev"));
        assert_eq!(from_file.json_vars.get("LIMITS"), Some(&serde_json::json!([1, 2])));
        assert!(source.not_applied.is_empty());
    }

    #[test]
    fn a_misspelled_key_is_unknown_not_a_setting_deploy_leaves_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrangler.toml");
        let file = "compatability_flags = [\"nodejs_compat\"]\nsite = { bucket = \"./public\" }\n[env.staging]\nkeep_vars = true\n";
        std::fs::write(&path, file).unwrap();
        let (_, source) = merge(&path, &mut RawSettings::default(), Some(("staging", "app"))).unwrap();
        assert_eq!(source.not_applied, ["site"], "a real setting of the official CLI");
        let unknown: Vec<String> = source.unknown_keys.iter().map(ToString::to_string).collect();
        assert_eq!(
            unknown,
            [
                "unknown key `compatability_flags`, which is ignored (as the official CLI ignores it); did you mean `compatibility_flags`?",
                "`env.staging.keep_vars` can only be set at the top level, so it is ignored here (as the official CLI ignores it); move it to the top of the file",
            ]
        );
    }

    #[test]
    fn an_environment_uploads_its_own_settings_and_no_tail_consumers_it_does_not_set() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wrangler.toml");
        std::fs::write(
            &path,
            "name = \"app\"\nlogpush = true\ntail_consumers = [{ service = \"tail\" }]\nobservability = { enabled = true }\n\
             [env.staging]\nobservability = { enabled = false }\n",
        )
        .unwrap();
        let (from_file, _) = merge(&path, &mut RawSettings::default(), Some(("staging", "app"))).unwrap();
        assert_eq!(from_file.carried.logpush, Some(true), "inherited");
        assert_eq!(from_file.carried.tail_consumers, None, "not inherited, as the official CLI");
        assert_eq!(from_file.carried.observability.map(|o| o.enabled), Some(Some(false)), "the section's own");
    }
}
