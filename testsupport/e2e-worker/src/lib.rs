//! The worker of the runtime's end-to-end tests. Requests pick a container
//! class with `x-container` and an instance with `x-instance`, `x-pool`
//! (`random`) or `x-pool-key`; `x-port` switches the port; `x-control`
//! (`state`, `start` with `x-start-env: K=V,K2=V2`, `wait` with
//! `x-wait-ms`, `stop`, `destroy`) sends a control command; `x-raw` hands the request to the raw stub untouched. Hooks log lines
//! the tests read from workerd's output.
//!
//! `shell` is a container whose image has a shell: its hook runs the
//! container powers under `/power/...` (exec, snapshots, the inactivity
//! timeout, starts with options, abort).
//!
//! The handler takes and returns the JS request and response and hands
//! them to the instances as they are; `x-typed` sends a request through
//! workers-rs's `Request` and `Response` instead, as a typed handler does.

use std::cell::Cell;
use std::time::Duration;

use cfcontainer::{
    container, ContainerClass, Control, DirectorySnapshot, Exec, ExecStatus, Hooks, Instance, InstanceType, Listens,
    StartOptions, StopInfo,
};
use worker::{console_log, event, web_sys, Context, Env, Headers, Request, RequestInit, Response, Result};

/// Env vars from a literal, a Worker var and a Worker secret.
#[container(
    port = 8080,
    sleep_after = "1m",
    env(MESSAGE = "static-message", GREETING = var("GREETING"), TOKEN = secret("TOKEN")),
    enable_internet = false,
    hooks
)]
pub struct Basic;

/// Listens only after two seconds.
#[container(port = 8080, env(CFC_LISTEN_DELAY_MS = "2000"), enable_internet = false)]
pub struct Slow;

/// Exits with code 3 before listening.
#[container(port = 8080, env(CFC_EXIT_CODE = "3"), enable_internet = false, hooks)]
pub struct Crashy;

/// Stopped after five idle seconds.
#[container(port = 8080, sleep_after = "5s", enable_internet = false, hooks)]
pub struct Sleepy;

/// A pool member.
#[container(port = 8080, enable_internet = false)]
pub struct Pool;

/// Two ports that must both answer; requests can switch between them.
#[container(port = 8080, ports = [8080, 9090], env(PORTS = "8080,9090"), enable_internet = false)]
pub struct Multi;

/// Reads a Worker secret that is not set: it cannot start.
#[container(port = 8080, env(KEY = secret("NOT_SET_ANYWHERE")), enable_internet = false)]
pub struct Misconfigured;

/// May open connections out: through its networking sidecar, workerd
/// makes them from the host.
#[container(port = 8080, enable_internet = true)]
pub struct Online;

/// Egress control as the JS library's own egress test sets it
/// (`examples/egress-tests` of `@cloudflare/containers`): internet off,
/// allowed and denied hosts, two by-host handlers and a catch-all.
#[container(
    port = 8080,
    enable_internet = false,
    allowed_hosts = ["allowed.com", "by-host.com", "*.globtest.com"],
    denied_hosts = ["denied.com"],
    outbound_by_host("by-host.com" = by_host, "*.globtest.com" = by_glob),
    outbound = catch_all,
    hooks
)]
pub struct Egress;

/// `/egress/<change>/<host>` changes the lists at run time; the rest goes
/// to the container.
impl Hooks for Egress {
    async fn fetch(&self, control: &Control<'_>, req: Request) -> Result<Response> {
        let path = req.path();
        let Some((change, host)) = path.strip_prefix("/egress/").and_then(|rest| rest.split_once('/')) else {
            return control.proxy(req).await;
        };
        let done = match change {
            "allow" => control.allow_host(host).await,
            "deny" => control.deny_host(host).await,
            "remove-allowed" => control.remove_allowed_host(host).await,
            "remove-denied" => control.remove_denied_host(host).await,
            other => return Response::error(format!("unknown change {other}"), 400),
        };
        match done {
            Ok(()) => Response::ok("changed"),
            Err(e) => Response::error(e.to_string(), 400),
        }
    }
}

async fn by_host(_: Request, _: Env, _: cfcontainer::Outbound) -> Result<Response> {
    Response::ok("outboundByHost: by-host.com")
}

async fn by_glob(_: Request, _: Env, outbound: cfcontainer::Outbound) -> Result<Response> {
    Response::ok(format!("outboundByHost glob: {}", outbound.host))
}

/// Also says which instance asked, and what the container sent.
async fn catch_all(req: Request, _: Env, outbound: cfcontainer::Outbound) -> Result<Response> {
    let path = req.path();
    Response::ok(format!("catch-all: {} {path} from {}", outbound.host, outbound.class_name))
}

/// Listens on 7070, which its image (built by the test, prebuilt here)
/// does not `EXPOSE`: since workerd 1.20260312 a port is reached through
/// the container's networking sidecar, whatever the image exposes.
#[container(port = 7070, image = "cfc-e2e/unexposed:1", env(PORTS = "7070"), enable_internet = false)]
pub struct Unexposed;

/// Never listens in time: its readiness limit is three seconds.
#[container(port = 8080, env(CFC_LISTEN_DELAY_MS = "600000"), readiness(timeout = "3s"), enable_internet = false)]
pub struct Hung;

/// Idle after three seconds, but its hook keeps it running.
#[container(port = 8080, sleep_after = "3s", enable_internet = false, hooks)]
pub struct Keeper;

/// Idle after three seconds; ignores SIGTERM, so it lingers through the
/// stop grace period.
#[container(port = 8080, sleep_after = "3s", env(CFC_IGNORE_SIGTERM = "1"), enable_internet = false, hooks)]
pub struct Lingering;

impl Hooks for Lingering {
    async fn on_activity_expired(&self, control: &Control<'_>) -> Result<()> {
        log_hooks("Lingering", "expired", "");
        control.stop()
    }
}

/// A job: listens on no port and exits with code 7 after a second (a
/// start's env may say otherwise).
#[container(env(CFC_EXIT_CODE = "7", CFC_EXIT_AFTER_MS = "1000"), enable_internet = false, hooks)]
#[derive(Default)]
pub struct Job(Built);

/// Logs each object instance it is built in: a second line for one object
/// shows that it was evicted in between.
pub struct Built;

impl Default for Built {
    fn default() -> Self {
        log_hooks("Job", "built", "");
        Built
    }
}

impl Hooks for Job {
    async fn on_stop(&self, _: &Control<'_>, stop: StopInfo) -> Result<()> {
        log_hooks("Job", "stop", &format!("exit_code={} reason={}", stop.exit_code, stop.reason));
        Ok(())
    }
}

/// Its own Durable Object logic in front of the container: without
/// `x-key: open-sesame` it answers 401 itself (nothing started); `/warm`
/// starts the container from the hook with an env var of its own; every
/// other request is proxied with `x-user: alice` added. A field counts the
/// requests this object saw.
#[container(port = 8080, enable_internet = false, hooks)]
#[derive(Default)]
pub struct Gatekeeper {
    seen: Cell<u32>,
}

impl Hooks for Gatekeeper {
    async fn fetch(&self, control: &Control<'_>, req: Request) -> Result<Response> {
        self.seen.set(self.seen.get() + 1);
        let seen = self.seen.get().to_string();
        if req.headers().get("x-key")?.as_deref() != Some("open-sesame") {
            let answer = Response::error("unauthorized", 401)?;
            let answer = cfcontainer::with_header(answer, "x-running", &control.running().to_string())?;
            return cfcontainer::with_header(answer, "x-seen", &seen);
        }
        if req.path() == "/warm" {
            let mut options = StartOptions::default();
            options.env.insert("WARMED_BY".into(), "the-fetch-hook".into());
            let state = control.start(options).await?;
            return Response::ok(format!("ready={}", state.ready));
        }
        let req = cfcontainer::with_request_header(req, "x-user", "alice")?;
        let answer = control.proxy(req).await?;
        cfcontainer::with_header(answer, "x-seen", &seen)
    }
}

/// Rewrites the request in its own `fetch` hook before proxying it: the
/// container gets `x-user: set-by-the-hook` (a client's own `x-user`
/// replaced) and no `authorization`, with the body as it came; the client
/// gets the answer with `x-rewritten: yes`.
#[container(port = 8080, enable_internet = false, hooks)]
pub struct Rewriter;

impl Hooks for Rewriter {
    async fn fetch(&self, control: &Control<'_>, req: Request) -> Result<Response> {
        let headers = Headers::new();
        for (name, value) in req.headers().entries() {
            if name != "authorization" && name != "x-user" {
                headers.append(&name, &value)?;
            }
        }
        headers.set("x-user", "set-by-the-hook")?;
        let mut init = RequestInit::new();
        init.with_method(req.method()).with_headers(headers).with_body(req.inner().body().map(Into::into));
        let rewritten = Request::new_with_init(&req.inner().url(), &init)?;
        let answer = control.proxy(rewritten).await?;
        cfcontainer::with_header(answer, "x-rewritten", "yes")
    }
}

/// Schedules from its own `fetch` hook (`/schedule/SECONDS/NAME`) and logs
/// when one fires, with whether this is the object that scheduled it.
/// Its container never starts.
#[container(port = 8080, enable_internet = false, hooks)]
#[derive(Default)]
pub struct Scheduler {
    scheduled_here: Cell<bool>,
}

impl Hooks for Scheduler {
    async fn fetch(&self, control: &Control<'_>, req: Request) -> Result<Response> {
        let path = req.path();
        let Some((seconds, name)) = path.strip_prefix("/schedule/").and_then(|rest| rest.split_once('/')) else {
            return Response::error("use /schedule/SECONDS/NAME", 400);
        };
        let seconds: u64 = seconds.parse().map_err(|_| worker::Error::RustError("SECONDS is a number".into()))?;
        control.schedule(Duration::from_secs(seconds), name).await?;
        self.scheduled_here.set(true);
        Response::ok(format!("scheduled {name}"))
    }

    async fn on_schedule(&self, _: &Control<'_>, name: &str) -> Result<()> {
        log_hooks("Scheduler", "schedule", &format!("name={name} same_object={}", self.scheduled_here.get()));
        Ok(())
    }
}

/// Answers every request itself, its container never started: the
/// benchmark's measure of the Worker -> Durable Object hop.
#[container(port = 8080, enable_internet = false, hooks)]
pub struct Echo;

impl Hooks for Echo {
    async fn fetch(&self, _: &Control<'_>, _: Request) -> Result<Response> {
        Response::ok("hi")
    }
}

/// Busybox beside the test server: commands can run in it. Its hook runs
/// the container powers on `/power/...`; every other request is proxied.
#[container(port = 8080, dockerfile = "Dockerfile.shell", sleep_after = "5m", enable_internet = false, hooks)]
pub struct Shell;

/// What `/power/exec` answers.
#[derive(serde::Serialize)]
struct Ran {
    /// `exited:N` or `timed-out`.
    status: String,
    stdout: String,
    stderr: String,
}

impl Hooks for Shell {
    async fn fetch(&self, control: &Control<'_>, mut req: Request) -> Result<Response> {
        let Some(power) = req.path().strip_prefix("/power/").map(str::to_string) else {
            return control.proxy(req).await;
        };
        let url = req.url()?;
        let query =
            |key: &str| url.query_pairs().filter(|(k, _)| k == key).map(|(_, v)| v.into_owned()).collect::<Vec<_>>();
        let first = |key: &str| query(key).into_iter().next();
        match power.as_str() {
            // `?arg=..&arg=..[&timeout_ms=N]`, the body on stdin.
            "exec" => {
                let mut exec = Exec::new(query("arg")).stdin(req.bytes().await?);
                if let Some(ms) = first("timeout_ms").and_then(|ms| ms.parse().ok()) {
                    exec = exec.timeout(Duration::from_millis(ms));
                }
                let output = control.exec(exec).await?;
                let status = match output.status {
                    ExecStatus::Exited(code) => format!("exited:{code}"),
                    ExecStatus::TimedOut => "timed-out".into(),
                };
                Response::from_json(&Ran { status, stdout: output.stdout_text(), stderr: output.stderr_text() })
            }
            // `?arg=..`: the command's stdout as the streamed answer, as it comes.
            "stream" => {
                let mut process = control.spawn(Exec::new(query("arg"))).await?;
                let stdout = process.take_stdout().ok_or(worker::Error::RustError("no stdout".into()))?;
                Ok(Response::from(web_sys::Response::new_with_opt_readable_stream(Some(&stdout))?))
            }
            // `cat` fed the body through its piped stdin, its stdout back.
            "pipe" => {
                let body = req.bytes().await?;
                let mut process = control.spawn(Exec::new(["cat"])).await?;
                let stdout = process.take_stdout().ok_or(worker::Error::RustError("no stdout".into()))?;
                let writer = process.take_stdin().ok_or(worker::Error::RustError("no stdin".into()))?.get_writer()?;
                let chunk = worker::js_sys::Uint8Array::from(body.as_slice());
                worker::wasm_bindgen_futures::JsFuture::from(writer.write_with_chunk(&chunk)).await?;
                worker::wasm_bindgen_futures::JsFuture::from(writer.close()).await?;
                Ok(Response::from(web_sys::Response::new_with_opt_readable_stream(Some(&stdout))?))
            }
            // `?dir=/abs`: the snapshot as JSON, to restore elsewhere;
            // without `dir`, of the whole container.
            "snapshot" => match first("dir") {
                Some(dir) => Response::from_json(&control.snapshot_directory(&dir, Some("e2e")).await?),
                None => Response::from_json(&control.snapshot_container(Some("e2e")).await?),
            },
            // Starts with `?label=k=v`, `?image=ref`, `?instance=standard-1`
            // and, as the body, a JSON list of directory snapshots to restore
            // (with `?from=container`: a container snapshot to start from).
            "start" => {
                let mut options = StartOptions::default();
                for label in query("label") {
                    let (k, v) = label.split_once('=').unwrap_or((&label, ""));
                    options.labels.insert(k.into(), v.into());
                }
                options.image = first("image");
                if first("instance").as_deref() == Some("standard-1") {
                    options.instance = Some(InstanceType::Standard1);
                }
                let body = req.text().await?;
                let bad = |e: serde_json::Error| worker::Error::RustError(e.to_string());
                if first("from").as_deref() == Some("container") {
                    options.container_snapshot = Some(serde_json::from_str(&body).map_err(bad)?);
                } else if !body.is_empty() {
                    let snapshots: Vec<DirectorySnapshot> = serde_json::from_str(&body).map_err(bad)?;
                    options.directory_snapshots = snapshots.into_iter().map(Into::into).collect();
                }
                let state = control.start(options).await?;
                Response::ok(format!("ready={}", state.ready))
            }
            // The labels as the runtime holds them, `k=v` a line, then the image.
            "inspect" => match control.inspect().await? {
                Some(seen) => {
                    let labels: String = seen.labels.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
                    Response::ok(format!("{labels}image={}", seen.image))
                }
                None => Response::ok("not running"),
            },
            "inactivity" => {
                let ms = first("ms").and_then(|ms| ms.parse().ok()).unwrap_or(0);
                control.set_inactivity_timeout(Duration::from_millis(ms)).await?;
                Response::ok("set")
            }
            // The object goes away (workerd drops its hold on the container).
            "abort" => {
                let state: &worker::wasm_bindgen::JsValue = control.state().as_raw().as_ref();
                let abort = worker::js_sys::Reflect::get(state, &"abort".into())?;
                let abort: worker::js_sys::Function = abort.into();
                abort.call1(state, &"the test aborts it".into())?;
                Response::ok("not aborted")
            }
            other => Response::error(format!("unknown power `{other}`"), 404),
        }
    }
}

fn log_hooks(class: &str, event: &str, detail: &str) {
    console_log!("cfc-hook class={class} event={event} {detail}");
}

impl Hooks for Basic {
    async fn on_start(&self, _: &Control<'_>) -> Result<()> {
        log_hooks("Basic", "start", "");
        Ok(())
    }
}

impl Hooks for Crashy {
    async fn on_stop(&self, _: &Control<'_>, stop: StopInfo) -> Result<()> {
        log_hooks("Crashy", "stop", &format!("exit_code={} reason={}", stop.exit_code, stop.reason));
        Ok(())
    }

    async fn on_error(&self, _: &Control<'_>, error: &str) -> Result<()> {
        log_hooks("Crashy", "error", error);
        Ok(())
    }
}

impl Hooks for Sleepy {
    async fn on_stop(&self, _: &Control<'_>, stop: StopInfo) -> Result<()> {
        log_hooks("Sleepy", "stop", &format!("exit_code={} reason={}", stop.exit_code, stop.reason));
        Ok(())
    }

    async fn on_activity_expired(&self, control: &Control<'_>) -> Result<()> {
        log_hooks("Sleepy", "expired", "");
        control.stop()
    }
}

impl Hooks for Keeper {
    async fn on_activity_expired(&self, _: &Control<'_>) -> Result<()> {
        log_hooks("Keeper", "expired", "kept");
        Ok(())
    }
}

/// `x-control`: a control command from the Worker (also for jobs).
async fn control<C: ContainerClass>(instance: &Instance<C>, req: &web_sys::Request, command: &str) -> Result<Response> {
    let state = match command {
        "start" => {
            // `x-start-env: K=V,K2=V2` adds env vars for this start.
            let mut options = StartOptions::default();
            let given = header(req, "x-start-env").unwrap_or_default();
            for (k, v) in given.split(',').filter_map(|kv| kv.split_once('=')) {
                options.env.insert(k.to_string(), v.to_string());
            }
            instance.start(options).await?
        }
        "wait" => {
            let ms = header(req, "x-wait-ms").and_then(|ms| ms.parse().ok()).unwrap_or(60_000);
            instance.wait(Duration::from_millis(ms)).await?
        }
        "stop" => instance.stop().await?,
        "destroy" => instance.destroy().await?,
        _ => instance.state().await?,
    };
    Response::from_json(&state)
}

fn header(req: &web_sys::Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

async fn forward<C: ContainerClass + Listens>(
    instance: Instance<C>,
    req: web_sys::Request,
) -> Result<web_sys::Response> {
    // `x-raw`: the client's request, untouched, to the raw stub (as user
    // code may do); it must not command the container or pick a port.
    if header(&req, "x-raw").is_some() {
        return instance.stub().fetch_with_request(Request::from(req)).await.map(Into::into);
    }
    if let Some(command) = header(&req, "x-control") {
        return control(&instance, &req, &command).await.map(Into::into);
    }
    let port = header(&req, "x-port").and_then(|p| p.parse().ok());
    if header(&req, "x-typed").is_some() {
        let req = Request::from(req);
        let response = match port {
            Some(port) => instance.fetch_port(req, port).await?,
            None => instance.fetch(req).await?,
        };
        return cfcontainer::with_header(response, "x-instance", instance.name()).map(Into::into);
    }
    let response = match port {
        Some(port) => instance.fetch_port(req, port).await?,
        None => instance.fetch(req).await?,
    };
    with_instance(response, instance.name())
}

/// `response` with `x-instance: name`, still the JS object: its headers
/// copied, its body handed on; a 101 keeps its WebSocket, untouched.
fn with_instance(response: web_sys::Response, name: &str) -> Result<web_sys::Response> {
    if response.status() == 101 {
        return Ok(response);
    }
    let headers = web_sys::Headers::new_with_headers(&response.headers())?;
    headers.set("x-instance", name)?;
    let init = web_sys::ResponseInit::new();
    init.set_status(response.status());
    init.set_status_text(&response.status_text());
    init.set_headers(&headers);
    Ok(web_sys::Response::new_with_opt_readable_stream_and_init(response.body().as_ref(), &init)?)
}

fn instance<C: ContainerClass>(req: &web_sys::Request, env: &Env) -> Result<Instance<C>> {
    let namespace = cfcontainer::Namespace::<C>::from_env(env)?;
    if let Some(key) = header(req, "x-pool-key") {
        namespace.by_key(&key, 3)
    } else if header(req, "x-pool").is_some() {
        namespace.random(3)
    } else {
        namespace.named(&header(req, "x-instance").unwrap_or_else(|| "default".into()))
    }
}

async fn route<C: ContainerClass + Listens>(req: web_sys::Request, env: &Env) -> Result<web_sys::Response> {
    forward(instance::<C>(&req, env)?, req).await
}

/// A job takes control commands only.
async fn route_job<C: ContainerClass>(req: web_sys::Request, env: &Env) -> Result<web_sys::Response> {
    let command = header(&req, "x-control").unwrap_or_else(|| "state".into());
    control(&instance::<C>(&req, env)?, &req, &command).await.map(Into::into)
}

/// A 400 built as the JS object, as the JS library's Worker answers it.
fn refuse(message: &str) -> Result<web_sys::Response> {
    let init = web_sys::ResponseInit::new();
    init.set_status(400);
    Ok(web_sys::Response::new_with_opt_str_and_init(Some(message), &init)?)
}

#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, _ctx: Context) -> Result<web_sys::Response> {
    let class = header(&req, "x-container").unwrap_or_default();
    // Every route but the benchmark's JS ones is boxed: this future is
    // moved to the heap for every request, and all routes inline would
    // make it large.
    match class.as_str() {
        // The benchmark's routes: as little as a Worker can do, like the JS
        // library's side (bench/js-container/worker.js), with the JS
        // request and response handed through.
        "none" => refuse("unknown x-container"),
        "bench" => {
            let name = header(&req, "x-instance").unwrap_or_else(|| "default".into());
            Pool::named(&env, &name)?.fetch(req).await
        }
        "echo" => Echo::named(&env, "echo")?.fetch(req).await,
        // The same three in workers-rs's types, as a typed handler has them.
        "none-typed" => {
            Box::pin(typed(req, |req| async move {
                let class = req.headers().get("x-container")?.unwrap_or_default();
                Response::error(format!("unknown x-container `{class}`"), 400)
            }))
            .await
        }
        "bench-typed" => {
            Box::pin(typed(req, |req| async move {
                let name = req.headers().get("x-instance")?.unwrap_or_else(|| "default".into());
                Pool::named(&env, &name)?.fetch(req).await
            }))
            .await
        }
        "echo-typed" => Box::pin(typed(req, |req| async move { Echo::named(&env, "echo")?.fetch(req).await })).await,
        _ => Box::pin(route_class(class, req, &env)).await,
    }
}

/// `handle` on the request as workers-rs's `Request`, its `Response` back
/// as the JS object: what `#[event(fetch)]` does for a typed handler.
async fn typed<F: std::future::Future<Output = Result<Response>>>(
    req: web_sys::Request,
    handle: impl FnOnce(Request) -> F,
) -> Result<web_sys::Response> {
    handle(Request::from(req)).await.map(Into::into)
}

async fn route_class(class: String, req: web_sys::Request, env: &Env) -> Result<web_sys::Response> {
    match class.as_str() {
        "basic" => route::<Basic>(req, env).await,
        "slow" => route::<Slow>(req, env).await,
        "crashy" => route::<Crashy>(req, env).await,
        "sleepy" => route::<Sleepy>(req, env).await,
        "pool" => route::<Pool>(req, env).await,
        "multi" => route::<Multi>(req, env).await,
        "unexposed" => route::<Unexposed>(req, env).await,
        "online" => route::<Online>(req, env).await,
        "hung" => route::<Hung>(req, env).await,
        "keeper" => route::<Keeper>(req, env).await,
        "lingering" => route::<Lingering>(req, env).await,
        "misconfigured" => route::<Misconfigured>(req, env).await,
        "gatekeeper" => route::<Gatekeeper>(req, env).await,
        "rewriter" => route::<Rewriter>(req, env).await,
        "scheduler" => route::<Scheduler>(req, env).await,
        "shell" => route::<Shell>(req, env).await,
        "egress" => route::<Egress>(req, env).await,
        "job" => route_job::<Job>(req, env).await,
        other => refuse(&format!("unknown x-container `{other}`")),
    }
}
