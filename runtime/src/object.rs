//! The Durable Object behind every `#[container]` class.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{FutureExt, LocalBoxFuture, Shared};
use worker::js_sys::{Function, Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::{spawn_local, JsFuture};
use worker::{web_sys, Env, Response, State};

use crate::__private::JsResult;
use crate::readiness::{self, now_ms, NotReady, Schedule};
use crate::{proxy, start, ContainerClass, Control, StopInfo};

/// Why a request could not reach the container.
#[derive(Debug, Clone)]
enum Unavailable {
    /// No container could be had (no instance, bad configuration).
    NoInstance(String),
    /// The container exited while starting.
    Crashed(i32),
    /// A port stayed silent until the deadline.
    NotReady(u16),
}

impl Unavailable {
    fn response(&self) -> worker::Result<Response> {
        match self {
            Unavailable::NoInstance(why) => Response::error(format!("no container instance available: {why}"), 503),
            Unavailable::Crashed(code) => Response::error(format!("container exited with code {code} while starting"), 500),
            Unavailable::NotReady(port) => Response::error(format!("container did not answer on port {port} in time"), 503),
        }
    }
}

type Readiness = Shared<LocalBoxFuture<'static, Result<(), Unavailable>>>;

#[derive(Default)]
struct Life {
    /// Bumped at every start; tells a stale exit from the current one.
    generation: u64,
    ready: Option<Readiness>,
    exited: Option<(u64, i32)>,
    in_flight: u32,
    last_activity_ms: f64,
    alarm_set: bool,
}

struct Inner<C> {
    user: C,
    state: State,
    env: Env,
    life: RefCell<Life>,
}

/// Owns one container: starts it on demand, waits for its ports, proxies
/// requests, and stops it after `sleep_after` of idleness. `#[container]`
/// exports this as the Durable Object class; you do not build it yourself.
pub struct ContainerObject<C: ContainerClass> {
    inner: Rc<Inner<C>>,
}

impl<C: ContainerClass> ContainerObject<C> {
    /// Called by the generated Durable Object constructor.
    pub fn new(state: State, env: Env) -> Self {
        let inner = Inner { user: C::create(), state, env, life: RefCell::default() };
        ContainerObject { inner: Rc::new(inner) }
    }

    #[doc(hidden)]
    pub async fn js_fetch(&self, req: web_sys::Request) -> JsResult {
        let response = self.fetch(req).await.map_err(JsValue::from)?;
        Ok(web_sys::Response::from(response).into())
    }

    #[doc(hidden)]
    pub async fn js_alarm(&self) -> JsResult {
        self.alarm().await.map_err(JsValue::from)?;
        Ok(JsValue::UNDEFINED)
    }

    #[doc(hidden)]
    pub async fn js_websocket_message(&self, _ws: web_sys::WebSocket, _message: JsValue) -> JsResult {
        Ok(JsValue::UNDEFINED)
    }

    #[doc(hidden)]
    pub async fn js_websocket_close(&self, _ws: web_sys::WebSocket, _code: usize, _reason: String, _clean: bool) -> JsResult {
        Ok(JsValue::UNDEFINED)
    }

    #[doc(hidden)]
    pub async fn js_websocket_error(&self, _ws: web_sys::WebSocket, _error: JsValue) -> JsResult {
        Ok(JsValue::UNDEFINED)
    }

    fn control(&self) -> Control<'_> {
        Control { state: &self.inner.state, env: &self.inner.env }
    }

    async fn fetch(&self, req: web_sys::Request) -> worker::Result<Response> {
        let _activity = Activity::begin(&self.inner);
        self.schedule_alarm().await?;
        if let Err(unavailable) = self.ensure_ready().await {
            let message = format!("{unavailable:?}");
            self.inner.user.on_error(&self.control(), &message).await?;
            return unavailable.response();
        }
        let port = proxy::target_port(&req).unwrap_or(C::CONFIG.port);
        let container = self.inner.state.container().expect("checked by ensure_ready");
        match proxy::forward(&container, port, req).await {
            Ok(response) => Ok(response),
            Err(error) => {
                let exited = self.inner.life.borrow().exited.map(|(_, code)| code);
                let message = match exited {
                    Some(code) => format!("container exited with code {code}"),
                    None => format!("could not reach the container on port {port}: {error}"),
                };
                self.inner.user.on_error(&self.control(), &message).await?;
                Response::error(message, if exited.is_some() { 500 } else { 502 })
            }
        }
    }

    /// Starts the container if needed and waits until it is ready; every
    /// concurrent caller shares one start and one readiness wait.
    async fn ensure_ready(&self) -> Result<(), Unavailable> {
        let container = self.inner.state.container().ok_or_else(|| {
            Unavailable::NoInstance("this Durable Object has no container (is its class configured with an image?)".into())
        })?;
        let (readiness, fresh) = {
            let mut life = self.inner.life.borrow_mut();
            let current = life.ready.as_ref().filter(|r| !matches!(r.peek(), Some(Err(_))));
            let alive = life.exited.is_none_or(|(generation, _)| generation != life.generation);
            match current {
                Some(ready) if alive => (ready.clone(), false),
                _ => {
                    life.generation += 1;
                    let generation = life.generation;
                    if !container.running() {
                        start::start(&container, &C::CONFIG, &self.inner.env).map_err(Unavailable::NoInstance)?;
                    }
                    self.monitor(generation);
                    let ready = self.readiness(generation);
                    life.ready = Some(ready.clone());
                    (ready, true)
                }
            }
        };
        readiness.await?;
        if fresh {
            let _ = self.inner.user.on_start(&self.control()).await;
        }
        Ok(())
    }

    fn readiness(&self, generation: u64) -> Readiness {
        let inner = Rc::clone(&self.inner);
        async move {
            let container = inner.state.container().ok_or(Unavailable::NoInstance("container handle lost".into()))?;
            let exited = || inner.life.borrow().exited.filter(|(g, _)| *g == generation).map(|(_, code)| code);
            let config = C::CONFIG;
            readiness::wait(&container, config.ports, config.readiness_path, Schedule::default(), exited)
                .await
                .map_err(|e| match e {
                    NotReady::Exited(code) => Unavailable::Crashed(code),
                    NotReady::Timeout(port) => Unavailable::NotReady(port),
                })
        }
        .boxed_local()
        .shared()
    }

    /// Watches the container until it exits, records the exit and runs
    /// `on_stop`.
    fn monitor(&self, generation: u64) {
        let inner = Rc::clone(&self.inner);
        spawn_local(async move {
            let Some(container) = inner.state.container() else { return };
            let handle: &JsValue = container.as_ref();
            let monitor = Reflect::get(handle, &JsValue::from_str("monitor"))
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
                .and_then(|f| f.call0(handle).ok())
                .and_then(|p| p.dyn_into::<Promise>().ok());
            let Some(monitor) = monitor else { return };
            let exit_code = match JsFuture::from(monitor).await {
                Ok(value) => exit_code_of(&value).unwrap_or(0),
                Err(error) => exit_code_of(&error).unwrap_or(1),
            };
            {
                let mut life = inner.life.borrow_mut();
                life.exited = Some((generation, exit_code));
                if life.generation == generation {
                    life.ready = None;
                }
            }
            let reason = if exit_code == 137 || exit_code == 143 { "runtime_signal" } else { "exit" };
            let control = Control { state: &inner.state, env: &inner.env };
            let _ = inner.user.on_stop(&control, StopInfo { exit_code, reason: reason.into() }).await;
        });
    }

    async fn schedule_alarm(&self) -> worker::Result<()> {
        let set = std::mem::replace(&mut self.inner.life.borrow_mut().alarm_set, true);
        if !set {
            let after = Duration::from_secs(C::CONFIG.sleep_after_secs);
            self.inner.state.storage().set_alarm(after).await?;
        }
        Ok(())
    }

    /// Stops an idle container, or looks again later if it was busy.
    async fn alarm(&self) -> worker::Result<()> {
        let sleep_ms = C::CONFIG.sleep_after_secs as f64 * 1000.0;
        let (busy, idle_ms, last) = {
            let life = self.inner.life.borrow();
            (life.in_flight > 0, now_ms() - life.last_activity_ms, life.last_activity_ms)
        };
        let running = self.control().running();
        if running && (busy || idle_ms < sleep_ms) {
            let next = if busy { now_ms() + sleep_ms } else { last + sleep_ms };
            self.inner.state.storage().set_alarm(next as i64).await?;
            return Ok(());
        }
        self.inner.life.borrow_mut().alarm_set = false;
        if running {
            self.inner.user.on_activity_expired(&self.control()).await?;
        }
        Ok(())
    }
}

/// Counts a request as activity for its whole duration.
struct Activity<'a, C>(&'a Inner<C>);

impl<'a, C> Activity<'a, C> {
    fn begin(inner: &'a Inner<C>) -> Self {
        let mut life = inner.life.borrow_mut();
        life.in_flight += 1;
        life.last_activity_ms = now_ms();
        Activity(inner)
    }
}

impl<C> Drop for Activity<'_, C> {
    fn drop(&mut self) {
        let mut life = self.0.life.borrow_mut();
        life.in_flight -= 1;
        life.last_activity_ms = now_ms();
    }
}

fn exit_code_of(value: &JsValue) -> Option<i32> {
    let code = Reflect::get(value, &JsValue::from_str("exitCode")).ok()?;
    code.as_f64().map(|c| c as i32)
}
