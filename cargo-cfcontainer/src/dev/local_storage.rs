//! KV namespaces, R2 buckets and D1 databases served locally as the
//! official CLI's `wrangler dev` serves them: each is a Durable Object of
//! the official simulator's storage workers (miniflare's, see
//! [`crate::tools::simulator`]) in dev's own workerd, with the same
//! service names, object keys and on-disk layout. So data written under
//! `cargo cfcontainer dev` lasts between runs, and `wrangler kv key get
//! --local` or `wrangler d1 migrations apply --local` see the same data.

use std::fmt::Write as _;
use std::path::PathBuf;

use cfcontainer_meta::wrangler::Bindings;

use super::capnp::quoted;
use crate::tools::{KV_NAMESPACE, OBJECT_ENTRY};

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
            StoreKind::Kv => KV_NAMESPACE,
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

/// The KV, R2 and D1 bindings dev serves, and where their data lives.
#[derive(Debug, Clone)]
pub struct LocalStores {
    /// The persist root (`.wrangler/state/v3` next to the wrangler file):
    /// one directory per kind under it.
    pub persist_dir: PathBuf,
    /// The bindings served.
    pub stores: Vec<LocalStore>,
}

impl LocalStores {
    fn kinds(&self) -> Vec<StoreKind> {
        StoreKind::ALL.into_iter().filter(|k| self.stores.iter().any(|s| s.kind == *k)).collect()
    }

    /// The objects' scripts, as paths inside the miniflare package.
    pub fn scripts(&self) -> Vec<&'static str> {
        self.kinds().into_iter().map(StoreKind::script).collect()
    }

    /// Creates each kind's data directory.
    pub fn prepare(&self) -> std::io::Result<()> {
        for kind in self.kinds() {
            std::fs::create_dir_all(self.persist_dir.join(kind.plugin()))?;
        }
        Ok(())
    }

    /// One entry per store, and per kind its data directory and the
    /// service running its object class; `embedded` names a script as the
    /// config embeds it.
    pub fn services(&self, embedded: &dyn Fn(&str) -> String) -> String {
        let mut out = String::new();
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
            let object = SimulatorObject {
                object: kind.object_service(),
                script: kind.script(),
                class: kind.class(),
                key: format!("miniflare-{}", kind.class()),
                storage: format!("{}:storage", kind.plugin()),
                data: self.persist_dir.join(kind.plugin()),
            };
            object.write(&mut out, embedded);
        }
        out
    }

    /// The Worker's bindings to the stores.
    pub fn bindings(&self) -> String {
        let mut out = String::new();
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
}

/// A simulator's object class as its plugin runs it: a disk service for
/// its data directory, and the service running the class (the
/// simulator's own compatibility, objects keyed `key`, SQLite files and
/// blobs in the data directory).
pub(super) struct SimulatorObject {
    /// The service running the class.
    pub object: &'static str,
    /// The simulator's script of the class, as the tool cache names it.
    pub script: &'static str,
    /// The class.
    pub class: &'static str,
    /// The objects' unique key.
    pub key: String,
    /// The disk service's name.
    pub storage: String,
    /// The data directory.
    pub data: PathBuf,
}

impl SimulatorObject {
    /// Writes both services; `embedded` names a script as the config
    /// embeds it.
    pub fn write(&self, out: &mut String, embedded: &dyn Fn(&str) -> String) {
        let _ = writeln!(
            out,
            "    (name = {storage}, disk = (path = {path}, writable = true)),",
            storage = quoted(&self.storage),
            path = quoted(&self.data.display().to_string()),
        );
        let _ = writeln!(
            out,
            "    (name = {object}, worker = (compatibilityDate = \"2023-07-24\", compatibilityFlags = [\"nodejs_compat\", \"experimental\"], \
             modules = [(name = {module}, esModule = embed {script})], \
             durableObjectNamespaces = [(className = {class}, uniqueKey = {key})], \
             durableObjectStorage = (localDisk = {storage}), \
             bindings = [(name = \"MINIFLARE_BLOBS\", service = {storage})])),",
            object = quoted(self.object),
            module = quoted(self.script.rsplit('/').next().unwrap_or_default()),
            script = quoted(&embedded(self.script)),
            class = quoted(self.class),
            key = quoted(&self.key),
            storage = quoted(&self.storage),
        );
    }
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
        let local = LocalStores { persist_dir: "/state".into(), stores: vec![store("A"), store("B")] };
        let services = local.services(&|script| script.to_string());
        assert_eq!(services.matches("\"kv:ns:shared\"").count(), 1, "{services}");
        assert!(services.contains("(name = \"kv:storage\", disk = (path = \"/state/kv\""), "{services}");
        assert!(!services.contains("r2:bucket") && !services.contains("d1:db"), "{services}");
        assert_eq!(local.bindings().matches("kvNamespace = \"kv:ns:shared\"").count(), 2);
    }
}
