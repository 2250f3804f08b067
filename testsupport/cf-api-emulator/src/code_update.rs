//! `code_update_strategy`: how the Durable Objects of a Worker take up new
//! code, sent by the official CLI (4.164) in an upload's metadata and in a
//! deployment: `{"mode": "immediate"}`, or `{"mode": "deferred",
//! "max_delay": seconds}` (each object waits until it hibernates, at most
//! that long; 0 to 86400 seconds, in milliseconds at most).

use serde_json::Value;

use crate::envelope::{invalid, Reply};

/// The longest `max_delay` the API takes: one day.
const MAX_DELAY_SECONDS: f64 = 86_400.0;

/// Checks a `code_update_strategy` found at `at`.
pub fn check(value: &Value, at: &str) -> Result<(), Reply> {
    let object = value.as_object().ok_or_else(|| invalid(format!("{at} must be an object")))?;
    if let Some(key) = object.keys().find(|k| *k != "mode" && *k != "max_delay") {
        return Err(invalid(format!("Unexpected field '{key}' in {at}")));
    }
    match (object.get("mode").and_then(Value::as_str), object.get("max_delay")) {
        (Some("immediate"), None) => Ok(()),
        (Some("immediate"), Some(_)) => Err(invalid(format!("{at}.max_delay is only for mode \"deferred\""))),
        (Some("deferred"), delay) => {
            let seconds = delay.map_or(Some(0.0), Value::as_f64);
            let whole_milliseconds = |s: f64| ((s * 1000.0).round() - s * 1000.0).abs() < 1e-6;
            match seconds {
                Some(s) if (0.0..=MAX_DELAY_SECONDS).contains(&s) && whole_milliseconds(s) => Ok(()),
                _ => Err(invalid(format!("{at}.max_delay must be 0 to 86400 seconds, in milliseconds at most"))),
            }
        }
        _ => Err(invalid(format!("{at}.mode must be \"immediate\" or \"deferred\""))),
    }
}
