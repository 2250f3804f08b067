//! `cargo cfcontainer build`: the image of every container with a
//! Dockerfile, tagged by content, through the Docker engine API.

use serde::Serialize;

use crate::cli::{BuildArgs, GlobalArgs};
use crate::cmd::inspect::load;
use crate::image::{self, BuiltImage};
use crate::output::Output;
use crate::{engine, Error};

#[derive(Serialize)]
struct Report {
    images: Vec<BuiltImage>,
}

/// Reads the containers from the artifact, builds their images and prints
/// the references.
pub fn run(global: &GlobalArgs, args: &BuildArgs, out: &Output) -> Result<(), Error> {
    let inspection = load(global, crate::artifact::WASM_TARGET, out)?;
    let project = inspection.project;
    let containers = inspection.containers;
    let images = crate::runtime()?.block_on(async {
        let docker = engine::connect().await?;
        image::build_all(&docker, &project, &containers, args.dev, out).await
    })?;
    let report = Report { images };
    out.result("build", &report, || report.images.iter().map(|i| format!("{}\n", i.reference)).collect());
    Ok(())
}
