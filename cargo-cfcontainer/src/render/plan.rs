//! A deploy's plan for people: one line per resource that changes (what
//! `plan`, `deploy` and `status` print), the Worker's changes folded into
//! its line.

use crate::deploy::migrations::Migrations;
use crate::deploy::{Action, AppStep, ConsumerStep, Plan, ScriptChange, DIGEST_TAG_PREFIX};

/// The plan for people: one line per resource that changes, and a summary.
pub fn plan(plan: &Plan) -> String {
    let mut lines = changes(plan);
    let count =
        |a: Action| usize::from(plan.script.action == a) + plan.applications.iter().filter(|p| p.action() == a).count();
    if plan.is_empty() {
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

/// One line per resource: `+` created, `~` updated, `-` deleted, `=` as it is.
pub fn changes(plan: &Plan) -> Vec<String> {
    let mut lines = Vec::new();
    let s = &plan.script;
    let what = match s.changes.is_empty() {
        true => "no change".to_string(),
        false => script_changes(&s.changes, &s.migrations),
    };
    lines.push(format!("{} worker {}: {what}", sign(s.action), s.name));
    lines.extend(s.changes.iter().filter_map(protocol_note));
    if let Some((now, wanted)) = &plan.subdomain {
        let on_off = |on: bool| if on { "on" } else { "off" };
        let enabled_now = now.as_ref().is_some_and(|n| n.enabled);
        if enabled_now != wanted.enabled {
            lines.push(format!(
                "~ workers.dev route of {}: {} -> {}",
                s.name,
                on_off(enabled_now),
                on_off(wanted.enabled)
            ));
        }
        let previews_now = now.as_ref().and_then(|n| n.previews_enabled).unwrap_or(false);
        if let Some(previews) = wanted.previews_enabled.filter(|p| *p != previews_now) {
            lines.push(format!("~ preview URLs of {}: {} -> {}", s.name, on_off(previews_now), on_off(previews)));
        }
    }
    if let Some((now, wanted)) = &plan.tags {
        // Our digest tag changes with every upload, which the worker
        // line says already.
        let shown = |tags: &[String]| -> Vec<String> {
            tags.iter().filter(|t| !t.starts_with(DIGEST_TAG_PREFIX)).cloned().collect()
        };
        added_removed(&mut lines, "tag", &s.name, &shown(now), &shown(wanted).iter().collect::<Vec<_>>());
    }
    if let Some((now, wanted)) = &plan.crons {
        for cron in wanted.iter().filter(|c| !now.contains(c)) {
            lines.push(format!("+ cron trigger {cron:?} of {}", s.name));
        }
        for cron in now.iter().filter(|c| !wanted.contains(c)) {
            lines.push(format!("- cron trigger {cron:?} of {}", s.name));
        }
    }
    if let Some((now, wanted)) = &plan.routes {
        let wanted: Vec<&String> = wanted.iter().map(|r| &r.pattern).collect();
        added_removed(&mut lines, "route", &s.name, now, &wanted);
    }
    if let Some((now, wanted)) = &plan.domains {
        let wanted: Vec<&String> = wanted.iter().map(|d| &d.hostname).collect();
        added_removed(&mut lines, "custom domain", &s.name, now, &wanted);
    }
    for step in &plan.consumers {
        let (sign, queue) = match step {
            ConsumerStep::Create { queue, .. } => ("+", queue),
            ConsumerStep::Update { queue, .. } => ("~", queue),
        };
        lines.push(format!("{sign} consumer of queue {queue}: {}", s.name));
    }
    for app in &plan.applications {
        let what = match &app.step {
            AppStep::NoChange { .. } => "no change".to_string(),
            AppStep::Delete { .. } => "delete".to_string(),
            AppStep::Create { changes, .. } | AppStep::Update { changes, .. } => changes
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
        lines.push(format!("{} application {} ({}): {what}", sign(app.action()), app.name, app.class));
        if let (Some(cost), Some(desired)) = (&app.cost, app.step.desired()) {
            lines.push(format!("    cost {}", super::cost::cost(cost, desired.max_instances)));
        }
    }
    lines
}

/// What a rollout of a protocol change meets, under the Worker's line.
fn protocol_note(change: &ScriptChange) -> Option<String> {
    let ScriptChange::Protocol { protocol, from, to } = change else { return None };
    Some(match (from, to) {
        (Some(_), Some(_)) => format!(
            "    protocol {protocol} changes: until every instance runs this version, a Worker of either version \
             calling a container of the other gets a protocol mismatch (CallError::Mismatch)"
        ),
        (None, _) => format!(
            "    protocol {protocol} is new: until every instance runs this version, this version's Worker may \
             reach containers that do not serve it (CallError::Unexpected)"
        ),
        (Some(_), None) => format!(
            "    protocol {protocol} is no longer called: the live version's Workers keep calling it until the \
             rollout ends; a container of this version that stops serving it answers them CallError::Unexpected"
        ),
    })
}

/// `+` and `-` lines for what `wanted` adds to and removes from `now`.
fn added_removed(lines: &mut Vec<String>, what: &str, worker: &str, now: &[String], wanted: &[&String]) {
    for item in wanted.iter().filter(|w| !now.contains(w)) {
        lines.push(format!("+ {what} {item} of {worker}"));
    }
    for item in now.iter().filter(|n| !wanted.contains(n)) {
        lines.push(format!("- {what} {item} of {worker}"));
    }
}

/// `+`, `~`, `-` or `=`.
fn sign(action: Action) -> char {
    match action {
        Action::Create => '+',
        Action::Update => '~',
        Action::NoChange => '=',
        Action::Delete => '-',
    }
}

/// The Worker's changes on one line: `compatibility_date 2026-01-01 ->
/// 2026-11-17; bindings +kv_namespace:CACHE -r2_bucket:OLD; Web.port 8080 -> 9090`.
fn script_changes(changes: &[ScriptChange], migrations: &Migrations) -> String {
    let mut parts = Vec::new();
    // The bindings added and removed, in one part where the first stood.
    let (mut bindings, mut bindings_at) = (Vec::new(), None);
    for change in changes {
        let part = match change {
            ScriptChange::NewWorker => "new worker".to_string(),
            ScriptChange::Image { class, from, to } => format!("image of {class} {from} -> {to}"),
            ScriptChange::ImagePinned { class, reference } => format!("image of {class} {reference}"),
            ScriptChange::ImageRecorded { class, tag } => format!("image of {class} {tag} recorded"),
            ScriptChange::Protocol { protocol, from, to } => match (from, to) {
                (Some(from), Some(to)) => format!("protocol {protocol} {from} -> {to}"),
                (None, Some(to)) => format!("protocol {protocol} {to} new"),
                _ => format!("protocol {protocol} no longer called"),
            },
            ScriptChange::CompatibilityDate { from, to } => {
                format!("compatibility_date {} -> {to}", from.as_deref().unwrap_or("none"))
            }
            ScriptChange::CompatibilityFlags { from, to } => format!("compatibility_flags {from:?} -> {to:?}"),
            ScriptChange::Binding { action, kind, name } => {
                let sign = if *action == Action::Delete { '-' } else { '+' };
                bindings.push(format!("{sign}{kind}:{name}"));
                bindings_at.get_or_insert(parts.len());
                continue;
            }
            ScriptChange::Field { field, from, to } => format!("{field} {from} -> {to}"),
            ScriptChange::Content { assets: true } => "code, secrets or assets changed".into(),
            ScriptChange::Content { assets: false } => "code or secrets changed".into(),
            ScriptChange::Migrations => format!("migrations: {}", describe_migrations(migrations)),
        };
        parts.push(part);
    }
    if let Some(at) = bindings_at {
        parts.insert(at, format!("bindings {}", bindings.join(" ")));
    }
    parts.join("; ")
}

/// One line for a plan: `new A; rename B -> C; delete D`.
fn describe_migrations(migrations: &Migrations) -> String {
    let mut parts = Vec::new();
    if !migrations.new.is_empty() || !migrations.new_kv.is_empty() {
        let new: Vec<&str> = migrations.new.iter().chain(&migrations.new_kv).map(String::as_str).collect();
        parts.push(format!("new {}", new.join(", ")));
    }
    for (from, to) in &migrations.renamed {
        parts.push(format!("rename {from} -> {to}"));
    }
    if !migrations.deleted.is_empty() {
        parts.push(format!("delete {} (their data is lost)", migrations.deleted.join(", ")));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::BindingType;

    #[test]
    fn the_workers_changes_read_as_one_line_with_the_bindings_together_where_the_first_stood() {
        let binding = |action, name: &str| ScriptChange::Binding {
            action,
            kind: BindingType::Other("kv_namespace".into()),
            name: name.into(),
        };
        let changes = [
            ScriptChange::CompatibilityDate { from: None, to: "2026-11-17".into() },
            binding(Action::Create, "CACHE"),
            binding(Action::Delete, "OLD"),
            ScriptChange::Field { field: "Web.port".into(), from: "8080".into(), to: "9090".into() },
            ScriptChange::Content { assets: false },
        ];
        assert_eq!(
            script_changes(&changes, &Migrations::default()),
            "compatibility_date none -> 2026-11-17; bindings +kv_namespace:CACHE -kv_namespace:OLD; Web.port 8080 -> 9090; code or secrets changed"
        );
    }

    #[test]
    fn an_image_change_names_the_class_and_both_tags() {
        let changes = [
            ScriptChange::Image { class: "Web".into(), from: "0123456789ab".into(), to: "fedcba987654".into() },
            ScriptChange::ImageRecorded { class: "Api".into(), tag: "abcdefabcdef".into() },
        ];
        assert_eq!(
            script_changes(&changes, &Migrations::default()),
            "image of Web 0123456789ab -> fedcba987654; image of Api abcdefabcdef recorded"
        );
    }
}
