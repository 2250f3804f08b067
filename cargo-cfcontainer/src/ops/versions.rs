//! `versions`: the deploy history of the Worker, newest first, with the
//! image each container class ran in each version. Reads only.

use std::collections::BTreeMap;

use serde::Serialize;

use super::history::{History, Recorded};
use crate::api::Client;
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// The Worker's versions.
#[derive(Debug, Serialize)]
pub struct Versions {
    /// The Worker.
    pub worker: String,
    /// The version taking all traffic.
    pub live: Option<String>,
    /// Newest first.
    pub versions: Vec<VersionRow>,
}

/// One version, as `versions` shows it.
#[derive(Debug, Serialize)]
pub struct VersionRow {
    /// Its id.
    pub id: String,
    /// Its number.
    pub number: u64,
    /// When it was uploaded.
    pub created_on: String,
    /// What uploaded it (`cargo cfcontainer`, `wrangler`, `API`, ...).
    pub by: String,
    /// Its message.
    pub message: Option<String>,
    /// Its tag.
    pub tag: Option<String>,
    /// True for the live one.
    pub live: bool,
    /// The content tag of each class's image, when this tool deployed it.
    pub images: Option<BTreeMap<String, String>>,
}

/// Reads the versions of `project`'s Worker.
pub fn versions(client: &Client, project: &Project, out: &Output) -> Result<Versions, Error> {
    let worker = project.settings.name.clone();
    let history = crate::runtime()?.block_on(History::read(client, &worker, out))?;
    let live = history.live().map(str::to_string);
    let versions = history.versions.iter().map(|v| row(v, live.as_deref())).collect();
    Ok(Versions { worker, live, versions })
}

/// What uploaded a version: this tool when it recorded its images, else
/// the API's source.
pub fn uploader(recorded: &Recorded) -> String {
    if recorded.images.is_some() {
        return "cargo cfcontainer".into();
    }
    match recorded.version.metadata.source.as_deref() {
        Some("wrangler") => "wrangler".into(),
        Some("dash") => "dashboard".into(),
        Some("api") | None => "API".into(),
        Some(other) => other.to_string(),
    }
}

fn row(recorded: &Recorded, live: Option<&str>) -> VersionRow {
    let v = &recorded.version;
    VersionRow {
        id: v.id.clone(),
        number: v.number,
        created_on: v.metadata.created_on.clone(),
        by: uploader(recorded),
        message: v.annotations.message.clone(),
        tag: v.annotations.tag.clone(),
        live: Some(v.id.as_str()) == live,
        images: recorded
            .images
            .as_ref()
            .map(|r| r.tags().into_iter().map(|(class, tag)| (class.to_string(), tag.to_string())).collect()),
    }
}
