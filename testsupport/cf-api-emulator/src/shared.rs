//! What the server shares between requests, and its request log.

use std::sync::Mutex;

use serde::Serialize;

use crate::config::Config;
use crate::faults::Fault;
use crate::state;

/// One logged API request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Logged {
    /// HTTP method.
    pub method: String,
    /// Path after `/client/v4`.
    pub path: String,
    /// The raw query, if any.
    pub query: Option<String>,
    /// The status answered; 0 for a dropped connection.
    pub status: u16,
    /// A JSON body as sent (multipart uploads, which may hold secrets, are
    /// not kept).
    pub body: Option<serde_json::Value>,
}

/// Everything the server shares between requests.
pub(crate) struct Shared {
    pub config: Config,
    /// `ws://127.0.0.1:<port>`: where tails' WebSockets are served.
    pub ws_base: String,
    pub state: Mutex<state::State>,
    pub faults: Mutex<Vec<Fault>>,
    pub log: Mutex<Vec<Logged>>,
    /// Requests to the registry front, if it was opened.
    pub registry_calls: Mutex<Vec<crate::registry_calls::RegistryCall>>,
    /// Milliseconds every API answer waits (a far-away API, for benchmarks).
    pub latency_ms: std::sync::atomic::AtomicU64,
}
