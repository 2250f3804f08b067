//! The deploy transaction: read the account, check everything that could
//! refuse the deploy before anything is pushed or written, push what the
//! registry lacks, then apply the plan. Safe to rerun after any failure.

use serde::Serialize;

use super::{apply, prepare, Action, DeployedApp, DesiredRoutes, Plan, Prepared, Remote, WorkerSecret};
use crate::image::PushWith;
use crate::output::Output;
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

/// Builds `project` for release with `feature_args` and deploys it.
pub fn run(
    project: Project,
    feature_args: Vec<String>,
    options: DeployOptions,
    out: &Output,
) -> Result<Deployed, Error> {
    let prepared = prepare(project, feature_args, out)?;
    crate::runtime()?.block_on(deploy(&prepared, options, out))
}

/// Computes what a deploy of `project` would change; writes nothing.
pub fn plan(project: Project, feature_args: Vec<String>, out: &Output) -> Result<Plan, Error> {
    let prepared = prepare(project, feature_args, out)?;
    crate::runtime()?.block_on(async {
        let remote = prepared.read_remote(out).await?;
        prepared.check_queues(&remote)?;
        let apps = prepared.applications(None, out).await?;
        prepared.plan(&remote, &apps)
    })
}

async fn deploy(prepared: &Prepared, options: DeployOptions, out: &Output) -> Result<Deployed, Error> {
    let worker = prepared.project.settings.name.clone();
    let remote = prepared.read_remote(out).await?;
    if !options.adopt && !prepared.may_deploy_over(&remote, out).await? {
        let (verb, effect, flag) = ("deploy", "replace its code and bindings", "--adopt");
        return Err(Error::NotOurs { worker, verb, effect, flag });
    }
    check_secrets(&prepared.script.secrets, &remote)?;
    // Every route's zone and queue must exist before anything is pushed
    // or written.
    DesiredRoutes::of(&prepared.project.settings.routes).check_zones(&prepared.client, out).await?;
    prepared.check_queues(&remote)?;
    prepared.check_migrations(&remote)?;
    let plan = match options.rollout {
        ContainersRollout::Skip => prepared.plan(&remote, &[])?.leaving_applications(&remote)?,
        rollout => {
            let mut apps = prepared.applications(Some(options.push_with), out).await?;
            if rollout == ContainersRollout::Immediate {
                apps.iter_mut().for_each(|app| app.rollout.steps = vec![100]);
            }
            prepared.plan(&remote, &apps)?
        }
    };
    // A new application's name must be free (it is unique per account).
    for app in plan.applications.iter().filter(|a| a.action() == Action::Create) {
        if let Some(other) = remote.applications.iter().find(|o| o.name == app.name) {
            return Err(Error::AppConflict {
                name: app.name.clone(),
                class: app.class.clone(),
                other: other.id.clone(),
            });
        }
    }
    // With migrations in the wrangler file, a deletion is one the file
    // asks for (the plan checked); otherwise it needs the flag.
    let file_migrates = prepared.project.settings.wrangler.as_ref().is_some_and(|w| !w.migrations.is_empty());
    if !plan.script.migrations.deleted.is_empty() && !options.allow_delete_classes && !file_migrates {
        let migrations = &plan.script.migrations;
        let fix = prepared.instead_of_deleting(migrations, &remote);
        return Err(Error::WouldDelete { classes: migrations.deleted.join(", "), fix });
    }
    let applications = apply(&prepared.client, &plan, &prepared.script, &remote, out).await?;
    prepared.remember();
    let url = match prepared.project.settings.workers_dev {
        true => {
            Some(format!("https://{worker}.{}.workers.dev", prepared.client.account_subdomain(out).await?.subdomain))
        }
        false => None,
    };
    Ok(Deployed { worker, url, plan, applications })
}

/// Every secret needs a value now or already in the account.
fn check_secrets(secrets: &[WorkerSecret], remote: &Remote) -> Result<(), Error> {
    let in_account = |name: &str| remote.settings.as_ref().is_some_and(|s| s.has_secret(name));
    match secrets.iter().find(|s| matches!(s, WorkerSecret::Kept { name } if !in_account(name))) {
        Some(secret) => Err(Error::MissingSecret { name: secret.name().to_string() }),
        None => Ok(()),
    }
}
