//! Live logs of a Worker: a tail created with filters (as the official
//! CLI's `wrangler tail` sends them), the events its WebSocket carries,
//! and the tail deleted when the reader stops.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Body, Client, Retry, Secret};
use crate::output::Output;
use crate::Error;

/// `POST .../tails`: the filters, in the official CLI's order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTail {
    /// Every filter an event must pass.
    pub filters: Vec<TailFilter>,
}

/// One filter of a tail: an object with one key, as the API takes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TailFilter {
    /// The share of events sent, above 0 and below 1.
    SamplingRate(f64),
    /// Outcomes (`ok`, `exception`, `exceededCpu`, ...).
    Outcome(Vec<String>),
    /// Request methods.
    Method(Vec<String>),
    /// A request header, with a value to match.
    Header {
        /// Its name.
        key: String,
        /// The value, when given.
        #[serde(skip_serializing_if = "Option::is_none")]
        query: Option<String>,
    },
    /// Client addresses (`self`: this machine's).
    ClientIp(Vec<String>),
    /// Text in the console lines or exceptions.
    Query(String),
}

/// A created tail.
#[derive(Debug, Clone, Deserialize)]
pub struct Tail {
    /// Its id.
    pub id: String,
    /// Its WebSocket; the URL itself authorizes the connection.
    pub url: Secret,
    /// When it ends by itself.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// One event of a tail, as far as this tool shows it (the JSON output
/// passes the whole event through).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TailEvent {
    /// `ok`, `exception`, `exceededCpu`, `canceled`, ...
    pub outcome: String,
    /// The Worker.
    pub script_name: Option<String>,
    /// The Durable Object class, for an invocation of one.
    pub entrypoint: Option<String>,
    /// `stateless` or `durableObject`.
    pub execution_model: Option<String>,
    /// Uncaught exceptions.
    pub exceptions: Vec<TailException>,
    /// Console lines.
    pub logs: Vec<TailLog>,
    /// When, in ms since the epoch.
    pub event_timestamp: Option<u64>,
    /// What invoked it.
    pub event: Option<Value>,
}

/// An exception of a tail event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TailException {
    /// `Error`, `TypeError`, ...
    pub name: String,
    /// Its message.
    pub message: Value,
}

/// A console line of a tail event.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TailLog {
    /// The values logged.
    pub message: Vec<Value>,
    /// `log`, `info`, `warn`, `error`, `debug`.
    pub level: String,
}

impl Client {
    /// `POST /workers/scripts/{name}/tails`. A tail created twice by a
    /// retry only lingers until it expires.
    pub async fn create_tail(&self, name: &str, tail: &NewTail, out: &Output) -> Result<Tail, Error> {
        self.call(Method::POST, &format!("/workers/scripts/{name}/tails"), Body::json(tail), Retry::Safe, out).await
    }

    /// `DELETE /workers/scripts/{name}/tails/{id}`; `false` if it was gone.
    pub async fn delete_tail(&self, name: &str, id: &str, out: &Output) -> Result<bool, Error> {
        self.delete(&format!("/workers/scripts/{name}/tails/{id}"), out).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_serialize_as_the_official_cli_sends_them() {
        let tail = NewTail {
            filters: vec![
                TailFilter::SamplingRate(0.5),
                TailFilter::Outcome(vec!["ok".into()]),
                TailFilter::Method(vec!["GET".into()]),
                TailFilter::Header { key: "k".into(), query: Some("v".into()) },
                TailFilter::ClientIp(vec!["1.2.3.4".into()]),
                TailFilter::Query("foo".into()),
            ],
        };
        // What wrangler 4.86 sends for `--sampling-rate 0.5 --status ok
        // --method GET --header k:v --ip 1.2.3.4 --search foo`.
        assert_eq!(
            serde_json::to_string(&tail).unwrap(),
            r#"{"filters":[{"sampling_rate":0.5},{"outcome":["ok"]},{"method":["GET"]},{"header":{"key":"k","query":"v"}},{"client_ip":["1.2.3.4"]},{"query":"foo"}]}"#
        );
    }
}
