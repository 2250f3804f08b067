//! Removing a deployed Worker: its container applications first (they
//! serve its Durable Object namespaces), then the script with its Durable
//! Objects. Rerunnable: what is gone already counts as done.

use serde::Serialize;

use super::{deployed_by_us, Remote};
use crate::api::Client;
use crate::output::{Output, Reason};
use crate::project::Project;
use crate::Error;

/// What a destroy removed.
#[derive(Debug, Serialize)]
pub struct Destroyed {
    /// The Worker.
    pub worker: String,
    /// The names of the applications deleted (or already gone).
    pub applications_deleted: Vec<String>,
    /// Whether the script was there to delete.
    pub script_deleted: bool,
}

/// Deletes the applications and the script of `project`'s Worker; with
/// `force`, also when this tool did not deploy it.
pub fn destroy(client: &Client, project: &Project, force: bool, out: &Output) -> Result<Destroyed, Error> {
    let worker = project.settings.name.clone();
    crate::runtime()?.block_on(async {
        if let Some(tags) = client.script_tags(&worker, out).await? {
            if !force && !deployed_by_us(client, &worker, &tags, out).await? {
                let (verb, effect, flag) = ("destroy", "delete a Worker someone else deploys", "--force");
                return Err(Error::NotOurs { worker: worker.clone(), verb, effect, flag });
            }
        }
        let namespaces = Remote::namespaces_of(client, &worker, out).await?;
        let apps = client.applications(out).await?;
        let mut deleted = Vec::new();
        for app in apps.iter().filter(|a| namespaces.iter().any(|n| a.serves(&n.id))) {
            if client.delete_application(&app.id, out).await? {
                out.event(Reason::ApplicationDeleted, &super::apply::Named { name: &app.name }, || {
                    format!("{:>12} application {}", "Deleted", app.name)
                });
            }
            deleted.push(app.name.clone());
        }
        let script_deleted = client.delete_script(&worker, out).await?;
        Ok(Destroyed { worker, applications_deleted: deleted, script_deleted })
    })
}
