//! A test hook behind the `test-hooks` feature: with
//! `CFCONTAINER_TEST_KILL_AFTER_API_CALLS=N`, the process exits with 137
//! (as `kill -9` would leave it, without cleanup) right after the Nth
//! answered API call, so tests can prove that a deploy killed anywhere
//! converges on rerun. Without the feature the hook is empty and the
//! variable means nothing.

#[cfg(feature = "test-hooks")]
use std::sync::atomic::{AtomicU32, Ordering};

/// Counts answered calls and exits after the chosen one.
#[derive(Debug, Default)]
pub struct KillHook {
    #[cfg(feature = "test-hooks")]
    after: Option<u32>,
    #[cfg(feature = "test-hooks")]
    answered: AtomicU32,
}

impl KillHook {
    /// The hook as the environment sets it.
    #[cfg(feature = "test-hooks")]
    pub fn from_env() -> KillHook {
        let after = std::env::var("CFCONTAINER_TEST_KILL_AFTER_API_CALLS").ok().and_then(|n| n.parse().ok());
        KillHook { after, answered: AtomicU32::new(0) }
    }

    /// The hook as the environment sets it: never, in a shipped binary.
    #[cfg(not(feature = "test-hooks"))]
    pub fn from_env() -> KillHook {
        KillHook::default()
    }

    /// Records one answered call.
    #[cfg(feature = "test-hooks")]
    pub fn answered(&self) {
        let done = self.answered.fetch_add(1, Ordering::SeqCst) + 1;
        if self.after == Some(done) {
            std::process::exit(137);
        }
    }

    /// Records one answered call.
    #[cfg(not(feature = "test-hooks"))]
    pub fn answered(&self) {}
}
