//! The control commands an [`Instance`](crate::Instance) sends its object:
//! state, start, wait for the exit, signal, destroy; each answered with the
//! container's state.

use std::time::Duration;

use futures_util::future::select;
use worker::js_sys::{Object, Promise};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::Request as JsRequest;
use worker::Response;

use super::ContainerObject;
use crate::command::Command;
use crate::timer::Pause;
use crate::{js, ContainerClass};

impl<C: ContainerClass> ContainerObject<C> {
    /// Runs the command named in the control header and answers with the
    /// state; an unknown command or bad start options are a 400.
    pub(super) async fn control_command(&self, command: &str, req: JsRequest) -> worker::Result<Response> {
        let Some(command) = Command::parse(command) else {
            return Response::error(format!("unknown control command `{command}`"), 400);
        };
        match command {
            Command::State => {}
            Command::Start => {
                let body = JsFuture::from(req.text()?).await?.as_string().unwrap_or_default();
                // Written by `Instance::start` (the internal host vouches for it).
                let options = match js::parse(&body) {
                    Ok(options) => Object::from(options),
                    Err(e) => return Response::error(format!("bad start options: {e}"), 400),
                };
                if let Err(unavailable) = self.start_from_code(options).await {
                    return self.unavailable(unavailable).await;
                }
            }
            Command::Wait(timeout_ms) => self.wait_for_exit(timeout_ms).await,
            Command::Signal(signo) => {
                let control = self.control();
                control.signal(signo)?;
                self.see_stop_through(&control).await?;
            }
            Command::Destroy => self.control().destroy().await?,
        }
        self.state().to_response()
    }

    /// Returns once the latest run has ended, or after `timeout_ms`; at
    /// once when nothing runs. A container this object does not watch yet
    /// (it woke up next to it) is watched first.
    async fn wait_for_exit(&self, timeout_ms: u64) {
        let unwatched = self.inner.life.borrow().run_over() && self.control().running();
        if unwatched && self.ensure_ready(None).await.is_err() {
            return;
        }
        if self.inner.life.borrow().run_over() {
            return;
        }
        let mut resolve = None;
        let exited = Promise::new(&mut |resolved, _| resolve = Some(resolved));
        self.inner.exit_waiters.borrow_mut().extend(resolve);
        let timeout = Pause::new(Duration::from_millis(timeout_ms));
        select(JsFuture::from(exited), timeout).await;
    }
}
