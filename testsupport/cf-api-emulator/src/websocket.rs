//! The tails' WebSocket, as the real tail host serves it: a client asks
//! for the `trace-v1` subprotocol (and nothing else is served), may send
//! `{"debug": bool}` (unmasked, as the official CLI sends it), and gets one
//! text frame per event; pings are answered; the socket closes when its
//! tail is deleted.

use std::sync::Arc;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::shared::Shared;
use crate::tails;

/// The subprotocol of tail events.
const PROTOCOL: &str = "trace-v1";

/// Answers a WebSocket upgrade to `/__tail/{id}` and serves the socket.
pub fn upgrade(shared: Arc<Shared>, mut req: Request<Incoming>, id: String) -> Response<Full<Bytes>> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let refuse = |status: u16, why: &str| {
        Response::builder().status(status).body(Full::new(Bytes::from(why.to_string()))).expect("valid response")
    };
    let asks_for_trace = header("sec-websocket-protocol").is_some_and(|p| p.split(',').any(|p| p.trim() == PROTOCOL));
    let Some(key) = header("sec-websocket-key") else { return refuse(400, "not a WebSocket upgrade") };
    if !asks_for_trace {
        return refuse(400, "the tail socket speaks the trace-v1 subprotocol only");
    }
    if !tails::exists(&shared.state.lock().unwrap(), &id) {
        return refuse(404, "no such tail");
    }
    let upgrading = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        let Ok(upgraded) = upgrading.await else { return };
        // The official CLI sends its `{"debug": ...}` frame unmasked (its
        // `ws` client is told `mask: false`), which the tail host takes; a
        // strict server would close the socket, and wrangler 4.164 would
        // reconnect (a new tail) again and again.
        let config = WebSocketConfig { accept_unmasked_frames: true, ..WebSocketConfig::default() };
        let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
        serve(shared, id, socket).await;
    });
    Response::builder()
        .status(101)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-accept", derive_accept_key(key.as_bytes()))
        .header("sec-websocket-protocol", PROTOCOL)
        .body(Full::new(Bytes::new()))
        .expect("valid response")
}

async fn serve(shared: Arc<Shared>, id: String, socket: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>) {
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();
    if tails::connect(&mut shared.state.lock().unwrap(), &id, sender).is_none() {
        return;
    }
    let (mut sink, mut stream) = socket.split();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(text) => {
                    if sink.send(Message::Text(text)).await.is_err() {
                        return;
                    }
                }
                // The tail was deleted.
                None => {
                    let _ = sink.send(Message::Close(None)).await;
                    return;
                }
            },
            // Reading answers the client's pings; its `{"debug": ...}` changes nothing here.
            message = stream.next() => match message {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
