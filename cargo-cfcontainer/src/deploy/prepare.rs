//! The desired state: the crate built for release, its Worker script and
//! queue consumers computed, and its images named (pushed as needed, or
//! as they would be). Nothing here reads or writes the account's Worker.

use cfcontainer_meta::ContainerMeta;

use super::consumers::{self, DesiredConsumer};
use super::desired::{self, container_fields, DesiredApp, DesiredScript};
use super::{cache, container_entries, LastDeploy};
use crate::api::Client;
use crate::compile::{self, BuildRequest};
use crate::image::{self, ImageBlobs, PushWith, RegistryAuth};
use crate::output::Output;
use crate::project::Project;
use crate::tools::BuildTools;
use crate::{engine, Error};

/// A crate ready to compare with the account: built for release, its
/// worker bundled, its desired script computed.
pub struct Prepared {
    /// The worker crate.
    pub project: Project,
    /// Its containers.
    pub containers: Vec<ContainerMeta>,
    /// The script to upload.
    pub script: DesiredScript,
    /// The queue consumers the wrangler file asks for.
    pub consumers: Vec<DesiredConsumer>,
    /// How the binaries of images assembled without a Dockerfile are
    /// compiled: the release profile and the run's features, as the Worker.
    pub binaries: BuildRequest<'static>,
}

/// Builds `project` for release with `feature_args` (deploys always ship
/// the release profile) and computes the desired script (its secrets
/// hashed with `client`'s token).
pub fn prepare(client: &Client, project: Project, feature_args: Vec<String>, out: &Output) -> Result<Prepared, Error> {
    let request = BuildRequest { target: compile::WASM_TARGET, release: true, feature_args };
    if let Some(warning) = project.default_date_warning() {
        out.warning(&warning);
    }
    let mut loaded = compile::load(project, &request, out)?;
    if let Some(source) = &loaded.project.settings.wrangler {
        let env = loaded.project.env.as_deref();
        container_entries::apply(source, &mut loaded.containers, env)?;
    }
    let tools = || {
        crate::runtime()?.block_on(BuildTools::provide(&loaded.project.dir, &loaded.project.workspace_manifest, out))
    };
    let modules_dir = compile::worker_build_if_stale(&loaded.project, &request, &loaded.artifact, tools, out)?;
    let script = desired::script(&loaded.project, &loaded.containers, &modules_dir, client.token())?;
    let consumers = consumers::desired(&loaded.project.settings)?;
    let binaries = BuildRequest { target: compile::MUSL_TARGET, ..request };
    Ok(Prepared { project: loaded.project, containers: loaded.containers, script, consumers, binaries })
}

impl Prepared {
    /// The wanted applications. With `push`, images are pushed as needed
    /// (Dockerfile images the way it says) and pinned by digest; without,
    /// an image never pushed from here is named by its content tag. The
    /// engine is asked for only when a Dockerfile image needs it.
    pub async fn applications(
        &self,
        client: &Client,
        push: Option<PushWith>,
        out: &Output,
    ) -> Result<Vec<DesiredApp>, Error> {
        let references = match push {
            Some(push_with) => image::publish(client, &self.project, &self.containers, &self.binaries, push_with, out)
                .await?
                .into_iter()
                .map(|p| (p.class, p.reference, p.tag))
                .collect(),
            None => self.local_references(client, out).await?,
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
    async fn local_references(&self, client: &Client, out: &Output) -> Result<Vec<(String, String, String)>, Error> {
        let auth = RegistryAuth::new(client);
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
        let prebuilt = image::prebuilt_references(&self.containers, auth.host(), client.account());
        references.extend(prebuilt.into_iter().map(|(class, reference)| (class, reference.clone(), reference)));
        Ok(references)
    }

    /// The queues the wrangler file names, to read with the account.
    pub fn queue_names(&self) -> Vec<String> {
        consumers::queue_names(&self.project.settings)
    }

    /// Notes this deploy for the next plan's field names.
    pub fn remember(&self) {
        let last = LastDeploy { digest_tag: self.script.digest_marker(), fields: container_fields(&self.containers) };
        cache::write(&self.project, &last);
    }
}
