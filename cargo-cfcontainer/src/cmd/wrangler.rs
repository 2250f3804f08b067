//! `cargo cfcontainer wrangler`: write the containers, Durable Object
//! bindings and migrations of a wrangler config from the metadata, for
//! deploys with the official CLI; merges into an existing file. With
//! `--env NAME`, into that environment's section.

use std::path::Path;

use serde::Serialize;

use crate::cli::{GlobalArgs, WranglerArgs};
use crate::output::Output;
use crate::wrangler::{self, Sections};
use crate::Error;

/// The result line.
#[derive(Serialize)]
struct Report<'a> {
    /// The file written.
    config: &'a Path,
    /// The container classes it holds.
    classes: Vec<&'a str>,
    /// The tag of the migration appended, if any.
    migration_added: Option<&'a str>,
}

/// A warning event.
#[derive(Serialize)]
struct Warning {
    message: String,
}

/// Exports and reports what changed.
pub fn run(global: &GlobalArgs, args: &WranglerArgs, out: &Output) -> Result<(), Error> {
    let loaded = super::load(global, crate::build::WASM_TARGET, out)?;
    let path = wrangler::config_path(&loaded.project.dir, args.config.as_deref());
    let config_dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let sections = Sections::new(&loaded.project, &loaded.containers, &config_dir);
    let merged = wrangler::merge(&path, &sections)?;
    std::fs::write(&path, &merged.text)
        .map_err(|e| Error::Local { what: format!("write {}", path.display()), why: e.to_string() })?;
    for class in &merged.undeclared_classes {
        let warning = Warning { message: format!("class {class} is in the migrations but no longer declared") };
        out.event("warning", &warning, || {
            format!("warning: class {class} is defined by the migrations but no longer declared; add a `deleted_classes` migration yourself if you mean to delete its data")
        });
    }
    let classes = sections.classes.iter().map(|(c, _)| c.as_str()).collect();
    let report = Report { config: &path, classes, migration_added: merged.migration_added.as_deref() };
    out.result("wrangler", &report, || {
        let migration = merged.migration_added.as_deref().map(|t| format!(", migration {t} added")).unwrap_or_default();
        format!(
            "Wrote {} ({} container class{}{migration})",
            path.display(),
            sections.classes.len(),
            if sections.classes.len() == 1 { "" } else { "es" }
        )
    });
    Ok(())
}
