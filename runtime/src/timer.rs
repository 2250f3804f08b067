//! A pause on the JS clock that works whatever `setTimeout` returns.
//!
//! `worker::Delay` (workers-rs 0.8.7) takes `setTimeout`'s result as a
//! number and panics when it is not one. From compatibility date
//! 2026-08-04 `nodejs_compat` is on by default, which (since workerd's
//! `enable_nodejs_global_timers`, implied after 2026-02-10) makes
//! `setTimeout` return a Node.js `Timeout` object: every Worker on a
//! current date would panic at its first pause ("expected a number
//! argument, found object"). This timer keeps the handle as it comes and
//! hands it back to `clearTimeout` when dropped early.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use wasm_bindgen::prelude::*;
use worker::js_sys::{Function, Promise};
use worker::wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, milliseconds: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// Resolves once `duration` has passed.
pub struct Pause {
    fired: JsFuture,
    /// `setTimeout`'s handle (a number, or a `Timeout` object); `None`
    /// once it fired.
    handle: Option<JsValue>,
}

impl Pause {
    /// Starts the timer.
    pub fn new(duration: Duration) -> Pause {
        let mut handle = JsValue::UNDEFINED;
        let fired = Promise::new(&mut |resolve, _| handle = set_timeout(&resolve, duration.as_millis() as f64));
        Pause { fired: JsFuture::from(fired), handle: Some(handle) }
    }
}

impl Future for Pause {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match Pin::new(&mut self.fired).poll(cx) {
            Poll::Ready(_) => {
                self.handle = None;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Pause {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            clear_timeout(&handle);
        }
    }
}
