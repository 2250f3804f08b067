//! `logs`: the Worker's live events through the tail API the official
//! CLI's `wrangler tail` uses: a tail created with the same filters, its
//! WebSocket read (`trace-v1`, `{"debug": false}` first, pinged every 10
//! s), and the tail deleted on Ctrl-C, on SIGTERM, or when the socket
//! ends. Container output is not among the events: with observability
//! logs on, the platform sends it to Workers Logs (the dashboard's
//! Observability tab); the tail carries the Worker's and its Durable
//! Objects' invocations, their console lines and exceptions, the
//! runtime's lifecycle lines among them.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::signal::unix::{signal, SignalKind};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::api::{Client, NewTail, TailEvent, TailFilter};
use crate::output::{Output, Reason};
use crate::project::Project;
use crate::Error;

/// How often the socket is pinged, as the official CLI does.
const PING_EVERY: Duration = Duration::from_secs(10);

/// An outcome `logs --status` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TailStatus {
    /// Answered.
    Ok,
    /// Threw, or ran out of CPU or memory.
    Error,
    /// Cancelled by the client.
    Canceled,
}

/// Which events to follow: the official CLI's filters.
#[derive(Debug, Clone, Default)]
pub struct LogsOptions {
    /// Outcomes.
    pub status: Vec<TailStatus>,
    /// Request methods.
    pub method: Vec<String>,
    /// Text in console lines or exceptions.
    pub search: Option<String>,
    /// The share of events.
    pub sampling_rate: Option<f64>,
    /// `name` or `name:value`.
    pub header: Option<String>,
    /// Client addresses.
    pub ip: Vec<String>,
}

/// The filters of `options`, in the official CLI's order and shapes
/// (`--status error` is every failing outcome; a sampling rate of 0 is
/// none); a rate out of range is an error.
pub fn filters(options: &LogsOptions) -> Result<Vec<TailFilter>, Error> {
    let mut filters = Vec::new();
    if let Some(rate) = options.sampling_rate.filter(|r| *r != 0.0) {
        if !(rate > 0.0 && rate < 1.0) {
            return Err(Error::BadFilter {
                why: format!(
                    "--sampling-rate {rate} is not a share of the events; give one above 0 and below 1 (e.g. 0.1)"
                ),
            });
        }
        filters.push(TailFilter::SamplingRate(rate));
    }
    if !options.status.is_empty() {
        let mut outcomes: Vec<String> = Vec::new();
        for status in &options.status {
            let names: &[&str] = match status {
                TailStatus::Ok => &["ok"],
                TailStatus::Canceled => &["canceled"],
                TailStatus::Error => &["exception", "exceededCpu", "exceededMemory", "unknown"],
            };
            outcomes.extend(names.iter().map(|n| n.to_string()).filter(|n| !outcomes.contains(n)).collect::<Vec<_>>());
        }
        filters.push(TailFilter::Outcome(outcomes));
    }
    if !options.method.is_empty() {
        filters.push(TailFilter::Method(options.method.clone()));
    }
    if let Some(header) = &options.header {
        // As the official CLI splits it: at the first colon, both sides trimmed.
        let (key, query) = match header.split_once(':') {
            Some((key, value)) => (key.trim(), Some(value.split(':').next().unwrap_or(value).trim().to_string())),
            None => (header.trim(), None),
        };
        filters.push(TailFilter::Header { key: key.to_string(), query });
    }
    if !options.ip.is_empty() {
        filters.push(TailFilter::ClientIp(options.ip.clone()));
    }
    if let Some(search) = &options.search {
        filters.push(TailFilter::Query(search.clone()));
    }
    Ok(filters)
}

/// Follows the live events of `project`'s Worker, handing each to `event`
/// (as received, and as read), until Ctrl-C or SIGTERM (`Ok`) or the
/// socket ends (an error saying so); the tail is deleted either way.
pub fn follow(
    project: &Project,
    options: &LogsOptions,
    out: &Output,
    mut event: impl FnMut(&Value, &TailEvent),
) -> Result<(), Error> {
    let filters = filters(options)?;
    let client = Client::from_env(project.settings.account_id.as_deref())?;
    let worker = project.settings.name.clone();
    crate::runtime()?.block_on(async {
        let tail = match client.create_tail(&worker, &NewTail { filters }, out).await {
            Err(Error::Api { status: 404, .. }) => {
                return Err(Error::NotDeployed { worker: worker.clone(), account: client.account().to_string() })
            }
            tail => tail?,
        };
        let connected = || {
            let connected = Connected { worker: &worker, expires_at: &tail.expires_at };
            out.event(Reason::Tail, &connected, || format!("Connected to {worker}, waiting for logs (Ctrl-C stops)"))
        };
        let ended = read(tail.url.expose(), &worker, connected, &mut event).await;
        // The tail goes whatever ended the reading.
        client.delete_tail(&worker, &tail.id, out).await?;
        ended
    })
}

/// Reads the tail's socket until a stop signal (`Ok`) or its end.
async fn read(
    url: &str,
    worker: &str,
    connected: impl FnOnce(),
    event: &mut impl FnMut(&Value, &TailEvent),
) -> Result<(), Error> {
    let failed = |why: String| Error::Tail { worker: worker.to_string(), why };
    let mut request =
        url.into_client_request().map_err(|e| failed(format!("has a URL the socket cannot use ({e})")))?;
    let headers = request.headers_mut();
    headers.insert("sec-websocket-protocol", HeaderValue::from_static("trace-v1"));
    headers.insert("user-agent", HeaderValue::from_static(concat!("cargo-cfcontainer/", env!("CARGO_PKG_VERSION"))));
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| failed(format!("could not be reached ({})", crate::error::one_line(&e.to_string()))))?;
    let (mut sink, mut stream) = socket.split();
    sink.send(Message::Text(r#"{"debug":false}"#.into()))
        .await
        .map_err(|e| failed(format!("refused the connection ({e})")))?;
    // The signals are caught before anyone is told the tail is connected:
    // a Ctrl-C right after that line would otherwise end the process
    // before its handler exists, and leave the tail behind.
    let cannot_stop = |e: std::io::Error| failed(format!("cannot be stopped by a signal ({e})"));
    let mut interrupt = signal(SignalKind::interrupt()).map_err(cannot_stop)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(cannot_stop)?;
    connected();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
            _ = ping.tick() => {
                if sink.send(Message::Ping(b"cargo cfcontainer logs".to_vec())).await.is_err() {
                    return Err(failed("closed".into()));
                }
            }
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let raw: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                    let parsed: TailEvent = serde_json::from_value(raw.clone()).unwrap_or_default();
                    event(&raw, &parsed);
                }
                Some(Ok(Message::Close(_))) | None => {
                    return Err(failed("closed (the tail was deleted or expired)".into()));
                }
                Some(Err(e)) => return Err(failed(format!("broke off ({e})"))),
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = sink.send(Message::Close(None)).await;
    Ok(())
}

/// A live log connected (event `tail`).
#[derive(serde::Serialize)]
struct Connected<'a, T: serde::Serialize> {
    worker: &'a str,
    /// When the API ends the tail.
    expires_at: &'a T,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filters_are_the_official_clis_in_its_order() {
        let options = LogsOptions {
            status: vec![TailStatus::Error, TailStatus::Ok],
            method: vec!["GET".into()],
            search: Some("foo".into()),
            sampling_rate: Some(0.5),
            header: Some("k: v".into()),
            ip: vec!["self".into()],
        };
        let json = serde_json::to_value(NewTail { filters: filters(&options).unwrap() }).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "filters": [
                { "sampling_rate": 0.5 },
                { "outcome": ["exception", "exceededCpu", "exceededMemory", "unknown", "ok"] },
                { "method": ["GET"] },
                { "header": { "key": "k", "query": "v" } },
                { "client_ip": ["self"] },
                { "query": "foo" },
            ] })
        );
        let bad = LogsOptions { sampling_rate: Some(1.5), ..LogsOptions::default() };
        assert!(filters(&bad).unwrap_err().to_string().contains("above 0 and below 1"));
        assert!(filters(&LogsOptions::default()).unwrap().is_empty());
    }
}
