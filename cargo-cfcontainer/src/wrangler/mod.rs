//! Export for users who deploy with the official CLI: the containers,
//! Durable Object bindings and migrations of a wrangler config, computed
//! from the metadata and merged into an existing file (TOML and JSONC keep
//! every comment and setting).

mod entries;
mod json;
mod sections;
mod toml;

pub use sections::Sections;

use std::path::{Path, PathBuf};

use crate::Error;

/// The config files wrangler looks for, in its order.
const CANDIDATES: &[&str] = &["wrangler.json", "wrangler.jsonc", "wrangler.toml"];

/// The file to write: `explicit`, else the first existing candidate in
/// `dir`, else `dir/wrangler.toml`.
pub fn config_path(dir: &Path, explicit: Option<&Path>) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    CANDIDATES.iter().map(|c| dir.join(c)).find(|p| p.is_file()).unwrap_or_else(|| dir.join("wrangler.toml"))
}

/// What merging changed, for the report.
#[derive(Debug, Default, serde::Serialize)]
pub struct Merged {
    /// The new file content.
    #[serde(skip)]
    pub text: String,
    /// The migration appended, if any (its tag).
    pub migration_added: Option<String>,
    /// Classes the migrations define that the crate no longer declares.
    pub undeclared_classes: Vec<String>,
}

/// Merges `sections` into the config at `path` (which may not exist).
pub fn merge(path: &Path, sections: &Sections) -> Result<Merged, Error> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::Read { path: path.to_path_buf(), why: e.to_string() }),
    };
    let bad = |why: String| Error::WranglerConfig { path: path.to_path_buf(), why };
    let is_json = path.extension().is_some_and(|e| e == "json" || e == "jsonc");
    if is_json {
        json::merge(&existing, sections).map_err(bad)
    } else {
        toml::merge(&existing, sections).map_err(bad)
    }
}
