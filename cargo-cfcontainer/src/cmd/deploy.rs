//! `cargo cfcontainer deploy`: the crate to a running Worker with its
//! containers (see [`crate::deploy::run`]); prints what changed.

use crate::cli::{DeployArgs, GlobalArgs};
use crate::deploy::{self, DeployOptions, Deployed};
use crate::output::{Output, Reason};
use crate::Error;

/// Deploys with one API client, from the checks that need no build on.
pub fn run(global: &GlobalArgs, args: &DeployArgs, out: &Output) -> Result<(), Error> {
    let options = DeployOptions {
        allow_delete_classes: args.allow_delete_classes,
        adopt: args.adopt,
        push_with: args.engine.push_with(),
        rollout: args.containers_rollout,
    };
    let project = global.project()?;
    let client = super::client_for(&project)?;
    let deployed = deploy::run(&client, project, global.feature_args(), options, out)?;
    out.result(Reason::Deploy, &deployed, || human(&deployed));
    Ok(())
}

fn human(deployed: &Deployed) -> String {
    let at = deployed.url.as_deref().map(|u| format!(" at {u}")).unwrap_or_default();
    if deployed.plan.is_empty() {
        let n = deployed.applications.len();
        return format!(
            "No changes: worker {}{at} and {n} application{} are up to date",
            deployed.worker,
            if n == 1 { "" } else { "s" }
        );
    }
    let mut text = crate::render::plan::plan(&deployed.plan);
    text.push_str(&format!("\nDeployed worker {}{at}", deployed.worker));
    text
}
