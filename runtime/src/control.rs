//! Stop, destroy and state queries, sent from the Worker to an instance's
//! Durable Object as requests carrying [`CONTROL_HEADER`].

use worker::{Headers, Method, Request, RequestInit, Response, Result};

/// Request header that turns a request to the Durable Object into a
/// control command. It counts only on the requests the Worker's own
/// [`Instance`](crate::Instance) methods send (to an internal host no
/// client request has), so clients cannot send commands, also when user
/// code hands their request to the raw stub.
pub const CONTROL_HEADER: &str = "cf-container-control";

/// What an instance reports about its container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ContainerState {
    /// The container process runs.
    pub running: bool,
    /// Its ports answered since it last started.
    pub ready: bool,
    /// Exit code of the last run that ended, if any.
    pub last_exit_code: Option<i32>,
    /// Requests being proxied right now.
    pub in_flight: u32,
}

/// A control command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Report [`ContainerState`].
    State,
    /// Start the container (options in the body) and report its state once
    /// it is ready.
    Start,
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
            other => other.strip_prefix("signal:")?.parse().ok().filter(|s| (1..=64).contains(s)).map(Command::Signal),
        }
    }

    /// The request that carries this command.
    pub(crate) fn request(self) -> Result<Request> {
        self.request_with_body(None)
    }

    /// The request that carries this command and a JSON body.
    pub(crate) fn request_with_body(self, body: Option<String>) -> Result<Request> {
        let headers = Headers::new();
        headers.set(CONTROL_HEADER, &self.header())?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_headers(headers);
        if let Some(body) = body {
            init.with_body(Some(body.into()));
        }
        Request::new_with_init(&format!("http://{}/control", crate::headers::INTERNAL_HOST), &init)
    }
}

/// The Durable Object's answer to a command.
pub(crate) fn answer(state: &ContainerState) -> Result<Response> {
    Response::from_json(state)
}
