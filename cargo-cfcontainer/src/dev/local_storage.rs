//! KV namespaces, R2 buckets and D1 databases served locally as the
//! official CLI's `wrangler dev` serves them: each is a Durable Object of
//! the official simulator's storage workers (miniflare's, see
//! [`crate::tools::simulator`]) in dev's own workerd, with the same
//! service names, object keys and on-disk layout. So data written under
//! `cargo cfcontainer dev` lasts between runs, and `wrangler kv key get
//! --local` or `wrangler d1 migrations apply --local` see the same data.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cfcontainer_meta::wrangler::Bindings;

use super::local_assets::LocalAssets;
use super::local_queues::LocalQueues;
use super::workerd::quoted;
use crate::tools::{OBJECT_ENTRY, QUEUE_BROKER, SHARED_MODULE, ZOD_MODULE};

/// The storage kinds dev serves locally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StoreKind {
    /// `kv_namespaces`.
    Kv,
    /// `r2_buckets`.
    R2,
    /// `d1_databases`.
    D1,
}

impl StoreKind {
    const ALL: [StoreKind; 3] = [StoreKind::Kv, StoreKind::R2, StoreKind::D1];

    /// The simulator's name for the kind: its data directory under the
    /// persist root and the prefix of its services.
    fn plugin(self) -> &'static str {
        match self {
            StoreKind::Kv => "kv",
            StoreKind::R2 => "r2",
            StoreKind::D1 => "d1",
        }
    }

    /// The service running the kind's Durable Object class.
    fn object_service(self) -> &'static str {
        match self {
            StoreKind::Kv => "kv:ns",
            StoreKind::R2 => "r2:bucket",
            StoreKind::D1 => "d1:db",
        }
    }

    fn class(self) -> &'static str {
        match self {
            StoreKind::Kv => "KVNamespaceObject",
            StoreKind::R2 => "R2BucketObject",
            StoreKind::D1 => "D1DatabaseObject",
        }
    }

    /// The object's script, as a path inside the miniflare package.
    fn script(self) -> &'static str {
        match self {
            StoreKind::Kv => "dist/src/workers/kv/namespace.worker.js",
            StoreKind::R2 => "dist/src/workers/r2/bucket.worker.js",
            StoreKind::D1 => "dist/src/workers/d1/database.worker.js",
        }
    }

    /// The service a binding of this kind reaches for store `id`.
    fn entry_service(self, id: &str) -> String {
        format!("{}:{id}", self.object_service())
    }
}

/// One binding served from local storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalStore {
    /// What it is.
    pub kind: StoreKind,
    /// The name the Worker sees.
    pub binding: String,
    /// The store's local identity (its data): the preview id when the file
    /// gives one, as `wrangler dev` chooses.
    pub id: String,
}

/// The KV, R2 and D1 bindings of `bindings`, each with its local identity.
pub fn local_stores(bindings: &Bindings) -> Vec<LocalStore> {
    let kv = bindings.kv_namespaces.iter().map(|k| (StoreKind::Kv, &k.binding, k.preview_id.as_ref().unwrap_or(&k.id)));
    let r2 = bindings
        .r2_buckets
        .iter()
        .map(|b| (StoreKind::R2, &b.binding, b.preview_bucket_name.as_ref().unwrap_or(&b.bucket_name)));
    let d1 = bindings
        .d1_databases
        .iter()
        .map(|d| (StoreKind::D1, &d.binding, d.preview_database_id.as_ref().unwrap_or(&d.database_id)));
    kv.chain(r2)
        .chain(d1)
        .map(|(kind, binding, id)| LocalStore { kind, binding: binding.clone(), id: id.clone() })
        .collect()
}

/// The simulator's part of a workerd config: where its scripts are, where
/// the data lives, and the stores to serve.
#[derive(Debug, Clone)]
pub struct Simulator {
    /// A miniflare package directory holding the scripts.
    pub package_dir: PathBuf,
    /// The persist root (`.wrangler/state/v3` next to the wrangler file):
    /// one directory per kind under it.
    pub persist_dir: PathBuf,
    /// The bindings served.
    pub stores: Vec<LocalStore>,
    /// The static assets, if the Worker has them.
    pub assets: Option<LocalAssets>,
    /// The queues the Worker sends to (and consumes), if any.
    pub queues: Option<LocalQueues>,
}

/// Where the scripts are copied, relative to the config (workerd embeds
/// files relative to it).
const SCRIPTS_DIR: &str = "simulator";

impl Simulator {
    fn kinds(&self) -> Vec<StoreKind> {
        StoreKind::ALL.into_iter().filter(|k| self.stores.iter().any(|s| s.kind == *k)).collect()
    }

    fn scripts(&self) -> Vec<&'static str> {
        let mut scripts = vec![SHARED_MODULE, ZOD_MODULE, OBJECT_ENTRY];
        scripts.extend(self.kinds().into_iter().map(StoreKind::script));
        if self.assets.is_some() {
            scripts.extend(LocalAssets::scripts());
        }
        if self.queues.is_some() {
            scripts.push(QUEUE_BROKER);
        }
        scripts
    }

    /// Copies the scripts beside the config in `dir`, creates each
    /// kind's data directory and writes the assets' manifest.
    pub fn prepare(&self, dir: &Path) -> Result<(), crate::Error> {
        let io = |what: &str, e: std::io::Error| crate::Error::Local { what: what.to_string(), why: e.to_string() };
        for script in self.scripts() {
            let to = dir.join(SCRIPTS_DIR).join(script);
            std::fs::create_dir_all(to.parent().unwrap_or(dir))
                .map_err(|e| io("create the simulator's directory", e))?;
            std::fs::copy(self.package_dir.join(script), &to).map_err(|e| io(&format!("copy {script}"), e))?;
        }
        for kind in self.kinds() {
            let data = self.persist_dir.join(kind.plugin());
            std::fs::create_dir_all(&data).map_err(|e| io(&format!("create {}", data.display()), e))?;
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

    /// The services: one entry per store, per kind its data directory
    /// and the service running its object class, and the assets' services.
    pub fn services(&self) -> String {
        let mut out = self.assets.as_ref().map(|a| a.services(&embedded)).unwrap_or_default();
        if let Some(queues) = &self.queues {
            out.push_str(&queues.services(&embedded, &embedded(OBJECT_ENTRY)));
        }
        let mut entries: Vec<(StoreKind, &str)> = self.stores.iter().map(|s| (s.kind, s.id.as_str())).collect();
        entries.sort();
        entries.dedup();
        for (kind, id) in entries {
            let _ = writeln!(
                out,
                "    (name = {name}, worker = (compatibilityDate = \"2023-07-24\", modules = [(name = \"object-entry.worker.js\", esModule = embed {entry})], \
                 bindings = [(name = \"MINIFLARE_NAMESPACE\", text = {id}), (name = \"MINIFLARE_OBJECT\", durableObjectNamespace = (serviceName = {object}, className = {class}))])),",
                name = quoted(&kind.entry_service(id)),
                entry = quoted(&embedded(OBJECT_ENTRY)),
                id = quoted(id),
                object = quoted(kind.object_service()),
                class = quoted(kind.class()),
            );
        }
        for kind in self.kinds() {
            let storage = format!("{}:storage", kind.plugin());
            let data = self.persist_dir.join(kind.plugin());
            let _ = writeln!(
                out,
                "    (name = {storage}, disk = (path = {path}, writable = true)),",
                storage = quoted(&storage),
                path = quoted(&data.display().to_string()),
            );
            // As the simulator runs them: its own compatibility, objects
            // keyed `miniflare-<class>`, SQLite files and blobs in the data directory.
            let _ = writeln!(
                out,
                "    (name = {object}, worker = (compatibilityDate = \"2023-07-24\", compatibilityFlags = [\"nodejs_compat\", \"experimental\"], \
                 modules = [(name = {module}, esModule = embed {script})], \
                 durableObjectNamespaces = [(className = {class}, uniqueKey = {key})], \
                 durableObjectStorage = (localDisk = {storage}), \
                 bindings = [(name = \"MINIFLARE_BLOBS\", service = {storage})])),",
                object = quoted(kind.object_service()),
                module = quoted(kind.script().rsplit('/').next().unwrap_or_default()),
                script = quoted(&embedded(kind.script())),
                class = quoted(kind.class()),
                key = quoted(&format!("miniflare-{}", kind.class())),
                storage = quoted(&storage),
            );
        }
        out
    }

    /// The Worker's bindings to the stores and its assets.
    pub fn bindings(&self) -> String {
        let mut out = self.assets.as_ref().and_then(LocalAssets::binding).unwrap_or_default();
        out.push_str(&self.queues.as_ref().map(LocalQueues::bindings).unwrap_or_default());
        for store in &self.stores {
            let service = quoted(&store.kind.entry_service(&store.id));
            let binding = match store.kind {
                StoreKind::Kv => format!("kvNamespace = {service}"),
                StoreKind::R2 => format!("r2Bucket = {service}"),
                // D1's JS API is workerd's own module over a fetcher, as in production.
                StoreKind::D1 => format!(
                    "wrapped = (moduleName = \"cloudflare-internal:d1-api\", innerBindings = [(name = \"fetcher\", service = {service})])"
                ),
            };
            let _ = writeln!(out, "    (name = {}, {binding}),", quoted(&store.binding));
        }
        out
    }

    /// The modules the objects import (`miniflare:shared`, `miniflare:zod`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_is_identified_by_its_preview_id_when_the_file_gives_one_as_wrangler_dev_does() {
        let file = cfcontainer_meta::wrangler::parse(
            r#"
            kv_namespaces = [{ binding = "CACHE", id = "prod-kv", preview_id = "dev-kv" }]
            r2_buckets = [{ binding = "FILES", bucket_name = "files" }]
            d1_databases = [{ binding = "DB", database_name = "app", database_id = "prod-db", preview_database_id = "dev-db" }]
            "#,
            false,
        )
        .unwrap();
        let ids: Vec<(StoreKind, String, String)> =
            local_stores(&file.top.bindings).into_iter().map(|s| (s.kind, s.binding, s.id)).collect();
        assert_eq!(
            ids,
            [
                (StoreKind::Kv, "CACHE".into(), "dev-kv".into()),
                (StoreKind::R2, "FILES".into(), "files".into()),
                (StoreKind::D1, "DB".into(), "dev-db".into()),
            ]
        );
    }

    #[test]
    fn two_bindings_of_one_store_share_its_service_and_only_used_kinds_get_an_object() {
        let store = |binding: &str| LocalStore { kind: StoreKind::Kv, binding: binding.into(), id: "shared".into() };
        let simulator = Simulator {
            package_dir: "/mf".into(),
            persist_dir: "/state".into(),
            stores: vec![store("A"), store("B")],
            assets: None,
            queues: None,
        };
        let services = simulator.services();
        assert_eq!(services.matches("\"kv:ns:shared\"").count(), 1, "{services}");
        assert!(services.contains("(name = \"kv:storage\", disk = (path = \"/state/kv\""), "{services}");
        assert!(!services.contains("r2:bucket") && !services.contains("d1:db"), "{services}");
        assert_eq!(simulator.bindings().matches("kvNamespace = \"kv:ns:shared\"").count(), 2);
    }
}
