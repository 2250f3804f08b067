//! Export for users who deploy with the official CLI: the containers,
//! Durable Object bindings and migrations of a wrangler config, computed
//! from the metadata and merged into an existing file (TOML and JSONC keep
//! every comment and setting).

mod account;
mod entries;
mod json;
mod sections;
mod toml;

pub use account::{read as read_account, AccountClass, AccountHistory};
use sections::Sections;

use std::path::{Path, PathBuf};

use cfcontainer_meta::ContainerMeta;
use serde::Serialize;

use crate::project::Project;
use crate::Error;

/// The file to write: `explicit`, else the crate's wrangler config as the
/// official CLI finds it, else `dir/wrangler.toml`.
pub fn config_path(dir: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    cfcontainer_meta::wrangler::find(dir).unwrap_or_else(|| dir.join("wrangler.toml"))
}

/// What an export wrote.
#[derive(Debug, Serialize)]
pub struct Exported {
    /// The file written.
    pub config: PathBuf,
    /// The container classes it holds.
    pub classes: Vec<String>,
    /// The tag of the last migration appended, if any.
    pub migration_added: Option<String>,
    /// Classes the migrations define that the crate no longer declares.
    #[serde(skip)]
    pub undeclared_classes: Vec<String>,
}

/// Writes the sections of `project`'s `containers` into its wrangler
/// config (or `explicit`), merging with what the file holds; its
/// migrations follow `account`, the Worker's history in the account (see
/// [`read_account`]; `None`: a Worker not deployed yet).
pub fn export(
    project: &Project,
    containers: &[ContainerMeta],
    account: Option<AccountHistory>,
    explicit: Option<&Path>,
) -> Result<Exported, Error> {
    let path = config_path(&project.dir, explicit);
    let config_dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let sections = Sections::new(project, containers, account, &config_dir);
    let merged = merge(&path, &sections)?;
    std::fs::write(&path, &merged.text)
        .map_err(|e| Error::Io { what: format!("write {}", path.display()), source: e })?;
    Ok(Exported {
        config: path,
        classes: sections.classes.iter().map(|(c, _)| c.clone()).collect(),
        migration_added: merged.migration_added,
        undeclared_classes: merged.undeclared_classes,
    })
}

/// What merging changed, for the report.
#[derive(Debug, Default, serde::Serialize)]
pub struct Merged {
    /// The new file content.
    #[serde(skip)]
    pub text: String,
    /// The last migration appended, if any (its tag).
    pub migration_added: Option<String>,
    /// Classes the migrations define that the crate no longer declares.
    pub undeclared_classes: Vec<String>,
}

/// Merges `sections` into the config at `path` (which may not exist).
fn merge(path: &Path, sections: &Sections) -> Result<Merged, Error> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::Read { path: path.to_path_buf(), source: e }),
    };
    let bad = |why: String| Error::WranglerConfig { path: path.to_path_buf(), why };
    let is_json = path.extension().is_some_and(|e| e == "json" || e == "jsonc");
    if is_json {
        json::merge(&existing, sections).map_err(bad)
    } else {
        toml::merge(&existing, sections).map_err(bad)
    }
}
