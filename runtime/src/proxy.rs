//! Forwarding a request into the container.

use worker::web_sys::Request as JsRequest;
use worker::{Container, Request, Response};

/// Sends `req` to `port` of the container, keeping method, headers and
/// streamed body, minus the routing header. WebSocket upgrades pass
/// through as the container's 101 answer.
pub async fn forward(container: &Container, port: u16, req: JsRequest) -> worker::Result<Response> {
    container.get_tcp_port(port)?.fetch_request(Request::from(req)).await
}
