//! Deploys: what the crate wants ([`prepare()`], [`desired`]), what the
//! account has ([`Remote`]), what could refuse the deploy ([`checks`]),
//! the difference ([`Plan`]) and carrying it out ([`apply()`]); the
//! transactions of `plan` ([`plan()`]), `deploy` ([`run()`], which lists
//! the stages in order) and `destroy` ([`destroy()`]).

mod apply;
mod assets;
mod cache;
pub mod checks;
mod consumers;
mod container_entries;
pub mod cost;
mod desired;
mod destroy;
mod file_bindings;
pub mod images;
pub mod migrations;
mod plan;
mod prepare;
mod remote;
mod renames;
mod routes;
mod run;

pub use apply::{ambiguous, apply, reconciled, roll_out, AppEvent, DeployedApp};
pub use cache::LastDeploy;
pub use consumers::ConsumerStep;
pub use desired::{DesiredApp, WorkerSecret, DIGEST_TAG_PREFIX};
pub use destroy::destroy;
pub use plan::{Action, AppStep, Plan, ScriptChange};
pub use prepare::{prepare, Prepared};
pub use remote::Remote;
pub use run::{plan, run, ContainersRollout, DeployOptions, Deployed};

use crate::api::Client;
use crate::output::Output;
use crate::Error;

/// True if the account marks Worker `worker` (its script tags `tags`) as
/// deployed by cargo cfcontainer: a digest tag among its tags, or (a
/// first deploy cut off between its upload and setting that tag) a live
/// version this tool uploaded, which carries its marker as annotation.
/// Nothing local decides: a Worker of the same name someone else created
/// since is not ours.
pub async fn deployed_by_us(client: &Client, worker: &str, tags: &[String], out: &Output) -> Result<bool, Error> {
    if tags.iter().any(|t| t.starts_with(desired::DIGEST_TAG_PREFIX)) {
        return Ok(true);
    }
    let live = client.live_version(worker, out).await?;
    Ok(live.and_then(|v| v.annotations.tag).is_some_and(|t| t.starts_with(desired::DIGEST_TAG_PREFIX)))
}
