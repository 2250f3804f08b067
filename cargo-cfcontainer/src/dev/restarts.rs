//! Keeping the engine from restarting the containers of a local session.
//!
//! workerd creates every container with the engine's restart policy
//! `on-failure` and no retry limit ("to avoid having ambiguous states",
//! src/workerd/server/container-client.c++, 1.20260305 and 1.20261117
//! alike). A job that exits non-zero then runs again and again, its side
//! effects with it, while its Durable Object reports the first exit. The
//! object cannot stop it: once workerd has reported the exit, it takes the
//! container for stopped and ignores `destroy()`. Cloudflare does not
//! restart a container that exited, so a local session sets the policy of
//! each of its containers to `no` as the engine reports it created.
//!
//! The update races workerd's start of the container, which follows the
//! creation at once. The engine applies a policy when the process exits,
//! so the update only comes too late for a process that exits before it
//! lands (within milliseconds of its start): such a process may be
//! restarted once. The alternative, an engine socket of our own in front
//! of workerd's that rewrites its create requests, has no race but carries
//! every engine call workerd makes (streams and upgrades included) through
//! `dev`.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use bollard::models::{ContainerUpdateBody, RestartPolicy, RestartPolicyNameEnum};
use bollard::query_parameters::EventsOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;

use crate::engine::engine_error;
use crate::output::{Output, Reason};
use crate::Error;

/// Sets the restart policy of every container whose name starts with
/// `name_prefix` and that is created from `since` on to `no`, until the
/// engine's event stream ends (the error) or the future is dropped.
/// Events from `since` on are replayed, so none is missed when this starts
/// after workerd. A container that cannot be updated (other than one
/// already gone) is passed to `warn` with the engine's reason.
pub async fn keep_from_restarting(
    docker: &Docker,
    name_prefix: &str,
    since: SystemTime,
    warn: impl Fn(&str, &str),
) -> Result<(), Error> {
    let since = since.duration_since(UNIX_EPOCH).unwrap_or_default();
    let since = format!("{}.{:09}", since.as_secs(), since.subsec_nanos());
    let filters = HashMap::from([("type", vec!["container"]), ("event", vec!["create"])]);
    let options = EventsOptionsBuilder::default().since(&since).filters(&filters).build();
    let mut events = docker.events(Some(options));
    while let Some(event) = events.next().await {
        let actor = event.map_err(engine_error)?.actor.unwrap_or_default();
        let name = actor.attributes.unwrap_or_default().remove("name").unwrap_or_default();
        let (Some(id), true) = (actor.id, name.starts_with(name_prefix)) else { continue };
        if let Err(error) = docker.update_container(&id, no_restarts()).await {
            if !is_gone(&error) {
                warn(&name, &error.to_string());
            }
        }
    }
    Ok(())
}

/// An update that sets the restart policy `no` and nothing else.
fn no_restarts() -> ContainerUpdateBody {
    let policy = RestartPolicy { name: Some(RestartPolicyNameEnum::NO), maximum_retry_count: None };
    ContainerUpdateBody { restart_policy: Some(policy), ..Default::default() }
}

/// The container is gone, or going, already (removed between its creation
/// and the update): nothing to keep from restarting.
fn is_gone(error: &bollard::errors::Error) -> bool {
    matches!(error, bollard::errors::Error::DockerResponseServerError { status_code: 404 | 409, .. })
}

/// Keeps the engine from restarting the containers of the session `key`
/// created since `since`, until aborted; says so once if it cannot.
pub fn watch_restarts(docker: &Docker, key: &str, since: SystemTime, out: Output) -> tokio::task::JoinHandle<()> {
    let (docker, prefix) = (docker.clone(), format!("workerd-{key}-"));
    tokio::spawn(async move {
        let warn = |container: &str, why: &str| {
            out.event(Reason::DevRestartPolicy, &PolicyNotKept { container: Some(container), why }, || {
                format!("warning: the engine may restart container {container} when it exits non-zero: {why}")
            });
        };
        if let Err(err) = keep_from_restarting(&docker, &prefix, since, warn).await {
            out.event(Reason::DevRestartPolicy, &PolicyNotKept { container: None, why: &err.to_string() }, || {
                format!("warning: the engine may restart containers that exit non-zero from now on: {err}")
            });
        }
    })
}

/// The engine's restart policy could not be kept off a container, or off
/// any container from now on (event `dev-restart-policy`).
#[derive(serde::Serialize)]
struct PolicyNotKept<'a> {
    /// The container, when it concerns one.
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<&'a str>,
    why: &'a str,
}
