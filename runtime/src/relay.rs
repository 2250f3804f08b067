//! WebSocket pass-through that the Durable Object can see: the client's
//! socket and the container's are joined message by message, so an open
//! connection counts as activity and `sleep_after` waits for it to close.

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use worker::{Response, WebSocket, WebSocketPair, WebsocketEvent};

/// Joins `upstream` (the container's accepted socket) to a new client
/// socket; `on_message` runs for every message either way and `on_close`
/// once when either side ends. Returns the 101 response for the client.
pub fn relay(
    upstream: WebSocket,
    on_message: impl Fn() + 'static,
    on_close: impl FnOnce() + 'static,
) -> worker::Result<Response> {
    let WebSocketPair { client, server } = WebSocketPair::new()?;
    server.accept()?;
    upstream.accept()?;
    worker::wasm_bindgen_futures::spawn_local(async move {
        pump(&server, &upstream, &on_message).await;
        on_close();
    });
    Response::from_websocket(client)
}

async fn pump(client: &WebSocket, upstream: &WebSocket, on_message: &impl Fn()) {
    let (Ok(mut from_client), Ok(mut from_upstream)) = (client.events(), upstream.events()) else { return };
    loop {
        let (event, to) = match select(from_client.next(), from_upstream.next()).await {
            Either::Left((event, _)) => (event, upstream),
            Either::Right((event, _)) => (event, client),
        };
        let other = if std::ptr::eq(to, upstream) { client } else { upstream };
        match event {
            Some(Ok(WebsocketEvent::Message(message))) => {
                on_message();
                let sent = match (message.text(), message.bytes()) {
                    (Some(text), _) => to.send_with_str(text),
                    (None, Some(bytes)) => to.send_with_bytes(bytes),
                    (None, None) => Ok(()),
                };
                if sent.is_err() {
                    let _ = other.close(Some(1011), Some("peer went away"));
                    return;
                }
            }
            Some(Ok(WebsocketEvent::Close(close))) => {
                // 1005 and 1006 describe a close; they cannot be sent.
                let code = match close.code() {
                    1005 | 1006 => 1000,
                    code => code,
                };
                let _ = to.close(Some(code), Some(close.reason()));
                // Answer the closing side too, completing its handshake.
                let _ = other.close(Some(code), Some(close.reason()));
                return;
            }
            Some(Err(_)) | None => {
                let _ = to.close(Some(1011), Some("peer went away"));
                return;
            }
        }
    }
}
