//! `durable_objects.code_update_strategy`: how a Worker's Durable Objects
//! take up the code of a new version (wrangler 4.164). The official CLI
//! sends it with every upload that applies migrations or carries
//! containers, and with every deployment it creates (a rollback), the
//! default when the file sets none.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How a Worker's Durable Objects take up new code.
///
/// ```
/// use cfcontainer_meta::wrangler::CodeUpdateStrategy;
/// let default = serde_json::to_string(&CodeUpdateStrategy::default()).unwrap();
/// assert_eq!(default, r#"{"mode":"deferred","max_delay":300}"#);
/// let set: CodeUpdateStrategy = serde_json::from_str(r#"{"mode":"deferred","max_delay":1.5}"#).unwrap();
/// assert_eq!(serde_json::to_string(&set).unwrap(), r#"{"mode":"deferred","max_delay":1.5}"#);
/// let immediate: CodeUpdateStrategy = serde_json::from_str(r#"{"mode":"immediate"}"#).unwrap();
/// assert_eq!(immediate, CodeUpdateStrategy::Immediate);
/// assert!(serde_json::from_str::<CodeUpdateStrategy>(r#"{"mode":"deferred","max_delay":90000}"#).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum CodeUpdateStrategy {
    /// Every object restarts on the new code at once.
    Immediate,
    /// Each object keeps running its code until it hibernates, at most
    /// `max_delay` after the deployment.
    Deferred {
        /// The longest wait (default 300 seconds).
        #[serde(default)]
        max_delay: Delay,
    },
}

impl Default for CodeUpdateStrategy {
    /// The official CLI's default: deferred, at most five minutes.
    fn default() -> Self {
        CodeUpdateStrategy::Deferred { max_delay: Delay::default() }
    }
}

/// A delay of 0 to 86400 seconds in whole milliseconds, written in
/// seconds (a whole number of seconds as an integer, as the official CLI
/// writes 300).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delay {
    millis: u32,
}

impl Delay {
    /// The longest delay: one day.
    pub const MAX_SECONDS: u32 = 86_400;

    /// The delay in milliseconds.
    pub fn millis(self) -> u32 {
        self.millis
    }
}

impl Default for Delay {
    /// Five minutes.
    fn default() -> Self {
        Delay { millis: 300_000 }
    }
}

impl Serialize for Delay {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.millis % 1000 {
            0 => serializer.serialize_u32(self.millis / 1000),
            _ => serializer.serialize_f64(f64::from(self.millis) / 1000.0),
        }
    }
}

impl<'de> Deserialize<'de> for Delay {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let seconds = f64::deserialize(deserializer)?;
        let millis = seconds * 1000.0;
        let whole = millis.round();
        if !(0.0..=f64::from(Delay::MAX_SECONDS)).contains(&seconds) || (whole - millis).abs() > 1e-6 {
            return Err(serde::de::Error::custom(format!(
                "max_delay must be 0 to {} seconds, in whole milliseconds; got {seconds}",
                Delay::MAX_SECONDS
            )));
        }
        Ok(Delay { millis: whole as u32 })
    }
}
