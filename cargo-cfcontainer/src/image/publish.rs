//! Every container's image in the registry: Dockerfile images built by the
//! engine and pushed (by the engine, or through the registry API with
//! `--no-engine-push`), images assembled from a binary pushed through the
//! registry API (no engine needed), prebuilt ones named with the account
//! filled in.

use cfcontainer_meta::{ContainerMeta, ImageSource};
use serde::Serialize;

use super::blobs::ImageBlobs;
use super::from_binary::assemble_all;
use super::push::PushedImage;
use super::upload::{upload, Upload};
use super::{build_all, export, is_built, push_all, repository, RegistryAuth};
use crate::api::Client;
use crate::compile::BuildRequest;
use crate::output::Output;
use crate::project::Project;
use crate::{engine, Error};

/// A container's image as deploys reference it.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    /// The container class.
    pub class: String,
    /// The reference, digest-pinned for built images.
    pub reference: String,
    /// What names its content: the content tag of a built image, the
    /// reference of a prebuilt one.
    pub tag: String,
    /// True if layers were sent this time.
    pub pushed: bool,
    /// Layers sent.
    pub layers_pushed: u32,
    /// Layers the registry already had.
    pub layers_present: u32,
}

impl From<PushedImage> for Published {
    fn from(p: PushedImage) -> Published {
        Published {
            class: p.class,
            tag: p.tagged.rsplit_once(':').map(|(_, t)| t.to_string()).unwrap_or_default(),
            reference: p.reference,
            pushed: p.pushed,
            layers_pushed: p.layers_pushed,
            layers_present: p.layers_present,
        }
    }
}

/// Who sends a Dockerfile image's layers to the registry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PushWith {
    /// The engine (`docker push`'s way).
    #[default]
    Engine,
    /// This tool, through the registry API, after exporting the image
    /// from the engine (`--no-engine-push`).
    RegistryApi,
}

/// Builds (if needed) and pushes (if needed) every image; `binaries`
/// gives the profile and features of the binaries images are assembled
/// from. The engine is asked for only when a Dockerfile image needs it.
pub async fn publish(
    client: &Client,
    project: &Project,
    containers: &[ContainerMeta],
    binaries: &BuildRequest<'_>,
    push_with: PushWith,
    out: &Output,
) -> Result<Vec<Published>, Error> {
    let mut auth = RegistryAuth::new(client);
    let mut published = Vec::new();
    if containers.iter().any(is_built) {
        let docker = engine::connect().await?;
        let built = build_all(&docker, project, containers, false, out).await?;
        let repos: Vec<_> = built
            .into_iter()
            .map(|b| {
                let meta = containers.iter().find(|m| m.class == b.class).expect("built from these containers");
                let repo = repository(meta, project);
                (b, repo)
            })
            .collect();
        match push_with {
            PushWith::Engine => {
                published.extend(push_all(&docker, &mut auth, &repos, out).await?.into_iter().map(Published::from))
            }
            PushWith::RegistryApi => {
                for (image, repo) in &repos {
                    let dir = project.target_dir.join("cfcontainer").join("export").join(repo);
                    let blobs = export::export(&docker, &image.reference, &dir).await?;
                    let tag = image.reference.rsplit_once(':').map(|(_, t)| t).unwrap_or("latest");
                    let upload_of =
                        Upload { class: &image.class, repo, tag, content_tag: image.content_tag, blobs: &blobs };
                    published.push(upload(&mut auth, &upload_of, out).await?.into());
                    let _ = std::fs::remove_dir_all(&dir);
                }
            }
        }
    }
    for image in assemble_all(project, containers, binaries, out)? {
        let blobs = ImageBlobs::of(&image.image);
        let upload_of = Upload {
            class: &image.class,
            repo: &image.repository,
            tag: &image.tag,
            content_tag: image.content_tag,
            blobs: &blobs,
        };
        published.push(upload(&mut auth, &upload_of, out).await?.into());
    }
    for (class, reference) in prebuilt_references(containers, auth.host(), client.account()) {
        let tag = reference.clone();
        published.push(Published { class, reference, tag, pushed: false, layers_pushed: 0, layers_present: 0 });
    }
    published.sort_by(|a, b| a.class.cmp(&b.class));
    Ok(published)
}

/// `(class, reference)` of every container with a prebuilt image, the
/// account filled in as [`with_account`] does.
pub fn prebuilt_references(containers: &[ContainerMeta], registry: &str, account: &str) -> Vec<(String, String)> {
    containers
        .iter()
        .filter_map(|meta| match &meta.image {
            ImageSource::Prebuilt { reference } => {
                Some((meta.class.clone(), with_account(reference, registry, account)))
            }
            ImageSource::Dockerfile { .. } | ImageSource::Binary { .. } => None,
        })
        .collect()
}

/// A reference in `registry`'s root gets the account's namespace; any
/// other reference is used as is.
fn with_account(reference: &str, registry: &str, account: &str) -> String {
    match reference.strip_prefix(registry).and_then(|r| r.strip_prefix('/')) {
        Some(path) if !path.contains('/') => format!("{registry}/{account}/{path}"),
        _ => reference.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_in_the_registry_root_gets_the_account_and_others_are_kept() {
        let host = "registry.cloudflare.com";
        assert_eq!(with_account("registry.cloudflare.com/app:1.0", host, "acc"), "registry.cloudflare.com/acc/app:1.0");
        assert_eq!(
            with_account("registry.cloudflare.com/acc/app:1.0", host, "acc"),
            "registry.cloudflare.com/acc/app:1.0"
        );
        assert_eq!(with_account("docker.io/library/nginx:1", host, "acc"), "docker.io/library/nginx:1");
    }
}
