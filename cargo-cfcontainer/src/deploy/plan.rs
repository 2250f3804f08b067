//! The difference between the account and the crate: per resource,
//! create, update (which fields) or no change.

use std::collections::{BTreeMap, BTreeSet};

use cfcontainer_meta::{Constraints, InstanceType};
use cfcontainer_protocol::Fingerprint;
use serde::Serialize;

use super::cache;
use super::consumers::{self, ConsumerStep};
use super::cost::AppCost;
use super::desired::{container_fields, DesiredApp, DesiredScript, LogsRecord};
use super::images::{short, ImagesRecord, IMAGES_BINDING};
use super::migrations::{new_tag, Migrations};
use super::prepare::Prepared;
use super::routes::DesiredRoutes;
use super::Remote;
use crate::api::{
    AppConstraints, AppObservability, Application, BindingType, Origin, ScriptRoute, ScriptSettings, ScriptSubdomain,
};
use crate::project::WorkerSettings;
use crate::Error;

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// It does not exist yet.
    Create,
    /// It exists and some fields change.
    Update,
    /// It matches.
    NoChange,
    /// It goes away.
    Delete,
}

/// The Worker script's part of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptPlan {
    /// Script name.
    pub name: String,
    /// What happens.
    pub action: Action,
    /// Why, one entry per changed aspect.
    pub changes: Vec<ScriptChange>,
    /// Durable Object migrations this deploy applies.
    pub migrations: Migrations,
    /// The record of the containers' images the upload carries.
    #[serde(skip)]
    pub images: Option<ImagesRecord>,
    /// The migration tag the upload moves the Worker to, when it migrates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration_tag: Option<String>,
}

/// One aspect of the Worker script that changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum ScriptChange {
    /// The Worker does not exist yet.
    NewWorker,
    /// A class runs another image than the live version records: its
    /// content tags (shortened).
    Image {
        /// The container class.
        class: String,
        /// The live version's tag.
        from: String,
        /// The new tag.
        to: String,
    },
    /// A class's image keeps its tag but is pinned to new content (a
    /// fixed `tag` can name new content).
    ImagePinned {
        /// The container class.
        class: String,
        /// The new reference, pinned by digest.
        reference: String,
    },
    /// A class's image is recorded in the Worker for the first time.
    ImageRecorded {
        /// The container class.
        class: String,
        /// Its tag (shortened).
        tag: String,
    },
    /// A `#[protocol]` the Worker calls is new, changed or gone since the
    /// live version: while a rollout replaces instances, calls between
    /// the two versions' Workers and containers meet another fingerprint
    /// (a typed mismatch) or no route for it.
    Protocol {
        /// The trait's name.
        protocol: String,
        /// The live version's fingerprint (none: the protocol is new).
        from: Option<Fingerprint>,
        /// This version's (none: no longer called).
        to: Option<Fingerprint>,
    },
    /// The compatibility date.
    CompatibilityDate {
        /// The live one, if any.
        from: Option<String>,
        /// The new one.
        to: String,
    },
    /// The compatibility flags.
    CompatibilityFlags {
        /// The live ones.
        from: Vec<String>,
        /// The new ones.
        to: Vec<String>,
    },
    /// A binding added or removed.
    Binding {
        /// `create` or `delete`.
        action: Action,
        /// Its kind, as the API names it.
        kind: BindingType,
        /// Its name.
        name: String,
    },
    /// A container setting compiled into the Worker changed since the
    /// last deploy from this machine.
    Field {
        /// `Class.field`.
        field: String,
        /// Its value then.
        from: String,
        /// Its value now.
        to: String,
    },
    /// The upload differs in what cannot be named: the code, secrets or
    /// (with `assets`) the static assets.
    Content {
        /// The Worker has static assets.
        assets: bool,
    },
    /// Durable Object migrations (the script plan's `migrations`).
    Migrations,
}

/// One field of an application that changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// Field name.
    pub field: String,
    /// Current value (empty when created).
    pub from: String,
    /// New value.
    pub to: String,
}

/// One application's part of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct AppPlan {
    /// The container class (or, when deleted, the class it served).
    pub class: String,
    /// The application's name.
    pub name: String,
    /// What happens to it.
    #[serde(flatten)]
    pub step: AppStep,
    /// What it can cost once deployed (none for one deleted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<AppCost>,
}

/// What happens to one application; each state carries what carrying it
/// out needs, so applying a plan never has to guess.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AppStep {
    /// It does not exist yet.
    Create {
        /// Its fields.
        changes: Vec<FieldChange>,
        /// The wanted application.
        #[serde(skip)]
        desired: DesiredApp,
    },
    /// It exists and some fields change.
    Update {
        /// Its id.
        id: String,
        /// The fields that change.
        changes: Vec<FieldChange>,
        /// The wanted application.
        #[serde(skip)]
        desired: DesiredApp,
        /// Its own `observability` to write, when that changes.
        #[serde(skip)]
        observability: Option<AppObservability>,
    },
    /// It matches.
    NoChange {
        /// Its id.
        id: String,
        /// The wanted application (as it is).
        #[serde(skip)]
        desired: DesiredApp,
    },
    /// Its class was deleted, so it goes.
    Delete {
        /// Its id.
        id: String,
    },
}

impl AppPlan {
    /// What happens, without the details.
    pub fn action(&self) -> Action {
        match self.step {
            AppStep::Create { .. } => Action::Create,
            AppStep::Update { .. } => Action::Update,
            AppStep::NoChange { .. } => Action::NoChange,
            AppStep::Delete { .. } => Action::Delete,
        }
    }
}

impl AppStep {
    /// The application as it should be, unless it is deleted.
    pub fn desired(&self) -> Option<&DesiredApp> {
        match self {
            AppStep::Create { desired, .. } | AppStep::Update { desired, .. } | AppStep::NoChange { desired, .. } => {
                Some(desired)
            }
            AppStep::Delete { .. } => None,
        }
    }
}

/// What the subdomain endpoint is sent when the Worker's workers.dev route
/// differs from the settings, or its Preview URLs from a `preview_urls`
/// the settings give (without one, the API's default is left alone, so an
/// unchanged deploy writes nothing). A new Worker is off on both.
fn subdomain_change(
    now: Option<&ScriptSubdomain>,
    wanted: ScriptSubdomain,
) -> Option<(Option<ScriptSubdomain>, ScriptSubdomain)> {
    let enabled_now = now.is_some_and(|n| n.enabled);
    let previews_now = now.and_then(|n| n.previews_enabled).unwrap_or(false);
    let differs = enabled_now != wanted.enabled || wanted.previews_enabled.is_some_and(|p| p != previews_now);
    differs.then(|| (now.cloned(), wanted))
}

/// The whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The Worker script.
    pub script: ScriptPlan,
    /// The workers.dev route and Preview URLs change: what the Worker has
    /// (`None`: a new Worker) and what is sent.
    pub subdomain: Option<(Option<ScriptSubdomain>, ScriptSubdomain)>,
    /// The Cron Triggers change from the first list to the second.
    pub crons: Option<(Vec<String>, Vec<String>)>,
    /// The zone routes change from these patterns to those routes.
    pub routes: Option<(Vec<String>, Vec<ScriptRoute>)>,
    /// The Custom Domains change from these hostnames to those.
    pub domains: Option<(Vec<String>, Vec<Origin>)>,
    /// Queue consumers created or updated.
    pub consumers: Vec<ConsumerStep>,
    /// Container applications, by class.
    pub applications: Vec<AppPlan>,
    /// The Worker's tags change from the first list to the second (our
    /// digest tag, the official CLI's service and environment tags).
    pub tags: Option<(Vec<String>, Vec<String>)>,
}

impl Plan {
    /// Compares what `remote` holds with the crate `prepared` and its
    /// applications `apps`; checks nothing (see [`super::checks`]).
    pub fn of(prepared: &Prepared, remote: &Remote, apps: &[DesiredApp]) -> Result<Plan, Error> {
        let consumers = consumers::steps(&remote.queues, &prepared.consumers)?;
        let last = cache::read(&prepared.project, &remote.tags);
        let fields = container_fields(&prepared.containers);
        let last_fields = last.as_ref().map(|l| &l.fields);
        let settings = &prepared.project.settings;
        Ok(Plan::new(remote, &prepared.script, settings, consumers, apps, last_fields, &fields))
    }

    /// Compares `remote` with the desired script and applications.
    /// `last_fields` are the container fields of the last deploy from this
    /// machine, used only to name what changed in the code.
    pub fn new(
        remote: &Remote,
        script: &DesiredScript,
        settings: &WorkerSettings,
        consumers: Vec<ConsumerStep>,
        apps: &[DesiredApp],
        last_fields: Option<&BTreeMap<String, String>>,
        fields: &BTreeMap<String, String>,
    ) -> Plan {
        let migrations = Migrations::between(&remote.classes(), &script.classes).with_kv_backed(&script.kv_classes);
        let images = ImagesRecord::of(apps.iter().map(|a| (a.class.as_str(), a.image.as_str(), a.tag.as_str())))
            .map(|record| record.with_protocols(&script.protocols));
        let script_plan = script_plan(remote, settings, script, &migrations, images, last_fields, fields);
        let mut applications: Vec<AppPlan> = apps
            .iter()
            .map(|app| {
                // A renamed class still has its namespace under the old name.
                let lookup = migrations
                    .renamed
                    .iter()
                    .find(|(_, to)| *to == app.class)
                    .map(|(from, _)| from.as_str())
                    .unwrap_or(&app.class);
                app_plan(remote.application(lookup), app)
            })
            .collect();
        for class in &migrations.deleted {
            if let Some(app) = remote.application(class) {
                let step = AppStep::Delete { id: app.id.clone() };
                applications.push(AppPlan { class: class.clone(), name: app.name.clone(), step, cost: None });
            }
        }
        let wanted = ScriptSubdomain { enabled: settings.workers_dev, previews_enabled: settings.preview_urls };
        let subdomain = subdomain_change(remote.subdomain.as_ref(), wanted);
        let crons = settings.crons.as_ref().and_then(|wanted| {
            let mut wanted = wanted.clone();
            wanted.sort();
            let now = remote.crons.clone().unwrap_or_default();
            (now != wanted).then_some((now, wanted))
        });
        // Routes are set when the settings name some, as the official CLI
        // does (removing every route from the config leaves the account's).
        let desired = DesiredRoutes::of(&settings.routes);
        let patterns: Vec<String> = desired.zone_routes.iter().map(|r| r.pattern.clone()).collect();
        let routes = (!patterns.is_empty() && patterns != remote.routes)
            .then(|| (remote.routes.clone(), desired.zone_routes.clone()));
        let hostnames: Vec<String> = desired.domains.iter().map(|d| d.hostname.clone()).collect();
        let domains = (!hostnames.is_empty() && hostnames != remote.domains)
            .then(|| (remote.domains.clone(), desired.domains.clone()));
        let wanted_tags = script.tags_after(&remote.tags, remote.etag());
        let tags = (wanted_tags != remote.tags).then(|| (remote.tags.clone(), wanted_tags));
        Plan { script: script_plan, subdomain, crons, routes, domains, consumers, applications, tags }
    }

    /// This plan with the container applications left as they are
    /// (`--containers-rollout none`): no step for any, and the upload
    /// carrying the live version's record of images (which still run), as
    /// the official CLI 4.164 uploads the live versions' container metadata.
    /// A class deleted while an application serves it cannot be: the API
    /// refuses to delete a namespace an application serves.
    pub fn leaving_applications(mut self, remote: &Remote) -> Result<Plan, Error> {
        if let Some(app) = self.applications.iter().find(|a| a.action() == Action::Delete) {
            return Err(Error::RolloutLeavesApplication { class: app.class.clone(), application: app.name.clone() });
        }
        self.applications.clear();
        self.script.images = remote.settings.as_ref().and_then(|s| ImagesRecord::in_settings(&s.bindings));
        Ok(self)
    }

    /// True if the deploy would change nothing.
    pub fn is_empty(&self) -> bool {
        self.script.action == Action::NoChange
            && self.subdomain.is_none()
            && self.crons.is_none()
            && self.routes.is_none()
            && self.domains.is_none()
            && self.consumers.is_empty()
            && self.tags.is_none()
            && self.applications.iter().all(|a| a.action() == Action::NoChange)
    }
}

fn script_plan(
    remote: &Remote,
    settings: &WorkerSettings,
    script: &DesiredScript,
    migrations: &Migrations,
    images: Option<ImagesRecord>,
    last: Option<&BTreeMap<String, String>>,
    fields: &BTreeMap<String, String>,
) -> ScriptPlan {
    let mut changes = Vec::new();
    let action = match (&remote.script, &remote.settings) {
        (Some(_), Some(settings)) => {
            let live = ImagesRecord::in_settings(&settings.bindings);
            changes.extend(image_changes(live.as_ref(), images.as_ref()));
            changes.extend(protocol_changes(live.as_ref(), images.as_ref()));
            if !remote.tags.contains(&script.digest_tag(remote.etag())) {
                changes.extend(metadata_changes(settings, script));
                if let Some(last) = last {
                    changes.extend(field_changes(last, fields));
                }
                if changes.is_empty() {
                    changes.push(ScriptChange::Content { assets: script.assets.is_some() });
                }
            }
            if changes.is_empty() && migrations.is_empty() {
                Action::NoChange
            } else {
                Action::Update
            }
        }
        _ => {
            changes.push(ScriptChange::NewWorker);
            Action::Create
        }
    };
    if !migrations.is_empty() {
        changes.push(ScriptChange::Migrations);
    }
    let file_tags: Vec<&str> =
        settings.wrangler.iter().flat_map(|w| w.migrations.iter().map(|m| m.tag.as_str())).collect();
    let migration_tag = (!migrations.is_empty()).then(|| new_tag(&file_tags, remote.migration_tag()));
    ScriptPlan { name: script.name.clone(), action, changes, migrations: migrations.clone(), images, migration_tag }
}

/// Each class whose image differs from the one the live version records:
/// by content tag, and by reference once pushed (a fixed `tag` can name
/// new content).
fn image_changes(live: Option<&ImagesRecord>, wanted: Option<&ImagesRecord>) -> Vec<ScriptChange> {
    let Some(wanted) = wanted else { return Vec::new() };
    let pinned = |image: &str| image.contains("@sha256:");
    wanted
        .images
        .iter()
        .filter_map(|(class, want)| {
            let old = live.and_then(|l| l.images.get(class));
            let same = old.is_some_and(|o| o.tag == want.tag && (!pinned(&want.image) || o.image == want.image));
            let class = class.clone();
            (!same).then(|| match old {
                Some(old) if old.tag != want.tag => {
                    ScriptChange::Image { class, from: short(&old.tag).to_string(), to: short(&want.tag).to_string() }
                }
                Some(_) => ScriptChange::ImagePinned { class, reference: want.image.clone() },
                None => ScriptChange::ImageRecorded { class, tag: short(&want.tag).to_string() },
            })
        })
        .collect()
}

/// Each protocol whose fingerprint differs from the live version's, when
/// the live version recorded its protocols (or recorded images: it called
/// none then).
fn protocol_changes(live: Option<&ImagesRecord>, wanted: Option<&ImagesRecord>) -> Vec<ScriptChange> {
    let (Some(live), Some(wanted)) = (live, wanted) else { return Vec::new() };
    let names: BTreeSet<&String> = live.protocols.keys().chain(wanted.protocols.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let (from, to) = (live.protocols.get(name).copied(), wanted.protocols.get(name).copied());
            (from != to).then(|| ScriptChange::Protocol { protocol: name.clone(), from, to })
        })
        .collect()
}

fn metadata_changes(settings: &ScriptSettings, script: &DesiredScript) -> Vec<ScriptChange> {
    let mut changes = Vec::new();
    let (date, flags) = (&script.metadata.compatibility_date, &script.metadata.compatibility_flags);
    if settings.compatibility_date.as_ref() != Some(date) {
        changes.push(ScriptChange::CompatibilityDate { from: settings.compatibility_date.clone(), to: date.clone() });
    }
    if &settings.compatibility_flags != flags {
        changes
            .push(ScriptChange::CompatibilityFlags { from: settings.compatibility_flags.clone(), to: flags.clone() });
    }
    let desired: Vec<(BindingType, String)> =
        script.bindings().iter().map(|b| (b.kind(), b.name().to_string())).collect();
    // The images record is compared by its tags (above).
    let remote: Vec<(BindingType, String)> = settings
        .bindings
        .iter()
        .filter(|b| b.name != IMAGES_BINDING)
        .map(|b| (b.kind.clone(), b.name.clone()))
        .collect();
    let binding = |action: Action| {
        move |(kind, name): &(BindingType, String)| ScriptChange::Binding {
            action,
            kind: kind.clone(),
            name: name.clone(),
        }
    };
    changes.extend(desired.iter().filter(|b| !remote.contains(b)).map(binding(Action::Create)));
    // Secrets set outside this tool are kept (keep_bindings), not removed.
    let removed = remote
        .iter()
        .filter(|b| !desired.contains(b) && !matches!(b.0, BindingType::SecretText | BindingType::SecretKey));
    changes.extend(removed.map(binding(Action::Delete)));
    changes
}

/// The container fields compiled into the worker (`Class.field`) whose
/// value changed.
fn field_changes(last: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Vec<ScriptChange> {
    now.iter()
        .filter_map(|(k, v)| match last.get(k) {
            Some(old) if old != v => Some(ScriptChange::Field { field: k.clone(), from: old.clone(), to: v.clone() }),
            _ => None,
        })
        .collect()
}

/// The plan's name for a change of an application's container logs.
pub const LOGS_FIELD: &str = "observability.logs";

fn app_plan(remote: Option<&Application>, app: &DesiredApp) -> AppPlan {
    let (vcpu, memory, disk) = app.instance_type.resources();
    let instance = match &app.instance_type {
        InstanceType::Named(n) => n.clone(),
        InstanceType::Custom { .. } => format!("{vcpu} vCPU/{memory} MiB/{disk} MB"),
    };
    let Some(current) = remote else {
        let created = |field: &str, to: String| FieldChange { field: field.into(), from: String::new(), to };
        let changes = vec![
            created("image", app.image.clone()),
            created("instance_type", instance),
            created("max_instances", app.max_instances.to_string()),
        ];
        let step = AppStep::Create { changes, desired: app.clone() };
        return AppPlan { class: app.class.clone(), name: app.name.clone(), step, cost: Some(app.cost()) };
    };
    let config = &current.configuration;
    let change =
        |field: &str, from: String, to: String| (from != to).then(|| FieldChange { field: field.into(), from, to });
    let (v, m, d) = (
        config.vcpu.unwrap_or_default(),
        config.memory_mib.unwrap_or_default(),
        config.disk.as_ref().and_then(|d| d.size_mb).unwrap_or_default(),
    );
    let current_instance = if (v, m, d) == (vcpu, memory, disk) {
        instance.clone()
    } else {
        config.instance_type.clone().unwrap_or_else(|| format!("{v} vCPU/{m} MiB/{d} MB"))
    };
    // An application created before this tool sent constraints has the
    // API's default ones, which are the official CLI's.
    let current_constraints =
        current.constraints.clone().unwrap_or_else(|| AppConstraints::from(&Constraints::default()));
    // Logs on in the configuration stay there (written by a rollout), as
    // the official CLI 4.164 keeps them; else they are the application's
    // own setting.
    let logs_record = if config.logs_enabled() { LogsRecord::Configuration } else { LogsRecord::Application };
    let desired = DesiredApp { logs_record, ..app.clone() };
    let observability = desired.observability_for(current.observability.as_ref());
    let logs = match (logs_record, &observability) {
        (LogsRecord::Configuration, _) => change(LOGS_FIELD, true.to_string(), app.logs.to_string()),
        (LogsRecord::Application, Some(wanted)) => {
            let from = current.observability.as_ref().map_or_else(|| false.to_string(), AppObservability::describe);
            Some(FieldChange { field: LOGS_FIELD.into(), from, to: wanted.describe() })
        }
        (LogsRecord::Application, None) => None,
    };
    let changes: Vec<FieldChange> = [
        change("image", config.image.clone(), app.image.clone()),
        change("instance_type", current_instance, instance),
        change("max_instances", current.max_instances.to_string(), app.max_instances.to_string()),
        logs,
        change(
            "scheduling_policy",
            current.scheduling_policy.unwrap_or_default().name().to_string(),
            app.scheduling_policy.name().to_string(),
        ),
        change("constraints", current_constraints.describe(), app.constraints.describe()),
        change(
            "rollout_active_grace_period",
            current.rollout_active_grace_period.unwrap_or(0).to_string(),
            app.rollout_active_grace_period.to_string(),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let id = current.id.clone();
    let step = match changes.is_empty() {
        true => AppStep::NoChange { id, desired },
        false => AppStep::Update { id, changes, desired, observability },
    };
    AppPlan { class: app.class.clone(), name: current.name.clone(), step, cost: Some(app.cost()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subdomain(enabled: bool, previews: Option<bool>) -> ScriptSubdomain {
        ScriptSubdomain { enabled, previews_enabled: previews }
    }

    #[test]
    fn preview_urls_are_written_only_when_the_settings_give_them_and_they_differ() {
        // A new Worker served on workers.dev, Preview URLs left to the API.
        let new = subdomain_change(None, subdomain(true, None));
        assert_eq!(new, Some((None, subdomain(true, None))));
        // The API turned Preview URLs on with it: the next deploy writes nothing.
        assert_eq!(subdomain_change(Some(&subdomain(true, Some(true))), subdomain(true, None)), None);
        // `preview_urls = false` in the file turns them off, and only them.
        let off = subdomain_change(Some(&subdomain(true, Some(true))), subdomain(true, Some(false)));
        assert_eq!(off.map(|(_, wanted)| wanted), Some(subdomain(true, Some(false))));
        // A new Worker with neither is left alone, as before.
        assert_eq!(subdomain_change(None, subdomain(false, None)), None);
    }

    #[test]
    fn a_changed_new_or_dropped_protocol_is_a_change_and_an_unchanged_one_is_none() {
        use cfcontainer_protocol::record::ProtocolRecord;
        let record = |protocols: &[(&str, u64)]| {
            let protocols: Vec<ProtocolRecord> = protocols
                .iter()
                .map(|(name, fp)| ProtocolRecord { protocol: name.to_string(), fingerprint: Fingerprint(*fp) })
                .collect();
            ImagesRecord::of([("Api", "r/api@sha256:bb", "feedfacefeedface")]).map(|r| r.with_protocols(&protocols))
        };
        let live = record(&[("Text", 1), ("Jobs", 7), ("Old", 3)]);
        let wanted = record(&[("Text", 2), ("Jobs", 7), ("New", 4)]);
        let protocol = |name: &str, from: Option<u64>, to: Option<u64>| ScriptChange::Protocol {
            protocol: name.into(),
            from: from.map(Fingerprint),
            to: to.map(Fingerprint),
        };
        assert_eq!(
            protocol_changes(live.as_ref(), wanted.as_ref()),
            vec![protocol("New", None, Some(4)), protocol("Old", Some(3), None), protocol("Text", Some(1), Some(2))]
        );
        assert_eq!(protocol_changes(wanted.as_ref(), wanted.as_ref()), vec![]);
        // A Worker deployed for the first time meets no older version.
        assert_eq!(protocol_changes(None, wanted.as_ref()), vec![]);
    }

    #[test]
    fn a_class_whose_content_tag_moved_is_an_image_change_and_an_unchanged_one_is_none() {
        let live = ImagesRecord::of([
            ("Web", "r/web@sha256:aa", "0123456789abcdef"),
            ("Api", "r/api@sha256:bb", "feedfacefeedface"),
        ]);
        let wanted = ImagesRecord::of([
            ("Web", "r/web:fedcba", "fedcba9876543210"),
            ("Api", "r/api@sha256:bb", "feedfacefeedface"),
        ]);
        let changes = image_changes(live.as_ref(), wanted.as_ref());
        let expected =
            ScriptChange::Image { class: "Web".into(), from: "0123456789ab".into(), to: "fedcba987654".into() };
        assert_eq!(changes, [expected]);
    }

    #[test]
    fn a_fixed_tag_pinned_to_new_content_and_a_first_record_are_told_apart() {
        let live = ImagesRecord::of([("Web", "r/web@sha256:aa", "v1")]);
        let repinned = ImagesRecord::of([("Web", "r/web@sha256:cc", "v1"), ("Api", "r/api:t", "0123456789abcdef")]);
        let changes = image_changes(live.as_ref(), repinned.as_ref());
        assert_eq!(
            changes,
            [
                ScriptChange::ImageRecorded { class: "Api".into(), tag: "0123456789ab".into() },
                ScriptChange::ImagePinned { class: "Web".into(), reference: "r/web@sha256:cc".into() },
            ]
        );
        // Not pushed yet (no digest): the same tag is the same image.
        let unpushed = ImagesRecord::of([("Web", "r/web:v1", "v1")]);
        assert_eq!(image_changes(live.as_ref(), unpushed.as_ref()), []);
    }

    #[test]
    fn only_container_fields_whose_value_changed_are_listed() {
        let last: BTreeMap<String, String> =
            [("Web.port", "8080"), ("Web.sleep_after", "5m")].map(|(k, v)| (k.to_string(), v.to_string())).into();
        let now: BTreeMap<String, String> = [("Web.port", "9090"), ("Web.sleep_after", "5m"), ("Api.port", "80")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        let changes = field_changes(&last, &now);
        assert_eq!(changes, [ScriptChange::Field { field: "Web.port".into(), from: "8080".into(), to: "9090".into() }]);
    }

    #[test]
    fn a_script_change_is_json_with_its_kind_and_fields() {
        let date = ScriptChange::CompatibilityDate { from: None, to: "2026-11-17".into() };
        assert_eq!(
            serde_json::to_value(&date).unwrap(),
            serde_json::json!({ "change": "compatibility_date", "from": null, "to": "2026-11-17" })
        );
        let binding = ScriptChange::Binding {
            action: Action::Delete,
            kind: BindingType::Other("kv_namespace".into()),
            name: "CACHE".into(),
        };
        assert_eq!(
            serde_json::to_value(&binding).unwrap(),
            serde_json::json!({ "change": "binding", "action": "delete", "kind": "kv_namespace", "name": "CACHE" })
        );
    }
}
