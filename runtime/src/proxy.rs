//! Forwarding a request into the container.

use worker::web_sys::{Headers, Request as JsRequest, RequestInit};
use worker::{Container, Request, Response};

use crate::routing::TARGET_PORT_HEADER;

/// The port a request asks for through [`TARGET_PORT_HEADER`], if any.
pub fn target_port(req: &JsRequest) -> Option<u16> {
    req.headers().get(TARGET_PORT_HEADER).ok().flatten().and_then(|p| p.parse().ok())
}

/// Sends `req` to `port` of the container, keeping method, headers and
/// streamed body, minus the routing header. WebSocket upgrades pass
/// through as the container's 101 answer.
pub async fn forward(container: &Container, port: u16, req: JsRequest) -> worker::Result<Response> {
    let req = without_header(req, TARGET_PORT_HEADER)?;
    container.get_tcp_port(port)?.fetch_request(Request::from(req)).await
}

/// A copy of `req` without `name`; the same request if it lacks it.
pub fn without_header(req: JsRequest, name: &str) -> worker::Result<JsRequest> {
    if !req.headers().has(name).unwrap_or(false) {
        return Ok(req);
    }
    let headers = Headers::new_with_headers(&req.headers())?;
    headers.delete(name)?;
    let init = RequestInit::new();
    init.set_headers(&headers);
    Ok(JsRequest::new_with_request_and_init(&req, &init)?)
}
