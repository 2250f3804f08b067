//! The worker of the runtime's end-to-end tests. Requests pick a container
//! class with `x-container` and an instance with `x-instance`, `x-pool`
//! (`random`) or `x-pool-key`; `x-port` switches the port; `x-control`
//! (`state`, `start` with `x-start-env: K=V`, `stop`, `destroy`) sends a
//! control command; `x-raw` hands the request to the raw stub untouched. Hooks log lines
//! the tests read from workerd's output.

use cfcontainer::{container, Control, Hooks, Instance, StopInfo};
use worker::{console_log, event, Context, Env, Request, Response, Result};

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

/// Listens on 7070, which its image (built by the test, prebuilt here)
/// does not `EXPOSE`.
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

async fn forward<C: cfcontainer::ContainerClass>(instance: Instance<C>, req: Request) -> Result<Response> {
    // `x-raw`: the client's request, untouched, to the raw stub (as user
    // code may do); it must not command the container or pick a port.
    if req.headers().get("x-raw")?.is_some() {
        return instance.stub().fetch_with_request(req).await;
    }
    if let Some(command) = req.headers().get("x-control")? {
        let state = match command.as_str() {
            "start" => {
                // `x-start-env: K=V` adds one env var for this start.
                let mut options = cfcontainer::StartOptions::default();
                if let Some((k, v)) = req.headers().get("x-start-env")?.as_deref().and_then(|kv| kv.split_once('=')) {
                    options.env.insert(k.to_string(), v.to_string());
                }
                instance.start(options).await?
            }
            "stop" => instance.stop().await?,
            "destroy" => instance.destroy().await?,
            _ => instance.state().await?,
        };
        return Response::from_json(&state);
    }
    let port = req.headers().get("x-port")?.and_then(|p| p.parse().ok());
    let response = match port {
        Some(port) => instance.fetch_port(req, port).await?,
        None => instance.fetch(req).await?,
    };
    cfcontainer::with_header(response, "x-instance", instance.name())
}

async fn route<C: cfcontainer::ContainerClass>(req: Request, env: &Env) -> Result<Response> {
    let headers = req.headers();
    let instance = if let Some(key) = headers.get("x-pool-key")? {
        cfcontainer::Namespace::<C>::from_env(env)?.by_key(&key, 3)?
    } else if headers.get("x-pool")?.is_some() {
        cfcontainer::Namespace::<C>::from_env(env)?.random(3)?
    } else {
        let name = headers.get("x-instance")?.unwrap_or_else(|| "default".into());
        cfcontainer::Namespace::<C>::from_env(env)?.named(&name)?
    };
    forward(instance, req).await
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let class = req.headers().get("x-container")?.unwrap_or_default();
    match class.as_str() {
        "basic" => route::<Basic>(req, &env).await,
        "slow" => route::<Slow>(req, &env).await,
        "crashy" => route::<Crashy>(req, &env).await,
        "sleepy" => route::<Sleepy>(req, &env).await,
        "pool" => route::<Pool>(req, &env).await,
        "multi" => route::<Multi>(req, &env).await,
        "unexposed" => route::<Unexposed>(req, &env).await,
        "hung" => route::<Hung>(req, &env).await,
        "keeper" => route::<Keeper>(req, &env).await,
        "lingering" => route::<Lingering>(req, &env).await,
        "misconfigured" => route::<Misconfigured>(req, &env).await,
        other => Response::error(format!("unknown x-container `{other}`"), 400),
    }
}
