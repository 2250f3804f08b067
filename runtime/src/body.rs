//! Knowing when a proxied response's body has been sent: a download or an
//! event stream keeps the container busy until its last byte, not only
//! until its headers.

use wasm_bindgen::prelude::*;
use worker::wasm_bindgen_futures::{spawn_local, JsFuture};
use worker::web_sys::{Response as JsResponse, ResponseInit, TransformStream};

#[wasm_bindgen]
extern "C" {
    /// workerd's byte stream that hands on what is written to it. Piped
    /// from a fetched body, workerd moves the bytes itself; a JS
    /// `TransformStream` would take every chunk through JS.
    #[wasm_bindgen(extends = TransformStream)]
    type IdentityTransformStream;

    #[wasm_bindgen(constructor, catch)]
    fn new() -> Result<IdentityTransformStream, JsValue>;

    /// The same for a body of known length, so the client still gets
    /// `Content-Length`.
    #[wasm_bindgen(extends = TransformStream)]
    type FixedLengthStream;

    #[wasm_bindgen(constructor, catch)]
    fn new(length: f64) -> Result<FixedLengthStream, JsValue>;
}

/// `response` with its body piped through a stream whose end runs `ended`
/// (also when the client goes away mid-body). The bytes stay in the
/// runtime's streams; none pass through wasm. A response without a body
/// runs `ended` at once and is returned as it is.
pub fn on_body_end(response: JsResponse, ended: impl FnOnce() + 'static) -> worker::Result<JsResponse> {
    let Some(body) = response.body() else {
        ended();
        return Ok(response);
    };
    let pipe = pipe_for(&response)?;
    let piped = body.pipe_to(&pipe.writable());
    spawn_local(async move {
        let _ = JsFuture::from(piped).await;
        ended();
    });
    // The response itself as the init, as the JS library does: its status,
    // status text and headers carry over in one call.
    let init: &ResponseInit = response.unchecked_ref();
    Ok(JsResponse::new_with_opt_readable_stream_and_init(Some(&pipe.readable()), init)?)
}

fn pipe_for(response: &JsResponse) -> Result<TransformStream, JsValue> {
    let length = response.headers().get("content-length").ok().flatten().and_then(|l| l.parse::<u64>().ok());
    Ok(match length {
        Some(length) => FixedLengthStream::new(length as f64)?.into(),
        None => IdentityTransformStream::new()?.into(),
    })
}
