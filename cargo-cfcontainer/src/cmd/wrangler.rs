//! `cargo cfcontainer wrangler`: write the containers, Durable Object
//! bindings and migrations of a wrangler config from the metadata, for
//! deploys with the official CLI (see [`crate::wrangler::export`]). With
//! `--env NAME`, into that environment's section.

use serde::Serialize;

use crate::cli::{GlobalArgs, WranglerArgs};
use crate::output::Output;
use crate::wrangler;
use crate::Error;

/// A warning event.
#[derive(Serialize)]
struct Warning {
    message: String,
}

/// Exports and reports what changed.
pub fn run(global: &GlobalArgs, args: &WranglerArgs, out: &Output) -> Result<(), Error> {
    let loaded = super::load(global, crate::build::WASM_TARGET, out)?;
    let exported = wrangler::export(&loaded.project, &loaded.containers, args.config.as_deref())?;
    for class in &exported.undeclared_classes {
        let warning = Warning { message: format!("class {class} is in the migrations but no longer declared") };
        out.event("warning", &warning, || {
            format!("warning: class {class} is defined by the migrations but no longer declared; add a `deleted_classes` migration yourself if you mean to delete its data")
        });
    }
    out.result("wrangler", &exported, || {
        let migration =
            exported.migration_added.as_deref().map(|t| format!(", migration {t} added")).unwrap_or_default();
        let n = exported.classes.len();
        format!(
            "Wrote {} ({n} container class{}{migration})",
            exported.config.display(),
            if n == 1 { "" } else { "es" }
        )
    });
    Ok(())
}
