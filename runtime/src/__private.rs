//! Paths the `#[container]` expansion uses. Not a public API.

use std::future::Future;
use std::panic::AssertUnwindSafe;

pub use serde;
pub use wasm_bindgen;
pub use worker;
pub use worker::js_sys;
pub use worker::wasm_bindgen_futures;
pub use worker::web_sys;
pub use worker::worker_sys::DurableObjectState;

pub use crate::egress::serve as serve_outbound;
pub use futures_util::future::LocalBoxFuture;

/// What every exported Durable Object method resolves to.
pub type JsResult = Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;

/// Wraps an exported method's future: wasm-bindgen requires exported
/// futures to be unwind safe, and ours hold `worker::Error`.
pub async fn guard<F: Future<Output = JsResult>>(future: F) -> JsResult {
    AssertUnwindSafe(future).await
}

/// A binding workers-rs has no type for, as its JS object (for
/// `bindings!`).
pub fn raw_binding(env: &worker::Env, name: &str) -> worker::Result<wasm_bindgen::JsValue> {
    let value = js_sys::Reflect::get(env, &wasm_bindgen::JsValue::from_str(name))?;
    if value.is_undefined() {
        return Err(worker::Error::RustError(format!("binding `{name}` is not set")));
    }
    Ok(value)
}

/// A JSON var as `T` (for `bindings!`): any JSON value, where workers-rs's
/// `Env::object_var` takes only objects (a number, list or bool fails there).
pub fn json_var<T: serde::de::DeserializeOwned>(env: &worker::Env, name: &str) -> worker::Result<T> {
    let value = raw_binding(env, name)?;
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| worker::Error::RustError(format!("var `{name}` does not deserialize: {e}")))
}
