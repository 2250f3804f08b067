//! `cargo cfcontainer plan`: what a deploy would change, per resource.
//! Reads the account and builds locally; changes nothing in the account.

use crate::cli::GlobalArgs;
use crate::deploy::{prepare, Remote};
use crate::output::Output;
use crate::Error;

/// Prints the plan.
pub fn run(global: &GlobalArgs, out: &Output) -> Result<(), Error> {
    let prepared = prepare(global.project()?, global.feature_args(), out)?;
    let plan = crate::runtime()?.block_on(async {
        let remote =
            Remote::read(&prepared.client, &prepared.project.settings.name, &prepared.queue_names(), out).await?;
        let apps = prepared.applications(false, out).await?;
        prepared.plan(&remote, &apps)
    })?;
    out.result("plan", &plan, || plan.human());
    Ok(())
}
