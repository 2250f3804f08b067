//! `cargo cfcontainer build`: the image of every container, tagged by
//! content, in the local engine: built from its Dockerfile through the
//! engine API, or assembled around its binary and loaded. With
//! `--dev`, images are tagged `cloudflare-dev/` and stay local, except those
//! of containers with `dev(remote = true)`, which are pushed anyway, and
//! the networking sidecar's image `dev` runs is made ready too.

use serde::Serialize;

use crate::cli::{BuildArgs, GlobalArgs};
use crate::dev;
use crate::image::{self, BuiltImage, ImageBlobs, Published};
use crate::output::{Output, Reason};
use crate::{engine, Error};

#[derive(Serialize)]
struct Report {
    images: Vec<BuiltImage>,
    /// The images assembled from a binary, with the digest each has in
    /// any registry (the same on every machine for the same binary).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    assembled: Vec<Assembled>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pushed: Vec<Published>,
    /// With `--dev`: the networking sidecar's image, ready in the engine.
    #[serde(skip_serializing_if = "Option::is_none")]
    egress_image: Option<String>,
}

/// An image assembled from a binary.
#[derive(Serialize)]
struct Assembled {
    class: String,
    /// The image's id: the digest of its config.
    id: String,
    /// The digest of its manifest, as a registry names it.
    digest: String,
}

/// Reads the containers from the artifact, builds their images and prints
/// the references.
pub fn run(global: &GlobalArgs, args: &BuildArgs, out: &Output) -> Result<(), Error> {
    let inspection = super::load(global, crate::compile::WASM_TARGET, out)?;
    let project = inspection.project;
    let declared = !inspection.containers.is_empty();
    let (remote, local): (Vec<_>, Vec<_>) = inspection.containers.into_iter().partition(|c| args.dev && c.dev.remote);
    let client = if remote.is_empty() { None } else { Some(super::client_for(&project)?) };
    let binaries = global.build_request(crate::compile::MUSL_TARGET);
    let report = crate::runtime()?.block_on(async {
        let docker = engine::connect().await?;
        let mut images = image::build_all(&docker, &project, &local, args.dev, out).await?;
        let mut assembled = Vec::new();
        for (built, binary_image) in image::load_all(&docker, &project, &local, &binaries, args.dev, out).await? {
            let digest = ImageBlobs::of(&binary_image.image).digest;
            assembled.push(Assembled { class: built.class.clone(), id: built.id.clone(), digest });
            images.push(built);
        }
        let pushed = match &client {
            Some(client) => image::publish(client, &project, &remote, &binaries, image::PushWith::Engine, out).await?,
            None => Vec::new(),
        };
        let egress_image = match args.dev {
            true => Some(dev::ensure_egress_image(&docker, args.egress_image.as_deref(), out).await?),
            false => None,
        };
        Ok::<_, Error>(Report { images, assembled, pushed, egress_image })
    })?;
    out.result(Reason::Build, &report, || {
        if !declared {
            return super::none_declared(&project.package, "no image to build");
        }
        let built = report.images.iter().map(|i| i.reference.clone());
        built.chain(report.pushed.iter().map(|p| p.reference.clone())).map(|r| format!("{r}\n")).collect()
    });
    Ok(())
}
