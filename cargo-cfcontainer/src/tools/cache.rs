//! Where fetched tools live: `CFCONTAINER_CACHE_DIR`, else the user's
//! cache directory (`$XDG_CACHE_HOME` or `~/.cache` on Linux,
//! `~/Library/Caches` on macOS) under `cfcontainer/`.

use std::path::PathBuf;

use crate::Error;

/// The cache directory (not created here).
pub fn cache_dir() -> Result<PathBuf, Error> {
    if let Some(dir) = std::env::var_os("CFCONTAINER_CACHE_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::cache_dir().map(|d| d.join("cfcontainer")).ok_or_else(|| Error::Tool {
        tool: "cache",
        why: "no cache directory for this user (HOME is not set)".into(),
        fix: "set CFCONTAINER_CACHE_DIR to a writable directory".into(),
    })
}
