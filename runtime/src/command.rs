//! Start, stop, destroy and state queries, sent from the Worker to an
//! instance's Durable Object as requests carrying [`CONTROL_HEADER`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use worker::js_sys::Object;
use worker::wasm_bindgen::JsValue;
use worker::web_sys::{Headers as JsHeaders, Request as JsRequest, RequestInit};
use worker::{Headers, Response, Result};

use crate::headers::{CONTROL_HEADER, INTERNAL_HOST};
use crate::js::{self, set};

/// What an instance reports about its container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContainerState {
    /// The container process runs.
    pub running: bool,
    /// Its ports answered since it last started (a job: it was started).
    pub ready: bool,
    /// Exit code of the latest run once it ended (a job's result); `None`
    /// while it runs and before the first start. Kept in the object's
    /// storage until the next start, so an object that was evicted still
    /// reports it.
    pub last_exit_code: Option<i32>,
    /// When that run ended, in milliseconds since the Unix epoch
    /// ([`ContainerState::last_exit_at`] as a `SystemTime`).
    pub last_exit_at_ms: Option<u64>,
    /// Requests being proxied right now.
    pub in_flight: u32,
}

impl ContainerState {
    /// When the latest run ended, if it did.
    pub fn last_exit_at(&self) -> Option<SystemTime> {
        self.last_exit_at_ms.map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
    }

    /// The object's answer to a command.
    pub(crate) fn to_response(&self) -> Result<Response> {
        let object = Object::new();
        set(&object, "running", &JsValue::from_bool(self.running));
        set(&object, "ready", &JsValue::from_bool(self.ready));
        let code = self.last_exit_code.map_or(JsValue::NULL, |c| JsValue::from_f64(c as f64));
        set(&object, "last_exit_code", &code);
        let at = self.last_exit_at_ms.map_or(JsValue::NULL, |at| JsValue::from_f64(at as f64));
        set(&object, "last_exit_at_ms", &at);
        set(&object, "in_flight", &JsValue::from_f64(self.in_flight as f64));
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        Ok(Response::ok(js::stringify(&object))?.with_headers(headers))
    }

    /// Reads the object's answer.
    pub(crate) async fn from_response(mut response: Response) -> Result<ContainerState> {
        let text = response.text().await?;
        if response.status_code() != 200 {
            return Err(worker::Error::RustError(text));
        }
        let value = js::parse(&text).map_err(worker::Error::RustError)?;
        let flag = |key: &str| js::get(&value, key).and_then(|v| v.as_bool()).unwrap_or(false);
        let number = |key: &str| js::get(&value, key).and_then(|v| v.as_f64());
        Ok(ContainerState {
            running: flag("running"),
            ready: flag("ready"),
            last_exit_code: number("last_exit_code").map(|c| c as i32),
            last_exit_at_ms: number("last_exit_at_ms").map(|at| at as u64),
            in_flight: number("in_flight").unwrap_or(0.0) as u32,
        })
    }
}

/// A control command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Report [`ContainerState`].
    State,
    /// Start the container (options in the body) and report its state once
    /// it is ready.
    Start,
    /// Report the state once the latest run has ended, or after this many
    /// milliseconds, whichever comes first.
    Wait(u64),
    /// Send this signal (15 stops it cleanly).
    Signal(i32),
    /// Kill the container at once.
    Destroy,
}

impl Command {
    /// The header value for this command.
    fn header(self) -> String {
        match self {
            Command::State => "state".into(),
            Command::Start => "start".into(),
            Command::Wait(ms) => format!("wait:{ms}"),
            Command::Signal(signo) => format!("signal:{signo}"),
            Command::Destroy => "destroy".into(),
        }
    }

    /// Parses a header value.
    pub(crate) fn parse(value: &str) -> Option<Command> {
        match value {
            "state" => Some(Command::State),
            "start" => Some(Command::Start),
            "destroy" => Some(Command::Destroy),
            other => match other.split_once(':')? {
                ("wait", ms) => ms.parse().ok().map(Command::Wait),
                ("signal", signo) => signo.parse().ok().filter(|s| (1..=64).contains(s)).map(Command::Signal),
                _ => None,
            },
        }
    }

    /// The request that carries this command, and a JSON body if given.
    pub(crate) fn request(self, body: Option<String>) -> Result<JsRequest> {
        let headers = JsHeaders::new()?;
        headers.set(CONTROL_HEADER, &self.header())?;
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_headers(&headers);
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(&body));
        }
        let url = format!("http://{INTERNAL_HOST}/control");
        Ok(JsRequest::new_with_str_and_init(&url, &init)?)
    }
}

#[cfg(test)]
mod tests {
    use super::Command;

    #[test]
    fn every_command_reads_back_from_its_header() {
        for command in [
            Command::State,
            Command::Start,
            Command::Wait(0),
            Command::Wait(90_000),
            Command::Signal(15),
            Command::Destroy,
        ] {
            assert_eq!(Command::parse(&command.header()), Some(command));
        }
    }

    #[test]
    fn signals_outside_1_to_64_and_unknown_commands_are_refused() {
        for header in ["signal:0", "signal:65", "signal:x", "wait:-1", "wait:", "waiting:5", "stop", ""] {
            assert_eq!(Command::parse(header), None, "{header}");
        }
    }
}
