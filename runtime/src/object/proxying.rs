//! The request path: a request proxied into the container (started if
//! needed), counted as activity until its answer is over, and WebSocket
//! upgrades relayed while they stay open.

use std::rc::Rc;

use worker::web_sys::{Request as JsRequest, Response as JsResponse};
use worker::worker_sys::ext::ResponseExt;
use worker::Response;

use super::life::Phase;
use super::unavailable::Unavailable;
use super::{ContainerObject, Inner};
use crate::body::{self, Watch};
use crate::readiness::now_ms;
use crate::{js, proxy, relay, ContainerClass};

impl<C: ContainerClass> ContainerObject<C> {
    /// Proxies one request into the container, starting it if needed; the
    /// request is activity while it waits and while its answer's body is
    /// sent ([`body`]). The container's answer is handed on as the JS
    /// object it is (its body passed through a stream to see it sent).
    pub(super) async fn proxy_request(&self, req: JsRequest, port: Option<u16>) -> worker::Result<JsResponse> {
        let Some(port) = port.or(C::CONFIG.port) else {
            return self.unavailable(Unavailable::Job).await.map(Into::into);
        };
        self.end_stop_for_request().await;
        let activity = Activity::begin(&self.inner);
        self.schedule_alarm().await?;
        let container = match self.ensure_ready(None).await {
            Ok(container) => container,
            Err(unavailable) => return self.unavailable(unavailable).await.map(Into::into),
        };
        let answer = match proxy::forward(&container, port, &req).await {
            Ok(response) if response.status() == 101 => match response.websocket() {
                Some(upstream) => self.relay(upstream.into()),
                None => Response::error("the container switched protocols without a WebSocket", 502),
            },
            // The request stays activity while its body is being sent.
            Ok(response) => return body::relay(response, activity),
            Err(error) => {
                let failure = self.inner.life.borrow().proxy_failure(port, || js::describe(&error.into()));
                self.unavailable(failure).await
            }
        };
        answer.map(Into::into)
    }

    /// Tells `on_error` the whole story and the client the short one.
    pub(super) async fn unavailable(&self, unavailable: Unavailable) -> worker::Result<Response> {
        self.on_error(&self.control(), &unavailable.message()).await?;
        Response::error(unavailable.public_message(), unavailable.status())
    }

    /// A request during the stop grace period would reach a process that
    /// is shutting down: finish the stop now, so the request starts a fresh
    /// container.
    async fn end_stop_for_request(&self) {
        let stopping = self.inner.life.borrow().stopping();
        if stopping && self.control().running() {
            let _ = self.control().destroy().await;
            self.inner.life.borrow_mut().phase = Phase::Stopped;
        }
    }

    /// Relays an upgraded connection, counting it as activity while open.
    fn relay(&self, upstream: worker::WebSocket) -> worker::Result<Response> {
        self.inner.life.borrow_mut().activity.socket_opened();
        let (on_message, on_close) = (Rc::clone(&self.inner), Rc::clone(&self.inner));
        relay::relay(
            upstream,
            move || on_message.life.borrow_mut().activity.touch(now_ms()),
            move || on_close.life.borrow_mut().activity.socket_closed(now_ms()),
        )
    }
}

/// Counts a proxied request as activity: busy until the container's answer
/// and, for an answer of known length, until its body has been sent; an
/// answer without length counts while it sends ([`body`]).
struct Activity<C> {
    inner: Rc<Inner<C>>,
    /// Counted among the streams rather than in flight.
    streaming: bool,
}

impl<C> Activity<C> {
    fn begin(inner: &Rc<Inner<C>>) -> Self {
        inner.life.borrow_mut().request_began(now_ms());
        Activity { inner: Rc::clone(inner), streaming: false }
    }
}

impl<C: 'static> Watch for Activity<C> {
    fn streaming(&mut self) {
        if !std::mem::replace(&mut self.streaming, true) {
            self.inner.life.borrow_mut().activity.request_streams();
        }
    }

    fn sent(&mut self) {
        self.inner.life.borrow_mut().activity.touch(now_ms());
    }
}

impl<C> Drop for Activity<C> {
    fn drop(&mut self) {
        self.inner.life.borrow_mut().activity.request_ended(self.streaming, now_ms());
    }
}
