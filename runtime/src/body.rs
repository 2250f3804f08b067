//! Handing a proxied response's body on while the object watches it: a
//! download keeps the container busy until its last byte, an event stream
//! while it sends, and neither once the client went away.
//!
//! workerd tells a Durable Object that the client left only when bytes
//! for it cannot be delivered (1.20260305: a client that disconnects from
//! a response with nothing left to send is never noticed). A body with a
//! `Content-Length` ends by itself, so it is piped by workerd and watched
//! until it ends. A body without one (an event stream, chunked output)
//! may stay open and silent for ever, its client long gone, so it is
//! handed on chunk by chunk and counts as activity only while it sends.

use wasm_bindgen::prelude::*;
use worker::wasm_bindgen_futures::{spawn_local, JsFuture};
use worker::web_sys::{ReadableStreamDefaultReader, Response as JsResponse, ResponseInit, TransformStream};

use crate::js;

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

/// How a body is handed on, by its `Content-Length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Handling {
    /// As it is, not watched: an empty body. A short body is watched
    /// like any other: a slow server may send its few bytes long after
    /// the headers (a long poll), and its container must not be put to
    /// sleep in between.
    AsItIs,
    /// Piped by workerd through a stream of this length, and watched until
    /// its last byte is sent.
    Piped(u64),
    /// No length (none given, or not a number): handed on chunk by chunk,
    /// activity only while it sends.
    Streamed,
}

impl Handling {
    /// The body-watch rule, given the answer's `Content-Length` header.
    fn of(content_length: Option<&str>) -> Handling {
        match content_length.and_then(|l| l.parse::<u64>().ok()) {
            Some(0) => Handling::AsItIs,
            Some(length) => Handling::Piped(length),
            None => Handling::Streamed,
        }
    }
}

/// Who counts a relayed body as activity. Dropping it means the body is
/// over: it ended, or could not be delivered (the client went away).
pub trait Watch: 'static {
    /// The body has no length: it is activity only while it sends.
    fn streaming(&mut self);
    /// A chunk of a body without length reached the client.
    fn sent(&mut self);
}

/// `response` with its body handed on through a stream of workerd's own,
/// reported to `watch` until it is over. The bytes stay in the runtime's
/// streams: a body of known length is piped by workerd, one without is
/// handed on chunk by chunk (each chunk a handle; no byte passes through
/// wasm). A response without a body, or with an empty one, drops `watch`
/// at once and is returned as it is.
pub fn relay(response: JsResponse, mut watch: impl Watch) -> worker::Result<JsResponse> {
    let Some(body) = response.body() else {
        return Ok(response);
    };
    let length = response.headers().get("content-length").ok().flatten();
    let pipe: TransformStream = match Handling::of(length.as_deref()) {
        // Nothing is left to send: the request stops being activity now.
        Handling::AsItIs => return Ok(response),
        Handling::Piped(length) => {
            let pipe: TransformStream = FixedLengthStream::new(length as f64)?.into();
            let piped = body.pipe_to(&pipe.writable());
            spawn_local(async move {
                let _ = JsFuture::from(piped).await;
                drop(watch);
            });
            pipe
        }
        Handling::Streamed => {
            watch.streaming();
            let pipe: TransformStream = IdentityTransformStream::new()?.into();
            let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
            let writer = pipe.writable().get_writer()?;
            spawn_local(async move {
                hand_on(&reader, &writer, &mut watch).await;
                drop(watch);
            });
            pipe
        }
    };
    // The response itself as the init, as the JS library does: its status,
    // status text and headers carry over in one call.
    let init: &ResponseInit = response.unchecked_ref();
    Ok(JsResponse::new_with_opt_readable_stream_and_init(Some(&pipe.readable()), init)?)
}

/// Moves chunks from `reader` to `writer` until the body ends, the
/// container's side fails (passed on to the client) or the client's side
/// does (the container's body is cancelled).
async fn hand_on(
    reader: &ReadableStreamDefaultReader,
    writer: &worker::web_sys::WritableStreamDefaultWriter,
    watch: &mut impl Watch,
) {
    loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(chunk) => chunk,
            Err(error) => {
                let _ = writer.abort_with_reason(&error);
                return;
            }
        };
        if js::get(&chunk, "done").and_then(|done| done.as_bool()).unwrap_or(false) {
            let _ = JsFuture::from(writer.close()).await;
            return;
        }
        let value = js::get(&chunk, "value").unwrap_or(JsValue::UNDEFINED);
        if JsFuture::from(writer.write_with_chunk(&value)).await.is_err() {
            let _ = reader.cancel();
            return;
        }
        watch.sent();
    }
}

#[cfg(test)]
mod tests {
    use super::Handling;

    #[test]
    fn an_empty_answer_is_handed_on_unwatched() {
        assert_eq!(Handling::of(Some("0")), Handling::AsItIs);
    }

    #[test]
    fn an_answer_of_known_length_is_watched_to_its_last_byte_however_short() {
        assert_eq!(Handling::of(Some("1")), Handling::Piped(1));
        assert_eq!(Handling::of(Some("65537")), Handling::Piped(65_537));
        assert_eq!(Handling::of(Some("10737418240")), Handling::Piped(10 * 1024 * 1024 * 1024));
    }

    #[test]
    fn an_answer_without_length_is_streamed() {
        assert_eq!(Handling::of(None), Handling::Streamed);
    }

    #[test]
    fn an_answer_whose_length_is_not_a_number_is_streamed() {
        for length in ["", "abc", "-1", " 12", "1e6"] {
            assert_eq!(Handling::of(Some(length)), Handling::Streamed, "{length:?}");
        }
    }
}
