//! The Durable Object behind every `#[container]` class.

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use futures_util::future::{select, FutureExt, LocalBoxFuture, Shared};
use worker::js_sys::{Function, Object, Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::{spawn_local, JsFuture};
use worker::web_sys::{Request as JsRequest, Response as JsResponse};
use worker::worker_sys::ext::ResponseExt;
use worker::{Env, Request, Response, State};

use crate::__private::JsResult;
use crate::body::{self, Watch};
use crate::command::Command;
use crate::control::Runtime;
use crate::exits::{self, StoredExit};
use crate::headers::Incoming;
use crate::readiness::{self, now_ms, NotReady, Schedule};
use crate::schedules::{self, Entry};
use crate::timer::Pause;
use crate::{
    headers, js, lifecycle, proxy, relay, start, ContainerClass, ContainerState, Control, StopInfo, StopReason,
};

/// Why a request could not reach the container.
#[derive(Debug, Clone)]
enum Unavailable {
    /// No container could be had (no instance, bad configuration).
    NoInstance(String),
    /// The container exited while starting.
    Crashed(i32),
    /// A port stayed silent until the deadline.
    NotReady(u16),
    /// A request reached a job, which listens on no port.
    Job,
}

impl Unavailable {
    /// The short reason the client sees: no configuration detail (a
    /// missing secret's name stays in `on_error` and the log).
    fn public_message(&self) -> String {
        match self {
            Unavailable::NoInstance(_) => "no container instance available; the Worker's log says why".into(),
            other => other.message(),
        }
    }

    /// The full reason `on_error` sees.
    fn message(&self) -> String {
        match self {
            Unavailable::NoInstance(why) => format!("no container instance available: {why}"),
            Unavailable::Crashed(code) => format!("container exited with code {code} while starting"),
            Unavailable::NotReady(port) => format!("container did not answer on port {port} in time"),
            Unavailable::Job => "this container is a job: it listens on no port".into(),
        }
    }

    fn status(&self) -> u16 {
        match self {
            Unavailable::Crashed(_) => 500,
            Unavailable::NoInstance(_) | Unavailable::NotReady(_) => 503,
            Unavailable::Job => 404,
        }
    }
}

type Readiness = Shared<LocalBoxFuture<'static, Result<(), Unavailable>>>;

/// What this object knows of its container.
#[derive(Default)]
struct Life {
    /// Bumped at every start; tells a stale exit from the current one.
    generation: u64,
    /// Where the current generation is.
    phase: Phase,
    /// The last exit seen, of any generation: it delays the next start,
    /// and the state reports it while it is the current generation's.
    last_exit: Option<Exit>,
    /// Whether the object's storage holds an exit, which the next start
    /// clears.
    exit_stored: bool,
    /// Resolves the promises `wait` commands hold, at the current
    /// generation's exit.
    exit_waiters: Vec<Function>,
    /// Requests and connections, for idleness.
    activity: Usage,
    /// The sleep alarm.
    sleep: Sleep,
}

/// Where the current generation of the container is.
#[derive(Default)]
enum Phase {
    /// Not started by this object, or exited.
    #[default]
    Stopped,
    /// Started; its ports are being probed. Every request that arrives
    /// meanwhile waits on the same readiness.
    Starting(Readiness),
    /// Every required port answered.
    Ready,
}

/// One exit of the container.
#[derive(Clone, Copy)]
struct Exit {
    generation: u64,
    code: i32,
    at_ms: f64,
}

/// What keeps the container awake.
#[derive(Default)]
struct Usage {
    /// Requests waiting for the container's answer, and answers of known
    /// length being sent: busy until they end.
    in_flight: u32,
    /// Answers without a length being sent: activity only while they
    /// send (see [`body`]).
    streams: u32,
    /// WebSockets relayed right now.
    open_websockets: u32,
    /// When the last request, message or streamed chunk came or went.
    last_ms: f64,
}

impl Usage {
    fn busy(&self) -> bool {
        self.in_flight > 0 || self.open_websockets > 0
    }
}

/// The object's one alarm, as used for sleeping.
#[derive(Default, Clone, Copy)]
enum Sleep {
    /// No alarm pending: the next request sets one.
    #[default]
    Unarmed,
    /// An alarm is pending that checks for idleness.
    Armed,
    /// The container was asked to stop at `since_ms`; the pending alarm
    /// destroys it if it still runs [`STOP_GRACE_MS`] later.
    Stopping { since_ms: f64 },
}

impl Life {
    /// A new request or start cancels a stop that has not happened yet.
    fn cancel_stop(&mut self) {
        if let Sleep::Stopping { .. } = self.sleep {
            self.sleep = Sleep::Armed;
        }
    }
}

/// How long a container may take to exit after `SIGTERM` before it is
/// killed, as `docker stop` does.
const STOP_GRACE_MS: f64 = 10_000.0;

struct Inner<C> {
    user: C,
    state: State,
    env: Env,
    life: RefCell<Life>,
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
        let Some(stored) = exits::load(&self.inner.state.storage()).await? else { return Ok(()) };
        let mut life = self.inner.life.borrow_mut();
        life.exit_stored = true;
        if life.last_exit.is_none() {
            life.last_exit = Some(Exit { generation: life.generation, code: stored.code, at_ms: stored.at_ms });
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

    /// Proxies one request into the container, starting it if needed; the
    /// request is activity while it waits and while its answer's body is
    /// sent ([`body`]). The container's answer is handed on as the JS
    /// object it is (its body passed through a stream to see it sent).
    async fn proxy_request(&self, req: JsRequest, port: Option<u16>) -> worker::Result<JsResponse> {
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
                let exited = self.inner.life.borrow().last_exit.map(|e| e.code);
                // The runtime's own error text goes to on_error, not to the client.
                let (public, detail) = match exited {
                    Some(code) => {
                        (format!("container exited with code {code}"), format!("container exited with code {code}"))
                    }
                    None => (
                        format!("could not reach the container on port {port}"),
                        format!("could not reach the container on port {port}: {}", js::describe(&error.into())),
                    ),
                };
                self.on_error(&self.control(), &detail).await?;
                Response::error(public, if exited.is_some() { 500 } else { 502 })
            }
        };
        answer.map(Into::into)
    }

    /// Tells `on_error` the whole story and the client the short one.
    async fn unavailable(&self, unavailable: Unavailable) -> worker::Result<Response> {
        self.on_error(&self.control(), &unavailable.message()).await?;
        Response::error(unavailable.public_message(), unavailable.status())
    }

    /// A request during the stop grace period would reach a process that
    /// is shutting down: finish the stop now, so the request starts a fresh
    /// container.
    async fn end_stop_for_request(&self) {
        let stopping = matches!(self.inner.life.borrow().sleep, Sleep::Stopping { .. });
        if stopping && self.control().running() {
            let _ = self.control().destroy().await;
            self.inner.life.borrow_mut().phase = Phase::Stopped;
        }
    }

    /// Relays an upgraded connection, counting it as activity while open.
    fn relay(&self, upstream: worker::WebSocket) -> worker::Result<Response> {
        self.inner.life.borrow_mut().activity.open_websockets += 1;
        let (on_message, on_close) = (Rc::clone(&self.inner), Rc::clone(&self.inner));
        relay::relay(
            upstream,
            move || on_message.life.borrow_mut().activity.last_ms = now_ms(),
            move || {
                let activity = &mut on_close.life.borrow_mut().activity;
                activity.open_websockets -= 1;
                activity.last_ms = now_ms();
            },
        )
    }

    async fn control_command(&self, command: &str, req: JsRequest) -> worker::Result<Response> {
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
        if self.run_over() && self.control().running() && self.ensure_ready(None).await.is_err() {
            return;
        }
        let exited = {
            let mut life = self.inner.life.borrow_mut();
            if self.run_over_in(&life) {
                return;
            }
            let mut resolve = None;
            let exited = Promise::new(&mut |resolved, _| resolve = Some(resolved));
            life.exit_waiters.extend(resolve);
            exited
        };
        let timeout = Pause::new(Duration::from_millis(timeout_ms));
        select(JsFuture::from(exited), timeout).await;
    }

    /// True when no run of this object is under way: none started, the
    /// latest ended, or its start failed.
    fn run_over(&self) -> bool {
        self.run_over_in(&self.inner.life.borrow())
    }

    fn run_over_in(&self, life: &Life) -> bool {
        match &life.phase {
            Phase::Stopped => true,
            Phase::Starting(ready) => matches!(ready.peek(), Some(Err(_))),
            Phase::Ready => false,
        }
    }

    /// A start asked for by code (`Instance::start`, `Control::start`).
    async fn start_from_code(&self, options: Object) -> Result<(), Unavailable> {
        if C::CONFIG.port.is_some() {
            // A start counts as activity: sleep_after runs from now. A job
            // does not sleep: it runs until it exits.
            self.inner.life.borrow_mut().activity.last_ms = now_ms();
            self.schedule_alarm().await.map_err(|e| Unavailable::NoInstance(js::describe(&e.into())))?;
        }
        self.ensure_ready(Some(options)).await.map(drop)
    }

    /// After a hook asked for a stop (`SIGTERM`): the container gets the
    /// grace period, then the alarm kills it if it still runs.
    async fn see_stop_through(&self, control: &Control<'_>) -> worker::Result<()> {
        if !control.stop_asked.get() {
            return Ok(());
        }
        match self.begin_stop() {
            Some(at) => self.arm(Some(at)).await,
            None => Ok(()),
        }
    }

    /// Enters the stop grace period unless already in it; returns when it
    /// ends.
    fn begin_stop(&self) -> Option<f64> {
        let mut life = self.inner.life.borrow_mut();
        if let Sleep::Stopping { .. } = life.sleep {
            return None;
        }
        let since_ms = now_ms();
        life.sleep = Sleep::Stopping { since_ms };
        Some(since_ms + STOP_GRACE_MS)
    }

    fn state(&self) -> ContainerState {
        let life = self.inner.life.borrow();
        let running = self.control().running();
        let exit = life.last_exit.filter(|e| e.generation == life.generation);
        ContainerState {
            running,
            ready: running && matches!(life.phase, Phase::Ready),
            last_exit_code: exit.map(|e| e.code),
            last_exit_at_ms: exit.map(|e| e.at_ms as u64),
            in_flight: life.activity.in_flight + life.activity.streams,
        }
    }

    /// Starts the container if needed and waits until it is ready; every
    /// concurrent caller shares one start and one readiness wait.
    async fn ensure_ready(&self, options: Option<Object>) -> Result<worker::Container, Unavailable> {
        let container = self.inner.state.container().ok_or_else(|| {
            Unavailable::NoInstance(
                "this Durable Object has no container (is its class configured with an image?)".into(),
            )
        })?;
        let (readiness, fresh) = {
            let mut life = self.inner.life.borrow_mut();
            match &life.phase {
                Phase::Ready => return Ok(container),
                Phase::Starting(ready) if !matches!(ready.peek(), Some(Err(_))) => (ready.clone(), false),
                // Stopped, or the last start failed: start anew.
                _ => {
                    life.generation += 1;
                    life.cancel_stop();
                    let ready = self.launch(life.generation, options);
                    life.phase = Phase::Starting(ready.clone());
                    (ready, true)
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
            if !container.running() {
                // The exit kept for the last run is that run's, not this one's.
                if std::mem::take(&mut inner.life.borrow_mut().exit_stored) {
                    let _ = exits::clear(&inner.state.storage()).await;
                }
                start::start(&container, &C::CONFIG, &inner.env, options.as_ref()).map_err(Unavailable::NoInstance)?;
            }
            // workerd (since 1.20260312) queues the watch behind the start,
            // so it watches this run even when the engine still holds the
            // last run's container of the same name.
            this.monitor(generation);
            let exited = || inner.life.borrow().last_exit.filter(|e| e.generation == generation).map(|e| e.code);
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
            let mut life = inner.life.borrow_mut();
            if result.is_ok() && life.generation == generation && matches!(life.phase, Phase::Starting(_)) {
                life.phase = Phase::Ready;
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
            let current = {
                let mut life = inner.life.borrow_mut();
                life.last_exit = Some(exit);
                let current = life.generation == generation;
                if current {
                    life.phase = Phase::Stopped;
                }
                current
            };
            if current {
                let stored = StoredExit { code: exit.code, at_ms: exit.at_ms };
                if exits::save(&inner.state.storage(), stored).await.is_ok() {
                    inner.life.borrow_mut().exit_stored = true;
                }
                // A start meanwhile has its own waiters.
                let waiters = {
                    let mut life = inner.life.borrow_mut();
                    if life.generation == generation {
                        std::mem::take(&mut life.exit_waiters)
                    } else {
                        Vec::new()
                    }
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

    /// Arms the sleep alarm unless it is armed; a job never sleeps.
    async fn schedule_alarm(&self) -> worker::Result<()> {
        let unarmed = {
            let mut life = self.inner.life.borrow_mut();
            let unarmed = matches!(life.sleep, Sleep::Unarmed);
            if unarmed {
                life.sleep = Sleep::Armed;
            }
            unarmed
        };
        if unarmed {
            let at = now_ms() + C::CONFIG.sleep_after_secs as f64 * 1000.0;
            if let Err(err) = self.arm(Some(at)).await {
                // No alarm was set: the next request must try again, or the
                // container would never sleep.
                self.inner.life.borrow_mut().sleep = Sleep::Unarmed;
                return Err(err);
            }
        }
        Ok(())
    }

    /// The object's one alarm: fires due schedules, then looks after sleep,
    /// then sets the alarm for whichever of the two comes next.
    async fn alarm(&self) -> worker::Result<()> {
        let storage = self.inner.state.storage();
        for Entry { name, .. } in schedules::take_due(&storage, now_ms()).await? {
            let control = self.control();
            if let Err(error) = self.inner.user.on_schedule(&control, &name).await {
                let detail = format!("schedule `{name}` failed: {}", js::describe(&error.into()));
                self.on_error(&control, &detail).await?;
            }
            self.see_stop_through(&control).await?;
        }
        let next = self.sleep_check().await?;
        self.arm(next).await
    }

    /// Stops an idle container, or looks again later if it was busy; kills
    /// one that ignored its stop signal for [`STOP_GRACE_MS`]. Returns when
    /// to look next, if ever.
    async fn sleep_check(&self) -> worker::Result<Option<f64>> {
        let sleep_ms = C::CONFIG.sleep_after_secs as f64 * 1000.0;
        let (busy, last, sleep) = {
            let life = self.inner.life.borrow();
            (life.activity.busy(), life.activity.last_ms, life.sleep)
        };
        let now = now_ms();
        if !self.control().running() {
            self.inner.life.borrow_mut().sleep = Sleep::Unarmed;
            return Ok(None);
        }
        match sleep {
            Sleep::Stopping { since_ms } if now - since_ms >= STOP_GRACE_MS => {
                self.inner.life.borrow_mut().sleep = Sleep::Unarmed;
                self.control().destroy().await?;
                return Ok(None);
            }
            Sleep::Stopping { since_ms } => return Ok(Some(since_ms + STOP_GRACE_MS)),
            // A job runs until it exits.
            Sleep::Unarmed | Sleep::Armed if C::CONFIG.port.is_none() => return Ok(None),
            Sleep::Unarmed | Sleep::Armed => {}
        }
        if busy || now - last < sleep_ms {
            return Ok(Some(if busy { now + sleep_ms } else { last + sleep_ms }));
        }
        let control = self.control();
        self.inner.user.on_activity_expired(&control).await?;
        if !control.stop_asked.get() {
            // The hook keeps the container: look again after another sleep_after.
            self.inner.life.borrow_mut().sleep = Sleep::Armed;
            return Ok(Some(now + sleep_ms));
        }
        Ok(self.begin_stop())
    }

    /// Sets the alarm to `at_ms` (ms since the epoch) or the soonest
    /// schedule, whichever comes first; the two share the object's alarm.
    async fn arm(&self, at_ms: Option<f64>) -> worker::Result<()> {
        let storage = self.inner.state.storage();
        let soonest = schedules::earliest(&storage).await?;
        let at = match (at_ms, soonest) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(at) => at,
                None => return Ok(()),
            },
        };
        let at = worker::js_sys::Date::new(&JsValue::from_f64(at));
        storage.set_alarm(worker::ScheduledTime::new(at)).await
    }

    /// Keeps a schedule; brings the alarm forward if it is due sooner.
    async fn add_schedule(&self, at_ms: f64, name: String) -> worker::Result<()> {
        let storage = self.inner.state.storage();
        schedules::add(&storage, Entry { at_ms, name }).await?;
        match storage.get_alarm().await? {
            Some(current) if (current as f64) <= at_ms => Ok(()),
            _ => self.arm(None).await,
        }
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
        let mut life = self.inner.life.borrow_mut();
        life.activity.last_ms = now_ms();
        life.cancel_stop();
    }

    fn schedule(&self, at_ms: f64, name: String) -> LocalBoxFuture<'_, worker::Result<()>> {
        self.add_schedule(at_ms, name).boxed_local()
    }
}

fn monitor_promise(container: &worker::Container) -> Option<Promise> {
    let handle: &JsValue = container.as_ref();
    Reflect::get(handle, &JsValue::from_str("monitor"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .and_then(|f| f.call0(handle).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok())
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
        let mut life = inner.life.borrow_mut();
        life.activity.in_flight += 1;
        life.activity.last_ms = now_ms();
        life.cancel_stop();
        Activity { inner: Rc::clone(inner), streaming: false }
    }
}

impl<C: 'static> Watch for Activity<C> {
    fn streaming(&mut self) {
        if !std::mem::replace(&mut self.streaming, true) {
            let activity = &mut self.inner.life.borrow_mut().activity;
            activity.in_flight -= 1;
            activity.streams += 1;
        }
    }

    fn sent(&mut self) {
        self.inner.life.borrow_mut().activity.last_ms = now_ms();
    }
}

impl<C> Drop for Activity<C> {
    fn drop(&mut self) {
        let activity = &mut self.inner.life.borrow_mut().activity;
        match self.streaming {
            true => activity.streams -= 1,
            false => activity.in_flight -= 1,
        }
        activity.last_ms = now_ms();
    }
}

fn exit_code_of(value: &JsValue) -> Option<i32> {
    let code = Reflect::get(value, &JsValue::from_str("exitCode")).ok()?;
    code.as_f64().map(|c| c as i32)
}
