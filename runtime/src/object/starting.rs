//! Starting the container: one shared start and readiness wait for every
//! caller (the start decision is [`Life::start_or_join`]), the watch of its
//! exit, and starts asked for by code.
//!
//! [`Life::start_or_join`]: super::life::Life::start_or_join

use std::rc::Rc;

use futures_util::future::FutureExt;
use worker::js_sys::{Function, Object, Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::{spawn_local, JsFuture};

use super::life::{Exit, Phase, Readiness, Start};
use super::unavailable::Unavailable;
use super::ContainerObject;
use crate::exits::{self, StoredExit};
use crate::readiness::{self, now_ms, NotReady, Schedule};
use crate::{egress, js, lifecycle, start, ContainerClass, StopInfo, StopReason};

impl<C: ContainerClass> ContainerObject<C> {
    /// Starts the container if needed and waits until it is ready; every
    /// concurrent caller shares one start and one readiness wait.
    pub(super) async fn ensure_ready(&self, options: Option<Object>) -> Result<worker::Container, Unavailable> {
        let container = self.inner.state.container().ok_or_else(|| {
            Unavailable::NoInstance(
                "this Durable Object has no container (is its class configured with an image?)".into(),
            )
        })?;
        let (readiness, fresh) = {
            let mut life = self.inner.life.borrow_mut();
            match life.start_or_join() {
                Start::Ready => return Ok(container),
                Start::Join(readiness) => (readiness, false),
                Start::Launch(generation) => {
                    let readiness = self.launch(generation, options);
                    life.phase = Phase::Starting(readiness.clone());
                    (readiness, true)
                }
            }
        };
        readiness.await?;
        if fresh {
            let control = self.control();
            lifecycle::started(C::CLASS);
            let _ = self.inner.user.on_start(&control).await;
            let _ = self.see_stop_through(&control).await;
        }
        Ok(container)
    }

    /// One start: clears what is left of an exited run, starts the
    /// container unless it already runs (a Durable Object can wake up next
    /// to its running container), watches it, and waits for its ports.
    /// Shared by every request that arrives meanwhile, so it runs once.
    fn launch(&self, generation: u64, options: Option<Object>) -> Readiness {
        let inner = Rc::clone(&self.inner);
        let this = self.clone();
        async move {
            let container = inner.state.container().ok_or(Unavailable::NoInstance("container handle lost".into()))?;
            // The interception is in place before the container's first
            // connection out; an object that wakes up next to its running
            // container (after an eviction or a restart of the runtime)
            // registers it again, as the runtime that held it may be gone.
            let internet = start::internet(&C::CONFIG, options.as_ref());
            egress::apply(&C::CONFIG.egress, C::CLASS, &inner.state, container.as_ref(), internet)
                .await
                .map_err(Unavailable::NoInstance)?;
            if !container.running() {
                // The exit kept for the last run is that run's, not this one's.
                if std::mem::take(&mut inner.life.borrow_mut().exit_stored) {
                    let _ = exits::clear(&inner.state.storage()).await;
                }
                start::start(&container, &C::CONFIG, &inner.env, options.as_ref())
                    .await
                    .map_err(Unavailable::NoInstance)?;
            }
            // workerd (since 1.20260312) queues the watch behind the start,
            // so it watches this run even when the engine still holds the
            // last run's container of the same name.
            this.monitor(generation);
            let exited = || inner.life.borrow().exit_code_of(generation);
            let config = C::CONFIG;
            let result = readiness::wait(
                &container,
                config.ports,
                config.readiness_path,
                Schedule::from(config.readiness),
                exited,
            )
            .await
            .map_err(|e| match e {
                NotReady::Exited(code) => Unavailable::Crashed(code),
                NotReady::Timeout(port) => Unavailable::NotReady(port),
            });
            if let Err(Unavailable::NotReady(_)) = result {
                // A container that never became reachable is gone before the
                // next request, which then starts a fresh one instead of
                // waiting out the same limit on the same hung process.
                let _ = container.destroy(None).await;
            }
            if result.is_ok() {
                inner.life.borrow_mut().became_ready(generation);
            }
            result
        }
        .boxed_local()
        .shared()
    }

    /// Watches the container until it exits, records the exit (in storage
    /// too), answers the `wait` commands and runs `on_stop`.
    fn monitor(&self, generation: u64) {
        let inner = Rc::clone(&self.inner);
        spawn_local(async move {
            let Some(container) = inner.state.container() else { return };
            let Some(monitor) = monitor_promise(&container) else { return };
            let exit_code = match JsFuture::from(monitor).await {
                Ok(value) => exit_code_of(&value).unwrap_or(0),
                Err(error) => exit_code_of(&error).unwrap_or(1),
            };
            let exit = Exit { generation, code: exit_code, at_ms: now_ms() };
            let current = inner.life.borrow_mut().record_exit(exit);
            if current {
                let stored = StoredExit { code: exit.code, at_ms: exit.at_ms };
                if exits::save(&inner.state.storage(), stored).await.is_ok() {
                    inner.life.borrow_mut().exit_stored = true;
                }
                // A start meanwhile has its own waiters.
                let waiters = match inner.life.borrow().generation == generation {
                    true => std::mem::take(&mut *inner.exit_waiters.borrow_mut()),
                    false => Vec::new(),
                };
                for resolve in waiters {
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                }
            }
            let this = ContainerObject { inner };
            let stop = StopInfo { exit_code, reason: StopReason::of_exit_code(exit_code) };
            lifecycle::stopped(C::CLASS, &stop);
            let _ = this.inner.user.on_stop(&this.control(), stop).await;
        });
    }

    /// A start asked for by code (`Instance::start`, `Control::start`).
    pub(super) async fn start_from_code(&self, options: Object) -> Result<(), Unavailable> {
        if C::CONFIG.port.is_some() {
            // A start counts as activity: sleep_after runs from now. A job
            // does not sleep: it runs until it exits.
            self.inner.life.borrow_mut().activity.touch(now_ms());
            self.schedule_alarm().await.map_err(|e| Unavailable::NoInstance(js::describe(&e.into())))?;
        }
        self.ensure_ready(Some(options)).await.map(drop)
    }
}

/// The container's `monitor()` promise, which settles when it exits.
fn monitor_promise(container: &worker::Container) -> Option<Promise> {
    let handle: &JsValue = container.as_ref();
    Reflect::get(handle, &JsValue::from_str("monitor"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call0(handle).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok())
}

/// The `exitCode` the monitor's result or error carries. A run that ends
/// well resolves with `undefined` (workerd 1.20261117): nothing to read,
/// and asking `Reflect.get` of it would throw (and be logged) for nothing.
fn exit_code_of(value: &JsValue) -> Option<i32> {
    if !value.is_object() {
        return None;
    }
    let code = Reflect::get(value, &JsValue::from_str("exitCode")).ok()?;
    code.as_f64().map(|c| c as i32)
}
