//! The compile stage shared by `deploy`, `dev` and the reading verbs: the
//! worker crate compiled by cargo ([`ensure_built`]), the `#[container]`
//! records read back out of the artifact ([`records`]), and the JS/wasm
//! bundle worker-build makes of it ([`bundle`]), and the server binaries of
//! images assembled without a Dockerfile ([`static_binary`]), every step with
//! the same rustc flags ([`RustFlags`]).

mod binary;
mod bundle;
mod cargo;
mod elf;
pub mod entrypoints;
mod flags;
pub mod records;

use std::path::PathBuf;

use cfcontainer_meta::ContainerMeta;

pub use binary::{static_binary, CompiledBinary, MUSL_TARGET};
pub use bundle::{worker_build, worker_build_if_stale};
pub use cargo::{dep_info_paths, ensure_built, has_target};
pub use flags::RustFlags;

use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// The target Workers run.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// A built crate and the containers its artifact declares.
pub struct Loaded {
    /// The worker crate.
    pub project: Project,
    /// The artifact read.
    pub artifact: PathBuf,
    /// Its containers.
    pub containers: Vec<ContainerMeta>,
}

/// Builds `project` for `request` if needed and reads its containers from
/// the compiled artifact, locating the crates that declare them.
pub fn load(mut project: Project, request: &BuildRequest, out: &Output) -> Result<Loaded, Error> {
    let artifact = ensure_built(&project, request, out)?;
    let containers = records::containers(&artifact)?;
    project.locate_declaring(containers.iter().filter_map(|c| c.declared_by.as_ref()))?;
    Ok(Loaded { project, artifact, containers })
}

/// What to build: target triple, profile and features.
#[derive(Debug, Clone)]
pub struct BuildRequest<'a> {
    /// Target triple.
    pub target: &'a str,
    /// Release profile instead of dev.
    pub release: bool,
    /// `--features` and friends, passed to cargo as they are.
    pub feature_args: Vec<String>,
}

impl BuildRequest<'_> {
    /// Everything besides the sources and the flags ([`RustFlags`]) that
    /// decides what cargo builds.
    fn key(&self) -> String {
        format!("{} release={} {:?}\n", self.target, self.release, self.feature_args)
    }
}
