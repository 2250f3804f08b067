//! The two kinds of request an [`Instance`](crate::Instance) takes: a
//! workers-rs one, answered in workers-rs's type, or the JS object itself,
//! answered with the JS object that came back, nothing converted.

use worker::web_sys::{Request as JsRequest, Response as JsResponse};
use worker::{Request, Response};

/// A request [`Instance::fetch`](crate::Instance::fetch) and
/// [`fetch_port`](crate::Instance::fetch_port) send, and the response
/// type they answer it with:
///
/// - a [`worker::Request`] gets a [`worker::Response`];
/// - a [`web_sys::Request`](worker::web_sys::Request), what an
///   `#[event(fetch)]` handler receives when it takes one, gets the
///   instance's [`web_sys::Response`](worker::web_sys::Response) as it
///   arrived: no header copy, no URL re-parse, no body through wasm. The
///   cheapest way to hand a client's request to a container:
///
/// ```ignore
/// use worker::{event, web_sys, Context, Env, Result};
///
/// #[event(fetch)]
/// async fn fetch(req: web_sys::Request, env: Env, _ctx: Context) -> Result<web_sys::Response> {
///     MyContainer::named(&env, "container")?.fetch(req).await
/// }
/// ```
///
/// Implemented for those two types only.
pub trait Exchange: sealed::Sealed {
    /// What the instance's answer to this request is handed back as.
    type Response;

    /// The JS request to send (the same object, body untouched).
    #[doc(hidden)]
    fn into_js(self) -> JsRequest;

    /// The answer as `Self::Response`.
    #[doc(hidden)]
    fn answer(response: JsResponse) -> Self::Response;
}

impl Exchange for Request {
    type Response = Response;

    fn into_js(self) -> JsRequest {
        // The handle's clone, not JS `Request.clone()`: the same request.
        Clone::clone(self.inner())
    }

    fn answer(response: JsResponse) -> Response {
        Response::from(response)
    }
}

impl Exchange for JsRequest {
    type Response = JsResponse;

    fn into_js(self) -> JsRequest {
        self
    }

    fn answer(response: JsResponse) -> JsResponse {
        response
    }
}

mod sealed {
    /// Keeps [`Exchange`](super::Exchange) to the types above: `fetch`
    /// must know how to send each one as a JS request.
    pub trait Sealed {}

    impl Sealed for worker::Request {}
    impl Sealed for worker::web_sys::Request {}
}
