//! The compatibility date a local workerd can run a Worker with.
//!
//! workerd refuses to start a Worker whose date is newer than the newest
//! it supports ("This Worker requires compatibility date …") or newer than
//! today. The official CLI 4.164 stops there too (its simulator dropped the
//! fallback it had); `dev` instead runs the Worker with the newest date the
//! runtime supports and says so in one line, so a crate set for production's
//! newest date still runs locally.

use chrono::{Days, NaiveDate};

/// How many days past its release date a workerd accepts: measured on
/// 1.20261117.1 (`workerd --version` prints `workerd 2026-11-17`; dates up
/// to 2026-11-24 run, 2026-11-25 is refused).
const ACCEPTED_AFTER_RELEASE: u64 = 7;

/// The date to run with, and the warning when it is not `requested`.
/// `release` is the date `workerd --version` prints (none if unknown),
/// `today` is today's date (UTC).
pub fn local_date(requested: &str, release: Option<&str>, today: NaiveDate) -> (String, Option<String>) {
    let parse = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let Some(wanted) = parse(requested) else { return (requested.to_string(), None) };
    let newest = release.and_then(parse).and_then(|r| r.checked_add_days(Days::new(ACCEPTED_AFTER_RELEASE)));
    let limit = newest.map_or(today, |n| n.min(today));
    if wanted <= limit {
        return (requested.to_string(), None);
    }
    let used = limit.format("%Y-%m-%d").to_string();
    let why = match newest {
        Some(n) if n <= today => {
            format!("the local workerd ({}) supports dates up to {used}", release.unwrap_or_default())
        }
        _ => format!("workerd refuses dates after today ({used})"),
    };
    let warning = format!(
        "compatibility_date {requested} is newer than this runtime runs: {why}, so dev uses {used}; deploys keep {requested}"
    );
    (used, Some(warning))
}

/// Today's date in UTC.
pub fn today() -> NaiveDate {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp(seconds, 0).map(|t| t.date_naive()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_date_the_runtime_supports_is_used_as_it_is() {
        let today = day("2026-12-07");
        assert_eq!(local_date("2026-11-24", Some("2026-11-17"), today), ("2026-11-24".into(), None));
        assert_eq!(local_date("2025-01-01", Some("2026-11-17"), today), ("2025-01-01".into(), None));
    }

    #[test]
    fn a_date_past_the_runtimes_newest_runs_with_the_newest_and_says_so() {
        let (used, warning) = local_date("2026-12-01", Some("2026-11-17"), day("2026-12-07"));
        assert_eq!(used, "2026-11-24");
        let warning = warning.unwrap();
        assert!(warning.contains("2026-12-01") && warning.contains("dev uses 2026-11-24"), "{warning}");
    }

    #[test]
    fn a_date_in_the_future_runs_with_today_when_the_runtime_is_newer_than_today_allows() {
        let (used, warning) = local_date("2026-12-30", Some("2026-12-05"), day("2026-12-07"));
        assert_eq!(used, "2026-12-07");
        assert!(warning.unwrap().contains("after today"));
    }

    #[test]
    fn an_unknown_runtime_date_limits_only_to_today() {
        assert_eq!(local_date("2026-12-01", None, day("2026-12-07")), ("2026-12-01".into(), None));
        assert_eq!(local_date("2026-12-09", None, day("2026-12-07")).0, "2026-12-07");
    }
}
