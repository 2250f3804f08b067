//! A Worker's Cron Triggers as `PUT`/`GET .../schedules` carry them.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Body, Client, Retry};
use crate::output::Output;
use crate::Error;

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

impl Client {
    /// `GET /workers/scripts/{name}/schedules`: the Worker's Cron Triggers.
    pub async fn schedules(&self, name: &str, out: &Output) -> Result<Vec<String>, Error> {
        let schedules: Schedules = self.get(&format!("/workers/scripts/{name}/schedules"), out).await?;
        Ok(schedules.schedules.into_iter().map(|s| s.cron).collect())
    }

    /// `PUT /workers/scripts/{name}/schedules`: replaces the Worker's Cron
    /// Triggers, as the official CLI's does.
    pub async fn set_schedules(&self, name: &str, crons: &[String], out: &Output) -> Result<(), Error> {
        let body: Vec<CronTrigger> = crons.iter().map(|cron| CronTrigger { cron: cron.clone() }).collect();
        let path = format!("/workers/scripts/{name}/schedules");
        self.call::<Value>(Method::PUT, &path, Body::json(&body), Retry::Safe, out).await.map(drop)
    }
}
