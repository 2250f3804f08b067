//! `rollback`: the Worker back to an earlier version and each container
//! application back to the image that version ran with (the official
//! CLI's rollback moves the Worker only, leaving code and image out of
//! step). Planned first from what the account holds; applied Worker
//! first, then each application, so a rollback killed after any call
//! converges on rerun (also a bare one: while the live deployment is a
//! rollback, a rollback without a version finishes it), and one to the
//! live version writes nothing.

use cfcontainer_meta::wrangler::CodeUpdateStrategy;
use cfcontainer_meta::RolloutKind;
use serde::Serialize;

use super::history::History;
use crate::api::{Client, Configuration, NewDeployment, ROLLBACK_MESSAGE_END, ROLLBACK_MESSAGE_START};
use crate::deploy::images::{short, ImagesRecord};
use crate::deploy::{ambiguous, reconciled, roll_out, Remote};
use crate::output::{Output, Reason};
use crate::project::Project;
use crate::Error;

/// The official CLI's code for a rollback refused because secrets changed.
const SECRETS_CHANGED: u32 = 10220;

/// What a rollback is asked for.
#[derive(Debug, Clone, Default)]
pub struct RollbackOptions {
    /// The version; default: the one deployed before the live one.
    pub version: Option<String>,
    /// The deployment's message.
    pub message: Option<String>,
    /// Go back also when the version's secrets differ from the live ones.
    pub restore_secrets: bool,
}

/// What a rollback changes.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackPlan {
    /// The Worker.
    pub worker: String,
    /// Its live version.
    pub from: Option<String>,
    /// The version it goes back to.
    pub to: String,
    /// False when `to` is live already.
    pub worker_moves: bool,
    /// False when `to` was not deployed by this tool, so its images are
    /// unknown and the applications keep theirs.
    pub images_known: bool,
    /// Each container application of the version.
    pub applications: Vec<AppMove>,
}

/// One application's image in a rollback.
#[derive(Debug, Clone, Serialize)]
pub struct AppMove {
    /// The container class.
    pub class: String,
    /// The application.
    pub name: String,
    /// Its id.
    #[serde(skip)]
    pub id: String,
    /// The image it runs.
    pub from: String,
    /// The image the version ran with.
    pub to: String,
    /// That image's content tag.
    pub tag: String,
    /// False when it runs that image already.
    pub moves: bool,
    /// Its configuration now, to roll out with the image replaced.
    #[serde(skip)]
    configuration: Configuration,
}

impl RollbackPlan {
    /// True if the rollback would change nothing.
    pub fn is_empty(&self) -> bool {
        !self.worker_moves && self.applications.iter().all(|a| !a.moves)
    }
}

/// A plan, with what carrying it out needs to know.
pub struct Planned {
    /// How the Worker's Durable Objects take up the version's code.
    code_update_strategy: CodeUpdateStrategy,
    /// The plan.
    pub plan: RollbackPlan,
}

/// Plans the rollback of `project`'s Worker; reads only.
pub fn plan(client: &Client, project: &Project, options: &RollbackOptions, out: &Output) -> Result<Planned, Error> {
    let worker = project.settings.name.clone();
    let plan = crate::runtime()?.block_on(async {
        let history = History::read(client, &worker, out).await?;
        let to = match &options.version {
            Some(version) => history.find(version)?.version.id.clone(),
            None => history.rollback_target()?.to_string(),
        };
        let images = history.find(&to)?.images.clone();
        let (namespaces, apps) =
            futures_util::try_join!(Remote::namespaces_of(client, &worker, out), client.applications(out))?;
        let remote = Remote { namespaces, applications: apps, ..Remote::default() };
        let applications = images.as_ref().map(|r| moves(r, &remote)).unwrap_or_default();
        let from = history.live().map(str::to_string);
        Ok::<_, Error>(RollbackPlan {
            worker_moves: from.as_deref() != Some(to.as_str()),
            images_known: images.is_some(),
            worker,
            from,
            to,
            applications,
        })
    })?;
    Ok(Planned { code_update_strategy: project.settings.code_update_strategy(), plan })
}

/// Each recorded class that still has its application.
fn moves(record: &ImagesRecord, remote: &Remote) -> Vec<AppMove> {
    record
        .images
        .iter()
        .filter_map(|(class, image)| {
            let app = remote.application(class)?;
            Some(AppMove {
                class: class.clone(),
                name: app.name.clone(),
                id: app.id.clone(),
                from: app.configuration.image.clone(),
                to: image.image.clone(),
                tag: image.tag.clone(),
                moves: app.configuration.image != image.image,
                configuration: app.configuration.clone(),
            })
        })
        .collect()
}

/// What a rollback did.
#[derive(Debug, Serialize)]
pub struct RolledBack {
    /// The plan carried out.
    pub plan: RollbackPlan,
}

/// Carries out `planned` with `client`.
pub fn apply(client: &Client, planned: Planned, options: &RollbackOptions, out: &Output) -> Result<RolledBack, Error> {
    let Planned { code_update_strategy, plan } = planned;
    crate::runtime()?.block_on(async {
        if plan.worker_moves {
            let message = options
                .message
                .clone()
                .unwrap_or_else(|| format!("{ROLLBACK_MESSAGE_START}{}{ROLLBACK_MESSAGE_END}", short(&plan.to)));
            let deployment = NewDeployment::whole(&plan.to, message, code_update_strategy);
            let created = reconciled(
                async || client.create_deployment(&plan.worker, &deployment, options.restore_secrets, out).await,
                // Landed if the version is live now (it was not when planned).
                async |err| {
                    if !ambiguous(err) {
                        return Ok(None);
                    }
                    let deployments = client.deployments(&plan.worker, out).await?;
                    let live = deployments.into_iter().next();
                    Ok(live.filter(|d| d.whole_version() == Some(plan.to.as_str())))
                },
            )
            .await;
            match created {
                Err(Error::Api { code: Some(SECRETS_CHANGED), message, .. }) => {
                    let secrets = message.split_once("changed:").map(|(_, s)| s.trim().to_string()).unwrap_or(message);
                    return Err(Error::SecretsChanged { version: plan.to.clone(), secrets });
                }
                deployed => deployed?,
            };
            let rolled = WorkerRolledBack { worker: &plan.worker, version: &plan.to };
            out.event(Reason::WorkerRolledBack, &rolled, || {
                format!("{:>12} worker {} to version {}", "Rolled back", plan.worker, plan.to)
            });
        }
        for app in plan.applications.iter().filter(|a| a.moves) {
            // All instances at once: a rollback is not the time for steps.
            let target = with_image(&app.configuration, &app.to);
            let what = format!("rollback to {} {{marker}}: image {}", short(&plan.to), short(&app.tag));
            roll_out(client, &app.id, target, RolloutKind::FullAuto, &[100], &what, out).await?;
            out.event(
                Reason::Application,
                &crate::deploy::AppEvent { action: "rolled back", name: &app.name, image: &app.to },
                || format!("{:>12} application {} ({})", "Rolled back", app.name, app.to),
            );
        }
        Ok(RolledBack { plan })
    })
}

/// `configuration` running `image`; a named instance type is sent as the
/// name alone (the API answers with its resources expanded).
fn with_image(configuration: &Configuration, image: &str) -> Configuration {
    let mut target = Configuration { image: image.to_string(), ..configuration.clone() };
    if target.instance_type.is_some() {
        (target.vcpu, target.memory_mib, target.disk) = (None, None, None);
    }
    target
}

/// A Worker rolled back (event `worker-rolled-back`).
#[derive(Serialize)]
struct WorkerRolledBack<'a> {
    worker: &'a str,
    /// The version now live.
    version: &'a str,
}
