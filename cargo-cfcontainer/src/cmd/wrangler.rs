//! `cargo cfcontainer wrangler`: write the containers, Durable Object
//! bindings and migrations of a wrangler config from the metadata and the
//! Worker's history in the account, for deploys with the official CLI
//! (see [`crate::wrangler::export`]). With `--env NAME`, into that
//! environment's section.

use cfcontainer_meta::{ContainerMeta, ImageSource};

use crate::api::Client;
use crate::cli::{GlobalArgs, WranglerArgs};
use crate::output::{Output, Reason};
use crate::wrangler;
use crate::Error;

/// Exports and reports what changed.
pub fn run(global: &GlobalArgs, args: &WranglerArgs, out: &Output) -> Result<(), Error> {
    let loaded = super::load(global, crate::compile::WASM_TARGET, out)?;
    let worker = &loaded.project.settings.name;
    // The migrations follow the Worker's history in the account, when
    // there are credentials to read it.
    let account = match Client::from_env(loaded.project.settings.account_id.as_deref()) {
        Ok(client) => crate::runtime()?.block_on(wrangler::read_account(&client, worker, out))?,
        Err(Error::NoToken | Error::NoAccount) => {
            out.warning(&format!("the account was not read, so the migrations are written for a Worker `{worker}` not deployed yet; set CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID to follow the account's"));
            None
        }
        Err(e) => return Err(e),
    };
    let containers = with_assembled_references(global, &loaded, out)?;
    let exported = wrangler::export(&loaded.project, &containers, account, args.config.as_deref())?;
    for class in &exported.undeclared_classes {
        out.warning(&format!("class {class} is defined by the migrations but no longer declared; add a `deleted_classes` migration yourself if you mean to delete its data"));
    }
    out.result(Reason::Wrangler, &exported, || {
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

/// The containers, each image assembled from a binary named by the
/// reference `cargo cfcontainer push` gives it in the registry (the
/// official CLI cannot build it, but deploys it from there, filling in the
/// account), with a warning to push it first.
fn with_assembled_references(
    global: &GlobalArgs,
    loaded: &crate::compile::Loaded,
    out: &Output,
) -> Result<Vec<ContainerMeta>, Error> {
    let binaries = global.build_request(crate::compile::MUSL_TARGET);
    let assembled = crate::image::assemble_all(&loaded.project, &loaded.containers, &binaries, out)?;
    let mut containers = loaded.containers.clone();
    for image in assembled {
        let reference = format!("{}/{}:{}", crate::api::registry_host(), image.repository, image.tag);
        out.warning(&format!("the image of `{}` is assembled by cargo cfcontainer from its binary; the file names it as {reference}: run `cargo cfcontainer push` before the official CLI deploys it", image.class));
        if let Some(meta) = containers.iter_mut().find(|c| c.class == image.class) {
            meta.image = ImageSource::Prebuilt { reference };
        }
    }
    Ok(containers)
}
