//! `status`: what is live (the Worker's version, when and by what it was
//! deployed; each container application's image, size, rollout and
//! instances; routes, crons, Custom Domains, the workers.dev URL) and
//! whether the crate is in sync with it. The crate is built as for a
//! deploy (nothing rebuilt when it is up to date); images are compared by
//! content tag, computed from their contexts without the engine. Every
//! read goes out at once: two round trips, whatever the Worker holds.
//! Reads only.

use cfcontainer_meta::{ContainerMeta, InstanceType};
use serde::Serialize;

use super::history::Recorded;
use super::versions::uploader;
use crate::api::{Application, Client, InstanceCounts, RolloutProgress};
use crate::deploy::cost::AppCost;
use crate::deploy::images::ImagesRecord;
use crate::deploy::{checks, prepare, DesiredApp, Plan, Prepared, Remote};
use crate::image;
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// What is live, and how it compares with the crate.
#[derive(Debug, Serialize)]
pub struct Status {
    /// The Worker.
    pub worker: String,
    /// The version taking all traffic.
    pub live: Option<LiveVersion>,
    /// The crate against what is live.
    pub sync: Sync,
    /// `https://<worker>.<subdomain>.workers.dev`, when served there.
    pub url: Option<String>,
    /// Zone routes.
    pub routes: Vec<String>,
    /// Custom Domains.
    pub custom_domains: Vec<String>,
    /// Cron Triggers.
    pub crons: Vec<String>,
    /// The container applications.
    pub applications: Vec<AppStatus>,
}

/// The live version.
#[derive(Debug, Serialize)]
pub struct LiveVersion {
    /// Its id.
    pub id: String,
    /// Its number.
    pub number: u64,
    /// When it was deployed.
    pub deployed_on: String,
    /// What deployed it.
    pub by: String,
}

/// The crate against what is live.
#[derive(Debug, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Sync {
    /// A deploy would change nothing.
    InSync,
    /// A deploy would carry out this plan.
    Changes {
        /// The plan, as `plan` gives it.
        plan: Box<Plan>,
    },
}

/// One live container application.
#[derive(Debug, Serialize)]
pub struct AppStatus {
    /// The container class.
    pub class: String,
    /// The application.
    pub name: String,
    /// Its id.
    pub id: String,
    /// The image it runs.
    pub image: String,
    /// That image's content tag, as the live version recorded it.
    pub tag: Option<String>,
    /// Its instance type (or custom size).
    pub instance_type: String,
    /// Upper bound of instances.
    pub max_instances: u32,
    /// The rollout under way or last made.
    pub rollout: Option<RolloutState>,
    /// Its instances by state.
    pub instances: InstanceCounts,
    /// What it can cost.
    pub cost: AppCost,
}

/// A rollout and how far it got.
#[derive(Debug, Serialize)]
pub struct RolloutState {
    /// `progressing`, `completed`, ...
    pub status: String,
    /// Its progress.
    pub progress: Option<RolloutProgress>,
}

/// Builds `project` (as a deploy would, nothing rebuilt when up to date)
/// and compares it with what is live.
pub fn status(client: &Client, project: Project, feature_args: Vec<String>, out: &Output) -> Result<Status, Error> {
    let prepared = prepare(client, project, feature_args, out)?;
    let tags = image::content_tags(&prepared.project, &prepared.containers, &prepared.binaries, out)?;
    crate::runtime()?.block_on(read(client, &prepared, &tags, out))
}

async fn read(
    client: &Client,
    prepared: &Prepared,
    local_tags: &[(String, String)],
    out: &Output,
) -> Result<Status, Error> {
    let worker = prepared.project.settings.name.clone();
    let queues = prepared.queue_names();
    let (remote, deployments, subdomain) = futures_util::try_join!(
        Remote::read_concurrently(client, &worker, &queues, out),
        async { client.deployments(&worker, out).await.or_else(|e| missing(e, Vec::new())) },
        client.account_subdomain(out),
    )?;
    if remote.script.is_none() {
        return Err(Error::NotDeployed { worker, account: client.account().to_string() });
    }
    let live_id = deployments.first().and_then(|d| d.whole_version()).map(str::to_string);
    let ours: Vec<&Application> =
        remote.namespaces.iter().filter_map(|n| n.class.as_deref()).filter_map(|c| remote.application(c)).collect();
    let rollouts = futures_util::future::try_join_all(ours.iter().map(|app| async move {
        match &app.active_rollout_id {
            Some(id) => Ok(client.rollouts(&app.id, out).await?.into_iter().find(|r| &r.id == id)),
            None => Ok::<_, Error>(None),
        }
    }));
    let version = async {
        match &live_id {
            Some(id) => client.version(&worker, id, out).await,
            None => Ok(None),
        }
    };
    let (rollouts, version) = futures_util::try_join!(rollouts, version)?;
    let record = version.as_ref().and_then(|v| ImagesRecord::in_version(&v.resources.bindings));
    let live = version.map(|v| {
        let deployed_on = deployments.first().map(|d| d.created_on.clone()).unwrap_or_default();
        let recorded = Recorded { images: record.clone(), version: v };
        LiveVersion { by: uploader(&recorded), id: recorded.version.id, number: recorded.version.number, deployed_on }
    });
    let sync = sync(client, prepared, &remote, record.as_ref(), local_tags)?;
    let applications = ours
        .iter()
        .zip(rollouts)
        .map(|(app, rollout)| app_status(&prepared.containers, &remote, app, record.as_ref(), rollout))
        .collect();
    let settings = &prepared.project.settings;
    let served = remote.subdomain.as_ref().is_some_and(|s| s.enabled);
    Ok(Status {
        url: served.then(|| format!("https://{worker}.{}.workers.dev", subdomain.subdomain)),
        routes: remote.routes.clone(),
        custom_domains: remote.domains.clone(),
        crons: remote.crons.clone().unwrap_or_default(),
        worker: settings.name.clone(),
        live,
        sync,
        applications,
    })
}

/// A 404 (the Worker has no deployments yet) as `empty`.
fn missing<T>(error: Error, empty: T) -> Result<T, Error> {
    match error {
        Error::Api { status: 404, .. } => Ok(empty),
        e => Err(e),
    }
}

/// The plan a deploy would carry out, its images named by the live ones
/// where the content tags agree (so only a changed image shows).
fn sync(
    client: &Client,
    prepared: &Prepared,
    remote: &Remote,
    record: Option<&ImagesRecord>,
    local_tags: &[(String, String)],
) -> Result<Sync, Error> {
    let account = client.account();
    let registry = crate::api::registry_host();
    let prebuilt = image::prebuilt_references(&prepared.containers, &registry, account);
    let apps: Vec<DesiredApp> = prepared
        .containers
        .iter()
        .map(|meta| {
            let tag = local_tags
                .iter()
                .chain(&prebuilt)
                .find(|(class, _)| *class == meta.class)
                .map(|(_, t)| t.clone())
                .unwrap_or_default();
            let recorded = record.and_then(|r| r.images.get(&meta.class)).filter(|i| i.tag == tag);
            let image = match recorded {
                Some(live) => live.image.clone(),
                None => format!("{}:{tag} (not pushed yet)", image::repository(meta, &prepared.project)),
            };
            DesiredApp::new(&prepared.project, meta, image, tag)
        })
        .collect();
    checks::migrations(prepared, remote)?;
    let plan = Plan::of(prepared, remote, &apps)?;
    if plan.is_empty() {
        return Ok(Sync::InSync);
    }
    Ok(Sync::Changes { plan: Box::new(plan) })
}

fn app_status(
    containers: &[ContainerMeta],
    remote: &Remote,
    app: &Application,
    record: Option<&ImagesRecord>,
    rollout: Option<crate::api::Rollout>,
) -> AppStatus {
    let class = remote.namespaces.iter().find(|n| app.serves(&n.id)).and_then(|n| n.class.clone()).unwrap_or_default();
    let config = &app.configuration;
    // A named type as named; otherwise the resources the API expanded.
    let instance_type = config.instance_type.as_deref().and_then(InstanceType::named).unwrap_or(InstanceType::Custom {
        vcpu: config.vcpu.unwrap_or_default(),
        memory_mib: config.memory_mib.unwrap_or_default(),
        disk_mb: config.disk.as_ref().and_then(|d| d.size_mb).unwrap_or_default(),
    });
    let name = match &instance_type {
        InstanceType::Named(name) => name.clone(),
        InstanceType::Custom { vcpu, memory_mib, disk_mb } => format!("{vcpu} vCPU/{memory_mib} MiB/{disk_mb} MB"),
    };
    let meta = containers.iter().find(|m| m.class == class);
    let sleep_after = meta.filter(|m| m.port.is_some() || !m.ports.is_empty()).map(|m| m.sleep_after_secs);
    AppStatus {
        tag: record.and_then(|r| r.images.get(&class)).filter(|i| i.image == config.image).map(|i| i.tag.clone()),
        cost: AppCost::of(&instance_type, app.max_instances, sleep_after),
        class,
        name: app.name.clone(),
        id: app.id.clone(),
        image: config.image.clone(),
        instance_type: name,
        max_instances: app.max_instances,
        rollout: rollout.map(|r| RolloutState { status: r.status.unwrap_or_default(), progress: r.progress }),
        instances: app.health.as_ref().map(|h| h.instances).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Namespace;

    /// An application as the API lists it, serving namespace `ns-web`.
    fn listed(configuration: serde_json::Value) -> Application {
        serde_json::from_value(serde_json::json!({
            "id": "app-1",
            "name": "shop-web",
            "max_instances": 3,
            "configuration": configuration,
            "durable_objects": { "namespace_id": "ns-web" },
            "health": { "instances": { "active": 2, "healthy": 2, "failed": 1, "starting": 1, "scheduling": 1 } },
        }))
        .unwrap()
    }

    fn remote_with_web() -> Remote {
        let namespace: Namespace =
            serde_json::from_value(serde_json::json!({ "id": "ns-web", "class": "Web", "use_sqlite": true })).unwrap();
        Remote { namespaces: vec![namespace], ..Remote::default() }
    }

    #[test]
    fn an_application_is_reported_by_the_class_its_namespace_holds_with_the_tag_the_live_version_recorded() {
        let app = listed(serde_json::json!({ "image": "registry/shop-web@sha256:aa", "instance_type": "basic" }));
        let record = ImagesRecord::of([("Web", "registry/shop-web@sha256:aa", "0123456789abcdef")]);
        let status = app_status(&[], &remote_with_web(), &app, record.as_ref(), None);
        assert_eq!((status.class.as_str(), status.instance_type.as_str()), ("Web", "basic"));
        assert_eq!(status.tag.as_deref(), Some("0123456789abcdef"));
        assert_eq!((status.instances.active, status.instances.starting), (2, 1));
        // Without the crate's metadata it is taken for a job: no idle time.
        assert_eq!(status.cost.idle_secs, None);
    }

    #[test]
    fn an_image_other_than_the_recorded_one_has_no_tag_and_a_custom_size_is_spelled_out() {
        let app = listed(serde_json::json!({
            "image": "registry/shop-web@sha256:bb",
            "vcpu": 0.5,
            "memory_mib": 1024,
            "disk": { "size_mb": 4000 },
        }));
        let record = ImagesRecord::of([("Web", "registry/shop-web@sha256:aa", "0123456789abcdef")]);
        let status = app_status(&[], &remote_with_web(), &app, record.as_ref(), None);
        assert_eq!(status.tag, None, "the application runs another image than the live version recorded");
        assert_eq!(status.instance_type, "0.5 vCPU/1024 MiB/4000 MB");
    }
}
