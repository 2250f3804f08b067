//! The headers the runtime routes by, and header edits on requests and
//! responses (whose own headers are immutable once sent or received).

use worker::web_sys::{Headers as JsHeaders, Request as JsRequest, RequestInit};
use worker::{Headers, Response, Result};

/// Request header naming the container port a request goes to (the JS
/// library's `switchPort`). Stripped from requests that reach an
/// [`Instance`](crate::Instance) through
/// [`Instance::fetch`](crate::Instance::fetch), so clients cannot pick ports.
pub const TARGET_PORT_HEADER: &str = "cf-container-target-port";

/// The port a request asks for through [`TARGET_PORT_HEADER`], if any.
pub(crate) fn target_port(req: &JsRequest) -> Option<u16> {
    req.headers().get(TARGET_PORT_HEADER).ok().flatten().and_then(|p| p.parse().ok())
}

/// A copy of `req` without `name`; the same request if it lacks it.
pub(crate) fn without_header(req: JsRequest, name: &str) -> Result<JsRequest> {
    if !req.headers().has(name).unwrap_or(false) {
        return Ok(req);
    }
    let headers = JsHeaders::new_with_headers(&req.headers())?;
    headers.delete(name)?;
    let init = RequestInit::new();
    init.set_headers(&headers);
    Ok(JsRequest::new_with_request_and_init(&req, &init)?)
}

/// A copy of `req` with `name: value` set.
pub(crate) fn with_request_header(req: &JsRequest, name: &str, value: &str) -> Result<JsRequest> {
    let headers = JsHeaders::new_with_headers(&req.headers())?;
    headers.set(name, value)?;
    let init = RequestInit::new();
    init.set_headers(&headers);
    Ok(JsRequest::new_with_request_and_init(req, &init)?)
}

/// `response` with `name: value` set. A response that came back from a
/// container (or any `fetch`) has immutable headers; this copies them.
/// A `101 Switching Protocols` response is returned untouched.
///
/// ```ignore
/// let response = MyContainer::named(&env, "a")?.fetch(req).await?;
/// cfcontainer::with_header(response, "x-instance", "a")
/// ```
pub fn with_header(response: Response, name: &str, value: &str) -> Result<Response> {
    if response.status_code() == 101 {
        return Ok(response);
    }
    let headers = Headers::new();
    for (key, existing) in response.headers().entries() {
        headers.append(&key, &existing)?;
    }
    headers.set(name, value)?;
    Ok(response.with_headers(headers))
}
