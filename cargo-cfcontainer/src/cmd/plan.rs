//! `cargo cfcontainer plan`: what a deploy would change, per resource
//! (see [`crate::deploy::plan`]); changes nothing in the account.

use crate::cli::GlobalArgs;
use crate::deploy;
use crate::output::{Output, Reason};
use crate::preflight::{self, Reach};
use crate::render;
use crate::Error;

/// Checks what needs no build, then prints the plan.
pub fn run(global: &GlobalArgs, out: &Output) -> Result<(), Error> {
    let project = global.project()?;
    preflight::check(&project, Reach::Plan, out)?;
    let plan = deploy::plan(project, global.feature_args(), out)?;
    out.result(Reason::Plan, &plan, || render::plan::plan(&plan));
    Ok(())
}
