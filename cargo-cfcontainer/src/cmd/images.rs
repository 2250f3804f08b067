//! `cargo cfcontainer images`: the registry's repositories and tags, with
//! their sizes and what uses each (see [`crate::ops::images`]); `images
//! prune`: deletes what no kept version nor live application uses (the
//! plan, see [`crate::ops::prune`], shown and confirmed first as
//! `rollback` does; the deleting, see [`crate::ops::prune_delete`]).

use crate::api::Client;
use crate::cli::{DeleteImageArgs, GlobalArgs, ImagesAction, ImagesArgs, PruneArgs};
use crate::deploy::images::short;
use crate::ops::image_delete::{self, ImageName};
use crate::ops::images::{self, ImageTag, Images};
use crate::ops::prune::{Keep, PrunePlan};
use crate::ops::prune_delete::{self, Layers, Pruned};
use crate::output::{confirm, table, Output, Reason};
use crate::Error;

/// Lists the images, or shows the prune's plan.
pub fn run(global: &GlobalArgs, args: &ImagesArgs, out: &Output) -> Result<(), Error> {
    match &args.action {
        None => {
            let project = global.project()?;
            let images = images::images(&super::client_for(&project)?, &project, out)?;
            out.result(Reason::Images, &images, || human(&images));
        }
        Some(ImagesAction::Prune(prune)) => run_prune(global, prune, out)?,
        Some(ImagesAction::Delete(delete)) => run_delete(global, delete, out)?,
    }
    Ok(())
}

fn run_prune(global: &GlobalArgs, args: &PruneArgs, out: &Output) -> Result<(), Error> {
    let project = global.project()?;
    let client = super::client_for(&project)?;
    let images = images::images(&client, &project, out)?;
    let plan = PrunePlan::of(&images, args.keep_versions);
    if args.dry_run || plan.delete.is_empty() {
        out.result(Reason::ImagesPrune, &plan, || human_plan(&plan, Mood::Planned));
        return Ok(());
    }
    out.event(Reason::ImagesPrunePlan, &plan, || human_plan(&plan, Mood::Asked));
    confirmed_delete(&client, plan, args.yes, Deleting::Prune, out)
}

fn run_delete(global: &GlobalArgs, args: &DeleteImageArgs, out: &Output) -> Result<(), Error> {
    let name = ImageName::parse(&args.image)?;
    let project = global.project()?;
    let client = super::client_for(&project)?;
    let images = images::images(&client, &project, out)?;
    let plan = image_delete::plan(&images, &name, args.force)?;
    out.event(Reason::ImagesPrunePlan, &plan, || {
        let tag = &plan.delete[0];
        format!("Will delete {}:{} ({}) from {}", tag.repository, tag.tag, megabytes(tag.size), plan.registry)
    });
    confirmed_delete(&client, plan, args.yes, Deleting::One, out)
}

/// The verb that deletes.
#[derive(Clone, Copy)]
enum Deleting {
    /// `images prune`.
    Prune,
    /// `images delete`.
    One,
}

impl Deleting {
    fn verb(self) -> &'static str {
        match self {
            Deleting::Prune => "images prune",
            Deleting::One => "images delete",
        }
    }

    fn reason(self) -> Reason {
        match self {
            Deleting::Prune => Reason::ImagesPrune,
            Deleting::One => Reason::ImagesDelete,
        }
    }
}

/// Asks (unless `yes`), deletes what `plan` lists and shows what became
/// of it as the verb's result.
fn confirmed_delete(
    client: &Client,
    plan: PrunePlan,
    yes: bool,
    deleting: Deleting,
    out: &Output,
) -> Result<(), Error> {
    let verb = deleting.verb();
    if !yes {
        let n = plan.delete.len();
        match confirm(&format!("Delete {n} tag{}?", if n == 1 { "" } else { "s" })) {
            Some(true) => {}
            Some(false) => return Err(Error::Declined { verb }),
            None => return Err(Error::NeedsYes { verb }),
        }
    }
    let pruned = prune_delete::delete(client, plan, out)?;
    out.result(deleting.reason(), &pruned, || human_pruned(&pruned));
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

/// What a plan's last line says: what would happen, or what is asked.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mood {
    /// `--dry-run`, or nothing to delete: nothing is done.
    Planned,
    /// Shown before the question.
    Asked,
}

fn human_plan(plan: &PrunePlan, mood: Mood) -> String {
    let mut text = String::new();
    for tag in &plan.delete {
        text.push_str(&format!("- {}:{} ({})\n", tag.repository, short(&tag.tag), megabytes(tag.size)));
    }
    for tag in &plan.keep {
        let why = match &tag.because {
            Keep::Application { applications } => format!("run by {}", applications.join(", ")),
            Keep::Version { versions } => {
                let ids: Vec<&str> = versions.iter().map(|v| short(v)).collect();
                format!("recorded by version {}", ids.join(", "))
            }
            Keep::SharedManifest { with } => format!("the same manifest as {}", short(with)),
        };
        text.push_str(&format!("= {}:{} ({why})\n", tag.repository, short(&tag.tag)));
    }
    let n = plan.delete.len();
    let (verb, tail) = match (mood, n) {
        (_, 0) => ("Nothing to delete", ""),
        (Mood::Planned, _) => ("Would delete", "; nothing deleted (--dry-run)"),
        (Mood::Asked, _) => ("Will delete", ""),
    };
    let what = match n {
        0 => String::new(),
        _ => format!(" {n} tag{} ({} at most)", if n == 1 { "" } else { "s" }, megabytes(plan.bytes())),
    };
    text.push_str(&format!(
        "\n{verb}{what} from {}, keeping the images of {} version{} of worker {} and of every live application{tail}",
        plan.registry,
        plan.kept_versions.len(),
        if plan.kept_versions.len() == 1 { "" } else { "s" },
        plan.worker
    ));
    if !plan.other_repositories.is_empty() {
        let m = plan.other_repositories.len();
        text.push_str(&format!(
            "\n{m} other repositor{} no version of the worker recorded left alone",
            if m == 1 { "y" } else { "ies" }
        ));
    }
    text
}

fn human_pruned(pruned: &Pruned) -> String {
    let deleted = pruned.deleted().count();
    let gone = pruned.tags.len() - deleted;
    let bytes: u64 = pruned.deleted().map(|t| t.size).sum();
    let mut text = format!(
        "Deleted {deleted} tag{} ({} at most) from {}",
        if deleted == 1 { "" } else { "s" },
        megabytes(bytes),
        pruned.plan.registry
    );
    if gone > 0 {
        text.push_str(&format!("; {gone} gone already or pushed again, left as they are"));
    }
    text.push_str(match pruned.layers {
        Layers::Collecting => "; the registry frees their layers",
        Layers::NotOffered => "; the registry offers no layer collection, so its operator frees the layers",
        Layers::NotAsked => "",
    });
    text
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
