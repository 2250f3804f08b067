//! A test hook behind the `test-hooks` feature: the process exits with
//! 137 (as `kill -9` would leave it, without cleanup) right before it
//! sends the Nth API request (`CFCONTAINER_TEST_KILL_BEFORE_API_CALL=N`:
//! that request never leaves) or right after the Nth answer arrived
//! (`CFCONTAINER_TEST_KILL_AFTER_API_CALLS=N`: the work is done, the answer
//! is lost), so tests can prove that a deploy killed anywhere converges on
//! rerun. N counts the process's requests, whichever client sends them.
//! `CFCONTAINER_TEST_KILL_AFTER_REGISTRY_DELETES=N` exits likewise right
//! after the Nth tag a prune deleted from the registry.
//! Without the feature the hook is empty and the variables mean nothing.

#[cfg(feature = "test-hooks")]
use std::sync::atomic::{AtomicU32, Ordering};

/// The requests this process sent.
#[cfg(feature = "test-hooks")]
static SENT: AtomicU32 = AtomicU32::new(0);

/// The answers this process received.
#[cfg(feature = "test-hooks")]
static ANSWERED: AtomicU32 = AtomicU32::new(0);

/// The tags this process deleted from a registry.
#[cfg(feature = "test-hooks")]
static DELETED: AtomicU32 = AtomicU32::new(0);

/// Counts requests sent and answers received, and exits at the chosen one.
#[derive(Debug, Default)]
pub struct KillHook {
    #[cfg(feature = "test-hooks")]
    before: Option<u32>,
    #[cfg(feature = "test-hooks")]
    after: Option<u32>,
    #[cfg(feature = "test-hooks")]
    after_deletes: Option<u32>,
}

impl KillHook {
    /// The hook as the environment sets it.
    #[cfg(feature = "test-hooks")]
    pub fn from_env() -> KillHook {
        let var = |name: &str| std::env::var(name).ok().and_then(|n| n.parse().ok());
        KillHook {
            before: var("CFCONTAINER_TEST_KILL_BEFORE_API_CALL"),
            after: var("CFCONTAINER_TEST_KILL_AFTER_API_CALLS"),
            after_deletes: var("CFCONTAINER_TEST_KILL_AFTER_REGISTRY_DELETES"),
        }
    }

    /// The hook as the environment sets it: never, in a shipped binary.
    #[cfg(not(feature = "test-hooks"))]
    pub fn from_env() -> KillHook {
        KillHook::default()
    }

    /// Records a request about to be sent.
    #[cfg(feature = "test-hooks")]
    pub fn sending(&self) {
        let sending = SENT.fetch_add(1, Ordering::SeqCst) + 1;
        if self.before == Some(sending) {
            std::process::exit(137);
        }
    }

    /// Records a request about to be sent.
    #[cfg(not(feature = "test-hooks"))]
    pub fn sending(&self) {}

    /// Records one answered call.
    #[cfg(feature = "test-hooks")]
    pub fn answered(&self) {
        let done = ANSWERED.fetch_add(1, Ordering::SeqCst) + 1;
        if self.after == Some(done) {
            std::process::exit(137);
        }
    }

    /// Records one answered call.
    #[cfg(not(feature = "test-hooks"))]
    pub fn answered(&self) {}

    /// Records one tag deleted from a registry.
    #[cfg(feature = "test-hooks")]
    pub fn deleted_tag(&self) {
        let done = DELETED.fetch_add(1, Ordering::SeqCst) + 1;
        if self.after_deletes == Some(done) {
            std::process::exit(137);
        }
    }

    /// Records one tag deleted from a registry.
    #[cfg(not(feature = "test-hooks"))]
    pub fn deleted_tag(&self) {}
}
