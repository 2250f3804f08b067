//! `instances CLASS`: the instances of a container class's application,
//! as the container platform lists them. Reads only. (The platform has no
//! call that stops or restarts one instance of a Durable Object's
//! container: the Worker does, through `Instance::stop`/`destroy`.)

use serde::Serialize;

use crate::api::Client;
use crate::deploy::Remote;
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// A class's instances.
#[derive(Debug, Serialize)]
pub struct Instances {
    /// The Worker.
    pub worker: String,
    /// The container class.
    pub class: String,
    /// Its application.
    pub application: String,
    /// The application's id.
    pub application_id: String,
    /// Its instances.
    pub instances: Vec<InstanceRow>,
}

/// One instance.
#[derive(Debug, Serialize)]
pub struct InstanceRow {
    /// Its id.
    pub id: String,
    /// `running`, `provisioning`, `failed`, `stopping`, `stopped`, ...
    pub state: String,
    /// Where it runs.
    pub location: Option<String>,
    /// When it was placed.
    pub started_at: Option<String>,
    /// Its image.
    pub image: Option<String>,
    /// The id of the Durable Object it runs for.
    pub durable_object: Option<String>,
    /// That Durable Object's name, when it has one.
    pub name: Option<String>,
}

/// A Worker's container classes that have an application (what
/// `instances` lists when no class is named).
#[derive(Debug, Serialize)]
pub struct Classes {
    /// The Worker.
    pub worker: String,
    /// Each class and its application, by class.
    pub classes: Vec<ClassRow>,
}

/// A class and its application.
#[derive(Debug, Serialize)]
pub struct ClassRow {
    /// The container class.
    pub class: String,
    /// Its application.
    pub application: String,
}

/// The container classes of `project`'s Worker, each with its application.
pub fn classes(client: &Client, project: &Project, out: &Output) -> Result<Classes, Error> {
    let worker = project.settings.name.clone();
    crate::runtime()?.block_on(async {
        let remote = deployed(client, &worker, out).await?;
        Ok(Classes { classes: with_applications(&remote), worker })
    })
}

/// The Worker's namespaces and the account's applications; an error when
/// the Worker is not deployed.
async fn deployed(client: &Client, worker: &str, out: &Output) -> Result<Remote, Error> {
    let (script, namespaces, applications) = futures_util::try_join!(
        client.script(worker, out),
        Remote::namespaces_of(client, worker, out),
        client.applications(out)
    )?;
    if script.is_none() {
        return Err(Error::NotDeployed { worker: worker.to_string(), account: client.account().to_string() });
    }
    Ok(Remote { namespaces, applications, ..Remote::default() })
}

/// The classes of `remote` that have an application, by class.
fn with_applications(remote: &Remote) -> Vec<ClassRow> {
    let mut rows: Vec<ClassRow> = remote
        .classes()
        .into_iter()
        .filter_map(|class| Some(ClassRow { application: remote.application(&class)?.name.clone(), class }))
        .collect();
    rows.sort_by(|a, b| a.class.cmp(&b.class));
    rows
}

/// Lists the instances of `class` of `project`'s Worker.
pub fn instances(client: &Client, project: &Project, class: &str, out: &Output) -> Result<Instances, Error> {
    let worker = project.settings.name.clone();
    crate::runtime()?.block_on(async {
        let remote = deployed(client, &worker, out).await?;
        let Some(app) = remote.application(class) else {
            let known: Vec<String> = with_applications(&remote).into_iter().map(|r| r.class).collect();
            let known = if known.is_empty() { "none with a container application".into() } else { known.join(", ") };
            return Err(Error::NoSuchClass { class: class.to_string(), worker, known });
        };
        let listed = client.instances(&app.id, out).await?;
        let instances = listed
            .instances
            .iter()
            .map(|i| {
                let object = listed.object_of(i);
                InstanceRow {
                    state: i.state().to_string(),
                    id: i.id.clone(),
                    location: i.location.clone(),
                    started_at: i.created_at.clone(),
                    image: i.image.clone(),
                    durable_object: object.map(|o| o.id.clone()),
                    name: object.and_then(|o| o.name.clone()),
                }
            })
            .collect();
        Ok(Instances {
            worker,
            class: class.to_string(),
            application: app.name.clone(),
            application_id: app.id.clone(),
            instances,
        })
    })
}
