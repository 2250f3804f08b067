//! `cargo cfcontainer deploy`: the crate to a running Worker with its
//! containers. Reads the account, pushes images the registry lacks,
//! uploads the script only if it changed, creates or updates applications;
//! with nothing changed it makes no write call. Safe to rerun after any
//! failure.

use serde::Serialize;

use crate::api::AccountSubdomain;
use crate::cli::{DeployArgs, GlobalArgs};
use crate::deploy::{apply, prepare, Action, DeployedApp, DesiredRoutes, Plan, Remote, WorkerSecret};
use crate::output::Output;
use crate::Error;

#[derive(Serialize)]
struct Report {
    worker: String,
    /// `https://<worker>.<subdomain>.workers.dev`, when served there.
    url: Option<String>,
    plan: Plan,
    applications: Vec<DeployedApp>,
}

/// Deploys.
pub fn run(global: &GlobalArgs, args: &DeployArgs, out: &Output) -> Result<(), Error> {
    let prepared = prepare(global.project()?, global.feature_args(), out)?;
    let worker = prepared.project.settings.name.clone();
    let report = crate::runtime()?.block_on(async {
        let remote = Remote::read(&prepared.client, &worker, &prepared.queue_names(), out).await?;
        if !args.adopt && !prepared.may_deploy_over(&remote) {
            let (verb, effect, flag) = ("deploy", "replace its code and bindings", "--adopt");
            return Err(Error::NotOurs { worker: worker.clone(), verb, effect, flag });
        }
        check_secrets(&prepared.script.secrets, &remote)?;
        // Every route's zone and queue must exist before anything is pushed
        // or written.
        DesiredRoutes::of(&prepared.project.settings.routes).check_zones(&prepared.client, out).await?;
        prepared.check_queues(&remote)?;
        let apps = prepared.applications(true, out).await?;
        let plan = prepared.plan(&remote, &apps)?;
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
        if !plan.script.migrations.deleted.is_empty() && !args.allow_delete_classes {
            return Err(Error::WouldDelete { classes: plan.script.migrations.deleted.join(", ") });
        }
        if remote.script.is_none() {
            prepared.note_first_upload();
        }
        let applications = apply(&prepared.client, &plan, &prepared.script, &remote, out).await?;
        prepared.remember();
        let url = match prepared.project.settings.workers_dev {
            true => {
                let account: AccountSubdomain = prepared.client.get("/workers/subdomain", out).await?;
                Some(format!("https://{worker}.{}.workers.dev", account.subdomain))
            }
            false => None,
        };
        Ok::<_, Error>(Report { worker, url, plan, applications })
    })?;
    out.result("deploy", &report, || human(&report));
    Ok(())
}

/// Every secret needs a value now or already in the account.
fn check_secrets(secrets: &[WorkerSecret], remote: &Remote) -> Result<(), Error> {
    let in_account = |name: &str| remote.settings.as_ref().is_some_and(|s| s.has_secret(name));
    match secrets.iter().find(|s| matches!(s, WorkerSecret::Kept { name } if !in_account(name))) {
        Some(secret) => Err(Error::MissingSecret { name: secret.name().to_string() }),
        None => Ok(()),
    }
}

fn human(report: &Report) -> String {
    let at = report.url.as_deref().map(|u| format!(" at {u}")).unwrap_or_default();
    if report.plan.is_empty() {
        let n = report.applications.len();
        return format!(
            "No changes: worker {}{at} and {n} application{} are up to date",
            report.worker,
            if n == 1 { "" } else { "s" }
        );
    }
    let mut text = report.plan.human();
    text.push_str(&format!("\nDeployed worker {}{at}", report.worker));
    text
}
