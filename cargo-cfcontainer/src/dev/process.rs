//! The workerd process of a `dev` session and the containers it leaves:
//! started on a free port, stopped, and its containers renamed out of the
//! next workerd's way and removed.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use bollard::query_parameters::{
    ListContainersOptionsBuilder, RemoveContainerOptionsBuilder, RenameContainerOptionsBuilder,
};
use bollard::Docker;
use tokio::process::{Child, Command};

use crate::child::WithoutCredentials;
use crate::output::Output;
use crate::Error;

/// What starting workerd takes: one build's config.
pub struct Launch {
    /// workerd's config file.
    pub config_path: PathBuf,
    /// The workerd binary.
    pub workerd: PathBuf,
    /// The session's key: workerd's container names start with it.
    pub key: String,
    /// Where this workerd will listen (behind the front).
    pub backend: SocketAddr,
}

/// A running workerd.
pub struct Running {
    child: Child,
    /// The session's key (see [`Launch::key`]).
    pub key: String,
}

/// A free port on 127.0.0.1 for workerd (the OS picks it; workerd binds
/// it a moment later).
pub fn free_local_port() -> Result<SocketAddr, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Io { what: "find a free local port for workerd".into(), source: e })?;
    listener.local_addr().map_err(|e| Error::Io { what: "find a free local port for workerd".into(), source: e })
}

/// Starts workerd on `built`'s config and waits until it listens.
pub async fn start_workerd(built: &Launch, out: &Output) -> Result<Running, Error> {
    let mut child = Command::new(&built.workerd)
        .without_credentials()
        .arg("serve")
        .arg(&built.config_path)
        .arg("--experimental")
        .stdin(Stdio::null())
        // workerd's logs are diagnostics: stderr, so stdout stays results
        // (and JSON lines with --message-format json).
        .stdout(Stdio::from(std::io::stderr()))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::Workerd { why: format!("cannot start {}: {e}", built.workerd.display()) })?;
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(built.backend).await.is_ok() {
            out.verbose(&format!("workerd listens on {}", built.backend));
            return Ok(Running { child, key: built.key.clone() });
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::Workerd {
                why: format!("workerd exited with {status} before listening on {}", built.backend),
            });
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let _ = child.kill().await;
    Err(Error::Workerd { why: format!("workerd did not listen on {} within 10 s", built.backend) })
}

/// Stops workerd and removes every container of this dev session.
pub async fn stop(docker: &Docker, running: Running) {
    let containers = kill(docker, running).await;
    remove(docker, containers.into_iter().map(|c| c.id).collect()).await;
}

/// A container a dev session's workerd started.
pub struct Started {
    id: String,
    /// Renamed out of the way by an earlier reload already.
    retired: bool,
}

/// Stops workerd; returns the containers it started, left running.
pub async fn kill(docker: &Docker, mut running: Running) -> Vec<Started> {
    let _ = running.child.kill().await;
    let filters = HashMap::from([("name".to_string(), vec![format!("workerd-{}-", running.key)])]);
    let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
    let containers = docker.list_containers(Some(options)).await.unwrap_or_default();
    let retired = format!("/{}", retired_prefix(&running.key));
    containers
        .into_iter()
        .filter_map(|c| {
            let is_retired = c.names.iter().flatten().any(|n| n.starts_with(&retired));
            Some(Started { id: c.id?, retired: is_retired })
        })
        .collect()
}

/// `workerd-<key>-retired-`: still under the session's key, so its
/// cleanup (this session's or a later one's) finds them too.
fn retired_prefix(key: &str) -> String {
    format!("workerd-{key}-retired-")
}

/// Renames the old run's `containers` out of the new workerd's way and
/// returns them (by id) for removal.
///
/// The next workerd names its containers as the old one did (`workerd-<key>-
/// <class>-<object id>`: the key stays, so the objects keep their storage),
/// and takes a container it finds by that name as its own. An old one still
/// being removed would then be killed under a new request (exit 137 while
/// starting), so each is renamed first, a quick call, and one that cannot
/// be renamed is removed here and now. One an earlier reload renamed is
/// left as it is: its removal is under way.
pub async fn retire(docker: &Docker, key: &str, containers: Vec<Started>) -> Vec<String> {
    let mut leftovers = Vec::new();
    for Started { id, retired } in containers {
        if !retired {
            let name = format!("{}{}", retired_prefix(key), &id[..id.len().min(12)]);
            let rename = RenameContainerOptionsBuilder::default().name(&name).build();
            if docker.rename_container(&id, rename).await.is_err() {
                remove(docker, vec![id]).await;
                continue;
            }
        }
        leftovers.push(id);
    }
    leftovers
}

/// Removes these containers, running or not.
pub async fn remove(docker: &Docker, containers: Vec<String>) {
    for id in containers {
        let options = RemoveContainerOptionsBuilder::default().force(true).build();
        let _ = docker.remove_container(&id, Some(options)).await;
    }
}
