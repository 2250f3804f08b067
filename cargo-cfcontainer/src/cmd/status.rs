//! `cargo cfcontainer status`: what is live and whether the crate is in
//! sync with it (see [`crate::ops::status`]).

use crate::cli::GlobalArgs;
use crate::ops::status;
use crate::output::{Output, Reason};
use crate::render;
use crate::Error;

/// Prints the status.
pub fn run(global: &GlobalArgs, out: &Output) -> Result<(), Error> {
    let project = global.project()?;
    let client = super::client_for(&project)?;
    let status = status::status(&client, project, global.feature_args(), out)?;
    out.result(Reason::Status, &status, || render::status::status(&status));
    Ok(())
}
