//! The entrypoint's side: one intercepted request, decided by
//! [`resolve`](super::resolve) and answered.

use wasm_bindgen::{JsCast, JsValue};
use worker::web_sys::{Request as JsRequest, Response as JsResponse};
use worker::{Env, Fetch, Request, Response};

use super::glob;
use super::resolve::{resolve, Decision, Props};
use crate::class::ContainerClass;
use crate::outbound::Outbound;

/// Answers an intercepted request of class `C`'s container: `ctx` is the
/// entrypoint's context, whose props the object set. The generated
/// `CfcontainerOutboundImpl_<Class>` calls it.
pub fn serve<C: ContainerClass>(ctx: JsValue, env: Env, req: JsRequest) -> worker::js_sys::Promise {
    crate::js::promise(async move {
        let response = answer::<C>(&ctx, env, req).await.unwrap_or_else(|e| {
            // A handler's error: the container sees a 500 with the cause,
            // as a JS handler that throws gives it one.
            Response::error(format!("outbound handler failed: {e}"), 500).expect("a literal response")
        });
        let response: JsResponse = response.into();
        Ok(response.unchecked_into())
    })
}

async fn answer<C: ContainerClass>(ctx: &JsValue, env: Env, req: JsRequest) -> worker::Result<Response> {
    let props = crate::js::get(ctx, "props").unwrap_or(JsValue::UNDEFINED);
    let props: Props = serde_wasm_bindgen::from_value(props)
        .map_err(|e| worker::Error::RustError(format!("the interception carries no egress settings: {e}")))?;
    let req = Request::from(req);
    let url = req.url()?;
    let host = glob::normalize(url.host_str().unwrap_or_default()).to_string();
    let outbound = Outbound { container_id: props.container_id.clone(), class_name: props.class_name.clone(), host };
    match resolve(&props, &outbound.host) {
        Decision::Deny => Response::error("Origin is disallowed", 520),
        Decision::Internet => Fetch::Request(req).send().await,
        Decision::ByHost(index) => C::outbound(Some(index), req, env, outbound).await,
        Decision::CatchAll => C::outbound(None, req, env, outbound).await,
    }
}
