//! [`Control`]: what the hooks may do with their object and its container.

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::LocalBoxFuture;
use worker::js_sys::Object;
use worker::wasm_bindgen::JsValue;
use worker::web_sys::{Request as JsRequest, Response as JsResponse};
use worker::{Env, Request, Response, Result, State, Storage};

use crate::exec::{self, Exec, ExecOutput, ExecProcess};
use crate::outbound::HostsChange;
use crate::snapshot::{ContainerSnapshot, DirectorySnapshot};
use crate::{js, ContainerState, StartOptions};

/// What the object behind a [`Control`] does for it; implemented by the
/// runtime's Durable Object, so that `Control` needs no type parameter.
pub(crate) trait Runtime {
    /// Proxies `req` to `port` (the class's default when `None`).
    fn proxy(&self, req: JsRequest, port: Option<u16>) -> LocalBoxFuture<'_, Result<JsResponse>>;
    /// Hears that the default `fetch` hook of the type `hooks` runs;
    /// true when that is the object's own class, whose requests then need
    /// no hook.
    fn own_default_fetch(&self, hooks: TypeId) -> bool;
    /// Starts the container unless it runs and waits until it is ready.
    fn start(&self, options: Object) -> LocalBoxFuture<'_, Result<ContainerState>>;
    /// What the container is doing.
    fn container_state(&self) -> ContainerState;
    /// Counts now as activity.
    fn renew_activity(&self);
    /// Keeps a schedule and makes the alarm fire for it.
    fn schedule(&self, at_ms: f64, name: String) -> LocalBoxFuture<'_, Result<()>>;
    /// Changes the egress lists of this instance.
    fn change_egress(&self, change: HostsChange) -> LocalBoxFuture<'_, Result<()>>;
}

/// What [`Control::inspect`] reports of a running container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    /// Its labels ([`StartOptions::labels`]).
    pub labels: BTreeMap<String, String>,
    /// The image it runs.
    pub image: String,
}

/// When a schedule fires ([`Control::schedule`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// This long from now.
    After(Duration),
    /// At this time.
    At(SystemTime),
}

impl From<Duration> for When {
    fn from(after: Duration) -> Self {
        When::After(after)
    }
}

impl From<SystemTime> for When {
    fn from(at: SystemTime) -> Self {
        When::At(at)
    }
}

/// What a hook may do with its Durable Object and container: proxy
/// requests, start with options, read the state, stop, signal, renew
/// activity, schedule work, and use the object's storage, env and state.
pub struct Control<'a> {
    runtime: &'a dyn Runtime,
    state: &'a State,
    env: &'a Env,
    /// The port the current request was sent to with `fetch_port`.
    port: Option<u16>,
    /// Set when a hook asked the container to stop (SIGTERM), so the
    /// runtime sees the stop through (kills it after a grace period).
    pub(crate) stop_asked: Cell<bool>,
    /// The container's answer as the JS object, when the class's own
    /// default `fetch` hook proxied it: the runtime hands that on rather
    /// than the workers-rs copy the hook returns.
    pub(crate) passed_through: RefCell<Option<JsResponse>>,
}

impl<'a> Control<'a> {
    pub(crate) fn new(runtime: &'a dyn Runtime, state: &'a State, env: &'a Env, port: Option<u16>) -> Control<'a> {
        Control { runtime, state, env, port, stop_asked: Cell::new(false), passed_through: RefCell::default() }
    }
}

impl Control<'_> {
    /// The Durable Object's state (id, storage, the container handle).
    pub fn state(&self) -> &State {
        self.state
    }

    /// The object's durable storage (per instance, kept across restarts).
    pub fn storage(&self) -> Storage {
        self.state.storage()
    }

    /// The Worker's env (vars, secrets, bindings).
    pub fn env(&self) -> &Env {
        self.env
    }

    /// Sends `req` into the container, starting it if needed: to the port
    /// the request was sent to with `fetch_port`, else the class's `port`.
    /// The request counts as activity as any proxied request (until the
    /// answer's last byte; an answer without length while it sends); a
    /// failure is an error answer (and `on_error`), as for a request the
    /// default hook proxies.
    pub async fn proxy(&self, req: Request) -> Result<Response> {
        Ok(Response::from(self.runtime.proxy(into_js(req), self.port).await?))
    }

    /// Like [`Control::proxy`], to `port`.
    pub async fn proxy_to(&self, req: Request, port: u16) -> Result<Response> {
        Ok(Response::from(self.runtime.proxy(into_js(req), Some(port)).await?))
    }

    /// The default [`Hooks::fetch`](crate::Hooks::fetch) of `H`: proxies
    /// `req`. When `H` is the object's own class, the runtime learns that
    /// its requests need no hook, and gets this answer as the JS object.
    /// Keyed by type, not by "a default ran": a hook of its own that calls
    /// another type's default still runs, and returns what it likes.
    pub(crate) async fn default_fetch<H: ?Sized + 'static>(&self, req: Request) -> Result<Response> {
        let answer = self.runtime.proxy(into_js(req), self.port).await?;
        if self.runtime.own_default_fetch(TypeId::of::<H>()) {
            self.passed_through.replace(Some(Clone::clone(&answer)));
        }
        Ok(Response::from(answer))
    }

    /// Starts the container with `options` over the attribute's settings,
    /// unless it runs, and returns its state once its ports answer (a job:
    /// once started). See [`StartOptions`].
    pub async fn start(&self, options: StartOptions) -> Result<ContainerState> {
        self.runtime.start(options.to_js().map_err(worker::Error::RustError)?).await
    }

    /// Runs `exec` in the running container to its end: its exit code (or
    /// that it ran past its time limit and was killed), stdout and stderr.
    /// Counts as activity when it starts and when it ends, so `sleep_after`
    /// does not stop the container under a command that just began.
    /// Under `cargo cfcontainer dev` the image needs `/bin/sh` and a
    /// writable `/tmp` (workerd 1.20261117.1 starts every command through
    /// them).
    ///
    /// ```ignore
    /// let output = control.exec(Exec::new(["cat"]).stdin("hi").timeout(Duration::from_secs(5))).await?;
    /// assert_eq!(output.status, ExecStatus::Exited(0));
    /// assert_eq!(output.stdout, b"hi");
    /// ```
    pub async fn exec(&self, exec: Exec) -> Result<ExecOutput> {
        let handle = self.running_handle("exec")?;
        self.runtime.renew_activity();
        let output = exec::run(&handle, &exec).await;
        self.runtime.renew_activity();
        output.map_err(|e| worker::Error::RustError(format!("exec {:?}: {e}", exec.command)))
    }

    /// Starts `exec` in the running container and hands over its streams
    /// as they come ([`ExecProcess`]): stdin to write to (unless
    /// [`Exec::stdin`] gave the bytes), stdout and stderr to read, and
    /// its exit code. A time limit kills it (`SIGKILL`) once passed. The
    /// same image needs as for [`Control::exec`].
    pub async fn spawn(&self, exec: Exec) -> Result<ExecProcess> {
        let handle = self.running_handle("spawn")?;
        self.runtime.renew_activity();
        let spawned = ExecProcess::spawn(&handle, &exec).await;
        spawned.map_err(|e| worker::Error::RustError(format!("spawn {:?}: {e}", exec.command)))
    }

    /// Saves the directory `dir` (absolute) of the running container, named
    /// `name` if given. Keep the snapshot (it is serde) and restore it into
    /// a later start with [`StartOptions::directory_snapshots`].
    /// workerd 1.20261117.1 offers it only to a Worker with the
    /// `experimental` compatibility flag (which `cargo cfcontainer dev`
    /// honours and Cloudflare does not deploy); without it this is an
    /// error that says so.
    ///
    /// ```ignore
    /// let snapshot = control.snapshot_directory("/data", Some("nightly")).await?;
    /// control.storage().put("data", &snapshot).await?;
    /// ```
    pub async fn snapshot_directory(&self, dir: &str, name: Option<&str>) -> Result<DirectorySnapshot> {
        if !dir.starts_with('/') {
            return Err(worker::Error::RustError(format!("snapshot_directory needs an absolute path, got `{dir}`")));
        }
        let handle = self.running_handle("snapshot_directory")?;
        if !js::has_method(&handle, "snapshotDirectory") {
            return Err(worker::Error::RustError(
                "snapshot_directory: this workerd offers directory snapshots only with the `experimental` compatibility flag: add it to compatibility_flags, or use snapshot_container".into(),
            ));
        }
        let options = js::string_map([("dir", dir)].into_iter().chain(name.map(|n| ("name", n))));
        let taken = async { js::settled(js::call(&handle, "snapshotDirectory", &[options.into()])?).await };
        let snapshot = taken.await.and_then(|s| DirectorySnapshot::from_js(&s));
        snapshot.map_err(|e| worker::Error::RustError(format!("snapshot of {dir}: {e}")))
    }

    /// Saves the running container's whole filesystem (not the directory
    /// snapshots mounted into it), named `name` if given. Start from it
    /// with [`StartOptions::container_snapshot`].
    pub async fn snapshot_container(&self, name: Option<&str>) -> Result<ContainerSnapshot> {
        let handle = self.running_handle("snapshot_container")?;
        let options = js::string_map(name.map(|n| ("name", n)));
        let taken = async { js::settled(js::call(&handle, "snapshotContainer", &[options.into()])?).await };
        let snapshot = taken.await.and_then(|s| ContainerSnapshot::from_js(&s));
        snapshot.map_err(|e| worker::Error::RustError(format!("snapshot of the container: {e}")))
    }

    /// The labels and image of the running container as the runtime holds
    /// them; `None` when it does not run. Under `cargo cfcontainer dev`
    /// (workerd 1.20261117.1) labels live in workerd's memory only, so this
    /// is where they can be seen, not `docker inspect`.
    pub async fn inspect(&self) -> Result<Option<Inspected>> {
        let handle = self.handle("inspect")?;
        let seen = async { js::settled(js::call(&handle, "inspect", &[])?).await };
        let seen = seen.await.map_err(|e| worker::Error::RustError(format!("inspect: {e}")))?;
        if seen.is_null() || seen.is_undefined() {
            return Ok(None);
        }
        let labels = js::get(&seen, "labels").map(|l| js::string_pairs(&l)).unwrap_or_default();
        let image = js::get(&seen, "image").and_then(|i| i.as_string()).unwrap_or_default();
        Ok(Some(Inspected { labels, image }))
    }

    /// Keeps the container for `duration` after its Durable Object goes
    /// away (evicted, aborted): an object for the same instance within that
    /// time finds it still running. Each call adds its own time; none is
    /// cancelled. Under `cargo cfcontainer dev` (workerd 1.20261117.1) the
    /// container is removed once the last such time has passed with no
    /// object holding it.
    pub async fn set_inactivity_timeout(&self, duration: Duration) -> Result<()> {
        let ms = duration.as_millis();
        if ms == 0 {
            return Err(worker::Error::RustError("set_inactivity_timeout needs at least 1 ms".into()));
        }
        let handle = self.handle("set_inactivity_timeout")?;
        let asked =
            async { js::settled(js::call(&handle, "setInactivityTimeout", &[JsValue::from_f64(ms as f64)])?).await };
        asked.await.map(drop).map_err(|e| worker::Error::RustError(format!("set_inactivity_timeout: {e}")))
    }

    /// What the container is doing.
    pub fn container_state(&self) -> ContainerState {
        self.runtime.container_state()
    }

    /// Whether the container is running.
    pub fn running(&self) -> bool {
        self.state.container().is_some_and(|c| c.running())
    }

    /// Counts now as activity: `sleep_after` starts again (the JS
    /// library's `renewActivityTimeout`), e.g. while the container works
    /// on something no request waits for.
    pub fn renew_activity(&self) {
        self.runtime.renew_activity()
    }

    /// Runs [`Hooks::on_schedule`](crate::Hooks::on_schedule) with `name`
    /// at or after `when`. Schedules are kept in the object's storage and
    /// share its one alarm with `sleep_after`, so they fire also after the
    /// object was evicted.
    ///
    /// ```ignore
    /// control.schedule(Duration::from_secs(60), "report").await?;
    /// ```
    pub async fn schedule(&self, when: impl Into<When>, name: &str) -> Result<()> {
        let at_ms = match when.into() {
            When::After(after) => worker::js_sys::Date::now() + after.as_millis() as f64,
            When::At(at) => at.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64),
        };
        self.runtime.schedule(at_ms, name.to_string()).await
    }

    /// Sends `SIGTERM` to the container so it can shut down cleanly; one
    /// still running after a grace period is killed.
    pub fn stop(&self) -> Result<()> {
        self.signal(15)
    }

    /// Sends a signal to the container's process (e.g. 15 for `SIGTERM`).
    pub fn signal(&self, signo: i32) -> Result<()> {
        if signo == 15 {
            self.stop_asked.set(true);
        }
        match self.state.container() {
            Some(c) if c.running() => c.signal(signo),
            _ => Ok(()),
        }
    }

    /// Kills the container at once.
    pub async fn destroy(&self) -> Result<()> {
        match self.state.container() {
            Some(c) if c.running() => c.destroy(None).await,
            _ => Ok(()),
        }
    }
    /// Egress control at run time: lets `host` (a pattern, as in
    /// `allowed_hosts`) through, to a handler or the internet (the JS
    /// library's `allowHost`). The first change replaces the attribute's
    /// list for this instance, which keeps the changed list in its storage
    /// across evictions and restarts; a running container gets it at once.
    /// The class needs egress settings in its attribute.
    pub async fn allow_host(&self, host: &str) -> Result<()> {
        self.runtime.change_egress(HostsChange::Allow(host.into())).await
    }

    /// Refuses `host` from now on, whatever else is set (`denyHost`).
    pub async fn deny_host(&self, host: &str) -> Result<()> {
        self.runtime.change_egress(HostsChange::Deny(host.into())).await
    }

    /// Takes `host` out of the allowed hosts (`removeAllowedHost`): the
    /// last one out leaves an empty list, which refuses every host.
    pub async fn remove_allowed_host(&self, host: &str) -> Result<()> {
        self.runtime.change_egress(HostsChange::RemoveAllowed(host.into())).await
    }

    /// Takes `host` out of the denied hosts (`removeDeniedHost`).
    pub async fn remove_denied_host(&self, host: &str) -> Result<()> {
        self.runtime.change_egress(HostsChange::RemoveDenied(host.into())).await
    }

    /// Replaces the allowed hosts (`setAllowedHosts`).
    pub async fn set_allowed_hosts(&self, hosts: &[&str]) -> Result<()> {
        self.runtime.change_egress(HostsChange::SetAllowed(hosts.iter().map(|h| h.to_string()).collect())).await
    }

    /// Replaces the denied hosts (`setDeniedHosts`).
    pub async fn set_denied_hosts(&self, hosts: &[&str]) -> Result<()> {
        self.runtime.change_egress(HostsChange::SetDenied(hosts.iter().map(|h| h.to_string()).collect())).await
    }
}

impl Control<'_> {
    /// The container handle, for `what`.
    fn handle(&self, what: &str) -> Result<JsValue> {
        let container = self.state.container().ok_or_else(|| {
            worker::Error::RustError(format!(
                "{what}: this Durable Object has no container (is its class configured with an image?)"
            ))
        })?;
        Ok(container.as_ref().clone())
    }

    /// The container handle, when the container runs, for `what`.
    fn running_handle(&self, what: &str) -> Result<JsValue> {
        let handle = self.handle(what)?;
        if !self.running() {
            return Err(worker::Error::RustError(format!(
                "{what} needs a running container: start it first (Control::start)"
            )));
        }
        Ok(handle)
    }
}

fn into_js(req: Request) -> JsRequest {
    // The same JS request (a handle), body untouched.
    Clone::clone(req.inner())
}
