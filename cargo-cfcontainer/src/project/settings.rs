//! The Worker's settings: `[package.metadata.cfcontainer]`, merged with the
//! crate's wrangler file (one source per setting), defaults applied and
//! checked.

use std::collections::BTreeMap;
use std::path::PathBuf;

use cfcontainer_meta::wrangler::{
    Bindings, CodeUpdateStrategy, ContainerEntry, Limits, Migration, Observability, PlacementConfig, Route,
    TailConsumer, UnknownKey,
};
use serde::{Deserialize, Serialize};

use super::assets::Assets;
use super::own_classes::OwnClass;

/// Compatibility date used when the crate sets none: the release date of
/// the pinned local workerd (1.20261117.1), which the official CLI 4.164
/// uses as its default too (its `DEFAULT_COMPAT_DATE`): a date both the
/// local runtime and production run, never months in the past.
pub const DEFAULT_COMPATIBILITY_DATE: &str = "2026-11-17";

/// Where the compatibility date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    /// The crate's settings or wrangler file.
    Set,
    /// Neither: [`DEFAULT_COMPATIBILITY_DATE`].
    Default,
}

/// Worker-level settings from `[package.metadata.cfcontainer]` and the
/// wrangler file, with defaults applied.
///
/// ```toml
/// [package.metadata.cfcontainer]
/// name = "my-worker"                  # default: the package name
/// compatibility_date = "2026-03-01"   # default: 2026-11-17
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
    /// Whether the crate set it.
    pub compatibility_date_source: DateSource,
    /// Runtime compatibility flags.
    pub compatibility_flags: Vec<String>,
    /// Cloudflare account, if known.
    pub account_id: Option<String>,
    /// Routes the Worker serves.
    pub routes: Vec<Route>,
    /// Plain-text Worker vars.
    pub vars: BTreeMap<String, String>,
    /// JSON Worker vars (the wrangler config's `vars` that are not strings).
    pub json_vars: BTreeMap<String, serde_json::Value>,
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
    /// The settings the script upload carries.
    #[serde(skip)]
    pub carried: CarriedSettings,
    /// The wrangler file's static `assets`.
    #[serde(skip)]
    pub assets: Option<Assets>,
    /// The crate's wrangler config, when it has one.
    pub wrangler: Option<WranglerSource>,
}

/// The wrangler file's settings that the script upload carries (`limits`,
/// `placement`, `tail_consumers`, `observability`, `logpush`), those of
/// the selected environment as the official CLI inherits them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CarriedSettings {
    /// `logpush`.
    pub logpush: Option<bool>,
    /// `placement`.
    pub placement: Option<PlacementConfig>,
    /// `tail_consumers` (an environment's own only).
    pub tail_consumers: Option<Vec<TailConsumer>>,
    /// `limits`.
    pub limits: Option<Limits>,
    /// `observability`.
    pub observability: Option<Observability>,
}

/// What the crate's wrangler config adds to the settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WranglerSource {
    /// The file.
    pub path: PathBuf,
    /// Its bindings (the vars are in the settings' `vars`/`json_vars`).
    #[serde(skip)]
    pub bindings: Bindings,
    /// The selected section's `containers` entries (an environment's own:
    /// the official CLI does not inherit them).
    #[serde(skip)]
    pub containers: Vec<ContainerEntry>,
    /// Its `migrations` (inherited by an environment).
    #[serde(skip)]
    pub migrations: Vec<Migration>,
    /// The Worker's own Durable Object classes (containers' included
    /// when the file names them; the attribute decides about those).
    #[serde(skip)]
    pub own_classes: Vec<OwnClass>,
    /// The tags the official CLI gives a Worker of a file with
    /// environments (what groups them as one service):
    /// `cf:service=<the top level's name>`, and `cf:environment=<env>` for
    /// an environment's; none for a file without `[env.*]` sections.
    pub service_tags: Vec<String>,
    /// Its keys that would change the deployed Worker but that `deploy`
    /// does not apply yet (`site`, `unsafe`, ...): deploy refuses them
    /// rather than leave them out.
    pub not_applied: Vec<String>,
    /// Its keys that the official CLI does not know either (typos, most
    /// often): every verb warns of them, and nothing reads them.
    #[serde(skip)]
    pub unknown_keys: Vec<UnknownKey>,
}

/// `[package.metadata.cfcontainer]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    pub(super) name: Option<String>,
    pub(super) compatibility_date: Option<String>,
    #[serde(default)]
    pub(super) compatibility_flags: Vec<String>,
    pub(super) account_id: Option<String>,
    #[serde(default)]
    pub(super) routes: Vec<Route>,
    #[serde(default)]
    pub(super) vars: BTreeMap<String, String>,
    #[serde(default)]
    pub(super) secrets: Vec<String>,
    pub(super) workers_dev: Option<bool>,
    pub(super) preview_urls: Option<bool>,
}

impl WorkerSettings {
    /// How the Worker's Durable Objects take up new code: the wrangler
    /// file's `durable_objects.code_update_strategy` (the selected
    /// section's, as its bindings), else the official CLI's default.
    pub fn code_update_strategy(&self) -> CodeUpdateStrategy {
        let set = self.wrangler.as_ref().and_then(|w| w.bindings.durable_objects.code_update_strategy);
        set.unwrap_or_default()
    }
}

/// True for a name the API takes for a Worker.
pub(super) fn is_worker_name(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// True for `YYYY-MM-DD` with a month and day in range.
pub(super) fn is_date(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
        && (1..=12).contains(&date[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&date[8..10].parse::<u8>().unwrap_or(0))
}
