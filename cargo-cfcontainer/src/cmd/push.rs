//! `cargo cfcontainer push`: build what is missing and put every image in
//! Cloudflare's registry; prints the digest-pinned references.

use serde::Serialize;

use crate::api::Client;
use crate::cli::GlobalArgs;
use crate::image::{publish, Published};
use crate::output::Output;
use crate::{engine, Error};

#[derive(Serialize)]
struct Report {
    images: Vec<Published>,
}

/// Builds and pushes every container's image.
pub fn run(global: &GlobalArgs, out: &Output) -> Result<(), Error> {
    let loaded = super::load(global, crate::build::WASM_TARGET, out)?;
    let client = Client::from_env(&loaded.project.settings)?;
    let images = crate::runtime()?.block_on(async {
        let docker = engine::connect().await?;
        publish(&docker, &client, &loaded.project, &loaded.containers, out).await
    })?;
    let report = Report { images };
    out.result("push", &report, || report.images.iter().map(|i| format!("{}\n", i.reference)).collect());
    Ok(())
}
