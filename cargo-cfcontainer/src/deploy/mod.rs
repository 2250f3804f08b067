//! Deploys: what the crate wants ([`desired`]), what the account has
//! ([`Remote`]), the difference ([`Plan`]) and carrying it out
//! ([`apply()`]); the transactions of `plan`, `deploy` ([`run()`]) and
//! `destroy` ([`destroy()`]).

mod apply;
mod assets;
mod cache;
mod consumers;
mod container_entries;
pub mod cost;
mod desired;
mod destroy;
mod file_bindings;
pub mod images;
pub mod migrations;
mod plan;
mod remote;
mod renames;
mod routes;
mod run;

pub use apply::{ambiguous, apply, reconciled, roll_out, AppEvent, DeployedApp};
pub use cache::LastDeploy;
pub use consumers::ConsumerStep;
pub use desired::DIGEST_TAG_PREFIX;
pub use desired::{container_fields, DesiredApp, DesiredScript, WorkerSecret};
pub use destroy::destroy;
pub use plan::{Action, AppStep, Plan, ScriptChange};
pub use remote::Remote;
pub use routes::DesiredRoutes;
pub use run::{plan, run, ContainersRollout, DeployOptions, Deployed};

/// True if the account marks Worker `worker` (its script tags `tags`) as
/// deployed by cargo cfcontainer: a digest tag among its tags, or (a
/// first deploy cut off between its upload and setting that tag) a live
/// version this tool uploaded, which carries its marker as annotation.
/// Nothing local decides: a Worker of the same name someone else created
/// since is not ours.
pub async fn deployed_by_us(client: &Client, worker: &str, tags: &[String], out: &Output) -> Result<bool, Error> {
    if tags.iter().any(|t| t.starts_with(desired::DIGEST_TAG_PREFIX)) {
        return Ok(true);
    }
    let live = client.live_version(worker, out).await?;
    Ok(live.and_then(|v| v.annotations.tag).is_some_and(|t| t.starts_with(desired::DIGEST_TAG_PREFIX)))
}

use cfcontainer_meta::ContainerMeta;

use crate::api::Client;
use crate::build::{self, BuildRequest};
use crate::image::{self, ImageBlobs, PushWith, RegistryAuth};
use crate::output::Output;
use crate::project::Project;
use crate::tools::BuildTools;
use crate::{engine, Error};
use migrations::Migrations;

/// A crate ready to compare with the account: built for release, its
/// worker bundled, its desired script computed.
pub struct Prepared {
    /// The worker crate.
    pub project: Project,
    /// Its containers.
    pub containers: Vec<ContainerMeta>,
    /// The API client.
    pub client: Client,
    /// The script to upload.
    pub script: DesiredScript,
    /// The queue consumers the wrangler file asks for.
    pub consumers: Vec<consumers::DesiredConsumer>,
    /// How the binaries of images assembled without a Dockerfile are
    /// compiled: the release profile and the run's features, as the Worker.
    pub binaries: BuildRequest<'static>,
}

/// Builds `project` for release with `feature_args` (deploys always ship
/// the release profile) and computes the desired script.
pub fn prepare(project: Project, feature_args: Vec<String>, out: &Output) -> Result<Prepared, Error> {
    let client = Client::from_env(project.settings.account_id.as_deref())?;
    let request = BuildRequest { target: build::WASM_TARGET, release: true, feature_args };
    if let Some(warning) = project.default_date_warning() {
        out.warning(&warning);
    }
    let mut loaded = build::load(project, &request, out)?;
    if let Some(source) = &loaded.project.settings.wrangler {
        let env = loaded.project.env.as_deref();
        container_entries::apply(source, &mut loaded.containers, env)?;
    }
    let tools = || {
        crate::runtime()?.block_on(BuildTools::provide(&loaded.project.dir, &loaded.project.workspace_manifest, out))
    };
    let modules_dir = build::worker_build_if_stale(&loaded.project, &request, &loaded.artifact, tools, out)?;
    let script = desired::script(&loaded.project, &loaded.containers, &modules_dir, client.token())?;
    let consumers = consumers::desired(&loaded.project.settings)?;
    let binaries = BuildRequest { target: build::MUSL_TARGET, ..request };
    Ok(Prepared { project: loaded.project, containers: loaded.containers, client, script, consumers, binaries })
}

impl Prepared {
    /// The wanted applications. With `push`, images are pushed as needed
    /// (Dockerfile images the way it says) and pinned by digest; without,
    /// an image never pushed from here is named by its content tag. The
    /// engine is asked for only when a Dockerfile image needs it.
    pub async fn applications(&self, push: Option<PushWith>, out: &Output) -> Result<Vec<DesiredApp>, Error> {
        let references = match push {
            Some(push_with) => {
                image::publish(&self.client, &self.project, &self.containers, &self.binaries, push_with, out)
                    .await?
                    .into_iter()
                    .map(|p| (p.class, p.reference, p.tag))
                    .collect()
            }
            None => self.local_references(out).await?,
        };
        Ok(self
            .containers
            .iter()
            .map(|c| {
                let (image, tag) = references
                    .iter()
                    .find(|(class, ..)| *class == c.class)
                    .map(|(_, r, t)| (r.clone(), t.clone()))
                    .unwrap_or_default();
                DesiredApp::new(&self.project, c, image, tag)
            })
            .collect())
    }

    /// `(class, reference, tag)` of every image, built here but not
    /// pushed. An image assembled from a binary is named by the digest
    /// it will have in the registry: its bytes are the same wherever it
    /// is assembled.
    async fn local_references(&self, out: &Output) -> Result<Vec<(String, String, String)>, Error> {
        let auth = RegistryAuth::new(&self.client);
        let mut references = Vec::new();
        if self.containers.iter().any(image::is_built) {
            let docker = engine::connect().await?;
            for built in image::build_all(&docker, &self.project, &self.containers, false, out).await? {
                let meta =
                    self.containers.iter().find(|m| m.class == built.class).expect("built from these containers");
                let repository = auth.repository(&image::repository(meta, &self.project));
                let tag = built.reference.rsplit(':').next().unwrap_or_default().to_string();
                let reference = match image::pushed_digest(&docker, &built.id, &repository).await? {
                    Some(digest) => format!("{repository}@{digest}"),
                    None => format!("{repository}:{tag} (not pushed yet)"),
                };
                references.push((built.class, reference, tag));
            }
        }
        for assembled in image::assemble_all(&self.project, &self.containers, &self.binaries, out)? {
            let digest = ImageBlobs::of(&assembled.image).digest;
            let reference = format!("{}@{digest}", auth.repository(&assembled.repository));
            references.push((assembled.class, reference, assembled.tag));
        }
        let prebuilt = image::prebuilt_references(&self.containers, auth.host(), self.client.account());
        references.extend(prebuilt.into_iter().map(|(class, reference)| (class, reference.clone(), reference)));
        Ok(references)
    }

    /// What the account holds of this Worker.
    pub async fn read_remote(&self, out: &Output) -> Result<Remote, Error> {
        Remote::read(&self.client, &self.project.settings.name, &self.queue_names(), out).await
    }

    /// Every queue the wrangler file names exists in the account.
    pub fn check_queues(&self, remote: &Remote) -> Result<(), Error> {
        match self.queue_names().into_iter().find(|n| !remote.queues.iter().any(|q| &q.queue_name == n)) {
            Some(name) => Err(Error::NoQueue { name }),
            None => Ok(()),
        }
    }

    /// The queues the wrangler file names, to read with the account.
    pub fn queue_names(&self) -> Vec<String> {
        consumers::queue_names(&self.project.settings)
    }

    /// Compares the account with the crate.
    pub fn plan(&self, remote: &Remote, apps: &[DesiredApp]) -> Result<Plan, Error> {
        let consumers = consumers::steps(&remote.queues, &self.consumers)?;
        let last = cache::read(&self.project, &remote.tags);
        let fields = container_fields(&self.containers);
        let settings = &self.project.settings;
        let last_fields = last.as_ref().map(|l| &l.fields);
        self.check_migrations(remote)?;
        Ok(Plan::new(remote, &self.script, settings, consumers, apps, last_fields, &fields))
    }

    /// With a wrangler file that has `migrations`, both tools must agree
    /// on the classes: a class the account has that the file neither
    /// defines nor deletes, or classes to migrate when the account is at
    /// the file's last tag already, stop the deploy (saying what to add to
    /// the file) before anything is written.
    pub fn check_migrations(&self, remote: &Remote) -> Result<(), Error> {
        let Some(source) = self.project.settings.wrangler.as_ref().filter(|w| !w.migrations.is_empty()) else {
            return Ok(());
        };
        let migrations = &Migrations::between(&remote.classes(), &self.script.classes);
        let deleted_by_file = |class: &String| source.migrations.iter().any(|m| m.deleted_classes.contains(class));
        if let Some(class) = migrations.deleted.iter().find(|c| !deleted_by_file(c)) {
            return Err(Error::MigrationsLackClass {
                path: source.path.clone(),
                worker: self.project.settings.name.clone(),
                class: class.clone(),
            });
        }
        let last = source.migrations.last().map(|m| m.tag.as_str());
        if let (Some(tag), false) = (last.filter(|t| Some(*t) == remote.migration_tag()), migrations.is_empty()) {
            let classes: Vec<&str> = migrations.new.iter().chain(&migrations.new_kv).map(String::as_str).collect();
            return Err(Error::MigrationsUpToDate {
                path: source.path.clone(),
                tag: tag.to_string(),
                classes: classes.join(", "),
            });
        }
        Ok(())
    }

    /// True if the Worker in the account may be deployed over: none
    /// exists, or the account marks it as this tool's ([`deployed_by_us`]).
    pub async fn may_deploy_over(&self, remote: &Remote, out: &Output) -> Result<bool, Error> {
        match remote.script {
            None => Ok(true),
            Some(_) => deployed_by_us(&self.client, &self.project.settings.name, &remote.tags, out).await,
        }
    }

    /// What to do instead of deleting the classes `migrations` delete
    /// from the Worker in `remote` (see [`renames::instead_of_deleting`]).
    pub fn instead_of_deleting(&self, migrations: &Migrations, remote: &Remote) -> String {
        let classes: Vec<(String, bool)> =
            remote.namespaces.iter().filter_map(|n| Some((n.class.clone()?, n.use_sqlite.unwrap_or(true)))).collect();
        let file = self.project.settings.wrangler.as_ref().map(|w| w.path.as_path());
        renames::instead_of_deleting(migrations, &self.containers, &classes, remote.migration_tag(), file)
    }

    /// Notes this deploy for the next plan's field names.
    pub fn remember(&self) {
        let last = LastDeploy { digest_tag: self.script.digest_marker(), fields: container_fields(&self.containers) };
        cache::write(&self.project, &last);
    }
}
