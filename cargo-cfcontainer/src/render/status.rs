//! `status` for people: what is live, whether the crate is in sync with
//! it, and each application.

use crate::deploy::images::short;
use crate::ops::status::{Status, Sync};

/// The status for people, one line per part.
pub fn status(status: &Status) -> String {
    let mut lines = Vec::new();
    let live = match &status.live {
        Some(v) => format!("version {} (#{}) deployed {} by {}", v.id, v.number, v.deployed_on, v.by),
        None => "no version takes all traffic".into(),
    };
    lines.push(format!("worker {}: {live}", status.worker));
    lines.push(match &status.sync {
        Sync::InSync => "  in sync with this crate".to_string(),
        Sync::Changes { plan } => {
            // A line per resource that changes (not the cost lines under them).
            let count = super::plan::changes(plan).iter().filter(|l| l.starts_with(['+', '~', '-'])).count();
            format!("  not in sync: {count} change{} (run `cargo cfcontainer plan`)", if count == 1 { "" } else { "s" })
        }
    });
    if let Some(url) = &status.url {
        lines.push(format!("  url {url}"));
    }
    lines.extend(status.routes.iter().map(|r| format!("  route {r}")));
    lines.extend(status.custom_domains.iter().map(|d| format!("  custom domain {d}")));
    lines.extend(status.crons.iter().map(|c| format!("  cron {c:?}")));
    for app in &status.applications {
        let tag = app.tag.as_deref().map(|t| format!(" (tag {})", short(t))).unwrap_or_default();
        lines.push(format!("application {} ({}) {}", app.name, app.class, app.id));
        lines.push(format!("  image {}{tag}", app.image));
        lines.push(format!(
            "  {}, up to {} instances, {}",
            app.instance_type,
            app.max_instances,
            super::cost::cost(&app.cost, app.max_instances)
        ));
        if let Some(rollout) = &app.rollout {
            let progress = rollout.progress.map(|p| {
                format!(
                    " (step {}/{}, {}/{} instances updated)",
                    p.current_step, p.total_steps, p.updated_instances, p.total_instances
                )
            });
            lines.push(format!("  rollout {}{}", rollout.status, progress.unwrap_or_default()));
        }
        let i = app.instances;
        lines.push(format!(
            "  instances: {} running, {} starting, {} failed",
            i.active,
            i.starting + i.scheduling,
            i.failed
        ));
    }
    lines.join("\n")
}
