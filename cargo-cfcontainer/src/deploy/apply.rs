//! Carrying out a plan, in an order that a rerun after any failure or kill
//! completes: delete applications of deleted classes, upload the script
//! (with migrations), then create or update applications. Calls that might
//! have done their work before failing are reconciled by reading the
//! account again, never blindly repeated.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::desired::{DesiredApp, DesiredScript, LogsRecord};
use super::plan::{Action, AppStep, FieldChange, Plan, LOGS_FIELD};
use super::Remote;
use cfcontainer_meta::RolloutKind;

use crate::api::{
    AppObservability, ApplicationPatch, Backoff, Client, Configuration, DurableObjects, NewApplication, NewRollout,
    Part, RolloutSteps, RolloutStrategy,
};
use crate::output::{Output, Reason};
use crate::Error;

/// Attempts at a call whose failure is reconciled.
const RECONCILE_ATTEMPTS: u32 = 5;

/// One application after the deploy.
#[derive(Debug, Clone, Serialize)]
pub struct DeployedApp {
    /// The container class.
    pub class: String,
    /// Application name.
    pub name: String,
    /// Application id.
    pub id: String,
    /// Its image.
    pub image: String,
    /// What was done.
    pub action: Action,
}

/// One write of a deploy (applications by their index in the plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The application of a deleted class goes: before the upload that
    /// deletes the class, which the API refuses while an application
    /// serves its namespace.
    DeleteApplication(usize),
    /// The script, with its migrations.
    Upload,
    /// Our marker of the upload: after it, so that a run killed in
    /// between finds the upload by the live version and tags it then.
    Tags,
    /// The workers.dev route and Preview URLs.
    Subdomain,
    /// The zone routes.
    Routes,
    /// The Custom Domains.
    Domains,
    /// Queue consumers.
    Consumers,
    /// Cron Triggers.
    Crons,
    /// An application created or updated (or, unchanged, reported): after
    /// the upload, which creates the namespace a new one serves.
    Application(usize),
}

/// The writes `plan` needs, in the order that a rerun after a failure or
/// a kill at any point completes.
fn steps(plan: &Plan) -> Vec<Step> {
    let apps = || plan.applications.iter().enumerate();
    let mut steps: Vec<Step> =
        apps().filter(|(_, a)| a.action() == Action::Delete).map(|(i, _)| Step::DeleteApplication(i)).collect();
    if plan.script.action != Action::NoChange {
        steps.push(Step::Upload);
    }
    // Tags are compared once the upload's etag is known.
    steps.push(Step::Tags);
    steps.extend(plan.subdomain.as_ref().map(|_| Step::Subdomain));
    steps.extend(plan.routes.as_ref().map(|_| Step::Routes));
    steps.extend(plan.domains.as_ref().map(|_| Step::Domains));
    if !plan.consumers.is_empty() {
        steps.push(Step::Consumers);
    }
    steps.extend(plan.crons.as_ref().map(|_| Step::Crons));
    steps.extend(apps().filter(|(_, a)| a.action() != Action::Delete).map(|(i, _)| Step::Application(i)));
    steps
}

/// Applies `plan`, step by step (see [`steps`]).
pub async fn apply(
    client: &Client,
    plan: &Plan,
    script: &DesiredScript,
    remote: &Remote,
    out: &Output,
) -> Result<Vec<DeployedApp>, Error> {
    let mut namespaces = remote.namespaces.clone();
    let mut etag = remote.etag().to_string();
    let mut deployed = Vec::new();
    for step in steps(plan) {
        match step {
            Step::DeleteApplication(i) => {
                let app = &plan.applications[i];
                if let AppStep::Delete { id } = &app.step {
                    client.delete_application(id, out).await?;
                    out.event(Reason::ApplicationDeleted, &Named { name: &app.name }, || {
                        format!("{:>12} application {}", "Deleted", app.name)
                    });
                }
            }
            Step::Upload => {
                etag = upload_once(client, plan, script, remote, out).await?;
                namespaces = Remote::namespaces_of(client, &script.name, out).await?;
            }
            Step::Tags => {
                // The marker of what was uploaded (with its content's etag,
                // known only now), set as the official CLI sets tags and
                // only when it differs, so a no-change deploy writes nothing.
                let tags = script.tags_after(&remote.tags, &etag);
                if tags != remote.tags {
                    client.set_script_tags(&script.name, tags, out).await?;
                }
            }
            Step::Subdomain => {
                if let Some((_, wanted)) = &plan.subdomain {
                    client.set_script_subdomain(&script.name, wanted, out).await?;
                }
            }
            Step::Routes => {
                if let Some((_, routes)) = &plan.routes {
                    client.set_script_routes(&script.name, routes, out).await?;
                }
            }
            Step::Domains => {
                if let Some((_, origins)) = &plan.domains {
                    super::routes::put_domains(client, &script.name, origins, out).await?;
                }
            }
            Step::Consumers => super::consumers::apply(client, &plan.consumers, out).await?,
            Step::Crons => {
                if let Some((_, crons)) = &plan.crons {
                    client.set_schedules(&script.name, crons, out).await?;
                }
            }
            Step::Application(i) => {
                let app = &plan.applications[i];
                let (id, desired) = match &app.step {
                    AppStep::Delete { .. } => continue,
                    AppStep::Create { desired, .. } => {
                        let namespace_id = namespaces
                            .iter()
                            .find(|n| n.class.as_deref() == Some(desired.class.as_str()))
                            .map(|n| n.id.clone())
                            .ok_or_else(|| Error::NoNamespace { class: desired.class.clone() })?;
                        (create(client, desired, &namespace_id, out).await?, desired)
                    }
                    AppStep::Update { id, changes, desired, observability } => {
                        (update(client, id, changes, desired, observability.clone(), out).await?, desired)
                    }
                    AppStep::NoChange { id, desired } => (id.clone(), desired),
                };
                let (class, name, image) = (app.class.clone(), app.name.clone(), desired.image.clone());
                deployed.push(DeployedApp { class, name, id, image, action: app.action() });
            }
        }
    }
    Ok(deployed)
}

/// Uploads the script unless an earlier run did (and was killed, or lost
/// its answer, before tagging it: the live version says so); the etag of
/// the live version's content.
async fn upload_once(
    client: &Client,
    plan: &Plan,
    script: &DesiredScript,
    remote: &Remote,
    out: &Output,
) -> Result<String, Error> {
    let marker = script.upload_marker(plan.script.images.as_ref());
    let done = match remote.script {
        Some(_) => live_upload(client, &script.name, &marker, out).await?,
        None => None,
    };
    match done {
        Some(etag) => {
            out.event(Reason::WorkerFound, &WorkerFound { worker: &script.name, marker: &marker }, || {
                format!("{:>12} worker {} (an earlier run uploaded it)", "Found", script.name)
            });
            Ok(etag)
        }
        None => {
            let migrations = &plan.script.migrations;
            let tag = plan.script.migration_tag.as_deref();
            let migrations = tag.map(|tag| migrations.body(remote.migration_tag(), tag));
            upload(client, plan, script, migrations, &marker, out).await
        }
    }
}

/// Sends a call whose effect must not happen twice. After a failure,
/// `landed` reads the account: `Some` if the call (or an earlier attempt,
/// or another deploy) already did the work, which counts as success. Only
/// failures after which the call may not have happened are sent again,
/// after the same waits as any other retry.
pub async fn reconciled<T>(
    mut send: impl AsyncFnMut() -> Result<T, Error>,
    mut landed: impl AsyncFnMut(&Error) -> Result<Option<T>, Error>,
) -> Result<T, Error> {
    let mut attempt = 1;
    let mut backoff = Backoff::default();
    loop {
        let err = match send().await {
            Ok(done) => return Ok(done),
            Err(err) => err,
        };
        if let Some(done) = landed(&err).await? {
            return Ok(done);
        }
        if attempt == RECONCILE_ATTEMPTS || !ambiguous(&err) {
            return Err(err);
        }
        tokio::time::sleep(backoff.next_wait(None)).await;
        attempt += 1;
    }
}

/// The etag of the live version of Worker `name` if it is the upload
/// `marker` names (its `workers/tag` annotation), else `None`.
async fn live_upload(client: &Client, name: &str, marker: &str, out: &Output) -> Result<Option<String>, Error> {
    let live = client.live_version(name, out).await?;
    let Some(ours) = live.filter(|v| v.annotations.tag.as_deref() == Some(marker)) else { return Ok(None) };
    match ours.resources.script.and_then(|s| s.etag) {
        Some(etag) => Ok(Some(etag)),
        // A version read without its content's hash: the live script's.
        None => Ok(Some(client.script(name, out).await?.and_then(|s| s.etag).unwrap_or_default())),
    }
}

/// Uploads the script once: after a failure that may have done the work,
/// the account is asked whether the live version is this upload (by its
/// `marker`) before it is sent again, with or without migrations.
async fn upload(
    client: &Client,
    plan: &Plan,
    script: &DesiredScript,
    migrations: Option<crate::api::MigrationsBody>,
    marker: &str,
    out: &Output,
) -> Result<String, Error> {
    let progress = out.progress(&format!("Uploading worker {}", script.name));
    let result = reconciled(
        async || {
            // Each attempt with its own assets upload: its completion
            // token is good for one script upload.
            let jwt = match &script.assets {
                Some(assets) => Some(super::assets::sync(client, &script.name, assets, out).await?),
                None => None,
            };
            let metadata = script.upload_metadata(migrations.clone(), jwt, plan.script.images.as_ref(), marker);
            let metadata = serde_json::to_vec(&metadata).expect("metadata serializes");
            let mut parts = vec![Part {
                name: "metadata".into(),
                content_type: "application/json".into(),
                data: metadata,
                file: false,
            }];
            parts.extend(script.modules.iter().cloned());
            Ok(client.upload_script(&script.name, parts, out).await?.etag.unwrap_or_default())
        },
        // Sent again, a landed upload would make a second version of the
        // same code (and one with migrations would be refused: the old tag
        // no longer matches).
        async |err| {
            if !ambiguous(err) {
                return Ok(None);
            }
            out.verbose(&format!("upload failed ({err}); checking the account"));
            live_upload(client, &script.name, marker, out).await
        },
    )
    .await;
    match result {
        Ok(_) => progress.done(&format!("{:>12} worker {}", "Uploaded", script.name)),
        Err(_) => progress.fail(),
    }
    result
}

async fn create(client: &Client, app: &DesiredApp, namespace_id: &str, out: &Output) -> Result<String, Error> {
    let body = NewApplication {
        name: app.name.clone(),
        scheduling_policy: app.scheduling_policy,
        observability: app.observability_for(None),
        instances: 0,
        max_instances: app.max_instances,
        configuration: app.configuration(),
        durable_objects: DurableObjects { namespace_id: namespace_id.to_string() },
        constraints: app.constraints.clone(),
        rollout_active_grace_period: app.rollout_active_grace_period,
    };
    let created = reconciled(
        async || client.create_application(&body, out).await.map(|a| (a.id, "Created")),
        // It may exist now (an earlier attempt, or another deploy): adopt it.
        async |err| {
            let taken = matches!(err, Error::Api { message, .. } if message.starts_with("DURABLE_OBJECT_ALREADY_HAS_APPLICATION") || message.starts_with("APPLICATION_NAME_ALREADY_EXISTS"));
            if !taken && !ambiguous(err) {
                return Ok(None);
            }
            let apps = client.applications(out).await?;
            if let Some(existing) = apps.iter().find(|a| a.serves(namespace_id)) {
                return Ok(Some((existing.id.clone(), "Adopted")));
            }
            match apps.iter().find(|a| a.name == app.name).filter(|_| taken) {
                Some(other) => {
                    Err(Error::AppConflict { name: app.name.clone(), class: app.class.clone(), other: other.id.clone() })
                }
                None => Ok(None),
            }
        },
    )
    .await?;
    let (id, verb) = created;
    report(out, verb, app);
    Ok(id)
}

/// Patches the application's settings (with its own `observability`
/// when that changes), then rolls its configuration out, unless the
/// application's own logs setting is all that changes (the official CLI
/// 4.164 starts no rollout for it either).
async fn update(
    client: &Client,
    id: &str,
    changes: &[FieldChange],
    app: &DesiredApp,
    observability: Option<AppObservability>,
    out: &Output,
) -> Result<String, Error> {
    let patch = ApplicationPatch {
        max_instances: app.max_instances,
        scheduling_policy: app.scheduling_policy,
        constraints: app.constraints.clone(),
        rollout_active_grace_period: app.rollout_active_grace_period,
        observability,
    };
    client.patch_application(id, &patch, out).await?;
    let own_logs = |c: &&FieldChange| c.field == LOGS_FIELD && app.logs_record == LogsRecord::Application;
    let rolled: Vec<&str> = changes.iter().filter(|c| !own_logs(c)).map(|c| c.field.as_str()).collect();
    if rolled.is_empty() {
        report(out, "Updated", app);
        return Ok(id.to_string());
    }
    let what = format!("deploy {{marker}}: {}", rolled.join(", "));
    roll_out(client, id, app.configuration(), app.rollout.kind, &app.rollout.steps, &what, out).await?;
    report(out, "Rolled out", app);
    Ok(id.to_string())
}

/// Rolls `target` out to application `id` in `steps` of `kind`. `what`
/// describes it (`{marker}` is replaced by a digest of the target, which
/// identifies this rollout when a lost answer is reconciled).
pub async fn roll_out(
    client: &Client,
    id: &str,
    target: Configuration,
    kind: RolloutKind,
    steps: &[u8],
    what: &str,
    out: &Output,
) -> Result<(), Error> {
    let target_json = serde_json::to_string(&target).expect("configurations serialize");
    let marker = &hex::encode(Sha256::digest(target_json.as_bytes()))[..12];
    let body = NewRollout {
        description: format!("cargo cfcontainer {}", what.replace("{marker}", marker)),
        strategy: RolloutStrategy::Rolling,
        kind,
        target_configuration: target,
        steps: RolloutSteps::from_percentages(steps),
    };
    reconciled(
        async || client.create_rollout(id, &body, out).await,
        async |err| {
            if !ambiguous(err) {
                return Ok(None);
            }
            let rollouts = client.rollouts(id, out).await?;
            Ok(rollouts.iter().any(|r| r.description.as_ref() == Some(&body.description)).then_some(()))
        },
    )
    .await
}

/// A failure after which the call may or may not have taken effect.
pub fn ambiguous(error: &Error) -> bool {
    matches!(error, Error::ApiUnreachable { .. })
        || matches!(error, Error::Api { status, .. } if *status >= 500 || *status == 429)
}

fn report(out: &Output, verb: &str, app: &DesiredApp) {
    let action = verb.to_lowercase();
    out.event(Reason::Application, &AppEvent { action: &action, name: &app.name, image: &app.image }, || {
        format!("{verb:>12} application {} ({})", app.name, app.image)
    });
}

/// An application created, updated or rolled back (event `application`).
#[derive(Serialize)]
pub struct AppEvent<'a> {
    /// `created`, `updated` or `rolled back`.
    pub action: &'a str,
    /// The application's name.
    pub name: &'a str,
    /// The image it runs now.
    pub image: &'a str,
}

/// An application deleted (event `application-deleted`).
#[derive(Serialize)]
pub struct Named<'a> {
    /// The application's name.
    pub name: &'a str,
}

/// A Worker an interrupted run uploaded already (event `worker-found`).
#[derive(Serialize)]
struct WorkerFound<'a, M: Serialize> {
    worker: &'a str,
    /// The upload's marker, by which it was found.
    marker: &'a M,
}

#[cfg(test)]
mod tests {
    use cfcontainer_meta::{InstanceType, Rollout, SchedulingPolicy};

    use super::super::plan::{AppPlan, ScriptChange, ScriptPlan};
    use super::*;
    use crate::api::{AppConstraints, ScriptSubdomain};

    fn desired(class: &str) -> DesiredApp {
        DesiredApp {
            class: class.into(),
            name: format!("app-{class}"),
            image: "registry/app:tag".into(),
            tag: "tag".into(),
            instance_type: InstanceType::Named("lite".into()),
            max_instances: 1,
            logs: false,
            logs_record: LogsRecord::Application,
            rollout: Rollout { steps: vec![100], kind: RolloutKind::FullAuto },
            scheduling_policy: SchedulingPolicy::default(),
            constraints: AppConstraints { tiers: vec![1], regions: None, jurisdiction: None },
            rollout_active_grace_period: 0,
            sleep_after_secs: Some(600),
        }
    }

    fn app(class: &str, step: AppStep) -> AppPlan {
        AppPlan { class: class.into(), name: format!("app-{class}"), step, cost: None }
    }

    fn plan(action: Action, applications: Vec<AppPlan>) -> Plan {
        let changes = match action {
            Action::NoChange => vec![],
            _ => vec![ScriptChange::Content { assets: false }],
        };
        let script = ScriptPlan {
            name: "w".into(),
            action,
            changes,
            migrations: Default::default(),
            images: None,
            migration_tag: None,
        };
        Plan {
            script,
            subdomain: None,
            crons: None,
            routes: None,
            domains: None,
            consumers: vec![],
            applications,
            tags: None,
        }
    }

    #[test]
    fn a_deleted_class_loses_its_application_before_the_upload_and_new_ones_come_after_it() {
        let applications = vec![
            app("Web", AppStep::Create { changes: vec![], desired: desired("Web") }),
            app("Old", AppStep::Delete { id: "old".into() }),
            app("Api", AppStep::NoChange { id: "api".into(), desired: desired("Api") }),
        ];
        let steps = steps(&plan(Action::Update, applications));
        assert_eq!(
            steps,
            [Step::DeleteApplication(1), Step::Upload, Step::Tags, Step::Application(0), Step::Application(2)]
        );
    }

    #[test]
    fn an_unchanged_script_is_not_uploaded_but_its_tags_are_still_compared() {
        let applications = vec![app("Web", AppStep::NoChange { id: "web".into(), desired: desired("Web") })];
        assert_eq!(steps(&plan(Action::NoChange, applications)), [Step::Tags, Step::Application(0)]);
    }

    #[test]
    fn the_workers_settings_follow_the_upload_and_its_tags_in_a_fixed_order() {
        let mut plan = plan(Action::Create, vec![]);
        let subdomain = ScriptSubdomain { enabled: true, previews_enabled: None };
        plan.subdomain = Some((None, subdomain));
        plan.crons = Some((vec![], vec!["0 * * * *".into()]));
        plan.routes = Some((vec![], vec![]));
        assert_eq!(steps(&plan), [Step::Upload, Step::Tags, Step::Subdomain, Step::Routes, Step::Crons]);
    }
}
