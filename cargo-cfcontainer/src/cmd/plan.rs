//! `cargo cfcontainer plan`: what a deploy would change, per resource
//! (see [`crate::deploy::plan`]); changes nothing in the account.

use crate::cli::{GlobalArgs, PlanArgs};
use crate::deploy;
use crate::output::{Output, Reason};
use crate::render;
use crate::Error;

/// Prints the plan, computed with one API client from the checks that
/// need no build on.
pub fn run(global: &GlobalArgs, args: &PlanArgs, out: &Output) -> Result<(), Error> {
    let project = global.project()?;
    let client = super::client_for(&project)?;
    let plan = deploy::plan(&client, project, global.feature_args(), args.containers_rollout, out)?;
    out.result(Reason::Plan, &plan, || render::plan::plan(&plan));
    Ok(())
}
