//! Small helpers over JavaScript values. The runtime's own messages (start
//! options, container state) are JSON read and written by the JS engine's
//! `JSON`, not serde_json: its parser would add tens of KB to every
//! Worker's wasm.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::task::{Context, Poll, Waker};

use worker::js_sys::{Object, Promise, Reflect, JSON};
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::future_to_promise;

/// Sets `key` on a plain object.
pub fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `key` of `value`, when present and not `undefined`/`null`.
pub fn get(value: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(value, &JsValue::from_str(key)).ok().filter(|v| !v.is_undefined() && !v.is_null())
}

/// A plain object holding `pairs` as string properties.
pub fn string_map<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        set(&object, key, &JsValue::from_str(value));
    }
    object
}

/// `JSON.stringify(value)`.
pub fn stringify(value: &JsValue) -> String {
    JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

/// `JSON.parse(text)`, with the parser's message on failure.
pub fn parse(text: &str) -> Result<JsValue, String> {
    JSON::parse(text).map_err(|e| describe(&e))
}

/// A JS error's message, or its string form.
pub fn describe(error: &JsValue) -> String {
    get(error, "message")
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown JavaScript error".into())
}

/// A promise of `future`'s outcome, polled once right away: an outcome
/// ready without waiting (a hook that answers itself) resolves it at once,
/// skipping the task queue's turn an async export takes (about 20 µs a
/// request in workerd 1.20260305); only a future that waits is spawned.
pub fn promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    // Unwind safe as an exported async fn's future must be: its state is
    // never seen again after a panic.
    let mut future = Box::pin(AssertUnwindSafe(future));
    // A waker that does nothing is enough: a future still pending is
    // polled again, with the executor's waker, when its task first runs.
    match future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(value)) => Promise::resolve(&value),
        Poll::Ready(Err(error)) => Promise::reject(&error),
        Poll::Pending => future_to_promise(future),
    }
}
