//! Running a worker and its containers locally in workerd.

mod front;
mod session;
mod watch;
mod worker_build;
mod workerd;

pub use session::{serve, DevOptions};
pub use worker_build::{worker_build, worker_build_if_stale};
pub use workerd::{workerd_socket, WorkerdConfig};

use std::path::PathBuf;

/// The workerd binary: `WORKERD_BIN`, a `node_modules/.bin/workerd` in the
/// crate or one of its parents, or `workerd` on PATH.
pub fn workerd_binary(crate_dir: &std::path::Path) -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("WORKERD_BIN").map(PathBuf::from).filter(|p| p.is_file()) {
        return Some(bin);
    }
    let local = crate_dir.ancestors().map(|d| d.join("node_modules/.bin/workerd")).find(|p| p.is_file());
    local.or_else(|| {
        std::env::var_os("PATH")
            .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join("workerd")).find(|p| p.is_file()))
    })
}
