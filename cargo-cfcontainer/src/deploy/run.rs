//! The `deploy` and `plan` transactions, each one list of stages called
//! once, in order: the checks that need no build (`preflight`), the
//! desired state ([`prepare`](super::prepare)), what the account holds
//! ([`Remote`]), the checks that could refuse the deploy
//! ([`checks`](super::checks)), the images, the [`Plan`], and (deploy
//! only) carrying it out ([`apply`]). Everything that could refuse the
//! deploy is checked before anything is pushed or written; safe to rerun
//! after any failure.

use serde::Serialize;

use super::prepare::{prepare, Prepared};
use super::{apply, checks, DeployedApp, Plan, Remote};
use crate::api::Client;
use crate::image::PushWith;
use crate::output::Output;
use crate::preflight::{self, Reach};
use crate::project::Project;
use crate::Error;

/// How a deploy may treat what it finds.
#[derive(Debug, Clone, Copy, Default)]
pub struct DeployOptions {
    /// Delete Durable Object classes (and their data) the crate no longer declares.
    pub allow_delete_classes: bool,
    /// Take over a Worker of this name that this tool did not deploy.
    pub adopt: bool,
    /// Who pushes Dockerfile images (`--no-engine-push`: this tool).
    pub push_with: PushWith,
    /// How the container applications take the deploy.
    pub rollout: ContainersRollout,
}

/// How a deploy treats the container applications, as the official CLI
/// 4.164's `deploy --containers-rollout` does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ContainersRollout {
    /// In the steps the attribute (or the wrangler file) configures, else
    /// the default for the application's size.
    #[default]
    Gradual,
    /// Every instance in one step, whatever the configured steps.
    Immediate,
    /// Not at all (`none`): only the Worker is deployed; no image is built
    /// or pushed (no engine needed) and no application created, changed or
    /// deleted.
    Skip,
}

/// What a deploy left in the account.
#[derive(Debug, Serialize)]
pub struct Deployed {
    /// The Worker.
    pub worker: String,
    /// `https://<worker>.<subdomain>.workers.dev`, when served there.
    pub url: Option<String>,
    /// What it changed.
    pub plan: Plan,
    /// Its container applications.
    pub applications: Vec<DeployedApp>,
}

/// Deploys `project` (built for release with `feature_args`) with `client`.
pub fn run(
    client: &Client,
    project: Project,
    feature_args: Vec<String>,
    options: DeployOptions,
    out: &Output,
) -> Result<Deployed, Error> {
    preflight::check(&project, client, options.rollout.reach(), out)?;
    let prepared = prepare(client, project, feature_args, out)?;
    crate::runtime()?.block_on(async {
        let remote = read_remote(client, &prepared, out).await?;
        checks::before_push(client, &prepared, &remote, options.adopt, out).await?;
        let plan = options.rollout.plan(client, &prepared, &remote, Some(options.push_with), out).await?;
        checks::before_apply(&prepared, &remote, &plan, options.allow_delete_classes)?;
        let applications = apply(client, &plan, &prepared.script, &remote, out).await?;
        prepared.remember();
        let worker = prepared.project.settings.name.clone();
        let url = match prepared.project.settings.workers_dev {
            true => Some(format!("https://{worker}.{}.workers.dev", client.account_subdomain(out).await?.subdomain)),
            false => None,
        };
        Ok(Deployed { worker, url, plan, applications })
    })
}

/// Computes what a deploy of `project` (built for release with
/// `feature_args`) would change, reading with `client`; writes nothing.
pub fn plan(
    client: &Client,
    project: Project,
    feature_args: Vec<String>,
    rollout: ContainersRollout,
    out: &Output,
) -> Result<Plan, Error> {
    preflight::check(&project, client, Reach::Plan, out)?;
    let prepared = prepare(client, project, feature_args, out)?;
    crate::runtime()?.block_on(async {
        let remote = read_remote(client, &prepared, out).await?;
        checks::queues(&prepared, &remote)?;
        checks::migrations(&prepared, &remote)?;
        rollout.plan(client, &prepared, &remote, None, out).await
    })
}

impl ContainersRollout {
    /// How far the checks before a deploy go: without a rollout nothing is
    /// pushed, so the registry is not needed.
    fn reach(self) -> Reach {
        match self {
            ContainersRollout::Skip => Reach::Plan,
            ContainersRollout::Gradual | ContainersRollout::Immediate => Reach::Deploy,
        }
    }

    /// The plan of a deploy that rolls out this way: the applications left
    /// as they are (`none`), or each in its configured steps or in one.
    /// `push_with` is who pushes the images a deploy needs; `None` for a
    /// plan, which pushes nothing.
    async fn plan(
        self,
        client: &Client,
        prepared: &Prepared,
        remote: &Remote,
        push_with: Option<PushWith>,
        out: &Output,
    ) -> Result<Plan, Error> {
        if self == ContainersRollout::Skip {
            return Plan::of(prepared, remote, &[])?.leaving_applications(remote);
        }
        let mut apps = prepared.applications(client, push_with, out).await?;
        if self == ContainersRollout::Immediate {
            apps.iter_mut().for_each(|app| app.rollout.steps = vec![100]);
        }
        Plan::of(prepared, remote, &apps)
    }
}

/// What the account holds of the Worker `prepared` deploys, read one call
/// after the other (so that a deploy killed after its Nth call is a
/// well-defined state).
async fn read_remote(client: &Client, prepared: &Prepared, out: &Output) -> Result<Remote, Error> {
    Remote::read(client, &prepared.project.settings.name, &prepared.queue_names(), out).await
}
