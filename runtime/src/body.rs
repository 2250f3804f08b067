//! Knowing when a proxied response's body has been sent: a download or an
//! event stream keeps the container busy until its last byte, not only
//! until its headers.

use worker::js_sys::{self, Array, Function, Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::{spawn_local, JsFuture};
use worker::web_sys::{Response as JsResponse, ResponseInit, TransformStream};
use worker::Response;

/// `response` with its body piped through a stream whose end runs `ended`
/// (also when the client goes away mid-body). The bytes stay in the
/// runtime's streams; none pass through wasm. A response without a body
/// runs `ended` at once.
pub fn on_body_end(response: Response, ended: impl FnOnce() + 'static) -> worker::Result<Response> {
    let response = JsResponse::from(response);
    let Some(body) = response.body() else {
        ended();
        return Ok(Response::from(response));
    };
    let pipe = pipe_for(&response)?;
    let piped: Promise = body.pipe_to(&pipe.writable());
    spawn_local(async move {
        let _ = JsFuture::from(piped).await;
        ended();
    });
    let init = ResponseInit::new();
    init.set_status(response.status());
    init.set_status_text(&response.status_text());
    init.set_headers(&response.headers());
    let relayed = JsResponse::new_with_opt_readable_stream_and_init(Some(&pipe.readable()), &init)?;
    Ok(Response::from(relayed))
}

/// A plain stream, or where the length is known workerd's
/// `FixedLengthStream`, so the client still gets `Content-Length`.
fn pipe_for(response: &JsResponse) -> worker::Result<TransformStream> {
    let length = response.headers().get("content-length").ok().flatten().and_then(|l| l.parse::<u64>().ok());
    let fixed = Reflect::get(&js_sys::global(), &JsValue::from_str("FixedLengthStream"))
        .ok()
        .and_then(|c| c.dyn_into::<Function>().ok());
    match (length, fixed) {
        (Some(length), Some(fixed)) => {
            let stream = Reflect::construct(&fixed, &Array::of1(&JsValue::from_f64(length as f64)))?;
            Ok(stream.unchecked_into())
        }
        _ => Ok(TransformStream::new()?),
    }
}
