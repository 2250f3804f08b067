//! The difference between the account and the crate: per resource,
//! create, update (which fields) or no change.

use std::collections::BTreeMap;

use serde::Serialize;

use super::desired::{DesiredApp, DesiredScript};
use super::Remote;
use crate::migrations::Migrations;
use crate::api::Application;

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

impl Action {
    fn sign(self) -> char {
        match self {
            Action::Create => '+',
            Action::Update => '~',
            Action::NoChange => '=',
            Action::Delete => '-',
        }
    }
}

/// The Worker script's part of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptPlan {
    /// Script name.
    pub name: String,
    /// What happens.
    pub action: Action,
    /// Why, one entry per changed aspect.
    pub changes: Vec<String>,
    /// Durable Object migrations this deploy applies.
    pub migrations: Migrations,
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
    /// Its id, if it exists.
    pub id: Option<String>,
    /// What happens.
    pub action: Action,
    /// Fields that change.
    pub changes: Vec<FieldChange>,
    /// The wanted application (absent when deleted).
    #[serde(skip)]
    pub desired: Option<DesiredApp>,
}

/// The whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The Worker script.
    pub script: ScriptPlan,
    /// Serving on workers.dev changes to this value.
    pub workers_dev: Option<bool>,
    /// Container applications, by class.
    pub applications: Vec<AppPlan>,
}

impl Plan {
    /// Compares `remote` with the desired script and applications.
    /// `last_fields` are the container fields of the last deploy from this
    /// machine, used only to name what changed in the code.
    pub fn new(
        remote: &Remote,
        script: &DesiredScript,
        workers_dev: bool,
        apps: &[DesiredApp],
        last_fields: Option<&BTreeMap<String, String>>,
        fields: &BTreeMap<String, String>,
    ) -> Plan {
        let migrations = Migrations::between(&remote.classes(), &script.classes);
        let script_plan = script_plan(remote, script, &migrations, last_fields, fields);
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
                applications.push(AppPlan {
                    class: class.clone(),
                    name: app.name.clone(),
                    id: Some(app.id.clone()),
                    action: Action::Delete,
                    changes: Vec::new(),
                    desired: None,
                });
            }
        }
        let workers_dev = (remote.workers_dev.unwrap_or(false) != workers_dev).then_some(workers_dev);
        Plan { script: script_plan, workers_dev, applications }
    }

    /// True if the deploy would change nothing.
    pub fn is_empty(&self) -> bool {
        self.script.action == Action::NoChange
            && self.workers_dev.is_none()
            && self.applications.iter().all(|a| a.action == Action::NoChange)
    }

    /// The plan for people, one line per resource and a summary.
    pub fn human(&self) -> String {
        let mut lines = Vec::new();
        let s = &self.script;
        let what = if s.changes.is_empty() { "no change".to_string() } else { s.changes.join("; ") };
        lines.push(format!("{} worker {}: {what}", s.action.sign(), s.name));
        if let Some(on) = self.workers_dev {
            lines.push(format!("~ workers.dev route of {}: {}", s.name, if on { "off -> on" } else { "on -> off" }));
        }
        for app in &self.applications {
            let what = match app.action {
                Action::NoChange => "no change".to_string(),
                Action::Delete => "delete".to_string(),
                _ => app
                    .changes
                    .iter()
                    .map(|c| {
                        if c.from.is_empty() {
                            format!("{} {}", c.field, c.to)
                        } else {
                            format!("{} {} -> {}", c.field, c.from, c.to)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            lines.push(format!("{} application {} ({}): {what}", app.action.sign(), app.name, app.class));
        }
        let count = |a: Action| {
            usize::from(self.script.action == a) + self.applications.iter().filter(|p| p.action == a).count()
        };
        if self.is_empty() {
            lines.push("No changes.".into());
        } else {
            lines.push(format!(
                "Plan: {} to create, {} to update, {} to delete.",
                count(Action::Create),
                count(Action::Update),
                count(Action::Delete)
            ));
        }
        lines.join("\n")
    }
}

fn script_plan(
    remote: &Remote,
    script: &DesiredScript,
    migrations: &Migrations,
    last: Option<&BTreeMap<String, String>>,
    fields: &BTreeMap<String, String>,
) -> ScriptPlan {
    let mut changes = Vec::new();
    let action = match (&remote.script, &remote.settings) {
        (Some(_), Some(settings)) => {
            if !settings.tags.contains(&script.digest_tag()) {
                changes.extend(metadata_changes(settings, script));
                if let Some(last) = last {
                    changes.extend(field_changes(last, fields));
                }
                if changes.is_empty() {
                    changes.push("code or secrets changed".into());
                }
            }
            if changes.is_empty() && migrations.is_empty() {
                Action::NoChange
            } else {
                Action::Update
            }
        }
        _ => {
            changes.push("new worker".into());
            Action::Create
        }
    };
    if !migrations.is_empty() {
        changes.push(format!("migrations: {}", migrations.describe()));
    }
    ScriptPlan { name: script.name.clone(), action, changes, migrations: migrations.clone() }
}

fn metadata_changes(settings: &crate::api::ScriptSettings, script: &DesiredScript) -> Vec<String> {
    let mut changes = Vec::new();
    let date = script.metadata["compatibility_date"].as_str().unwrap_or_default();
    if settings.compatibility_date.as_deref() != Some(date) {
        changes
            .push(format!("compatibility_date {} -> {date}", settings.compatibility_date.as_deref().unwrap_or("none")));
    }
    let flags: Vec<String> = serde_json::from_value(script.metadata["compatibility_flags"].clone()).unwrap_or_default();
    if settings.compatibility_flags != flags {
        changes.push(format!("compatibility_flags {:?} -> {flags:?}", settings.compatibility_flags));
    }
    let key = |b: &serde_json::Value| {
        format!("{}:{}", b["type"].as_str().unwrap_or_default(), b["name"].as_str().unwrap_or_default())
    };
    let remote: Vec<String> = settings.bindings.iter().map(key).collect();
    let desired: Vec<String> =
        script.metadata["bindings"].as_array().map(|b| b.iter().map(key).collect()).unwrap_or_default();
    let added: Vec<&String> = desired.iter().filter(|b| !remote.contains(b)).collect();
    // Secrets set outside this tool are kept (keep_bindings), not removed.
    let removed: Vec<&String> =
        remote.iter().filter(|b| !desired.contains(b) && !b.starts_with("secret_text:")).collect();
    if !added.is_empty() || !removed.is_empty() {
        let mut parts: Vec<String> = added.iter().map(|b| format!("+{b}")).collect();
        parts.extend(removed.iter().map(|b| format!("-{b}")));
        changes.push(format!("bindings {}", parts.join(" ")));
    }
    changes
}

/// `Class.field a -> b` for container fields compiled into the worker.
fn field_changes(last: &BTreeMap<String, String>, now: &BTreeMap<String, String>) -> Vec<String> {
    now.iter()
        .filter_map(|(k, v)| match last.get(k) {
            Some(old) if old != v => Some(format!("{k} {old} -> {v}")),
            _ => None,
        })
        .collect()
}

fn app_plan(remote: Option<&Application>, app: &DesiredApp) -> AppPlan {
    let (vcpu, memory, disk) = app.instance_type.resources();
    let instance = match &app.instance_type {
        cfcontainer_meta::InstanceType::Named(n) => n.clone(),
        cfcontainer_meta::InstanceType::Custom { .. } => format!("{vcpu} vCPU/{memory} MiB/{disk} MB"),
    };
    let Some(current) = remote else {
        let changes = vec![
            FieldChange { field: "image".into(), from: String::new(), to: app.image.clone() },
            FieldChange { field: "instance_type".into(), from: String::new(), to: instance },
            FieldChange { field: "max_instances".into(), from: String::new(), to: app.max_instances.to_string() },
        ];
        return AppPlan {
            class: app.class.clone(),
            name: app.name.clone(),
            id: None,
            action: Action::Create,
            changes,
            desired: Some(app.clone()),
        };
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
    let logs = config.observability.as_ref().and_then(|o| o["logs"]["enabled"].as_bool()).unwrap_or(false);
    let changes: Vec<FieldChange> = [
        change("image", config.image.clone(), app.image.clone()),
        change("instance_type", current_instance, instance),
        change("max_instances", current.max_instances.to_string(), app.max_instances.to_string()),
        change("observability.logs", logs.to_string(), app.logs.to_string()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let action = if changes.is_empty() { Action::NoChange } else { Action::Update };
    AppPlan {
        class: app.class.clone(),
        name: current.name.clone(),
        id: Some(current.id.clone()),
        action,
        changes,
        desired: Some(app.clone()),
    }
}
