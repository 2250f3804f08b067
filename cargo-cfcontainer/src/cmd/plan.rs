//! `cargo cfcontainer plan`: what a deploy would change, per resource
//! (see [`crate::deploy::plan`]); changes nothing in the account.

use crate::cli::GlobalArgs;
use crate::deploy;
use crate::output::Output;
use crate::Error;

/// Prints the plan.
pub fn run(global: &GlobalArgs, out: &Output) -> Result<(), Error> {
    let plan = deploy::plan(global.project()?, global.feature_args(), out)?;
    out.result("plan", &plan, || plan.human());
    Ok(())
}
