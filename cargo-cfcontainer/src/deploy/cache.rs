//! A local note of the last deploy from this machine, used only to name
//! which container fields changed. It holds no secret (container fields
//! and a digest tag), lives under the target directory, and is mode 0600.
//! The account stays the source of truth: the note is read only when the
//! account still carries the digest tag it names.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::project::Project;

/// The note.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LastDeploy {
    /// What the digest tag that deploy gave the script starts with.
    pub digest_tag: String,
    /// Its containers' fields (`Class.field` -> JSON value).
    pub fields: BTreeMap<String, String>,
}

fn path(project: &Project) -> PathBuf {
    project.target_dir.join("cfcontainer").join("deploy").join(format!("{}.json", project.settings.name))
}

/// The note, if there is one for the deploy the account is at.
pub fn read(project: &Project, account_tags: &[String]) -> Option<LastDeploy> {
    let text = std::fs::read_to_string(path(project)).ok()?;
    let last: LastDeploy = serde_json::from_str(&text).ok()?;
    account_tags.iter().any(|t| t.starts_with(&last.digest_tag)).then_some(last)
}

/// Writes the note (mode 0600); a failure only costs the field names in
/// the next plan, so it is not an error.
pub fn write(project: &Project, last: &LastDeploy) {
    if let Ok(text) = serde_json::to_string_pretty(last) {
        let _ = crate::owner_only::write(&path(project), text.as_bytes());
    }
}
