//! `cargo cfcontainer destroy`: the worker's container applications, then
//! the Worker script (with its Durable Objects). Rerunnable: what is gone
//! already counts as done.

use serde::Serialize;

use crate::api::{Application, Client};
use crate::cli::{DestroyArgs, GlobalArgs};
use crate::deploy::{deployed_by_us, Remote};
use crate::output::Output;
use crate::Error;

#[derive(Serialize)]
struct Report {
    worker: String,
    applications_deleted: Vec<String>,
    script_deleted: bool,
}

/// Deletes the worker's applications and script.
pub fn run(global: &GlobalArgs, args: &DestroyArgs, out: &Output) -> Result<(), Error> {
    let project = global.project()?;
    let client = Client::from_env(&project.settings)?;
    let worker = project.settings.name.clone();
    let report = crate::runtime()?.block_on(async {
        if let Some(tags) = Remote::tags_of(&client, &worker, out).await? {
            if !args.force && !deployed_by_us(&project, &tags) {
                let (verb, effect, flag) = ("destroy", "delete a Worker someone else deploys", "--force");
                return Err(Error::NotOurs { worker: worker.clone(), verb, effect, flag });
            }
        }
        let namespaces = Remote::namespaces_of(&client, &worker, out).await?;
        let apps: Vec<Application> = client.get_all("/containers/applications", out).await?;
        let mut deleted = Vec::new();
        for app in apps.iter().filter(|a| namespaces.iter().any(|n| a.serves(&n.id))) {
            if client.delete(&format!("/containers/applications/{}", app.id), out).await? {
                out.event("application-deleted", &serde_json::json!({ "name": app.name }), || {
                    format!("{:>12} application {}", "Deleted", app.name)
                });
            }
            deleted.push(app.name.clone());
        }
        let script_deleted = client.delete(&format!("/workers/scripts/{worker}?force=true"), out).await?;
        Ok::<_, Error>(Report { worker, applications_deleted: deleted, script_deleted })
    })?;
    out.result("destroy", &report, || match (report.script_deleted, report.applications_deleted.len()) {
        (false, 0) => format!("Nothing to destroy: worker {} does not exist", report.worker),
        (_, n) => {
            format!("Destroyed worker {} and {n} container application{}", report.worker, if n == 1 { "" } else { "s" })
        }
    });
    Ok(())
}
