//! The headers the runtime routes by, and header edits on requests and
//! responses (whose own headers are immutable once sent or received).

use worker::wasm_bindgen::JsCast;
use worker::web_sys::{Headers as JsHeaders, Request as JsRequest, RequestInit};
use worker::{Headers, Response, Result};

/// Request header that turns a request to the Durable Object into a
/// control command. It counts only on the requests the Worker's own
/// [`Instance`](crate::Instance) methods send (to an internal host no
/// client request has), so clients cannot send commands, also when user
/// code hands their request to the raw stub.
pub const CONTROL_HEADER: &str = "cf-container-control";

/// Request header naming the container port a request goes to (the JS
/// library's `switchPort`). It counts only on the requests
/// [`Instance::fetch_port`](crate::Instance::fetch_port) sends, so clients
/// cannot pick ports, also through the raw stub.
pub const TARGET_PORT_HEADER: &str = "cf-container-target-port";

/// The host of the requests the Worker's own [`Instance`](crate::Instance)
/// methods send to the Durable Object (control commands, another port).
/// `.internal` is reserved for private use, so no route, and no client
/// request a Worker passes on, carries it: only such a request may command
/// the container or pick a port.
pub(crate) const INTERNAL_HOST: &str = "cfcontainer.internal";

/// Where a request for another port was going, restored before proxying.
const ORIGINAL_URL_HEADER: &str = "cf-container-original-url";

/// What a request reaching the Durable Object is.
pub(crate) enum Incoming {
    /// A control command from the Worker.
    Control(String, JsRequest),
    /// A request the Worker sends to another port, restored to its URL.
    Port(u16, JsRequest),
    /// Anything else: for the default port, routing headers removed
    /// (a client's request a Worker hands on cannot carry them in).
    Client(JsRequest),
}

/// Sorts out a request reaching the Durable Object.
pub(crate) fn classify(req: JsRequest) -> Result<Incoming> {
    let headers = req.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    let (command, port) = (header(CONTROL_HEADER), header(TARGET_PORT_HEADER));
    // A client's request has neither: nothing to check or remove, and its
    // URL is not read.
    if command.is_none() && port.is_none() {
        return Ok(Incoming::Client(req));
    }
    // A prefix test, not a URL parser: the `url` crate's IDNA tables would
    // add about 260 KB to every Worker's wasm.
    let internal = req
        .url()
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_prefix(INTERNAL_HOST))
        .is_some_and(|rest| rest.starts_with('/'));
    if internal {
        if let Some(command) = command {
            return Ok(Incoming::Control(command, req));
        }
        if let (Some(port), Some(url)) = (port.and_then(|p| p.parse().ok()), header(ORIGINAL_URL_HEADER)) {
            let restored = JsRequest::new_with_str_and_init(&url, req.unchecked_ref::<RequestInit>())?;
            let restored = without_headers(restored, &[TARGET_PORT_HEADER, ORIGINAL_URL_HEADER])?;
            return Ok(Incoming::Port(port, restored));
        }
    }
    Ok(Incoming::Client(without_headers(req, &[CONTROL_HEADER, TARGET_PORT_HEADER])?))
}

/// `req` addressed to `port` of the container, as only the Worker can send it.
pub(crate) fn for_port(req: &JsRequest, port: u16) -> Result<JsRequest> {
    let internal =
        JsRequest::new_with_str_and_init(&format!("http://{INTERNAL_HOST}/port"), req.unchecked_ref::<RequestInit>())?;
    let internal = with_js_request_header(&internal, TARGET_PORT_HEADER, &port.to_string())?;
    let internal = with_js_request_header(&internal, ORIGINAL_URL_HEADER, &req.url())?;
    without_headers(internal, &[CONTROL_HEADER])
}

/// A copy of `req` without the headers `names`; the same request if it
/// has none of them (as a client's request has).
pub(crate) fn without_headers(req: JsRequest, names: &[&str]) -> Result<JsRequest> {
    let headers = req.headers();
    if !names.iter().any(|name| headers.has(name).unwrap_or(false)) {
        return Ok(req);
    }
    let headers = JsHeaders::new_with_headers(&headers)?;
    for name in names {
        headers.delete(name)?;
    }
    let init = RequestInit::new();
    init.set_headers(&headers);
    Ok(JsRequest::new_with_request_and_init(&req, &init)?)
}

/// A copy of `req` with `name: value` set.
pub(crate) fn with_js_request_header(req: &JsRequest, name: &str, value: &str) -> Result<JsRequest> {
    let headers = JsHeaders::new_with_headers(&req.headers())?;
    headers.set(name, value)?;
    let init = RequestInit::new();
    init.set_headers(&headers);
    Ok(JsRequest::new_with_request_and_init(req, &init)?)
}

/// `req` with `name: value` set (a request that came in has immutable
/// headers; this copies them, the body is passed on untouched). For a
/// [`Hooks::fetch`](crate::Hooks::fetch) that adds a header before it
/// proxies.
///
/// ```ignore
/// let req = cfcontainer::with_request_header(req, "x-user", &user)?;
/// control.proxy(req).await
/// ```
pub fn with_request_header(req: worker::Request, name: &str, value: &str) -> Result<worker::Request> {
    Ok(worker::Request::from(with_js_request_header(req.inner(), name, value)?))
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
