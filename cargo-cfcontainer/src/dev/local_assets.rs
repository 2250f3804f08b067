//! Static assets served locally as `wrangler dev` serves them: the
//! official simulator's asset workers (a router in front of the Worker,
//! the asset worker, and its store reading the directory) in dev's
//! workerd, given the directory's manifest in their binary format.
//! `_headers` and `_redirects` come parsed as the simulator parses them
//! (`headers.rs`, `redirects.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::capnp::quoted;
use super::headers::Headers;
use super::redirects::Redirects;
use cfcontainer_meta::wrangler::{HtmlHandling, NotFoundHandling, RunWorkerFirst};

use crate::project::assets::{Assets, Manifest};
use crate::tools::{ASSETS_KV, ASSETS_ROUTER, ASSET_WORKER};

/// The service requests enter by when the Worker has assets.
pub const ROUTER: &str = "assets:router";
/// The service the Worker's assets binding reaches.
const ASSET_SERVICE: &str = "assets:asset-worker";
const STORE: &str = "assets:store";
const STORAGE: &str = "assets:storage";
/// The binary manifest, beside the config.
const MANIFEST_FILE: &str = "assets-manifest.bin";
/// The content hash -> file map the store reads, beside the config.
const REVERSE_MAP_FILE: &str = "assets-reverse-map.json";

/// The Worker's assets, for dev.
#[derive(Debug, Clone)]
pub struct LocalAssets {
    /// From the wrangler file.
    pub assets: Assets,
    /// The Worker's compatibility date (the asset worker's config).
    pub compatibility_date: String,
    /// The Worker's compatibility flags (likewise).
    pub compatibility_flags: Vec<String>,
    /// The rules of the directory's `_redirects`, if it has valid ones.
    pub redirects: Option<Redirects>,
    /// The rules of the directory's `_headers`, if it has valid ones.
    pub headers: Option<Headers>,
}

/// The asset worker's `CONFIG` (unset settings left out: its schema
/// takes no nulls).
#[derive(Serialize)]
struct AssetConfig<'a> {
    compatibility_date: &'a str,
    compatibility_flags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    html_handling: Option<HtmlHandling>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_found_handling: Option<NotFoundHandling>,
    debug: bool,
    has_static_routing: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirects: Option<&'a Redirects>,
    #[serde(skip_serializing_if = "Option::is_none")]
    headers: Option<&'a Headers>,
}

/// The router's `CONFIG`.
#[derive(Serialize)]
struct RouterConfig {
    has_user_worker: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    invoke_user_worker_ahead_of_assets: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    static_routing: Option<StaticRouting>,
}

/// `run_worker_first` rules: `!/...` go to the assets, the others to the Worker.
#[derive(Serialize)]
struct StaticRouting {
    asset_worker: Vec<String>,
    user_worker: Vec<String>,
}

impl LocalAssets {
    /// The scripts it loads, as paths inside the package.
    pub fn scripts() -> [&'static str; 3] {
        [ASSET_WORKER, ASSETS_KV, ASSETS_ROUTER]
    }

    /// Writes the binary manifest beside the config in `dir`.
    pub fn prepare(&self, dir: &Path) -> Result<(), crate::Error> {
        let manifest = crate::project::assets::manifest(&self.assets.directory)?;
        std::fs::write(dir.join(MANIFEST_FILE), encoded(&manifest))
            .map_err(|e| crate::Error::Io { what: format!("write {MANIFEST_FILE}"), source: e })?;
        let reverse: serde_json::Map<String, serde_json::Value> = manifest
            .iter()
            .map(|(path, file)| {
                let relative = path.trim_start_matches('/');
                (file.hash.clone(), json!({ "filePath": relative, "contentType": file.content_type() }))
            })
            .collect();
        std::fs::write(dir.join(REVERSE_MAP_FILE), serde_json::Value::Object(reverse).to_string())
            .map_err(|e| crate::Error::Io { what: "write the assets' reverse map".into(), source: e })
    }

    /// The router, the asset worker, its store and the directory.
    pub fn services(&self, embedded: &dyn Fn(&str) -> String) -> String {
        let config = &self.assets.config;
        let asset_config = AssetConfig {
            compatibility_date: &self.compatibility_date,
            compatibility_flags: &self.compatibility_flags,
            html_handling: config.html_handling,
            not_found_handling: config.not_found_handling,
            debug: true,
            has_static_routing: matches!(config.run_worker_first, Some(RunWorkerFirst::Routes(_))),
            redirects: self.redirects.as_ref(),
            headers: self.headers.as_ref(),
        };
        let asset_config = serde_json::to_string(&asset_config).expect("asset config serializes");
        let router = RouterConfig {
            has_user_worker: true,
            invoke_user_worker_ahead_of_assets: match &config.run_worker_first {
                Some(RunWorkerFirst::All(first)) => Some(*first),
                _ => None,
            },
            static_routing: match &config.run_worker_first {
                Some(RunWorkerFirst::Routes(rules)) => Some(StaticRouting {
                    asset_worker: rules.iter().filter_map(|r| r.strip_prefix('!')).map(str::to_string).collect(),
                    user_worker: rules.iter().filter(|r| !r.starts_with('!')).cloned().collect(),
                }),
                _ => None,
            },
        };
        let router = serde_json::to_string(&router).expect("router config serializes");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "    (name = {STORAGE:?}, disk = (path = {}, writable = false, allowDotfiles = true)),",
            quoted(&self.assets.directory.display().to_string())
        );
        let _ = writeln!(
            out,
            "    (name = {STORE:?}, worker = (compatibilityDate = \"2023-07-24\", compatibilityFlags = [\"nodejs_compat\"], \
             modules = [(name = \"assets-kv.worker.js\", esModule = embed {})], \
             bindings = [(name = \"MINIFLARE_BLOBS\", service = {STORAGE:?}), (name = \"ASSETS_REVERSE_MAP\", json = embed {REVERSE_MAP_FILE:?})])),",
            quoted(&embedded(ASSETS_KV))
        );
        let _ = writeln!(
            out,
            "    (name = {ASSET_SERVICE:?}, worker = (compatibilityDate = \"2024-07-31\", compatibilityFlags = [\"nodejs_compat\"], \
             modules = [(name = \"assets.worker.js\", esModule = embed {})], \
             bindings = [(name = \"ASSETS_KV_NAMESPACE\", kvNamespace = {STORE:?}), (name = \"ASSETS_MANIFEST\", data = embed {MANIFEST_FILE:?}), (name = \"CONFIG\", json = {})])),",
            quoted(&embedded(ASSET_WORKER)),
            quoted(&asset_config)
        );
        let _ = writeln!(
            out,
            "    (name = {ROUTER:?}, worker = (compatibilityDate = \"2024-07-31\", compatibilityFlags = [\"nodejs_compat\", \"no_nodejs_compat_v2\"], \
             modules = [(name = \"router.worker.js\", esModule = embed {})], \
             bindings = [(name = \"ASSET_WORKER\", service = {ASSET_SERVICE:?}), (name = \"USER_WORKER\", service = \"main\"), (name = \"CONFIG\", json = {})])),",
            quoted(&embedded(ASSETS_ROUTER)),
            quoted(&router)
        );
        out
    }

    /// The Worker's binding to its assets, if it has one.
    pub fn binding(&self) -> Option<String> {
        let name = self.assets.binding.as_ref()?;
        Some(format!("    (name = {}, service = {ASSET_SERVICE:?}),\n", quoted(name)))
    }

    /// What rebuilds the config (its manifest and rules) when it
    /// changes: every asset, every directory of the assets (a file added
    /// or removed changes its directory), and the files that say which
    /// files are assets and how they are served.
    pub fn inputs(&self) -> Vec<PathBuf> {
        let mut inputs = crate::project::assets::watched(&self.assets.directory).unwrap_or_default();
        inputs.extend(["_redirects", "_headers", ".assetsignore"].map(|name| self.assets.directory.join(name)));
        inputs
    }
}

/// The simulator's binary manifest: a 20-byte header, then per file
/// (sorted by path hash) the first 16 bytes of the SHA-256 of its path,
/// 16 bytes naming its content (the deploy hash) and 8 zero bytes.
fn encoded(manifest: &Manifest) -> Vec<u8> {
    let mut entries: Vec<([u8; 16], [u8; 16])> = manifest
        .iter()
        .map(|(path, file)| {
            let mut path_hash = [0u8; 16];
            path_hash.copy_from_slice(&Sha256::digest(path.as_bytes())[..16]);
            let mut content = [0u8; 16];
            hex::decode_to_slice(&file.hash, &mut content).expect("asset hashes are 32 hex digits");
            (path_hash, content)
        })
        .collect();
    entries.sort();
    let mut out = vec![0u8; 20];
    for (path_hash, content) in entries {
        out.extend_from_slice(&path_hash);
        out.extend_from_slice(&content);
        out.extend_from_slice(&[0u8; 8]);
    }
    out
}
