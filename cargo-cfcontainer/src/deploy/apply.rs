//! Carrying out a plan, in an order that a rerun after any failure or kill
//! completes: delete applications of deleted classes, upload the script
//! (with migrations), then create or update applications. Calls that might
//! have done their work before failing are reconciled by reading the
//! account again, never blindly repeated.

use reqwest::Method;
use serde::Serialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::desired::{DesiredApp, DesiredScript};
use super::plan::{Action, AppPlan, Plan};
use super::Remote;
use crate::api::{Application, Body, Client, Part, Retry, Rollout, ScriptSettings, UploadedScript};
use crate::output::Output;
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

/// Applies `plan`.
pub async fn apply(
    client: &Client,
    plan: &Plan,
    script: &DesiredScript,
    remote: &Remote,
    out: &Output,
) -> Result<Vec<DeployedApp>, Error> {
    for app in plan.applications.iter().filter(|a| a.action == Action::Delete) {
        let id = app.id.as_deref().expect("deleted applications exist");
        client.delete(&format!("/containers/applications/{id}"), out).await?;
        out.event("application-deleted", &json!({ "name": app.name }), || {
            format!("{:>12} application {}", "Deleted", app.name)
        });
    }
    let mut namespaces = remote.namespaces.clone();
    if plan.script.action != Action::NoChange {
        let migrations =
            (!plan.script.migrations.is_empty()).then(|| plan.script.migrations.to_json(remote.migration_tag()));
        upload(client, script, migrations, out).await?;
        namespaces = Remote::namespaces_of(client, &script.name, out).await?;
    }
    if let Some(enabled) = plan.workers_dev {
        let path = format!("/workers/scripts/{}/subdomain", script.name);
        client.call::<Value>(Method::POST, &path, Body::Json(json!({ "enabled": enabled })), Retry::Safe, out).await?;
    }
    let mut deployed = Vec::new();
    for app in plan.applications.iter().filter(|a| a.action != Action::Delete) {
        let desired = app.desired.as_ref().expect("kept applications have a desired state");
        let namespace_id = namespaces
            .iter()
            .find(|n| n.class.as_deref() == Some(desired.class.as_str()))
            .map(|n| n.id.clone())
            .ok_or_else(|| Error::Api {
                call: "GET /workers/durable_objects/namespaces".into(),
                status: 200,
                code: None,
                message: format!("no namespace for class {} after the upload", desired.class),
                hint: "rerun the deploy",
            })?;
        let id = match app.action {
            Action::Create => create(client, desired, &namespace_id, out).await?,
            Action::Update => update(client, app, desired, out).await?,
            _ => app.id.clone().unwrap_or_default(),
        };
        deployed.push(DeployedApp {
            class: app.class.clone(),
            name: app.name.clone(),
            id,
            image: desired.image.clone(),
            action: app.action,
        });
    }
    Ok(deployed)
}

async fn upload(client: &Client, script: &DesiredScript, migrations: Option<Value>, out: &Output) -> Result<(), Error> {
    let mut metadata = script.metadata.clone();
    metadata["tags"] = json!([script.digest_tag()]);
    if let Some(m) = migrations {
        metadata["migrations"] = m;
    }
    let mut parts = vec![Part {
        name: "metadata".into(),
        content_type: "application/json".into(),
        data: metadata.to_string().into_bytes(),
        file: false,
    }];
    parts.extend(script.modules.iter().cloned());
    let path = format!("/workers/scripts/{}", script.name);
    let progress = out.progress(&format!("Uploading worker {}", script.name));
    for attempt in 1..=RECONCILE_ATTEMPTS {
        match client
            .call::<UploadedScript>(Method::PUT, &path, Body::Multipart(parts.clone()), Retry::Reconcile, out)
            .await
        {
            Ok(_) => break,
            Err(err) if attempt < RECONCILE_ATTEMPTS && ambiguous(&err) => {
                // The upload may have landed: its digest tag says so.
                let settings: Option<ScriptSettings> = client.get(&format!("{path}/settings"), out).await.ok();
                if settings.is_some_and(|s| s.tags.contains(&script.digest_tag())) {
                    break;
                }
                out.verbose(&format!("upload failed ({err}); trying again"));
            }
            Err(err) => {
                progress.fail();
                return Err(err);
            }
        }
    }
    progress.done(&format!("{:>12} worker {}", "Uploaded", script.name));
    Ok(())
}

async fn create(client: &Client, app: &DesiredApp, namespace_id: &str, out: &Output) -> Result<String, Error> {
    let body = json!({
        "name": app.name,
        "scheduling_policy": "default",
        "instances": 0,
        "max_instances": app.max_instances,
        "configuration": app.configuration(),
        "durable_objects": { "namespace_id": namespace_id },
    });
    for attempt in 1..=RECONCILE_ATTEMPTS {
        let result = client
            .call::<Application>(
                Method::POST,
                "/containers/applications",
                Body::Json(body.clone()),
                Retry::Reconcile,
                out,
            )
            .await;
        let err = match result {
            Ok(created) => {
                report(out, "Created", app);
                return Ok(created.id);
            }
            Err(err) => err,
        };
        let taken = matches!(&err, Error::Api { message, .. } if message.starts_with("DURABLE_OBJECT_ALREADY_HAS_APPLICATION") || message.starts_with("APPLICATION_NAME_ALREADY_EXISTS"));
        if !(taken || ambiguous(&err)) {
            return Err(err);
        }
        // It may exist now (an earlier attempt, or another deploy): adopt it.
        let apps: Vec<Application> = client.get("/containers/applications", out).await?;
        let on_namespace = apps.iter().find(|a| a.serves(namespace_id));
        if let Some(existing) = on_namespace {
            report(out, "Adopted", app);
            return Ok(existing.id.clone());
        }
        if taken {
            let other = apps.iter().find(|a| a.name == app.name).map(|a| a.id.clone()).unwrap_or_default();
            return Err(Error::AppConflict { name: app.name.clone(), class: app.class.clone(), other });
        }
        if attempt == RECONCILE_ATTEMPTS {
            return Err(err);
        }
    }
    unreachable!("the last attempt returns")
}

async fn update(client: &Client, plan: &AppPlan, app: &DesiredApp, out: &Output) -> Result<String, Error> {
    let id = plan.id.clone().expect("updated applications exist");
    client
        .call::<Value>(
            Method::PATCH,
            &format!("/containers/applications/{id}"),
            Body::Json(json!({ "max_instances": app.max_instances })),
            Retry::Safe,
            out,
        )
        .await?;
    let target = app.configuration();
    let fields: Vec<&str> = plan.changes.iter().map(|c| c.field.as_str()).collect();
    let marker = &hex::encode(Sha256::digest(target.to_string().as_bytes()))[..12];
    let description = format!("cargo cfcontainer deploy {marker}: {}", fields.join(", "));
    let mut body = json!({ "description": description, "strategy": "rolling", "kind": app.rollout.kind, "target_configuration": target });
    match app.rollout.steps.as_slice() {
        [single] => body["step_percentage"] = json!(single),
        steps => {
            body["steps"] = json!(steps.iter().map(|p| json!({ "step_size": { "percentage": p } })).collect::<Vec<_>>())
        }
    }
    let path = format!("/containers/applications/{id}/rollouts");
    for attempt in 1..=RECONCILE_ATTEMPTS {
        match client.call::<Rollout>(Method::POST, &path, Body::Json(body.clone()), Retry::Reconcile, out).await {
            Ok(_) => break,
            Err(err) if attempt < RECONCILE_ATTEMPTS && ambiguous(&err) => {
                let rollouts: Vec<Rollout> = client.get(&path, out).await?;
                if rollouts.iter().any(|r| r.description.as_deref() == Some(description.as_str())) {
                    break;
                }
            }
            Err(err) => return Err(err),
        }
    }
    report(out, "Rolled out", app);
    Ok(id)
}

/// A failure after which the call may or may not have taken effect.
fn ambiguous(error: &Error) -> bool {
    matches!(error, Error::ApiUnreachable { .. })
        || matches!(error, Error::Api { status, .. } if *status >= 500 || *status == 429)
}

fn report(out: &Output, verb: &str, app: &DesiredApp) {
    out.event("application", &json!({ "action": verb.to_lowercase(), "name": app.name, "image": app.image }), || {
        format!("{verb:>12} application {} ({})", app.name, app.image)
    });
}
