//! Strict parser for `sleep_after`-style durations.

use std::fmt;

/// Why a duration string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurationError(pub String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DurationError {}

/// Parses `"30s"`, `"3m"`, `"1h"`, `"1h30m"`, `"2h5m10s"` or a bare number of
/// seconds (`"90"`) into whole seconds.
///
/// Units must appear in the order h, m, s, each at most once; zero in total
/// is refused, as is anything else (spaces, fractions, unknown units).
///
/// ```
/// use cfcontainer_meta::parse_duration;
/// assert_eq!(parse_duration("3m"), Ok(180));
/// assert_eq!(parse_duration("1h30m"), Ok(5400));
/// assert_eq!(parse_duration("45"), Ok(45));
/// assert!(parse_duration("3 minutes").is_err());
/// ```
pub fn parse_duration(text: &str) -> Result<u64, DurationError> {
    let bad = |why: &str| {
        Err(DurationError(format!(
            "invalid duration `{text}`: {why}; use whole seconds or units h, m, s such as \"30s\", \"3m\", \"1h30m\""
        )))
    };
    if text.is_empty() {
        return bad("it is empty");
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u64>() {
            Ok(0) => bad("it must be at least one second"),
            Ok(n) => Ok(n),
            Err(_) => bad("the number is too large"),
        };
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut last_rank = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let (rank, scale) = match c {
            'h' => (1, 3600),
            'm' => (2, 60),
            's' => (3, 1),
            _ => return bad(&format!("unexpected character `{c}`")),
        };
        if digits.is_empty() {
            return bad(&format!("unit `{c}` has no number before it"));
        }
        if rank <= last_rank {
            return bad("units must appear once each, in the order h, m, s");
        }
        last_rank = rank;
        let n: u64 = match digits.parse() {
            Ok(n) => n,
            Err(_) => return bad("the number is too large"),
        };
        total = match n.checked_mul(scale).and_then(|v| total.checked_add(v)) {
            Some(v) => v,
            None => return bad("the number is too large"),
        };
        digits.clear();
    }
    if !digits.is_empty() {
        return bad("the last number has no unit");
    }
    if total == 0 {
        return bad("it must be at least one second");
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn accepts_units_and_bare_seconds() {
        assert_eq!(parse_duration("30s"), Ok(30));
        assert_eq!(parse_duration("3m"), Ok(180));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("2h5m10s"), Ok(7510));
        assert_eq!(parse_duration("600"), Ok(600));
    }

    #[test]
    fn refuses_everything_else() {
        for bad in ["", "0", "0s", "m", "3x", "3 m", "1.5h", "30m1h", "1m1m", "5s3", "-5s", "99999999999999999999"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
