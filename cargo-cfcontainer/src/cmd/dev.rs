//! `cargo cfcontainer dev`: the worker and its containers on localhost.
//! Builds the worker (worker-build) and every image (`cloudflare-dev/`
//! tags, never pushed), runs workerd against the local engine, rebuilds and
//! restarts on any change to the crate or an image's context, and on
//! Ctrl-C stops workerd and removes every container it started.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use bollard::query_parameters::{ListContainersOptionsBuilder, RemoveContainerOptionsBuilder};
use bollard::Docker;
use cfcontainer_meta::{ContainerMeta, ImageSource};
use tokio::process::{Child, Command};

use crate::artifact::Loaded;
use crate::child::WithoutCredentials;
use crate::cli::{DevArgs, GlobalArgs};
use crate::dev::{self, Snapshot, WorkerdConfig};
use crate::output::Output;
use crate::{artifact, engine, image, Error};

/// Runs until Ctrl-C (or SIGTERM).
pub fn run(global: &GlobalArgs, args: &DevArgs, out: &Output) -> Result<(), Error> {
    crate::runtime()?.block_on(session(global, args, out))
}

struct Running {
    child: Child,
    key: String,
}

async fn session(global: &GlobalArgs, args: &DevArgs, out: &Output) -> Result<(), Error> {
    let docker = engine::connect().await?;
    let socket = dev::workerd_socket(&engine::host()).ok_or_else(|| Error::Engine {
        host: engine::host(),
        why: "workerd reaches the engine only through a unix socket".into(),
    })?;
    // Listening from the start: a Ctrl-C during a build or a file scan is
    // kept and acted on at the next wait, never lost.
    let mut shutdown = Shutdown::listen()?;
    let mut running: Option<Running> = None;
    let mut watch = Watch::of_crate(global)?;
    loop {
        let snapshot = watch.snapshot();
        let started = match build_and_start(global, args, out, &docker, &socket).await {
            Ok((prepared, next_watch)) => {
                watch = next_watch;
                Some(prepared)
            }
            // The first build must work; later ones wait for the next edit.
            Err(err) if running.is_none() => return Err(err),
            Err(err) => {
                out.error(&err);
                None
            }
        };
        if let Some(started) = started {
            if let Some(old) = running.take() {
                stop(&docker, old).await;
            }
            let started = start_workerd(started, args, out).await?;
            running = Some(started);
        }
        // Watch until something changes or the user stops us.
        loop {
            tokio::select! {
                _ = shutdown.recv() => {
                    if let Some(old) = running.take() {
                        stop(&docker, old).await;
                    }
                    out.event("dev-stopped", &serde_json::json!({}), || "Stopped workerd and removed its containers".into());
                    return Ok(());
                }
                _ = tokio::time::sleep(Duration::from_millis(400)) => {
                    if watch.snapshot() != snapshot {
                        out.event("dev-change", &serde_json::json!({}), || "Change detected; rebuilding".into());
                        break;
                    }
                }
            }
        }
    }
}

/// What a started workerd needs.
struct Prepared {
    config_path: PathBuf,
    workerd: PathBuf,
    key: String,
    url: String,
}

async fn build_and_start(
    global: &GlobalArgs,
    args: &DevArgs,
    out: &Output,
    docker: &Docker,
    socket: &str,
) -> Result<(Prepared, Watch), Error> {
    let Loaded { project, containers, .. } = super::load(global, artifact::WASM_TARGET, out)?;
    if let Some(remote) = containers.iter().find(|c| c.dev.remote) {
        return Err(Error::RemoteInDev { class: remote.class.clone() });
    }
    let workerd = dev::workerd_binary(&project.dir).ok_or(Error::NoWorkerd)?;
    let modules = dev::worker_build(&project, !global.release, out)?;
    let built = image::build_all(docker, &project, &containers, true, out).await?;
    let images: Vec<(ContainerMeta, String)> = containers
        .iter()
        .map(|c| {
            let reference = match &c.image {
                ImageSource::Prebuilt { reference } => reference.clone(),
                ImageSource::Dockerfile { .. } => {
                    built.iter().find(|b| b.class == c.class).map(|b| b.reference.clone()).unwrap_or_default()
                }
            };
            (c.clone(), reference)
        })
        .collect();
    let dir = project.target_dir.join("cfcontainer-dev").join(&project.settings.name);
    let storage = dir.join("storage");
    std::fs::create_dir_all(&storage)
        .map_err(|e| Error::Local { what: format!("create {}", storage.display()), why: e.to_string() })?;
    let key = format!("cfcdev-{}", project.settings.name);
    let listen = format!("{}:{}", args.ip, args.port);
    let config = WorkerdConfig {
        key_prefix: key.clone(),
        modules_dir: modules,
        compatibility_date: project.settings.compatibility_date.clone(),
        compatibility_flags: project.settings.compatibility_flags.clone(),
        containers: images,
        text_bindings: project.local_bindings()?,
        listen: listen.clone(),
        storage_dir: storage,
        docker_socket: socket.to_string(),
    };
    let config_path = config.write(&dir).map_err(|e| Error::Local {
        what: format!("write the workerd config in {}", dir.display()),
        why: e.to_string(),
    })?;
    let watch = Watch::of(&project, &containers);
    Ok((Prepared { config_path, workerd, key, url: format!("http://{listen}") }, watch))
}

async fn start_workerd(prepared: Prepared, args: &DevArgs, out: &Output) -> Result<Running, Error> {
    let mut child = Command::new(&prepared.workerd)
        .without_credentials()
        .arg("serve")
        .arg(&prepared.config_path)
        .arg("--experimental")
        .stdin(Stdio::null())
        // workerd's logs are diagnostics: stderr, so stdout stays results
        // (and JSON lines with --message-format json).
        .stdout(Stdio::from(std::io::stderr()))
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Error::Workerd { why: format!("cannot start {}: {e}", prepared.workerd.display()) })?;
    let address = format!("{}:{}", args.ip, args.port);
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(&address).await.is_ok() {
            out.event("dev-ready", &serde_json::json!({ "url": prepared.url }), || {
                format!("{:>12} {}", "Listening", prepared.url)
            });
            return Ok(Running { child, key: prepared.key });
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(Error::Workerd {
                why: format!("workerd exited with {status} before listening on {address} (is the port in use?)"),
            });
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill().await;
    Err(Error::Workerd { why: format!("workerd did not listen on {address} within 10 s") })
}

/// Stops workerd and removes every container of this dev session.
async fn stop(docker: &Docker, mut running: Running) {
    let _ = running.child.kill().await;
    let filters = HashMap::from([("name".to_string(), vec![format!("workerd-{}-", running.key)])]);
    let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
    for container in docker.list_containers(Some(options)).await.unwrap_or_default() {
        if let Some(id) = container.id {
            let remove = RemoveContainerOptionsBuilder::default().force(true).build();
            let _ = docker.remove_container(&id, Some(remove)).await;
        }
    }
}

/// The files whose change means a rebuild: the crate (minus build output)
/// and every image's Dockerfile and context.
struct Watch {
    roots: Vec<PathBuf>,
    skip: Vec<PathBuf>,
}

impl Watch {
    fn of_crate(global: &GlobalArgs) -> Result<Watch, Error> {
        Ok(Watch::of(&global.project()?, &[]))
    }

    fn of(project: &crate::Project, containers: &[ContainerMeta]) -> Watch {
        let mut roots = vec![project.dir.clone()];
        for c in containers {
            if let ImageSource::Dockerfile { dockerfile, context, .. } = &c.image {
                roots.push(project.dir.join(dockerfile));
                roots.push(project.dir.join(context));
            }
        }
        Watch { roots, skip: vec![project.dir.join("build"), project.target_dir.clone()] }
    }

    fn snapshot(&self) -> Snapshot {
        Snapshot::take(&self.roots, &self.skip)
    }
}

/// SIGINT (Ctrl-C) and SIGTERM, buffered between waits.
struct Shutdown {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn listen() -> Result<Shutdown, Error> {
        use tokio::signal::unix::{signal, SignalKind};
        let failed = |e: std::io::Error| Error::Local { what: "listen for Ctrl-C".into(), why: e.to_string() };
        Ok(Shutdown {
            interrupt: signal(SignalKind::interrupt()).map_err(failed)?,
            terminate: signal(SignalKind::terminate()).map_err(failed)?,
        })
    }

    /// Resolves once a signal arrived (at once if one came since the last call).
    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
