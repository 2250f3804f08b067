//! `cargo cfcontainer destroy`: the Worker's container applications, then
//! the Worker (see [`crate::deploy::destroy`]).

use crate::cli::{DestroyArgs, GlobalArgs};
use crate::deploy;
use crate::output::{Output, Reason};
use crate::Error;

/// Deletes the worker's applications and script.
pub fn run(global: &GlobalArgs, args: &DestroyArgs, out: &Output) -> Result<(), Error> {
    let project = global.project()?;
    let destroyed = deploy::destroy(&super::client_for(&project)?, &project, args.force, out)?;
    out.result(Reason::Destroy, &destroyed, || {
        match (destroyed.script_deleted, destroyed.applications_deleted.len()) {
            (false, 0) => format!("Nothing to destroy: worker {} does not exist", destroyed.worker),
            (_, n) => {
                format!(
                    "Destroyed worker {} and {n} container application{}",
                    destroyed.worker,
                    if n == 1 { "" } else { "s" }
                )
            }
        }
    });
    Ok(())
}
