//! The Durable Object behind every `#[container]` class: its state and
//! entry points here, its jobs in the modules below: [`starting`] the
//! container, [`proxying`] requests into it, the [`alarm`] (schedules,
//! sleep, the stop grace period) and the control [`commands`]. Every
//! decision is taken over plain state, in [`life`], [`unavailable`] and
//! the alarm's timing, so that it is unit-tested on the host; the modules
//! that talk to workerd only carry the decisions out.

mod alarm;
mod commands;
mod egress_changes;
mod life;
mod proxying;
mod starting;
mod unavailable;

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_util::future::{FutureExt, LocalBoxFuture};
use worker::js_sys::{Function, Object, Promise};
use worker::wasm_bindgen::JsValue;
use worker::web_sys::{Request as JsRequest, Response as JsResponse};
use worker::{Env, Request, State};

use self::life::Life;
use crate::__private::JsResult;
use crate::control::Runtime;
use crate::headers::{self, Incoming};
use crate::outbound::HostsChange;
use crate::readiness::now_ms;
use crate::{exits, js, lifecycle, ContainerClass, ContainerState, Control};

/// What every handle on one object shares.
struct Inner<C> {
    user: C,
    state: State,
    env: Env,
    life: RefCell<Life>,
    /// Resolve the promises `wait` commands hold, at the current
    /// generation's exit.
    exit_waiters: RefCell<Vec<Function>>,
    /// Whether this object instance read the exit kept in storage.
    exit_loaded: Cell<bool>,
    /// Whether the class keeps the default `fetch` hook, learnt when that
    /// first runs: from then on requests skip it and pass through as JS
    /// objects, since the default would only proxy them.
    default_fetch: Cell<bool>,
}

/// Owns one container: starts it on demand, waits for its ports, proxies
/// requests, and stops it after `sleep_after` of idleness. `#[container]`
/// exports this as the Durable Object class; you do not build it yourself.
pub struct ContainerObject<C: ContainerClass> {
    inner: Rc<Inner<C>>,
}

impl<C: ContainerClass> Clone for ContainerObject<C> {
    fn clone(&self) -> Self {
        ContainerObject { inner: Rc::clone(&self.inner) }
    }
}

impl<C: ContainerClass> ContainerObject<C> {
    /// Called by the generated Durable Object constructor.
    pub fn new(state: State, env: Env) -> Self {
        let inner = Inner {
            user: C::create(),
            state,
            env,
            life: RefCell::default(),
            exit_waiters: RefCell::default(),
            exit_loaded: Cell::default(),
            default_fetch: Cell::default(),
        };
        ContainerObject { inner: Rc::new(inner) }
    }

    #[doc(hidden)]
    pub fn js_fetch(&self, req: JsRequest) -> Promise {
        let this = self.clone();
        js::promise(async move {
            this.load_exit().await.map_err(JsValue::from)?;
            Ok(this.fetch(req).await.map_err(JsValue::from)?.into())
        })
    }

    #[doc(hidden)]
    pub async fn js_alarm(&self) -> JsResult {
        self.load_exit().await.map_err(JsValue::from)?;
        self.alarm().await.map_err(JsValue::from)?;
        Ok(JsValue::UNDEFINED)
    }

    /// Writes the error's lifecycle line, then runs the class's hook.
    async fn on_error(&self, control: &Control<'_>, detail: &str) -> worker::Result<()> {
        lifecycle::error(C::CLASS, detail);
        self.inner.user.on_error(control, detail).await
    }

    fn control(&self) -> Control<'_> {
        self.control_for(None)
    }

    fn control_for(&self, port: Option<u16>) -> Control<'_> {
        Control::new(self, &self.inner.state, &self.inner.env, port)
    }

    /// Once per object instance: the exit kept in storage becomes the
    /// current generation's, so an evicted object still reports it.
    async fn load_exit(&self) -> worker::Result<()> {
        if self.inner.exit_loaded.replace(true) {
            return Ok(());
        }
        if let Some(stored) = exits::load(&self.inner.state.storage()).await? {
            self.inner.life.borrow_mut().adopt_stored_exit(stored.code, stored.at_ms);
        }
        Ok(())
    }

    /// Control commands are the runtime's; every other request goes to
    /// the class's `fetch` hook, whose default proxies it, or, once the
    /// hook is known to be the default, straight into the container.
    async fn fetch(&self, req: JsRequest) -> worker::Result<JsResponse> {
        let (port, req) = match headers::classify(req)? {
            Incoming::Control(command, req) => return self.control_command(&command, req).await.map(Into::into),
            Incoming::Port(port, req) => (Some(port), req),
            Incoming::Client(req) => (None, req),
        };
        if self.inner.default_fetch.get() {
            return self.proxy_request(req, port).await;
        }
        let control = self.control_for(port);
        let response = self.inner.user.fetch(&control, Request::from(req)).await;
        self.see_stop_through(&control).await?;
        let response = response?;
        Ok(control.passed_through.take().unwrap_or_else(|| response.into()))
    }

    /// What the container is doing, as the object reports it.
    fn state(&self) -> ContainerState {
        let running = self.control().running();
        self.inner.life.borrow().report(running)
    }
}

impl<C: ContainerClass> Runtime for ContainerObject<C> {
    fn proxy(&self, req: JsRequest, port: Option<u16>) -> LocalBoxFuture<'_, worker::Result<JsResponse>> {
        self.proxy_request(req, port).boxed_local()
    }

    fn own_default_fetch(&self, hooks: TypeId) -> bool {
        let own = hooks == TypeId::of::<C>();
        if own {
            self.inner.default_fetch.set(true);
        }
        own
    }

    fn start(&self, options: Object) -> LocalBoxFuture<'_, worker::Result<ContainerState>> {
        async move {
            if let Err(unavailable) = self.start_from_code(options).await {
                self.on_error(&self.control(), &unavailable.message()).await?;
                return Err(worker::Error::RustError(unavailable.public_message()));
            }
            Ok(self.state())
        }
        .boxed_local()
    }

    fn container_state(&self) -> ContainerState {
        self.state()
    }

    fn renew_activity(&self) {
        self.inner.life.borrow_mut().renew_activity(now_ms());
    }

    fn schedule(&self, at_ms: f64, name: String) -> LocalBoxFuture<'_, worker::Result<()>> {
        self.add_schedule(at_ms, name).boxed_local()
    }

    fn change_egress(&self, change: HostsChange) -> LocalBoxFuture<'_, worker::Result<()>> {
        ContainerObject::change_egress(self, change).boxed_local()
    }
}
