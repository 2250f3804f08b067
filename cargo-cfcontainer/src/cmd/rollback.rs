//! `cargo cfcontainer rollback [VERSION]`: the Worker and its images back
//! to a version (see [`crate::ops::rollback`]). Shows the plan first and
//! asks; `--yes` applies without asking (needed without a terminal).

use crate::cli::{GlobalArgs, RollbackArgs};
use crate::ops::rollback::{self, RollbackOptions};
use crate::output::{confirm, Output, Reason};
use crate::render;
use crate::Error;

/// Plans, confirms and rolls back.
pub fn run(global: &GlobalArgs, args: &RollbackArgs, out: &Output) -> Result<(), Error> {
    let options = RollbackOptions {
        version: args.to.clone(),
        message: args.message.clone(),
        restore_secrets: args.restore_secrets,
    };
    let project = global.project()?;
    let client = super::client_for(&project)?;
    let planned = rollback::plan(&client, &project, &options, out)?;
    if planned.plan.is_empty() {
        let plan = &planned.plan;
        out.result(Reason::Rollback, &plan, || {
            format!("Nothing to roll back: worker {} runs version {} with its images", plan.worker, plan.to)
        });
        return Ok(());
    }
    out.event(Reason::RollbackPlan, &planned.plan, || render::rollback::rollback(&planned.plan));
    if !args.yes {
        match confirm("Roll back?") {
            Some(true) => {}
            Some(false) => return Err(Error::Declined { verb: "rollback" }),
            None => return Err(Error::NeedsYes { verb: "rollback" }),
        }
    }
    let done = rollback::apply(&client, planned, &options, out)?;
    out.result(Reason::Rollback, &done, || {
        let moved = done.plan.applications.iter().filter(|a| a.moves).count();
        format!(
            "Rolled back worker {} to version {} and {moved} application{}",
            done.plan.worker,
            done.plan.to,
            if moved == 1 { "" } else { "s" }
        )
    });
    Ok(())
}
