//! A Worker's Cron Triggers as `PUT`/`GET .../schedules` carry them.

use serde::{Deserialize, Serialize};

/// One Cron Trigger, as `PUT .../schedules` takes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CronTrigger {
    /// The expression (`*/30 * * * *`).
    pub cron: String,
}

/// `GET .../schedules`.
#[derive(Debug, Clone, Deserialize)]
pub struct Schedules {
    /// The Worker's Cron Triggers.
    pub schedules: Vec<CronTrigger>,
}
