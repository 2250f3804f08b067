//! WebSocket pass-through that the Durable Object can see: the client's
//! socket and the container's are joined message by message, so an open
//! connection counts as activity and `sleep_after` waits for it to close.
//!
//! Written on the sockets' own event listeners (one closure type for all
//! events) rather than `worker::WebSocket::events`, whose channels and
//! streams cost several KB of wasm in every Worker.

use std::cell::RefCell;
use std::rc::Rc;

use worker::wasm_bindgen::closure::Closure;
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::web_sys::{CloseEvent, MessageEvent, WebSocket as Socket};
use worker::{Response, WebSocket, WebSocketPair};

type Listener = Closure<dyn FnMut(JsValue)>;

/// What one relayed connection holds until it ends.
struct Link {
    /// The listeners; dropped once the connection ended.
    listeners: Vec<Listener>,
    /// Runs once, when either side ends.
    on_close: Option<Box<dyn FnOnce()>>,
}

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
    let (near, far): (Socket, Socket) = (server.as_ref().clone(), upstream.as_ref().clone());
    // Binary messages as ArrayBuffers, as they are sent on: from
    // compatibility date 2026-03-17 a socket hands them over as Blobs
    // unless told otherwise (`websocket_standard_binary_type`). Set through
    // the property itself: web-sys's setter would add its enum to the wasm.
    for socket in [&near, &far] {
        let _ = worker::js_sys::Reflect::set(socket, &"binaryType".into(), &"arraybuffer".into());
    }
    let link = Rc::new(RefCell::new(Link { listeners: Vec::new(), on_close: Some(Box::new(on_close)) }));
    let on_message: Rc<dyn Fn()> = Rc::new(on_message);
    for (from, to) in [(&near, &far), (&far, &near)] {
        let (to_send, sender, on_message) = (to.clone(), from.clone(), Rc::clone(&on_message));
        let message = Listener::new(move |event: JsValue| {
            on_message();
            let data = event.unchecked_into::<MessageEvent>().data();
            let sent = match data.as_string() {
                Some(text) => to_send.send_with_str(&text),
                None => to_send.send_with_array_buffer(data.unchecked_ref()),
            };
            if sent.is_err() {
                let _ = sender.close_with_code_and_reason(1011, "peer went away");
            }
        });
        let (ends, to_close, other) = (Rc::clone(&link), to.clone(), from.clone());
        let close = Listener::new(move |event: JsValue| {
            let (code, reason) = match event.dyn_ref::<CloseEvent>() {
                // 1005 and 1006 describe a close; they cannot be sent.
                Some(close) if !matches!(close.code(), 1005 | 1006) => (close.code(), close.reason()),
                Some(close) => (1000, close.reason()),
                None => (1011, "peer went away".to_string()),
            };
            let _ = to_close.close_with_code_and_reason(code, &reason);
            // Answer the closing side too, completing its handshake.
            let _ = other.close_with_code_and_reason(code, &reason);
            end(&ends);
        });
        from.add_event_listener_with_callback("message", message.as_ref().unchecked_ref())?;
        from.add_event_listener_with_callback("close", close.as_ref().unchecked_ref())?;
        from.add_event_listener_with_callback("error", close.as_ref().unchecked_ref())?;
        link.borrow_mut().listeners.extend([message, close]);
    }
    Response::from_websocket(client)
}

/// Runs `on_close` once and lets the listeners go. They are dropped on a
/// later turn: a closure must not be freed while it runs.
fn end(link: &Rc<RefCell<Link>>) {
    let Some(on_close) = link.borrow_mut().on_close.take() else { return };
    on_close();
    let link = Rc::clone(link);
    worker::wasm_bindgen_futures::spawn_local(async move {
        drop(std::mem::take(&mut link.borrow_mut().listeners));
    });
}
