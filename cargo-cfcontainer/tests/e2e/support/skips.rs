//! The one line a plain `cargo test` prints when e2e tests skipped.
//!
//! libtest captures what a passing test writes, so a per-test "skipped"
//! message is never seen and a laptop's green run hides that nothing ran.
//! The skips are counted here and summed up once when the test process
//! exits (after libtest's own summary).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Mutex, Once};

static SKIPPED: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());
static AT_EXIT: Once = Once::new();

/// Counts one test skipped because `what` is missing.
pub fn record(what: &str) {
    *SKIPPED.lock().unwrap_or_else(|e| e.into_inner()).entry(what.to_string()).or_default() += 1;
    // libtest ends with `exit` (on failure) or by returning from main; both
    // run the C library's exit handlers, unlike a Rust-only hook.
    AT_EXIT.call_once(|| unsafe {
        libc::atexit(print_summary);
    });
}

/// The summary: how many tests skipped, for which missing pieces.
fn summary(skipped: &BTreeMap<String, usize>) -> Option<String> {
    let total: usize = skipped.values().sum();
    if total == 0 {
        return None;
    }
    let reasons = skipped.iter().map(|(what, n)| format!("{what} ({n})")).collect::<Vec<_>>().join(", ");
    Some(format!(
        "e2e: {total} test{} skipped, missing: {reasons}; run scripts/setup.sh, or set CFCONTAINER_E2E=1 to make skips failures",
        if total == 1 { "" } else { "s" }
    ))
}

extern "C" fn print_summary() {
    let skipped = SKIPPED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(line) = summary(&skipped) {
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

#[test]
fn the_summary_counts_skips_by_missing_piece_and_is_silent_without_any() {
    assert_eq!(summary(&BTreeMap::new()), None);
    let skipped = BTreeMap::from([("workerd".to_string(), 2), ("a Docker engine".to_string(), 1)]);
    let line = summary(&skipped).unwrap();
    assert!(line.starts_with("e2e: 3 tests skipped, missing: a Docker engine (1), workerd (2);"), "{line}");
}
