//! Container images: which image each container gets; building it
//! through the Docker engine API from a Dockerfile, or assembling it here
//! around a static binary of the workspace (no engine, no base image);
//! and putting it in the registry, through the engine or through the
//! registry API.

mod assemble;
mod base_files;
mod blobs;
mod build;
mod context;
mod documents;
mod events;
mod export;
mod from_binary;
mod ignore;
mod layer;
mod load;
mod publish;
mod push;
mod registry;
mod upload;

pub use blobs::ImageBlobs;
pub use build::{build_all, BuiltImage};
pub use context::{BuildContext, ContextError, DefaultExclusions};
pub use from_binary::{assemble_all, load_all};
pub use ignore::IgnoreRules;
pub use load::load;
pub use publish::{prebuilt_references, publish, Published, PushWith};
pub use push::{push_all, pushed_digest, RegistryAuth};
pub use registry::{Catalog, LayerCollection, RegistryError, StoredImage, TagDeletion};

use std::path::{Path, PathBuf};

use cfcontainer_meta::{ContainerMeta, ImageSource};

use crate::compile::BuildRequest;
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// Platform every image is built for: what Cloudflare runs.
pub const PLATFORM: &str = "linux/amd64";

/// Repository prefix of images built for local dev; workerd reads them
/// from the local engine and nothing pushes them.
pub const DEV_PREFIX: &str = "cloudflare-dev";

/// The repository name of a container's image: the attribute's `name`,
/// or its application's name (the official CLI pushes there too).
pub fn repository(meta: &ContainerMeta, project: &Project) -> String {
    meta.image_name.clone().unwrap_or_else(|| project.application_name(&meta.class))
}

/// The directory a container's `dockerfile` and `context` are relative to:
/// the crate that declares it, found by its package from the manifest this
/// run was given (records of schemas 3 and 4 name the directory it was
/// compiled in instead), else the worker crate.
pub fn source_dir(meta: &ContainerMeta, project: &Project) -> PathBuf {
    let declaring = match (&meta.declared_by, &meta.crate_dir) {
        (Some(package), _) => project.crate_dir(package).map(Path::to_path_buf),
        (None, Some(dir)) => Some(PathBuf::from(dir)).filter(|d| d.is_dir()),
        (None, None) => None,
    };
    declaring.unwrap_or_else(|| project.dir.clone())
}

/// The content tag of every container built here, `(class, tag)`: from
/// its build context for a Dockerfile image, as `build` computes it (no
/// engine, no build); from the image assembled around its binary
/// (compiled with `binaries`' profile and features, as a deploy compiles
/// it) for the others.
pub fn content_tags(
    project: &Project,
    containers: &[ContainerMeta],
    binaries: &BuildRequest,
    out: &Output,
) -> Result<Vec<(String, String)>, Error> {
    let mut tags = build::dockerfile_tags(project, containers)?;
    tags.extend(assemble_all(project, containers, binaries, out)?.into_iter().map(|i| (i.class, i.tag)));
    Ok(tags)
}

/// True if the container's image is built from a Dockerfile (by the engine).
pub fn is_built(meta: &ContainerMeta) -> bool {
    matches!(meta.image, ImageSource::Dockerfile { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_repository_is_named_as_the_official_cli_names_it() {
        let meta = cfcontainer_meta::ContainerMeta::example("MyContainer");
        let file = "name = \"full-config\"\n[env.staging]\nname = \"full-config-staging\"\n[[env.staging.containers]]\nclass_name = \"Other\"\nname = \"chosen\"\n";
        let (_dir, top) = crate::testing::project("full-config", &[("wrangler.toml", file)], None);
        assert_eq!(repository(&meta, &top), "full-config-mycontainer");
        let (_dir, staging) = crate::testing::project("full-config", &[("wrangler.toml", file)], Some("staging"));
        assert_eq!(repository(&meta, &staging), "full-config-staging-mycontainer-staging");
        assert_eq!(staging.application_name("Other"), "chosen", "the file's containers[].name");
        let named = cfcontainer_meta::ContainerMeta { image_name: Some("mine".into()), ..meta };
        assert_eq!(repository(&named, &top), "mine", "the attribute's `name`");
    }
}
