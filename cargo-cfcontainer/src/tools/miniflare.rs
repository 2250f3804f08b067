//! The official local simulator's storage and asset workers (miniflare's
//! KV, R2 and D1 Durable Objects, its Secrets Store secrets, its queue
//! broker and its static assets router), which
//! `dev` runs inside its own workerd: from
//! `MINIFLARE_DIR` (a miniflare package directory), else this tool's
//! cache, else fetched there from the npm registry (only the few scripts
//! dev loads, checked against the registry's integrity hash).

use std::path::{Path, PathBuf};

use super::{cache_dir, fetched, npm, Source, Tool};
use crate::output::Output;
use crate::Error;

/// The miniflare release built against [`WORKERD_VERSION`](super::WORKERD_VERSION):
/// its workers use only what that workerd has.
pub const MINIFLARE_VERSION: &str = "5.20261117.0-beta";

/// Environment variable naming a miniflare package directory to use instead.
const ENV: &str = "MINIFLARE_DIR";

/// The scripts dev loads, as paths inside the package.
pub const SCRIPTS: [&str; 11] = [
    SHARED_MODULE,
    ZOD_MODULE,
    OBJECT_ENTRY,
    KV_NAMESPACE,
    "dist/src/workers/r2/bucket.worker.js",
    "dist/src/workers/d1/database.worker.js",
    ASSET_WORKER,
    ASSETS_KV,
    ASSETS_ROUTER,
    QUEUE_BROKER,
    SECRETS_STORE_SECRET,
];

/// A KV namespace's Durable Object (also the storage of a Secrets Store).
pub const KV_NAMESPACE: &str = "dist/src/workers/kv/namespace.worker.js";

/// Serves one Secrets Store secret binding from its store's KV namespace.
pub const SECRETS_STORE_SECRET: &str = "dist/src/workers/secrets-store/secret.worker.js";

/// Holds a queue's messages and delivers batches to its consumer.
pub const QUEUE_BROKER: &str = "dist/src/workers/queues/broker.worker.js";

/// Serves a request from the static assets.
pub const ASSET_WORKER: &str = "dist/src/workers/assets/assets.worker.js";
/// Reads an asset's content from the directory, for [`ASSET_WORKER`].
pub const ASSETS_KV: &str = "dist/src/workers/assets/assets-kv.worker.js";
/// Sends a request to the assets or to the Worker, as configured.
pub const ASSETS_ROUTER: &str = "dist/src/workers/assets/router.worker.js";

/// `miniflare:shared`, the module every storage object imports.
pub const SHARED_MODULE: &str = "dist/src/workers/shared/index.worker.js";
/// `miniflare:zod`, imported by the R2 and D1 objects.
pub const ZOD_MODULE: &str = "dist/src/workers/shared/zod.worker.js";
/// The worker a binding talks to, forwarding to its namespace's object.
pub const OBJECT_ENTRY: &str = "dist/src/workers/shared/object-entry.worker.js";

/// The package directory holding [`SCRIPTS`], without fetching anything.
pub fn find_simulator() -> Option<Tool> {
    let complete = |dir: &Path| SCRIPTS.iter().all(|s| dir.join(s).is_file());
    let found = |path: PathBuf, source| Some(Tool { name: "miniflare", path, source });
    if let Some(dir) = std::env::var_os(ENV).map(PathBuf::from).filter(|d| complete(d)) {
        return found(dir, Source::Env);
    }
    let cached = cached_dir().ok()?;
    complete(&cached).then_some(()).and_then(|_| found(cached, Source::Cache))
}

/// The package directory holding [`SCRIPTS`], fetched into the cache if missing.
pub async fn simulator(out: &Output) -> Result<Tool, Error> {
    if let Some(found) = find_simulator() {
        return Ok(found);
    }
    let dir = cached_dir()?;
    let progress =
        out.progress(&format!("Fetching miniflare {MINIFLARE_VERSION}'s storage workers from the npm registry"));
    if let Err(why) = npm::fetch_files("miniflare", MINIFLARE_VERSION, &SCRIPTS, &dir).await {
        progress.fail();
        let fix = format!(
            "check access to the npm registry (NPM_CONFIG_REGISTRY), or `npm pack miniflare@{MINIFLARE_VERSION}`, unpack it and set {ENV} to its package directory"
        );
        return Err(Error::Tool { tool: "miniflare", why, fix });
    }
    progress.clear();
    fetched(out, "miniflare", MINIFLARE_VERSION, &dir);
    Ok(Tool { name: "miniflare", path: dir, source: Source::Fetched })
}

fn cached_dir() -> Result<PathBuf, Error> {
    Ok(cache_dir()?.join(format!("miniflare-{MINIFLARE_VERSION}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_machines_unpack_the_miniflare_and_workerd_that_dev_fetches() {
        let setup = include_str!("../../../scripts/setup.sh");
        assert!(setup.contains(&format!("\nMINIFLARE_VERSION={MINIFLARE_VERSION}\n")), "scripts/setup.sh");
        assert!(setup.contains(&format!("\nWORKERD_VERSION={}\n", super::super::WORKERD_VERSION)), "scripts/setup.sh");
    }
}
