//! Container images: which image each container gets, and building it
//! through the Docker engine API.

mod build;
mod context;
mod ignore;
mod publish;
mod push;

pub use build::{build_all, BuiltImage};
pub use context::{BuildContext, ContextError, DefaultExclusions};
pub use ignore::IgnoreRules;
pub use publish::{prebuilt_references, publish, Published};
pub use push::{push_all, pushed_digest, RegistryAuth};

use std::path::PathBuf;

use cfcontainer_meta::{kebab_case, ContainerMeta, ImageSource};

use crate::Project;

/// Platform every image is built for: what Cloudflare runs.
pub const PLATFORM: &str = "linux/amd64";

/// Repository prefix of images built for local dev; workerd reads them
/// from the local engine and nothing pushes them.
pub const DEV_PREFIX: &str = "cloudflare-dev";

/// The repository name of a container's image: its `name`, or
/// `<worker>-<class in kebab case>`.
pub fn repository(meta: &ContainerMeta, worker: &str) -> String {
    meta.image_name.clone().unwrap_or_else(|| format!("{worker}-{}", kebab_case(&meta.class)))
}

/// The directory a container's `dockerfile` and `context` are relative to:
/// the crate that declares it, else (records without it) the worker crate.
pub fn source_dir(meta: &ContainerMeta, project: &Project) -> PathBuf {
    meta.crate_dir.as_deref().map(PathBuf::from).filter(|d| d.is_dir()).unwrap_or_else(|| project.dir.clone())
}

/// True if the container's image is built from a Dockerfile.
pub fn is_built(meta: &ContainerMeta) -> bool {
    matches!(meta.image, ImageSource::Dockerfile { .. })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_repository_is_the_worker_and_the_class_in_kebab_case() {
        let meta = cfcontainer_meta::ContainerMeta::example("MyContainer");
        assert_eq!(repository(&meta, "hello"), "hello-my-container");
    }
}
