//! A rollback's plan for people.

use crate::ops::rollback::RollbackPlan;

/// A rollback's plan for people, one line per resource.
pub fn rollback(plan: &RollbackPlan) -> String {
    let from = plan.from.as_deref().unwrap_or("no version");
    let mut lines = vec![match plan.worker_moves {
        true => format!("~ worker {}: version {from} -> {}", plan.worker, plan.to),
        false => format!("  worker {}: version {} is live already", plan.worker, plan.to),
    }];
    for app in &plan.applications {
        lines.push(match app.moves {
            true => format!("~ application {} ({}): image {} -> {}", app.name, app.class, app.from, app.to),
            false => format!("  application {} ({}): runs {} already", app.name, app.class, app.to),
        });
    }
    if !plan.images_known {
        lines.push(format!(
            "  version {} was not deployed by cargo cfcontainer, so its images are unknown: the applications keep theirs",
            plan.to
        ));
    }
    lines.join("\n")
}
