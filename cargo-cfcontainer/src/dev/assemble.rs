//! One build of a `dev` session: the Worker (or the bundle of the last
//! build when only images changed), the images, the local simulators and
//! workerd's config, with what to watch for the next change.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bollard::Docker;
use cfcontainer_meta::{ContainerMeta, ImageSource};

use super::compat_date::{local_date, today};
use super::local_assets::LocalAssets;
use super::local_queues::LocalQueues;
use super::local_secrets::LocalSecrets;
use super::local_storage::{local_stores, LocalStores};
use super::options::{DevOptions, EngineTarget};
use super::process::{free_local_port, Launch};
use super::simulator_config::Simulator;
use super::snapshot::{dep_info_inputs, Watched};
use super::warnings::{headers, redirects, warn_unprovided};
use super::{OwnObjects, WorkerdConfig};
use crate::compile::{self, BuildRequest, Loaded};
use crate::image;
use crate::output::Output;
use crate::project::own_classes::besides_containers;
use crate::project::secrets_store;
use crate::project::Project;
use crate::tools::{self, BuildTools};
use crate::Error;

/// What one build produced.
pub struct Built {
    /// How to start workerd on it.
    pub launch: Launch,
    /// The inputs to watch for the next change.
    pub watched: Watched,
    /// The Worker's bundle, reused when only images change.
    pub modules: PathBuf,
    /// When the image builds started reading their contexts.
    pub images_read_at: SystemTime,
}

/// Builds what is needed and writes workerd's config. With `reuse_worker`,
/// only the images changed: the Worker bundle there is used as it is.
/// The `first` build of a session says what it chose for the crate.
pub async fn build(
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
    secrets_store::check_bindings(&project.settings, &containers)?;
    let workerd = tools::workerd(&project.dir, out).await?.path;
    let release = tools::tool_version(&workerd);
    let (date, too_new) = local_date(&project.settings.compatibility_date, release.as_deref(), today());
    if first {
        for warning in project.default_date_warning().into_iter().chain(too_new) {
            out.warning(&warning);
        }
    }
    let modules = match reuse_worker {
        Some(modules) => modules,
        None => {
            let tools = BuildTools::provide(&project.dir, &project.workspace_manifest, out).await?;
            compile::worker_build(&project, &request, &tools, out)?
        }
    };
    let images_read_at = SystemTime::now();
    let mut built = image::build_all(docker, &project, &containers, true, out).await?;
    let binaries = BuildRequest { target: compile::MUSL_TARGET, ..request.clone() };
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
    Ok(Built { launch: Launch { config_path, workerd, key, backend }, watched, modules, images_read_at })
}

/// What `dev` builds: the wasm target, with its profile and features.
fn build_request(options: &DevOptions) -> BuildRequest<'static> {
    BuildRequest { target: compile::WASM_TARGET, release: options.release, feature_args: options.feature_args.clone() }
}

fn load(options: &DevOptions, request: &BuildRequest, out: &Output) -> Result<Loaded, Error> {
    let project = Project::load(options.manifest.as_deref(), options.package.as_deref(), options.env.as_deref())?;
    project.warn_unknown_keys(out);
    warn_unprovided(&project, out);
    compile::load(project, request, out)
}

/// Local KV, R2, D1 and Secrets Store secrets for the wrangler file's
/// bindings of those kinds, with their data under `persist_to`'s `v3` (by
/// default the official CLI's `.wrangler/state` beside the wrangler file),
/// and the static assets; `None` without any.
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
    let root = match persist_to {
        Some(dir) => std::path::absolute(dir)
            .map_err(|e| Error::Io { what: format!("resolve --persist-to {}", dir.display()), source: e })?,
        None => source.path.parent().unwrap_or(&project.dir).join(".wrangler/state"),
    };
    let secrets = LocalSecrets::of(&source.bindings, root.join("v3"));
    if stores.is_empty() && assets.is_none() && queues.is_none() && secrets.is_none() {
        return Ok(None);
    }
    let package_dir = tools::simulator(out).await?.path;
    let stores = LocalStores { persist_dir: root.join("v3"), stores };
    Ok(Some(Simulator { package_dir, stores, assets, queues, secrets }))
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
