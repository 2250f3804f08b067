//! One module per verb.

pub mod build;
pub mod deploy;
pub mod destroy;
pub mod dev;
pub mod doctor;
pub mod inspect;
pub mod instances;
pub mod logs;
pub mod new;
pub mod plan;
pub mod push;
pub mod rollback;
pub mod status;
pub mod versions;
pub mod wrangler;

use crate::build::Loaded;
use crate::cli::GlobalArgs;
use crate::output::Output;
use crate::Error;

/// The line a verb prints for a crate that declares no containers (`what`
/// it would have done), instead of an empty one.
fn none_declared(package: &str, what: &str) -> String {
    format!("crate `{package}` declares no containers, so there is {what}; add a `#[container(...)]` struct (see `cargo cfcontainer new` for a crate with one)")
}

/// The selected crate, built for `target` with this invocation's profile
/// and features, and the containers its artifact declares.
fn load(global: &GlobalArgs, target: &str, out: &Output) -> Result<Loaded, Error> {
    crate::build::load(global.project()?, &global.build_request(target), out)
}
