//! Forwarding a request into the container.

use worker::web_sys::Request as JsRequest;
use worker::{Container, Request, Response};

use crate::headers::{without_header, TARGET_PORT_HEADER};

/// Sends `req` to `port` of the container, keeping method, headers and
/// streamed body, minus the routing header. WebSocket upgrades pass
/// through as the container's 101 answer.
pub async fn forward(container: &Container, port: u16, req: JsRequest) -> worker::Result<Response> {
    let req = without_header(req, TARGET_PORT_HEADER)?;
    container.get_tcp_port(port)?.fetch_request(Request::from(req)).await
}
