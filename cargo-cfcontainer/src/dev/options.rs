//! What a `dev` session is asked to run, and where its containers run.

use std::path::PathBuf;

use super::watcher::WakeBy;

/// Which crate `dev` runs, and how it builds it.
#[derive(Debug, Clone)]
pub struct DevOptions {
    /// `--manifest-path`.
    pub manifest: Option<PathBuf>,
    /// `-p`.
    pub package: Option<String>,
    /// `--env`.
    pub env: Option<String>,
    /// Feature flags for cargo.
    pub feature_args: Vec<String>,
    /// Build the release profile.
    pub release: bool,
    /// The address users connect to, `ip:port`.
    pub listen: String,
    /// `--persist-to`: the local state root instead of `.wrangler/state`.
    pub persist_to: Option<PathBuf>,
    /// `--poll`: how a change is noticed.
    pub wake_by: WakeBy,
    /// `--egress-image`: the networking sidecar's image instead of ours.
    pub egress_image: Option<String>,
}

/// How workerd reaches the engine, and the sidecar image it starts there.
pub struct EngineTarget {
    /// The engine's socket, as workerd names it.
    pub socket: String,
    /// The networking sidecar's image, ready in the engine.
    pub egress_image: String,
}
