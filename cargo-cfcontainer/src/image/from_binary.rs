//! The images of containers with `binary = "..."`: the binary compiled
//! static ([`crate::compile::static_binary`]) and assembled into an image here,
//! tagged by the image's own digest.

use std::path::PathBuf;

use cfcontainer_meta::{ContainerMeta, ImageSource};

use super::assemble::{assemble, AssembledImage, ImageInputs, Times};
use super::events::{ImageAssembled, ImageLoaded};
use super::{repository, source_dir};
use crate::compile::{self, BuildRequest, CompiledBinary};
use crate::output::{Output, Reason};
use crate::project::find_binary;
use crate::project::Project;
use crate::Error;

/// A container's image assembled from its binary.
#[derive(Debug, Clone)]
pub struct BinaryImage {
    /// The container class.
    pub class: String,
    /// Its repository name (before the registry and account).
    pub repository: String,
    /// The image.
    pub image: AssembledImage,
    /// Its tag: the attribute's `tag`, else the content tag.
    pub tag: String,
    /// True when `tag` is the content tag.
    pub content_tag: bool,
    /// The compiled binary.
    pub binary: CompiledBinary,
    /// What it was made from besides the binary's sources: the binary's
    /// package manifest, and the assets directory.
    pub inputs: Vec<PathBuf>,
}

/// The image of every container with a `binary`, compiled with
/// `request`'s profile and features (its target is ignored: binaries are
/// built for [`compile::MUSL_TARGET`]).
pub fn assemble_all(
    project: &Project,
    containers: &[ContainerMeta],
    request: &BuildRequest,
    out: &Output,
) -> Result<Vec<BinaryImage>, Error> {
    let mut images = Vec::new();
    for meta in containers {
        let ImageSource::Binary { binary, package, assets } = &meta.image else { continue };
        let target = find_binary(&project.member_targets, binary, package.as_deref()).map_err(|why| {
            Error::NoBinary { class: meta.class.clone(), binary: binary.clone(), why: why.explain(binary) }
        })?;
        let request = BuildRequest { target: compile::MUSL_TARGET, ..request.clone() };
        let compiled = compile::static_binary(project, target, &request, out)?;
        let bytes =
            std::fs::read(&compiled.path).map_err(|e| Error::Read { path: compiled.path.clone(), source: e })?;
        let binary_size = bytes.len();
        let assets_dir = assets.as_ref().map(|a| source_dir(meta, project).join(a));
        if let Some(dir) = assets_dir.as_ref().filter(|d| !d.is_dir()) {
            return Err(Error::ImageBuild {
                class: meta.class.clone(),
                why: format!("its assets directory {} does not exist; create it or fix `assets`", dir.display()),
            });
        }
        let inputs = ImageInputs {
            name: binary,
            binary: bytes,
            ports: &meta.ports,
            assets: assets_dir.as_deref(),
            times: Times::from_env(),
        };
        let image = assemble(inputs).map_err(|(path, source)| Error::Read { path, source })?;
        let content_tag = meta.image_tag.is_none();
        let tag = meta.image_tag.clone().unwrap_or_else(|| image.content_tag());
        let repository = repository(meta, project);
        let size: usize = image.layers.iter().map(|l| l.tar.len()).sum();
        let reference = format!("{repository}:{tag}");
        let value =
            ImageAssembled { class: &meta.class, reference: &reference, binary_bytes: binary_size, image_bytes: size };
        out.event(Reason::ImageAssembled, &value, || {
            let mb = |n: usize| n as f64 / 1e6;
            format!(
                "{:>12} {repository}:{tag} (binary {:.1} MB, image {:.1} MB)",
                "Assembled",
                mb(binary_size),
                mb(size)
            )
        });
        let mut watched = vec![target.manifest_path.clone()];
        watched.extend(assets_dir);
        images.push(BinaryImage {
            class: meta.class.clone(),
            repository,
            image,
            tag,
            content_tag,
            binary: compiled,
            inputs: watched,
        });
    }
    Ok(images)
}

/// Assembles the image of every container with a `binary` and loads each
/// into the engine as `<repo>:<tag>` (under [`super::DEV_PREFIX`] with
/// `dev`); returns each as built, with what it was assembled from.
pub async fn load_all(
    docker: &bollard::Docker,
    project: &Project,
    containers: &[ContainerMeta],
    request: &BuildRequest<'_>,
    dev: bool,
    out: &Output,
) -> Result<Vec<(super::BuiltImage, BinaryImage)>, Error> {
    let started = std::time::Instant::now();
    let mut loaded = Vec::new();
    for image in assemble_all(project, containers, request, out)? {
        let local = format!("{}:{}", image.repository, image.tag);
        let reference = if dev { format!("{}/{local}", super::DEV_PREFIX) } else { local };
        let fresh = !super::load(docker, &image.image, &reference, out).await?;
        out.event(Reason::ImageLoaded, &ImageLoaded { class: &image.class, reference: &reference, fresh }, || {
            format!(
                "{:>12} {reference}{}",
                if fresh { "Fresh" } else { "Loaded" },
                if fresh { " (unchanged)" } else { "" }
            )
        });
        let built = super::BuiltImage {
            class: image.class.clone(),
            reference,
            id: image.image.config_digest.clone(),
            built: !fresh,
            content_tag: image.content_tag,
            elapsed_ms: started.elapsed().as_millis() as u64,
        };
        loaded.push((built, image));
    }
    Ok(loaded)
}
