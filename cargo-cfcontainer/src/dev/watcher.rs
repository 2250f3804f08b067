//! When `dev` looks at its inputs again: after filesystem events (inotify
//! and its kin, through `notify`) in the directories that hold them, once
//! the events have settled, or every 400 ms where no watcher can be had.
//! An idle session reads nothing and wakes for nothing. Events only say
//! *when* to look: what changed is still decided by comparing snapshots.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

/// How long events settle before the inputs are looked at: one save is
/// often several writes and renames, and one look covers them all.
const SETTLE: Duration = Duration::from_millis(20);

/// How often the inputs are looked at without a watcher.
const POLL: Duration = Duration::from_millis(400);

/// Wakes `dev` when an input may have changed.
pub struct Wakeups {
    watching: Option<Watching>,
    /// Paths whose events never count (dev's own output, the running
    /// Worker's data): exact files, or whole directories.
    ignored: Vec<PathBuf>,
    /// Why events gave way to polling, until it was reported.
    fallback: Option<String>,
}

/// The watcher and the directories it watches.
struct Watching {
    watcher: RecommendedWatcher,
    events: UnboundedReceiver<notify::Result<Event>>,
    dirs: BTreeSet<PathBuf>,
    /// A directory was just added: what appeared in it before its watch
    /// began shows only to a look, so the next wake is at once.
    look_now: bool,
}

/// How `dev` learns that it should look at its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WakeBy {
    /// Filesystem events, falling back to polling where none can be had.
    Events,
    /// Polling only (`--poll`): for file systems that send no events for
    /// some writes, such as network mounts and some VM shares.
    Polling,
}

impl Wakeups {
    /// Wakes `by` filesystem events (polling where no watcher can be
    /// made), or by polling alone.
    pub fn new(by: WakeBy) -> Wakeups {
        if by == WakeBy::Polling {
            return Wakeups { watching: None, ignored: Vec::new(), fallback: None };
        }
        let (sender, events) = unbounded_channel();
        let watcher = notify::recommended_watcher(move |event| {
            let _ = sender.send(event);
        });
        match watcher {
            Ok(watcher) => Wakeups {
                watching: Some(Watching { watcher, events, dirs: BTreeSet::new(), look_now: false }),
                ignored: Vec::new(),
                fallback: None,
            },
            Err(e) => Wakeups { watching: None, ignored: Vec::new(), fallback: Some(e.to_string()) },
        }
    }

    /// Watches exactly `dirs` (each without its subdirectories) from now
    /// on, and ignores events on `ignored`. A directory that cannot be
    /// watched (the system's limit of watches reached, say) turns the
    /// session to polling.
    pub fn follow(&mut self, dirs: BTreeSet<PathBuf>, ignored: Vec<PathBuf>) {
        self.ignored = ignored;
        let Some(watching) = &mut self.watching else { return };
        for gone in watching.dirs.difference(&dirs) {
            let _ = watching.watcher.unwatch(gone);
        }
        let mut watched = BTreeSet::new();
        let mut failed = None;
        for dir in dirs {
            if watching.dirs.contains(&dir) {
                watched.insert(dir);
                continue;
            }
            match watching.watcher.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    watching.look_now = true;
                    watched.insert(dir);
                }
                // Gone since it was listed: its parent's event brings a
                // look, and the look watches it if it is back.
                Err(e) if is_not_found(&e) => {}
                Err(e) => {
                    failed = Some(format!("cannot watch {}: {e}", dir.display()));
                    break;
                }
            }
        }
        watching.dirs = watched;
        if failed.is_some() {
            self.fallback = failed;
            self.watching = None;
        }
    }

    /// Why the session polls, once: `None` while events work (or after
    /// it was said).
    pub fn fell_back(&mut self) -> Option<String> {
        self.fallback.take()
    }

    /// Resolves when the inputs should be looked at: after an event that
    /// may concern them has settled, or at the next poll.
    pub async fn next(&mut self) {
        let Some(watching) = &mut self.watching else {
            return tokio::time::sleep(POLL).await;
        };
        if !std::mem::take(&mut watching.look_now) {
            loop {
                match watching.events.recv().await {
                    Some(event) => {
                        watching.forget_removed(&event);
                        if counts(&event, &self.ignored) {
                            break;
                        }
                    }
                    // The watcher's thread is gone: poll instead.
                    None => {
                        self.fallback = Some("the file watcher stopped".into());
                        self.watching = None;
                        return tokio::time::sleep(POLL).await;
                    }
                }
            }
        }
        tokio::time::sleep(SETTLE).await;
        while let Ok(event) = watching.events.try_recv() {
            watching.forget_removed(&event);
        }
    }
}

impl Watching {
    /// A watched directory removed or renamed lost its watch: forgotten,
    /// so the next [`Wakeups::follow`] watches the one at its path anew.
    fn forget_removed(&mut self, event: &notify::Result<Event>) {
        if let Ok(event) = event {
            if matches!(event.kind, EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))) {
                for path in &event.paths {
                    self.dirs.remove(path);
                }
            }
        }
    }
}

fn is_not_found(error: &notify::Error) -> bool {
    match &error.kind {
        notify::ErrorKind::PathNotFound => true,
        notify::ErrorKind::Io(io) => io.kind() == std::io::ErrorKind::NotFound,
        _ => false,
    }
}

/// Whether an event may concern an input: not a mere read, and not only
/// about ignored paths. An error (events lost, say) always counts.
fn counts(event: &notify::Result<Event>, ignored: &[PathBuf]) -> bool {
    let Ok(event) = event else { return true };
    if event.need_rescan() || event.paths.is_empty() {
        return true;
    }
    if let EventKind::Access(kind) = event.kind {
        if kind != AccessKind::Close(AccessMode::Write) {
            return false;
        }
    }
    event.paths.iter().any(|path| !is_ignored(path, ignored))
}

fn is_ignored(path: &Path, ignored: &[PathBuf]) -> bool {
    ignored.iter().any(|i| path.starts_with(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `wake` wakes within `limit`.
    async fn wakes(wake: &mut Wakeups, limit: Duration) -> bool {
        tokio::time::timeout(limit, wake.next()).await.is_ok()
    }

    #[tokio::test]
    async fn a_write_in_a_watched_directory_wakes_but_reads_and_ignored_paths_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let (input, log, data) = (dir.path().join("lib.rs"), dir.path().join("dev.log"), dir.path().join("state"));
        std::fs::write(&input, "v1").unwrap();
        let mut wake = Wakeups::new(WakeBy::Events);
        wake.follow(BTreeSet::from([dir.path().to_path_buf()]), vec![log.clone(), data.clone()]);
        assert_eq!(wake.fell_back(), None, "inotify works here");
        assert!(wakes(&mut wake, Duration::from_secs(1)).await, "a new watch looks once at once");
        assert!(!wakes(&mut wake, Duration::from_millis(300)).await, "nothing happened");

        let _ = std::fs::read(&input).unwrap();
        std::fs::write(&log, "Reloaded").unwrap();
        std::fs::write(&data, "kv").unwrap();
        assert!(!wakes(&mut wake, Duration::from_millis(300)).await, "a read, dev's log and its data are no edit");

        std::fs::write(&input, "v2").unwrap();
        assert!(wakes(&mut wake, Duration::from_secs(2)).await, "an edit wakes");
        assert!(!wakes(&mut wake, Duration::from_millis(300)).await, "one look for one save");
    }

    #[tokio::test]
    async fn polling_wakes_every_400_ms_whatever_happens_and_says_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut wake = Wakeups::new(WakeBy::Polling);
        wake.follow(BTreeSet::from([dir.path().to_path_buf()]), Vec::new());
        assert_eq!(wake.fell_back(), None, "asked for, so no warning");
        let started = std::time::Instant::now();
        for _ in 0..3 {
            assert!(wakes(&mut wake, Duration::from_secs(1)).await, "a poll wakes without any event");
        }
        assert!(started.elapsed() >= POLL * 3, "one wake a poll, not sooner: {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_directory_no_longer_followed_wakes_no_more() {
        let dir = tempfile::tempdir().unwrap();
        let mut wake = Wakeups::new(WakeBy::Events);
        wake.follow(BTreeSet::from([dir.path().to_path_buf()]), Vec::new());
        assert!(wakes(&mut wake, Duration::from_secs(1)).await);
        wake.follow(BTreeSet::new(), Vec::new());
        std::fs::write(dir.path().join("new.txt"), "x").unwrap();
        assert!(!wakes(&mut wake, Duration::from_millis(300)).await);
    }
}
