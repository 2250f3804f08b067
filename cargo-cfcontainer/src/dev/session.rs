//! One `dev` session: build the Worker and its images, run workerd behind
//! the [`Front`], and on every change to a real input rebuild what it
//! feeds and swap workerd without closing the socket users connect to.
//! Ctrl-C (or SIGTERM) stops workerd and removes every container it started.
//! The engine never restarts the session's containers ([`keep_from_restarting`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime};

use bollard::query_parameters::{
    ListContainersOptionsBuilder, RemoveContainerOptionsBuilder, RenameContainerOptionsBuilder,
};
use bollard::Docker;
use cfcontainer_meta::wrangler::{BindingKind, HtmlHandling};
use cfcontainer_meta::{ContainerMeta, ImageSource};
use tokio::process::{Child, Command};

use super::asset_rules::Skipped;
use super::compat_date::{local_date, today};
use super::front::Front;
use super::headers::{self, Headers};
use super::listen_error::listen_error;
use super::local_assets::LocalAssets;
use super::local_queues::LocalQueues;
use super::local_storage::{local_stores, LocalStores};
use super::redirects::{self, Redirects};
use super::simulator::Simulator;
use super::wake::{WakeBy, Wakeups};
use super::watch::{dep_info_inputs, Change, ReadAt, Snapshot, Watched};
use super::{keep_from_restarting, workerd_socket, OwnObjects, WorkerdConfig};
use crate::build::{self, BuildRequest, Loaded};
use crate::child::WithoutCredentials;
use crate::image;
use crate::output::Output;
use crate::project::own_classes::besides_containers;
use crate::tools::{self, BuildTools};
use crate::{engine, Error, Project};

/// How long a reload waits for the old workerd's requests to finish.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Which crate `dev` runs, and how it builds it.
#[derive(Debug, Clone)]
pub struct DevOptions {
    /// `--manifest-path`.
    pub manifest: Option<PathBuf>,
    /// `-p`.
    pub package: Option<String>,
    /// `--env`.
    pub env: Option<String>,
    /// Feature flags for cargo.
    pub feature_args: Vec<String>,
    /// Build the release profile.
    pub release: bool,
    /// The address users connect to, `ip:port`.
    pub listen: String,
    /// `--persist-to`: the local state root instead of `.wrangler/state`.
    pub persist_to: Option<PathBuf>,
    /// `--poll`: how a change is noticed.
    pub wake_by: WakeBy,
    /// `--egress-image`: the networking sidecar's image instead of ours.
    pub egress_image: Option<String>,
}

/// How workerd reaches the engine, and the sidecar image it starts there.
struct EngineTarget {
    /// The engine's socket, as workerd names it.
    socket: String,
    /// The networking sidecar's image, ready in the engine.
    egress_image: String,
}

/// A running workerd.
struct Running {
    child: Child,
    key: String,
}

/// What one build produced.
struct Built {
    config_path: PathBuf,
    workerd: PathBuf,
    key: String,
    backend: SocketAddr,
    watched: Watched,
    modules: PathBuf,
    /// When the image builds started reading their contexts.
    images_read_at: SystemTime,
}

/// Runs until Ctrl-C or SIGTERM.
pub async fn serve(options: &DevOptions, out: &Output) -> Result<(), Error> {
    // Listening from the start: a Ctrl-C during a build or a file scan is
    // kept and acted on at the next wait, never lost; an address in use
    // is said before anything is built.
    let mut shutdown = Shutdown::listen()?;
    let front = Front::listen(&options.listen).await.map_err(|e| listen_error(&options.listen, e))?;
    let docker = engine::connect().await?;
    engine::check_for_workerd(&docker).await?;
    let socket = workerd_socket(&engine::host()).ok_or_else(|| Error::Engine {
        host: engine::host(),
        why: "workerd reaches the engine only through a unix socket".into(),
    })?;
    let egress_image = super::egress::ensure(&docker, options.egress_image.as_deref(), out).await?;
    let target = EngineTarget { socket, egress_image };
    let url = format!("http://{}", front.address);
    let mut running: Option<Running> = None;
    let mut last: Option<(Snapshot, Watched, PathBuf)> = None;
    let mut wake = Wakeups::new(options.wake_by);
    let mut removing: Option<tokio::task::JoinHandle<()>> = None;
    // Containers are named after the session's key, the same for every
    // build: one watch from the first build on covers them all.
    let session_began = SystemTime::now();
    let mut restarts: Option<tokio::task::JoinHandle<()>> = None;
    let mut change = Change::Worker;
    loop {
        let started = SystemTime::now();
        let reuse_worker = match (&last, change) {
            (Some((_, _, modules)), Change::Images) => Some(modules.clone()),
            _ => None,
        };
        match build(options, &docker, &target, reuse_worker, last.is_none(), out).await {
            Ok(built) => {
                if restarts.is_none() {
                    restarts = Some(watch_restarts(&docker, &built.key, session_began, *out));
                }
                // Requests wait in the front while workerd is swapped.
                front.pause(DRAIN_LIMIT).await;
                let leftovers = match running.take() {
                    Some(old) => {
                        let key = old.key.clone();
                        retire(&docker, &key, kill(&docker, old).await).await
                    }
                    None => Vec::new(),
                };
                match start_workerd(&built, out).await {
                    Ok(new) => running = Some(new),
                    Err(err) => {
                        remove(&docker, leftovers).await;
                        return Err(err);
                    }
                }
                front.resume(built.backend);
                // The old run's containers go while the new one serves:
                // removing them is no part of the swap users wait for.
                if let Some(earlier) = removing.take() {
                    let _ = earlier.await;
                }
                let engine = docker.clone();
                removing = Some(tokio::spawn(async move { remove(&engine, leftovers).await }));
                let first = last.is_none();
                out.event("dev-ready", &serde_json::json!({ "url": url }), || {
                    format!("{:>12} {url}", if first { "Listening" } else { "Reloaded" })
                });
                let read = ReadAt { worker: started, images: built.images_read_at };
                let snapshot = look(&built.watched, &mut wake, Some(read), out);
                last = Some((snapshot, built.watched, built.modules));
            }
            // The first build must work; later ones wait for the next edit.
            Err(err) if running.is_none() => return Err(err),
            Err(err) => {
                out.error(&err);
                // The inputs as they failed are the new "before": the
                // next change is the next edit, not the same one again.
                if let Some((before, watched, _)) = &mut last {
                    *before = look(watched, &mut wake, Some(ReadAt { worker: started, images: started }), out);
                }
            }
        }
        change = loop {
            tokio::select! {
                _ = shutdown.recv() => {
                    if let Some(watch) = restarts.take() {
                        watch.abort();
                    }
                    if let Some(earlier) = removing.take() {
                        let _ = earlier.await;
                    }
                    if let Some(old) = running.take() {
                        stop(&docker, old).await;
                    }
                    out.event("dev-stopped", &serde_json::json!({}), || "Stopped workerd and removed its containers".into());
                    return Ok(());
                }
                _ = wake.next() => {
                    let Some((before, watched, _)) = &last else { break Change::Worker };
                    match before.change(&look(watched, &mut wake, None, out)) {
                        Change::None => continue,
                        change => {
                            let what = if change == Change::Images { "an image input" } else { "a Worker input" };
                            out.event("dev-change", &serde_json::json!({ "change": what }), || format!("Change in {what} detected; rebuilding"));
                            break change;
                        }
                    }
                }
            }
        };
    }
}

/// Keeps the engine from restarting the containers of the session `key`
/// created since `since`, until aborted; says so once if it cannot.
fn watch_restarts(docker: &Docker, key: &str, since: SystemTime, out: Output) -> tokio::task::JoinHandle<()> {
    let (docker, prefix) = (docker.clone(), format!("workerd-{key}-"));
    tokio::spawn(async move {
        let warn = |container: &str, why: &str| {
            out.event("dev-restart-policy", &serde_json::json!({ "container": container, "why": why }), || {
                format!("warning: the engine may restart container {container} when it exits non-zero: {why}")
            });
        };
        if let Err(err) = keep_from_restarting(&docker, &prefix, since, warn).await {
            out.event("dev-restart-policy", &serde_json::json!({ "why": err.to_string() }), || {
                format!("warning: the engine may restart containers that exit non-zero from now on: {err}")
            });
        }
    })
}

/// The inputs now (see [`Snapshot::take`] for `read`), with the
/// watch moved onto their directories.
fn look(watched: &Watched, wake: &mut Wakeups, read: Option<ReadAt>, out: &Output) -> Snapshot {
    let inputs = watched.inputs();
    wake.follow(watched.directories(&inputs), watched.ignored());
    if let Some(why) = wake.fell_back() {
        out.event("dev-polling", &serde_json::json!({ "why": why }), || {
            format!("warning: {why}; looking at the inputs every 400 ms instead")
        });
    }
    Snapshot::take(&inputs, read)
}

/// Builds what is needed and writes workerd's config. With `reuse_worker`,
/// only the images changed: the Worker bundle there is used as it is.
/// The `first` build of a session says what it chose for the crate.
async fn build(
    options: &DevOptions,
    docker: &Docker,
    target: &EngineTarget,
    reuse_worker: Option<PathBuf>,
    first: bool,
    out: &Output,
) -> Result<Built, Error> {
    let request = build_request(options);
    let Loaded { project, containers, artifact } = load(options, &request, out)?;
    if let Some(remote) = containers.iter().find(|c| c.dev.remote) {
        return Err(Error::RemoteInDev { class: remote.class.clone() });
    }
    let workerd = tools::workerd(&project.dir, out).await?.path;
    let release = tools::tool_version(&workerd);
    let (date, too_new) = local_date(&project.settings.compatibility_date, release.as_deref(), today());
    if first {
        for warning in project.default_date_warning().into_iter().chain(too_new) {
            out.event("warning", &serde_json::json!({ "message": warning }), || format!("warning: {warning}"));
        }
    }
    let modules = match reuse_worker {
        Some(modules) => modules,
        None => {
            let tools = BuildTools::provide(&project, out).await?;
            build::worker_build(&project, &request, &tools, out)?
        }
    };
    let images_read_at = SystemTime::now();
    let mut built = image::build_all(docker, &project, &containers, true, out).await?;
    let binaries = BuildRequest { target: build::MUSL_TARGET, ..request.clone() };
    let assembled = image::load_all(docker, &project, &containers, &binaries, true, out).await?;
    let mut binary_inputs = Vec::new();
    for (loaded, image) in assembled {
        binary_inputs.extend(dep_info_inputs(&image.binary.dep_info));
        binary_inputs.extend(image.inputs);
        built.push(loaded);
    }
    let images: Vec<(ContainerMeta, String)> = containers
        .iter()
        .map(|c| {
            let reference = match &c.image {
                ImageSource::Prebuilt { reference } => reference.clone(),
                ImageSource::Dockerfile { .. } | ImageSource::Binary { .. } => {
                    built.iter().find(|b| b.class == c.class).map(|b| b.reference.clone()).unwrap_or_default()
                }
            };
            (c.clone(), reference)
        })
        .collect();
    let dir = project.target_dir.join("cfcontainer-dev").join(&project.settings.name);
    let storage = dir.join("storage");
    std::fs::create_dir_all(&storage)
        .map_err(|e| Error::Io { what: format!("create {}", storage.display()), source: e })?;
    let backend = free_local_port()?;
    let key = format!("cfcdev-{}", project.settings.name);
    let config = WorkerdConfig {
        key_prefix: key.clone(),
        modules_dir: modules.clone(),
        compatibility_date: date.clone(),
        compatibility_flags: project.settings.compatibility_flags.clone(),
        objects: own_objects(&project, &containers),
        containers: images,
        text_bindings: project.local_bindings()?,
        json_bindings: project.settings.json_vars.iter().map(|(k, v)| (k.clone(), v.to_string())).collect(),
        listen: backend.to_string(),
        storage_dir: storage,
        docker_socket: target.socket.clone(),
        egress_image: target.egress_image.clone(),
        simulator: simulator(&project, &date, options.persist_to.as_deref(), out).await?,
        trigger_handlers: true,
    };
    let config_path = config
        .write(&dir)
        .map_err(|e| Error::Io { what: format!("write the workerd config in {}", dir.display()), source: e })?;
    let data = config.simulator.as_ref().map(|s| s.stores.persist_dir.clone());
    let mut watched = Watched::of(&project, &artifact, &containers, data);
    // A binary's sources (cargo's dep-info of it: its package and every
    // crate it depends on), its manifest and assets rebuild only its image.
    watched.add_image_inputs(binary_inputs);
    // An edited asset rebuilds the config (its manifest names the content).
    if let Some(assets) = config.simulator.as_ref().and_then(|s| s.assets.as_ref()) {
        watched.add_worker_inputs(assets.inputs());
    }
    Ok(Built { config_path, workerd, key, backend, watched, modules, images_read_at })
}

/// What `dev` builds: the wasm target, with its profile and features.
fn build_request(options: &DevOptions) -> BuildRequest<'static> {
    BuildRequest { target: build::WASM_TARGET, release: options.release, feature_args: options.feature_args.clone() }
}

fn load(options: &DevOptions, request: &BuildRequest, out: &Output) -> Result<Loaded, Error> {
    let project = Project::load(options.manifest.as_deref(), options.package.as_deref(), options.env.as_deref())?;
    project.warn_unknown_keys(out);
    warn_unprovided(&project, out);
    build::load(project, request, out)
}

/// Local KV, R2 and D1 for the wrangler file's bindings of those kinds,
/// with their data under `persist_to`'s `v3` (by default the official
/// CLI's `.wrangler/state` beside the wrangler file), and the static
/// assets; `None` without any.
async fn simulator(
    project: &Project,
    date: &str,
    persist_to: Option<&Path>,
    out: &Output,
) -> Result<Option<Simulator>, Error> {
    let Some(source) = &project.settings.wrangler else { return Ok(None) };
    let stores = local_stores(&source.bindings);
    let settings = &project.settings;
    let assets = settings.assets.clone().map(|assets| {
        let (config, directory) = (&assets.config, &assets.directory);
        let redirects = config
            .redirects
            .as_deref()
            .and_then(|text| redirects(text, &directory.join("_redirects"), config.html_handling, out));
        let headers = config.headers.as_deref().and_then(|text| headers(text, &directory.join("_headers"), out));
        LocalAssets {
            assets,
            compatibility_date: date.to_string(),
            compatibility_flags: settings.compatibility_flags.clone(),
            redirects,
            headers,
        }
    });
    let queues = LocalQueues::of(&source.bindings, &settings.name);
    if stores.is_empty() && assets.is_none() && queues.is_none() {
        return Ok(None);
    }
    let package_dir = tools::simulator(out).await?.path;
    let root = match persist_to {
        Some(dir) => std::path::absolute(dir)
            .map_err(|e| Error::Io { what: format!("resolve --persist-to {}", dir.display()), source: e })?,
        None => source.path.parent().unwrap_or(&project.dir).join(".wrangler/state"),
    };
    let stores = LocalStores { persist_dir: root.join("v3"), stores };
    Ok(Some(Simulator { package_dir, stores, assets, queues }))
}

/// The rules of the assets' `_redirects` (at `path`), as `wrangler dev`
/// reads them: each line it leaves out is a warning in its words.
fn redirects(text: &str, path: &Path, html_handling: Option<HtmlHandling>, out: &Output) -> Option<Redirects> {
    let parsed = redirects::parse(text, html_handling);
    warn_skipped("dev-redirect-skipped", path, &parsed.skipped, out);
    for advice in &parsed.advice {
        out.verbose(advice);
    }
    parsed.redirects
}

/// The rules of the assets' `_headers` (at `path`), likewise.
fn headers(text: &str, path: &Path, out: &Output) -> Option<Headers> {
    let parsed = headers::parse(text);
    warn_skipped("dev-header-skipped", path, &parsed.skipped, out);
    parsed.headers
}

/// One warning (event `reason`) for each line of the file at `path` that
/// the simulator leaves out.
fn warn_skipped(reason: &str, path: &Path, skipped: &[Skipped], out: &Output) {
    for skipped in skipped {
        let Skipped { number, text, message } = skipped;
        let value = serde_json::json!({ "file": path, "line": number, "text": text, "message": message });
        out.event(reason, &value, || {
            let at = number.map(|n| format!(":{n}")).unwrap_or_default();
            let shown = text.as_ref().map(|t| format!(" ({t})")).unwrap_or_default();
            format!("warning: {}{at}: {message}{shown}", path.display())
        });
    }
}

/// The Worker's own Durable Object classes that are not containers, and
/// the file's bindings to them.
fn own_objects(project: &Project, containers: &[ContainerMeta]) -> OwnObjects {
    let Some(source) = &project.settings.wrangler else { return Default::default() };
    let is_container = |class: &str| containers.iter().any(|c| c.class == class);
    let classes = besides_containers(&source.own_classes, containers).map(|c| (c.name.clone(), c.sqlite));
    let bindings = source.bindings.durable_objects.bindings.iter();
    let bindings = bindings.filter(|b| b.script_name.is_none() && !is_container(&b.class_name));
    OwnObjects {
        classes: classes.collect(),
        bindings: bindings.map(|b| (b.name.clone(), b.class_name.clone())).collect(),
    }
}

/// Bindings of the wrangler config that local runs do not provide yet:
/// the Worker would fail where it reads them, so say which.
fn warn_unprovided(project: &Project, out: &Output) {
    let Some(source) = &project.settings.wrangler else { return };
    let provided = [
        BindingKind::TextVar,
        BindingKind::JsonVar,
        BindingKind::KvNamespace,
        BindingKind::R2Bucket,
        BindingKind::D1Database,
        BindingKind::QueueProducer,
    ];
    // Durable Objects of this Worker are; another Worker's are not.
    let own_object =
        |name: &str| source.bindings.durable_objects.bindings.iter().any(|d| d.name == name && d.script_name.is_none());
    let unprovided = source.bindings.named().into_iter().filter(|b| {
        let provided_here = provided.contains(&b.kind) || (b.kind == BindingKind::DurableObject && own_object(&b.name));
        !provided_here
    });
    for binding in unprovided {
        let (key, name) = (binding.kind.config_key(), &binding.name);
        out.event("dev-unprovided-binding", &serde_json::json!({ "key": key, "name": name }), || {
            format!(
                "warning: {}: `{key}` binding `{name}` is not provided locally yet; reading it fails",
                source.path.display()
            )
        });
    }
}

/// A free port on 127.0.0.1 for workerd (the OS picks it; workerd binds
/// it a moment later).
fn free_local_port() -> Result<SocketAddr, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Error::Io { what: "find a free local port for workerd".into(), source: e })?;
    listener.local_addr().map_err(|e| Error::Io { what: "find a free local port for workerd".into(), source: e })
}

async fn start_workerd(built: &Built, out: &Output) -> Result<Running, Error> {
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
async fn stop(docker: &Docker, running: Running) {
    let containers = kill(docker, running).await;
    remove(docker, containers.into_iter().map(|c| c.id).collect()).await;
}

/// A container a dev session's workerd started.
struct Started {
    id: String,
    /// Renamed out of the way by an earlier reload already.
    retired: bool,
}

/// Stops workerd; returns the containers it started, left running.
async fn kill(docker: &Docker, mut running: Running) -> Vec<Started> {
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
async fn retire(docker: &Docker, key: &str, containers: Vec<Started>) -> Vec<String> {
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
async fn remove(docker: &Docker, containers: Vec<String>) {
    for id in containers {
        let options = RemoveContainerOptionsBuilder::default().force(true).build();
        let _ = docker.remove_container(&id, Some(options)).await;
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
        let failed = |e: std::io::Error| Error::Io { what: "listen for Ctrl-C".into(), source: e };
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
