//! `cargo cfcontainer images`: the registry's repositories and tags, with
//! their sizes and what uses each (see [`crate::ops::images`]).

use crate::cli::GlobalArgs;
use crate::deploy::images::short;
use crate::ops::images::{self, ImageTag, Images};
use crate::output::{table, Output, Reason};
use crate::Error;

/// Prints the images.
pub fn run(global: &GlobalArgs, out: &Output) -> Result<(), Error> {
    let images = images::images(&global.project()?, out)?;
    out.result(Reason::Images, &images, || human(&images));
    Ok(())
}

fn human(images: &Images) -> String {
    let mut rows = Vec::new();
    for repository in &images.repositories {
        for (i, tag) in repository.tags.iter().enumerate() {
            let name = if i == 0 { repository.name.clone() } else { String::new() };
            rows.push(vec![name, short(&tag.tag).to_string(), megabytes(tag.size), used_by(tag)]);
        }
    }
    let tags = rows.len();
    let repositories = images.repositories.len();
    let mut text = table(&["REPOSITORY", "TAG", "SIZE", "USED BY"], &rows);
    text.push_str(&format!(
        "\n{tags} tag{} in {repositories} repositor{} of {}; uses by the versions of worker {} and every live application",
        if tags == 1 { "" } else { "s" },
        if repositories == 1 { "y" } else { "ies" },
        images.registry,
        images.worker
    ));
    text
}

/// `application web, versions 3 (live), 2` or `-`.
fn used_by(tag: &ImageTag) -> String {
    let mut uses = Vec::new();
    if !tag.applications.is_empty() {
        let s = if tag.applications.len() == 1 { "" } else { "s" };
        uses.push(format!("application{s} {}", tag.applications.join(", ")));
    }
    if !tag.versions.is_empty() {
        let s = if tag.versions.len() == 1 { "" } else { "s" };
        let numbers: Vec<String> =
            tag.versions.iter().map(|v| format!("{}{}", v.number, if v.live { " (live)" } else { "" })).collect();
        uses.push(format!("version{s} {}", numbers.join(", ")));
    }
    match uses.is_empty() {
        true => "-".into(),
        false => uses.join("; "),
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
