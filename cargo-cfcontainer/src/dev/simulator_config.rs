//! The official local simulator's part of dev's workerd config: its
//! scripts copied beside the config, the `miniflare:*` modules its workers
//! import, and the services and bindings of the local KV/R2/D1 stores,
//! Secrets Store secrets, static assets and queues.

use std::path::{Path, PathBuf};

use super::capnp::quoted;
use super::local_assets::LocalAssets;
use super::local_queues::LocalQueues;
use super::local_secrets::LocalSecrets;
use super::local_storage::LocalStores;
use crate::tools::{OBJECT_ENTRY, QUEUE_BROKER, SHARED_MODULE, ZOD_MODULE};

/// What dev simulates locally, and where the simulator's scripts are.
#[derive(Debug, Clone)]
pub struct Simulator {
    /// A miniflare package directory holding the scripts.
    pub package_dir: PathBuf,
    /// KV namespaces, R2 buckets and D1 databases.
    pub stores: LocalStores,
    /// The static assets, if the Worker has them.
    pub assets: Option<LocalAssets>,
    /// The queues the Worker sends to (and consumes), if any.
    pub queues: Option<LocalQueues>,
    /// The Secrets Store secrets the Worker reads, if any.
    pub secrets: Option<LocalSecrets>,
}

/// Where the scripts are copied, relative to the config (workerd embeds
/// files relative to it).
const SCRIPTS_DIR: &str = "simulator";

impl Simulator {
    fn scripts(&self) -> Vec<&'static str> {
        let mut scripts = vec![SHARED_MODULE, ZOD_MODULE, OBJECT_ENTRY];
        scripts.extend(self.stores.scripts());
        if self.assets.is_some() {
            scripts.extend(LocalAssets::scripts());
        }
        if self.queues.is_some() {
            scripts.push(QUEUE_BROKER);
        }
        if self.secrets.is_some() {
            scripts.extend(LocalSecrets::scripts());
        }
        // The KV object serves both KV namespaces and Secrets Stores.
        scripts.sort();
        scripts.dedup();
        scripts
    }

    /// Copies the scripts beside the config in `dir`, creates each
    /// store kind's data directory and writes the assets' manifest.
    pub fn prepare(&self, dir: &Path) -> Result<(), crate::Error> {
        let io = |what: &str, e: std::io::Error| crate::Error::Io { what: what.to_string(), source: e };
        for script in self.scripts() {
            let to = dir.join(SCRIPTS_DIR).join(script);
            std::fs::create_dir_all(to.parent().unwrap_or(dir))
                .map_err(|e| io("create the simulator's directory", e))?;
            std::fs::copy(self.package_dir.join(script), &to).map_err(|e| io(&format!("copy {script}"), e))?;
        }
        self.stores.prepare().map_err(|e| io(&format!("create {}", self.stores.persist_dir.display()), e))?;
        if let Some(secrets) = &self.secrets {
            secrets.prepare().map_err(|e| io(&format!("secure {}/secrets-store", secrets.persist_dir.display()), e))?;
        }
        match &self.assets {
            Some(assets) => assets.prepare(dir),
            None => Ok(()),
        }
    }

    /// The service requests enter the Worker by: the assets' router when
    /// it has assets.
    pub fn front(&self) -> &'static str {
        if self.assets.is_some() {
            super::local_assets::ROUTER
        } else {
            "main"
        }
    }

    /// The services of the stores, the secrets, the assets and the queues.
    pub fn services(&self) -> String {
        let mut out = self.assets.as_ref().map(|a| a.services(&embedded)).unwrap_or_default();
        if let Some(queues) = &self.queues {
            out.push_str(&queues.services(&embedded, &embedded(OBJECT_ENTRY)));
        }
        out.push_str(&self.stores.services(&embedded));
        out.push_str(&self.secrets.as_ref().map(|s| s.services(&embedded)).unwrap_or_default());
        out
    }

    /// The Worker's bindings to its stores, secrets, assets and queues.
    pub fn bindings(&self) -> String {
        let mut out = self.assets.as_ref().and_then(LocalAssets::binding).unwrap_or_default();
        out.push_str(&self.queues.as_ref().map(LocalQueues::bindings).unwrap_or_default());
        out.push_str(&self.stores.bindings());
        out.push_str(&self.secrets.as_ref().map(LocalSecrets::bindings).unwrap_or_default());
        out
    }

    /// The modules the simulator's workers import (`miniflare:shared`,
    /// `miniflare:zod`).
    pub fn extension(&self) -> String {
        format!(
            "(modules = [(name = \"miniflare:shared\", esModule = embed {}), (name = \"miniflare:zod\", esModule = embed {})])",
            quoted(&embedded(SHARED_MODULE)),
            quoted(&embedded(ZOD_MODULE)),
        )
    }
}

/// A script's path relative to the config.
fn embedded(script: &str) -> String {
    format!("{SCRIPTS_DIR}/{script}")
}
