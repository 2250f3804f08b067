//! An [`Instance`] carries the calls of a `#[protocol]` client: each call
//! goes in as `fetch` does (the container started and its port awaited),
//! to the default port.
//!
//! ```ignore
//! let thumbs = ThumbnailsClient::new(Thumbs::named(&env, "a")?);
//! let image = thumbs.resize(Resize { width: 640, height: 480 }).await?;
//! ```

use cfcontainer_protocol::wire::{Outcome, OUTCOME_HEADER, PROTOCOL_HEADER};
use cfcontainer_protocol::{Call, Reply, Transport};
use futures_util::future::LocalBoxFuture;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use worker::{Headers, Method, Request, RequestInit};

use crate::class::{ContainerClass, Listens};
use crate::routing::Instance;

impl<C: ContainerClass + Listens> Transport for Instance<C> {
    fn send(&self, call: Call) -> LocalBoxFuture<'_, Result<Reply, String>> {
        Box::pin(async move {
            let request = request(call).map_err(|e| e.to_string())?;
            let mut response = self.fetch(request).await.map_err(|e| e.to_string())?;
            let status = response.status_code();
            let outcome = response.headers().get(OUTCOME_HEADER).ok().flatten();
            // A stream is read as it comes; any other answer is one
            // message, read in one piece (cheaper than chunk by chunk).
            let body = if outcome.as_deref() == Some(Outcome::Stream.as_str()) {
                response.stream().map_err(|e| e.to_string())?.map_err(|e| e.to_string()).boxed_local()
            } else {
                let bytes = response.bytes().await.map_err(|e| e.to_string())?;
                stream::once(async move { Ok(bytes) }).boxed_local()
            };
            Ok(Reply { status, outcome, body })
        })
    }
}

fn request(call: Call) -> worker::Result<Request> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set(PROTOCOL_HEADER, &call.protocol)?;
    let body = worker::js_sys::Uint8Array::from(call.body.as_slice());
    let init = RequestInit { method: Method::Post, headers, body: Some(body.into()), ..RequestInit::default() };
    // The host is not used: the object routes by path to the container.
    Request::new_with_init(&format!("http://container{}", call.path), &init)
}
