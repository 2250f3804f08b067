//! Change detection for `dev`: only the real inputs count. The Worker's
//! are the files cargo's dep-info lists for the compiled crate, its
//! manifests, lockfile and `.dev.vars`; an image's are its Dockerfile and
//! the files its build context packs (so `.dockerignore` applies). Files
//! `dev` writes itself (its own output redirected into the crate) never
//! count.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

/// What changed since the last build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Nothing.
    None,
    /// Only image inputs: rebuild images, keep the Worker bundle.
    Images,
    /// Worker inputs (maybe images too): rebuild everything.
    Worker,
}

/// The inputs to watch.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Files the Worker is built from.
    pub worker: Vec<PathBuf>,
    /// Files every image is built from.
    pub images: Vec<PathBuf>,
}

/// The state of every input at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    worker: BTreeMap<PathBuf, Stamp>,
    images: BTreeMap<PathBuf, Stamp>,
}

/// A file's state: modification time and size, or for lockfiles (which a
/// build rewrites with the same content) a digest of the content.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stamp {
    Missing,
    Seen(SystemTime, u64),
    Content([u8; 32]),
}

impl Snapshot {
    /// The inputs as they are now. A Worker input modified after `built_at`
    /// (edited while the build ran) is recorded as unseen, so the next
    /// comparison reports it.
    pub fn take(inputs: &Inputs, built_at: Option<SystemTime>) -> Snapshot {
        let own = own_output_files();
        let take = |files: &[PathBuf], built_at: Option<SystemTime>| {
            files
                .iter()
                .filter(|f| !own.contains(f))
                .map(|f| {
                    let stamp = match stamp(f) {
                        Stamp::Seen(modified, _) if built_at.is_some_and(|b| modified > b) => Stamp::Missing,
                        other => other,
                    };
                    (f.clone(), stamp)
                })
                .collect()
        };
        Snapshot { worker: take(&inputs.worker, built_at), images: take(&inputs.images, None) }
    }

    /// What differs between `self` (after the last build) and `now`.
    pub fn change(&self, now: &Snapshot) -> Change {
        if self.worker != now.worker {
            Change::Worker
        } else if self.images != now.images {
            Change::Images
        } else {
            Change::None
        }
    }
}

fn stamp(path: &Path) -> Stamp {
    let Ok(meta) = std::fs::metadata(path) else { return Stamp::Missing };
    if path.file_name().is_some_and(|n| n == "Cargo.lock") {
        return match std::fs::read(path) {
            Ok(bytes) => Stamp::Content(Sha256::digest(&bytes).into()),
            Err(_) => Stamp::Missing,
        };
    }
    Stamp::Seen(meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len())
}

/// Where this process's stdout and stderr go, when those are files (as
/// with `cargo cfcontainer dev > dev.log`): writing them is not an edit.
fn own_output_files() -> Vec<PathBuf> {
    ["/proc/self/fd/1", "/proc/self/fd/2"].iter().filter_map(|fd| std::fs::read_link(fd).ok()).collect()
}

/// The source files cargo's dep-info file `dep_info` lists.
pub fn dep_info_inputs(dep_info: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(dep_info) else { return Vec::new() };
    let Some((_, inputs)) = text.lines().next().and_then(|l| l.split_once(": ")) else { return Vec::new() };
    crate::build::dep_info_paths(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_lockfile_with_the_same_content_is_no_change_but_a_source_edit_is() {
        let dir = tempfile::tempdir().unwrap();
        let (lock, src, context) =
            (dir.path().join("Cargo.lock"), dir.path().join("lib.rs"), dir.path().join("index.html"));
        for f in [&lock, &src, &context] {
            std::fs::write(f, "v1").unwrap();
        }
        let inputs = Inputs { worker: vec![lock.clone(), src.clone()], images: vec![context.clone()] };
        let before = Snapshot::take(&inputs, None);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&lock, "v1").unwrap();
        assert_eq!(before.change(&Snapshot::take(&inputs, None)), Change::None);
        std::fs::write(&context, "v2").unwrap();
        assert_eq!(before.change(&Snapshot::take(&inputs, None)), Change::Images);
        std::fs::write(&src, "v22").unwrap();
        assert_eq!(before.change(&Snapshot::take(&inputs, None)), Change::Worker);
    }

    #[test]
    fn an_input_edited_while_the_build_ran_is_seen_as_changed() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("lib.rs");
        let started = SystemTime::now() - std::time::Duration::from_secs(5);
        std::fs::write(&src, "edited during the build").unwrap();
        let inputs = Inputs { worker: vec![src], images: Vec::new() };
        let after_build = Snapshot::take(&inputs, Some(started));
        assert_eq!(after_build.change(&Snapshot::take(&inputs, None)), Change::Worker);
    }
}
