//! Change detection for `dev`: modification times of the files that feed
//! the worker and each image, polled.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Modification times of every file under some roots.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<PathBuf, SystemTime>);

impl Snapshot {
    /// Records every file under `roots`, skipping `skip` directories
    /// (build output, `target`, `node_modules`, hidden directories).
    pub fn take(roots: &[PathBuf], skip: &[PathBuf]) -> Snapshot {
        let mut files = BTreeMap::new();
        for root in roots {
            collect(root, skip, &mut files);
        }
        Snapshot(files)
    }
}

fn collect(path: &Path, skip: &[PathBuf], files: &mut BTreeMap<PathBuf, SystemTime>) {
    if skip.iter().any(|s| path.starts_with(s)) {
        return;
    }
    let Ok(meta) = std::fs::metadata(path) else { return };
    if meta.is_file() {
        files.insert(path.to_path_buf(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH));
        return;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    if name == "target" || name == "node_modules" || (name.starts_with('.') && name.len() > 1) {
        return;
    }
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            collect(&entry.path(), skip, files);
        }
    }
}
