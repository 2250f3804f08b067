//! `cargo cfcontainer logs`: the Worker's live events until Ctrl-C (see
//! [`crate::ops::logs`]): one block per event for people, one JSON object
//! a line with `--message-format json`.

use cfcontainer_meta::LIFECYCLE_PREFIX;
use serde_json::Value;

use crate::api::TailEvent;
use crate::cli::{GlobalArgs, LogsArgs};
use crate::ops::logs::{self, LogsOptions};
use crate::output::{MessageFormat, Output, Reason};
use crate::Error;

/// Follows the logs.
pub fn run(global: &GlobalArgs, args: &LogsArgs, out: &Output) -> Result<(), Error> {
    let options = LogsOptions {
        status: args.status.clone(),
        method: args.method.clone(),
        search: args.search.clone(),
        sampling_rate: args.sampling_rate,
        header: args.header.clone(),
        ip: args.ip.clone(),
    };
    let json = global.message_format == MessageFormat::Json;
    logs::follow(&global.project()?, &options, out, |raw, event| match json {
        true => out.result(Reason::Log, raw, String::new),
        false => out.result(Reason::Log, raw, || pretty(event)),
    })
}

/// One event: what ran and how it ended, then its console lines (the
/// runtime's lifecycle lines marked) and exceptions.
fn pretty(event: &TailEvent) -> String {
    let when = event
        .event_timestamp
        .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64))
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| "-".into());
    let outcome = match event.outcome.as_str() {
        "ok" => "Ok",
        "canceled" => "Canceled",
        "exceededCpu" => "Exceeded CPU Limit",
        "exceededMemory" => "Exceeded Memory Limit",
        "exception" => "Exception Thrown",
        _ => "Unknown",
    };
    let what = event.event.as_ref().map(describe).unwrap_or_else(|| "Unknown Event".into());
    let by = match (&event.entrypoint, event.execution_model.as_deref()) {
        (Some(class), Some("durableObject")) => format!("{class} (Durable Object) "),
        (Some(entrypoint), _) => format!("{entrypoint} "),
        _ => String::new(),
    };
    let mut lines = vec![format!("{by}{what} - {outcome} @ {when}")];
    for log in &event.logs {
        let text: Vec<String> =
            log.message.iter().map(|m| m.as_str().map(str::to_string).unwrap_or_else(|| m.to_string())).collect();
        let text = text.join(" ");
        match text.strip_prefix(LIFECYCLE_PREFIX) {
            Some(lifecycle) => lines.push(format!("  [container] {lifecycle}")),
            None => lines.push(format!("  ({}) {text}", log.level)),
        }
    }
    for exception in &event.exceptions {
        let message = exception.message.as_str().map(str::to_string).unwrap_or_else(|| exception.message.to_string());
        lines.push(format!("  ✘ {}: {message}", exception.name));
    }
    lines.join("\n")
}

/// What invoked the event, as the official CLI names it.
fn describe(event: &Value) -> String {
    if let Some(request) = event.get("request") {
        let method = request["method"].as_str().unwrap_or_default().to_uppercase();
        return format!("{method} {}", request["url"].as_str().unwrap_or_default());
    }
    if let Some(cron) = event.get("cron").and_then(Value::as_str) {
        return format!("{cron:?} (cron)");
    }
    if let Some(queue) = event.get("queue").and_then(Value::as_str) {
        return format!("Queue {queue} ({} messages)", event["batchSize"]);
    }
    if let Some(method) = event.get("rpcMethod").and_then(Value::as_str) {
        return format!("RPC {method}");
    }
    if event.get("scheduledTime").is_some() {
        return "Alarm".into();
    }
    "Unknown Event".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_shows_its_request_its_console_lines_and_the_runtimes_lifecycle_lines_as_such() {
        let raw = serde_json::json!({
            "outcome": "exception", "entrypoint": "MyContainer", "executionModel": "durableObject",
            "eventTimestamp": 1764756000000u64,
            "event": { "request": { "url": "https://app.example.workers.dev/api", "method": "get" }, "response": { "status": 500 } },
            "logs": [
                { "message": ["saved", 3], "level": "log" },
                { "message": [format!("{LIFECYCLE_PREFIX}MyContainer stopped with exit code 1")], "level": "log" },
            ],
            "exceptions": [{ "name": "Error", "message": "boom" }],
        });
        let event: TailEvent = serde_json::from_value(raw).unwrap();
        assert_eq!(
            pretty(&event),
            "MyContainer (Durable Object) GET https://app.example.workers.dev/api - Exception Thrown @ 2025-12-03T10:00:00.000Z\n  (log) saved 3\n  [container] MyContainer stopped with exit code 1\n  ✘ Error: boom"
        );
    }
}
