//! `cargo cfcontainer push`: build what is missing and put every image in
//! Cloudflare's registry; prints the digest-pinned references.

use serde::Serialize;

use crate::cli::{GlobalArgs, PushArgs};
use crate::image::{publish, Published};
use crate::output::{Output, Reason};
use crate::preflight::{self, Reach};
use crate::Error;

#[derive(Serialize)]
struct Report {
    images: Vec<Published>,
}

/// Checks the token and the registry, then builds and pushes every
/// container's image.
pub fn run(global: &GlobalArgs, args: &PushArgs, out: &Output) -> Result<(), Error> {
    let project = global.project()?;
    let client = super::client_for(&project)?;
    preflight::check(&project, &client, Reach::Push, out)?;
    let loaded = crate::compile::load(project, &global.build_request(crate::compile::WASM_TARGET), out)?;
    let binaries = global.build_request(crate::compile::MUSL_TARGET);
    let push_with = args.engine.push_with();
    let images =
        crate::runtime()?.block_on(publish(&client, &loaded.project, &loaded.containers, &binaries, push_with, out))?;
    let report = Report { images };
    out.result(Reason::Push, &report, || match loaded.containers.is_empty() {
        true => super::none_declared(&loaded.project.package, "no image to push"),
        false => report.images.iter().map(|i| format!("{}\n", i.reference)).collect(),
    });
    Ok(())
}
