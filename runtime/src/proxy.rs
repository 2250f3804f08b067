//! Forwarding a request into the container.

use worker::wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::{Request as JsRequest, Response as JsResponse};
use worker::worker_sys::Fetcher;
use worker::Container;

/// Sends `req` to `port` of the container, keeping method, headers and
/// streamed body; the container's answer is returned as it came.
/// WebSocket upgrades pass through as the container's 101 answer.
///
/// The port's fetcher is made for each request: one kept per port and
/// shared by concurrent requests loses their connections ("Network
/// connection lost", workerd 1.20260305).
pub async fn forward(container: &Container, port: u16, req: &JsRequest) -> worker::Result<JsResponse> {
    let fetcher: Fetcher = container.get_tcp_port(port)?.into_rpc();
    Ok(JsFuture::from(fetcher.fetch(req)?).await?.unchecked_into())
}
