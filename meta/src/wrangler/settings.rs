//! The wrangler file's settings besides its bindings, typed as the
//! official CLI's config schema (wrangler 4.86's `config-schema.json`)
//! writes them, and the official CLI's inheritance rules for an
//! environment (`normalizeAndValidateEnvironment`: which keys an
//! `[env.NAME]` section inherits from the top level, which it must set
//! itself).

use serde::{Deserialize, Serialize};

/// The settings of one section (the top level or an `[env.NAME]`), each
/// `None` when the section does not set it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// `account_id`.
    pub account_id: Option<String>,
    /// `compatibility_date`.
    pub compatibility_date: Option<String>,
    /// `compatibility_flags`.
    pub compatibility_flags: Option<Vec<String>>,
    /// `workers_dev`.
    pub workers_dev: Option<bool>,
    /// `preview_urls`.
    pub preview_urls: Option<bool>,
    /// `routes`, or the one `route` (the file may give only one of them).
    pub routes: Option<Vec<Route>>,
    /// `triggers`.
    pub triggers: Option<Triggers>,
    /// `containers`.
    pub containers: Option<Vec<ContainerEntry>>,
    /// `migrations`.
    pub migrations: Option<Vec<Migration>>,
    /// `assets`.
    pub assets: Option<AssetsSection>,
    /// `limits`.
    pub limits: Option<Limits>,
    /// `placement`.
    pub placement: Option<PlacementConfig>,
    /// `tail_consumers`.
    pub tail_consumers: Option<Vec<TailConsumer>>,
    /// `observability`.
    pub observability: Option<Observability>,
    /// `logpush`.
    pub logpush: Option<bool>,
}

impl Settings {
    /// The settings an environment deploys with, as the official CLI
    /// resolves them: each inheritable key is the section's own, else the
    /// top level's; `containers` and `tail_consumers` are the section's
    /// own only (not inheritable: the top level's would deploy in every
    /// environment).
    ///
    /// ```
    /// use cfcontainer_meta::wrangler::parse;
    /// let file = parse(r#"
    ///     compatibility_date = "2026-01-01"
    ///     logpush = true
    ///     tail_consumers = [{ service = "tail" }]
    ///     [env.staging]
    ///     logpush = false
    /// "#, false).unwrap();
    /// let staging = file.top.settings.for_env(&file.env["staging"].settings);
    /// assert_eq!(staging.compatibility_date.as_deref(), Some("2026-01-01"));
    /// assert_eq!(staging.logpush, Some(false));
    /// assert_eq!(staging.tail_consumers, None);
    /// ```
    pub fn for_env(&self, own: &Settings) -> Settings {
        fn inherit<T: Clone>(own: &Option<T>, top: &Option<T>) -> Option<T> {
            own.clone().or_else(|| top.clone())
        }
        Settings {
            account_id: inherit(&own.account_id, &self.account_id),
            compatibility_date: inherit(&own.compatibility_date, &self.compatibility_date),
            compatibility_flags: inherit(&own.compatibility_flags, &self.compatibility_flags),
            workers_dev: inherit(&own.workers_dev, &self.workers_dev),
            preview_urls: inherit(&own.preview_urls, &self.preview_urls),
            routes: inherit(&own.routes, &self.routes),
            triggers: inherit(&own.triggers, &self.triggers),
            containers: own.containers.clone(),
            migrations: inherit(&own.migrations, &self.migrations),
            assets: inherit(&own.assets, &self.assets),
            limits: inherit(&own.limits, &self.limits),
            placement: inherit(&own.placement, &self.placement),
            tail_consumers: own.tail_consumers.clone(),
            observability: inherit(&own.observability, &self.observability),
            logpush: inherit(&own.logpush, &self.logpush),
        }
    }
}

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

/// `triggers`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triggers {
    /// Cron expressions.
    #[serde(default)]
    pub crons: Vec<String>,
}

/// A `containers` entry: the official CLI's container application of a
/// class. Keys this model does not name are the official CLI's own
/// (`image`, `image_vars`, `ssh`, ...) and are accepted.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContainerEntry {
    /// The Durable Object class.
    pub class_name: String,
    /// The application's name.
    pub name: Option<String>,
    /// Upper bound of instances.
    pub max_instances: Option<u32>,
    /// A named instance type or custom resources.
    pub instance_type: Option<InstanceTypeEntry>,
    /// One step size, or the list of steps.
    pub rollout_step_percentage: Option<StepPercentage>,
    /// `full_auto`, `full_manual` or `none`.
    pub rollout_kind: Option<String>,
    /// Where instances may run.
    pub constraints: Option<ConstraintsEntry>,
}

/// `containers[].instance_type`, as read and as `cargo cfcontainer
/// wrangler` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum InstanceTypeEntry {
    /// `lite`, `basic`, `standard-1`, ...
    Named(String),
    /// Custom resources.
    Custom {
        /// vCPUs.
        vcpu: f64,
        /// Memory in MiB.
        memory_mib: u32,
        /// Disk in MB.
        disk_mb: u32,
    },
}

/// `containers[].rollout_step_percentage`, as read and written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StepPercentage {
    /// Equal steps of this size.
    Single(u64),
    /// The steps' percentages.
    Steps(Vec<u8>),
}

/// `containers[].constraints`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ConstraintsEntry {
    /// Region codes.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Network tiers.
    pub tiers: Option<Vec<u8>>,
    /// A jurisdiction.
    pub jurisdiction: Option<String>,
}

/// A `migrations` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Migration {
    /// Its tag: the account records the last one applied.
    pub tag: String,
    /// New classes with key-value storage.
    #[serde(default)]
    pub new_classes: Vec<String>,
    /// New SQLite-backed classes.
    #[serde(default)]
    pub new_sqlite_classes: Vec<String>,
    /// Renamed classes.
    #[serde(default)]
    pub renamed_classes: Vec<RenamedClass>,
    /// Deleted classes (with their data).
    #[serde(default)]
    pub deleted_classes: Vec<String>,
}

/// `{ from, to }` of `renamed_classes`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenamedClass {
    /// The old name.
    pub from: String,
    /// The new name.
    pub to: String,
}

/// `assets`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetsSection {
    /// The directory, relative to the wrangler file.
    pub directory: String,
    /// The name of the binding the Worker fetches assets through.
    pub binding: Option<String>,
    /// Trailing slashes and `.html` in URLs.
    pub html_handling: Option<HtmlHandling>,
    /// What a request matching no asset gets.
    pub not_found_handling: Option<NotFoundHandling>,
    /// Whether the Worker runs before assets are served: always, or for
    /// these route patterns.
    pub run_worker_first: Option<RunWorkerFirst>,
}

/// `assets.html_handling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HtmlHandling {
    /// `/page` serves `page.html`, `/dir/` serves `dir/index.html`.
    AutoTrailingSlash,
    /// Pages are served with a trailing slash.
    ForceTrailingSlash,
    /// Pages are served without one.
    DropTrailingSlash,
    /// Paths are taken as written.
    None,
}

/// `assets.not_found_handling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NotFoundHandling {
    /// `/index.html` for every path without an asset.
    SinglePageApplication,
    /// The nearest `404.html`, with status 404.
    #[serde(rename = "404-page")]
    NotFoundPage,
    /// The Worker (or a bare 404).
    None,
}

/// `assets.run_worker_first`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RunWorkerFirst {
    /// Always or never.
    All(bool),
    /// For these route patterns (`!` excludes).
    Routes(Vec<String>),
}

/// `limits`, uploaded as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// CPU time per invocation, in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<u64>,
    /// Subrequests per invocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subrequests: Option<u64>,
}

/// `tail_consumers` entry: a Worker that receives this one's events,
/// uploaded as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TailConsumer {
    /// Its name.
    pub service: String,
    /// Its environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

/// `observability`, uploaded as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observability {
    /// Collect logs and traces at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Share of requests sampled, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_sampling_rate: Option<f64>,
    /// Logs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<ObservabilityPart>,
    /// Traces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traces: Option<ObservabilityPart>,
}

impl Observability {
    /// Whether the Worker's logs are on: `logs.enabled`, else `enabled`
    /// (the official CLI's rule, which also decides its container
    /// applications' logs).
    pub fn logs_enabled(&self) -> bool {
        self.logs.as_ref().and_then(|l| l.enabled).unwrap_or(self.enabled == Some(true))
    }
}

/// `observability.logs` / `.traces`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservabilityPart {
    /// Collected at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Share of requests sampled, 0 to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head_sampling_rate: Option<f64>,
    /// Logs only: one log per invocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invocation_logs: Option<bool>,
    /// Kept on Cloudflare's observability platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub persist: Option<bool>,
    /// Where they are sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destinations: Option<Vec<String>>,
}

/// `placement` as the config writes it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlacementConfig {
    /// `smart`, `off` or `targeted`.
    pub mode: Option<String>,
    /// A hint for smart placement.
    pub hint: Option<String>,
    /// Targeted: a region.
    pub region: Option<String>,
    /// Targeted: a host.
    pub host: Option<String>,
    /// Targeted: a hostname.
    pub hostname: Option<String>,
}

/// Keys of a wrangler config that do not change what a deploy of this
/// tool sends: the official CLI's build and local-development settings
/// (this tool builds with cargo and worker-build) and the file's schema.
pub const INERT_KEYS: &[&str] = &[
    "$schema",
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
];

#[cfg(test)]
mod tests {
    use super::*;

    fn every_key_set(tag: &str) -> Settings {
        Settings {
            account_id: Some(tag.into()),
            compatibility_date: Some(tag.into()),
            compatibility_flags: Some(vec![tag.into()]),
            workers_dev: Some(true),
            preview_urls: Some(true),
            routes: Some(vec![Route::Pattern(tag.into())]),
            triggers: Some(Triggers { crons: vec![tag.into()] }),
            containers: Some(vec![ContainerEntry {
                class_name: tag.into(),
                name: None,
                max_instances: None,
                instance_type: None,
                rollout_step_percentage: None,
                rollout_kind: None,
                constraints: None,
            }]),
            migrations: Some(vec![Migration {
                tag: tag.into(),
                new_classes: vec![],
                new_sqlite_classes: vec![],
                renamed_classes: vec![],
                deleted_classes: vec![],
            }]),
            assets: Some(AssetsSection {
                directory: tag.into(),
                binding: None,
                html_handling: None,
                not_found_handling: None,
                run_worker_first: None,
            }),
            limits: Some(Limits { cpu_ms: Some(1), subrequests: None }),
            placement: Some(PlacementConfig {
                mode: Some(tag.into()),
                hint: None,
                region: None,
                host: None,
                hostname: None,
            }),
            tail_consumers: Some(vec![TailConsumer { service: tag.into(), environment: None }]),
            observability: Some(Observability {
                enabled: Some(true),
                head_sampling_rate: None,
                logs: None,
                traces: None,
            }),
            logpush: Some(true),
        }
    }

    #[test]
    fn an_environment_that_sets_nothing_inherits_every_inheritable_key_and_no_other() {
        let top = every_key_set("top");
        let env = top.for_env(&Settings::default());
        let expected = Settings { containers: None, tail_consumers: None, ..top.clone() };
        assert_eq!(env, expected);
    }

    #[test]
    fn an_environments_own_keys_replace_the_top_levels_whether_inheritable_or_not() {
        let (top, own) = (every_key_set("top"), every_key_set("staging"));
        assert_eq!(top.for_env(&own), own);
    }

    #[test]
    fn container_logs_follow_logs_enabled_else_enabled() {
        let with = |enabled, logs: Option<bool>| Observability {
            enabled,
            head_sampling_rate: None,
            logs: logs.map(|enabled| ObservabilityPart {
                enabled: Some(enabled),
                head_sampling_rate: None,
                invocation_logs: None,
                persist: None,
                destinations: None,
            }),
            traces: None,
        };
        assert!(with(Some(true), None).logs_enabled());
        assert!(!with(Some(true), Some(false)).logs_enabled());
        assert!(with(None, Some(true)).logs_enabled());
        assert!(!with(None, None).logs_enabled());
    }
}
