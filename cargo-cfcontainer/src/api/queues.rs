//! Queues and their consumers: `GET /queues?name=`, `POST
//! /queues/{id}/consumers`, `PUT /queues/{id}/consumers/{consumer}`, with
//! the body the official CLI sends (`updateQueueConsumers`).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::query_value;
use super::{Body, Client, Retry};
use crate::output::Output;
use crate::Error;

/// A queue, as `GET /queues` lists it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Queue {
    /// Its id.
    pub queue_id: String,
    /// Its name.
    pub queue_name: String,
    /// Who consumes it.
    #[serde(default)]
    pub consumers: Vec<Consumer>,
}

/// A consumer of a queue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Consumer {
    /// Its id.
    pub consumer_id: String,
    /// `worker` or `http_pull`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The consuming Worker.
    #[serde(default)]
    pub script: Option<String>,
    /// Its settings.
    #[serde(default)]
    pub settings: ConsumerSettings,
    /// Where failed messages go.
    #[serde(default)]
    pub dead_letter_queue: Option<String>,
}

/// A Worker consumer, as created or updated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsumerBody {
    /// Always `worker`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Where failed messages go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dead_letter_queue: Option<String>,
    /// The consuming Worker.
    pub script_name: String,
    /// Batching and retries.
    pub settings: ConsumerSettings,
}

/// A consumer's settings; unset ones are the API's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsumerSettings {
    /// Messages per batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    /// Attempts before a message goes to the dead-letter queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Longest wait for a full batch, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait_time_ms: Option<u64>,
    /// Concurrent batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// Delay before a retry, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_delay: Option<u32>,
}

impl ConsumerSettings {
    /// True if every setting `self` gives has that value in `actual` (an
    /// unset one is the API's default, whatever it shows).
    pub fn satisfied_by(&self, actual: &ConsumerSettings) -> bool {
        fn same<T: PartialEq>(wanted: &Option<T>, actual: &Option<T>) -> bool {
            wanted.is_none() || wanted == actual
        }
        same(&self.batch_size, &actual.batch_size)
            && same(&self.max_retries, &actual.max_retries)
            && same(&self.max_wait_time_ms, &actual.max_wait_time_ms)
            && same(&self.max_concurrency, &actual.max_concurrency)
            && same(&self.retry_delay, &actual.retry_delay)
    }
}

impl Client {
    /// `GET /queues?name=`: the queue called `name`, if there is one.
    pub async fn queue_named(&self, name: &str, out: &Output) -> Result<Option<Queue>, Error> {
        let found: Vec<Queue> = self.get_all(&format!("/queues?name={}", query_value(name)), out).await?;
        Ok(found.into_iter().find(|q| q.queue_name == name))
    }

    /// `POST /queues/{queue_id}/consumers`. Not repeated blindly: a
    /// consumer that landed shows on the next deploy's read, which then
    /// updates it.
    pub async fn create_consumer(&self, queue_id: &str, body: &ConsumerBody, out: &Output) -> Result<(), Error> {
        let path = format!("/queues/{queue_id}/consumers");
        self.call::<Value>(Method::POST, &path, Body::json(body), Retry::Reconcile, out).await.map(drop)
    }

    /// `PUT /queues/{queue_id}/consumers/{consumer_id}`.
    pub async fn update_consumer(
        &self,
        queue_id: &str,
        consumer_id: &str,
        body: &ConsumerBody,
        out: &Output,
    ) -> Result<(), Error> {
        let path = format!("/queues/{queue_id}/consumers/{consumer_id}");
        self.call::<Value>(Method::PUT, &path, Body::json(body), Retry::Safe, out).await.map(drop)
    }
}
