//! Run Docker containers on Cloudflare from plain Rust.
//!
//! Put `#[container]` on a struct in a workers-rs crate and it becomes a
//! Durable Object class that owns one container: started on demand,
//! probed until its ports answer, `fetch` (and WebSockets) proxied into it,
//! stopped after `sleep_after` of idleness.
//!
//! ```ignore
//! use cfcontainer::container;
//! use worker::*;
//!
//! #[container(class = "MyContainer", port = 8080, sleep_after = "3m",
//!             env(MESSAGE = "I was passed in via the container class!"))]
//! pub struct MyContainer;
//!
//! #[event(fetch)]
//! async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
//!     MyContainer::named(&env, "container")?.fetch(req).await
//! }
//! ```
//!
//! A handler that takes the JS `web_sys::Request` (as `#[event(fetch)]`
//! allows) and returns `web_sys::Response` gets the instance's answer as
//! the JS object it is: nothing is converted into workers-rs types on the
//! way in or out ([`Exchange`]). The object does the same for every class
//! that keeps the default [`Hooks::fetch`].
//!
//! A container written in Rust can be called through one typed trait
//! instead of `fetch`: an [`Instance`] carries the calls of a
//! `cfcontainer-protocol` client (`TextClient::new(Api::named(&env,
//! "api")?)`), starting the container as `fetch` does.
//!
//! Instances can also be started from code, before any request, with their
//! own env vars ([`Instance::start`], [`StartOptions`]). An answer with a
//! `Content-Length` keeps its container awake until its last byte; one
//! without (an event stream) while it sends: silent for `sleep_after`, it
//! no longer does (a client that leaves a silent stream goes unnoticed).
//!
//! # Your own Durable Object logic, jobs, schedules
//!
//! With `hooks` in the attribute you write `impl Hooks for C`:
//! [`Hooks::fetch`] sees every request first (its default proxies it into
//! the container), and every hook gets a [`Control`] to proxy, start with
//! options, read the state, stop, signal, renew activity, schedule
//! ([`Control::schedule`], fired in [`Hooks::on_schedule`], kept in storage)
//! and use the object's storage. The struct may carry fields (built with
//! `Default`): per-object in-memory state.
//!
//! ```ignore
//! #[container(port = 8080, hooks)]
//! #[derive(Default)]
//! pub struct Sandbox { requests: std::cell::Cell<u32> }
//!
//! impl cfcontainer::Hooks for Sandbox {
//!     async fn fetch(&self, control: &cfcontainer::Control<'_>, req: Request) -> Result<Response> {
//!         self.requests.set(self.requests.get() + 1);
//!         if req.headers().get("authorization")?.is_none() {
//!             return Response::error("unauthorized", 401);
//!         }
//!         control.proxy(req).await
//!     }
//! }
//! ```
//!
//! A class with neither `port` nor `ports` is a job: started from code, it
//! runs once until it exits, its exit code in [`Instance::state`] (kept
//! in the object's storage until the next start) and [`Hooks::on_stop`];
//! [`Instance::wait`] returns once it exits. A start on a job that ended
//! runs it again. `fetch` on a job does not compile ([`Listens`]).
//!
//! # Every other binding, checked at compile time
//!
//! `cfcontainer::bindings!()` at the crate root reads the crate's
//! `wrangler.json(c)`/`wrangler.toml` while compiling and generates
//! `Bindings`, one typed accessor per binding (`MY_CACHE` -> `my_cache()`,
//! returning the workers-rs type), so a misspelled or removed binding does
//! not compile. `bindings!("path/to/wrangler.toml")` names the file;
//! `CFCONTAINER_ENV=NAME` selects `[env.NAME]`.
//!
//! ```ignore
//! cfcontainer::bindings!();
//!
//! let bindings = Bindings::of(&env);
//! let cache = bindings.my_cache()?; // worker::KvStore
//! ```
//!
//! # Attribute keys
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `class = "C"` | JavaScript class name of the Durable Object | the struct's name |
//! | `binding = "B"` | binding name the Worker sees | `class` in SHOUTY_SNAKE_CASE |
//! | `renamed_from = "Old"` | the class's previous `class`: deploy renames its Durable Objects (data kept) | none |
//! | `port = 8080` | port `fetch` goes to | first of `ports`; with neither, the class is a job |
//! | `ports = [8080, 9090]` | ports that must all answer before the container is ready | `[port]` |
//! | `sleep_after = "3m"` | idle time before the container is stopped: seconds or `"30s"`, `"1h30m"` | `"10m"`; not on a job |
//! | `env(K = "v", S = secret("NAME"), V = var("NAME"))` | environment variables: static, or read from a Worker secret or var at start | none |
//! | `entrypoint = ["/bin/app", "--flag"]` | overrides the image's entrypoint | the image's |
//! | `enable_internet = false` | whether the container may reach the internet | `true` |
//! | `allowed_hosts = ["api.example.com", "*.example.org"]` | egress control: only these hosts are let through (to a handler, or to the internet even without `enable_internet`); `*` stands for any run of characters | all |
//! | `denied_hosts = ["ads.example.com"]` | egress control: these hosts are refused (`520 Origin is disallowed`) whatever else is set | none |
//! | `outbound = handler` | egress control: an `async fn(Request, Env, Outbound) -> Result<Response>` that answers every intercepted request no by-host handler takes | none |
//! | `outbound_by_host("api.example.com" = handler, ..)` | egress control: handlers by host pattern (exact pattern first, then the first glob that matches) | none |
//! | `intercept_https` | egress control covers HTTPS (port 443) too, decrypted with the runtime's CA the container must trust | `false` (port 80 only) |
//! | `readiness_path = "/healthz"` | path probed on each port; any HTTP answer means ready | `"/"` |
//! | `readiness(timeout = "30s", attempt_timeout = "2s", first_retry_ms = 5, max_retry_ms = 50)` | overall limit, per-probe limit, first pause (doubling) and longest pause between probes | as shown |
//! | `dockerfile = "Dockerfile"` | Dockerfile, relative to the crate's Cargo.toml | `"Dockerfile"` |
//! | `context = "."` | build context directory | the Dockerfile's directory |
//! | `build_args(K = "v")` | build arguments | none |
//! | `target = "stage"` | multi-stage build target | the last stage |
//! | `image = "registry.cloudflare.com/acct/app:1"` | a prebuilt image instead of a Dockerfile | none |
//! | `binary = "api-server"` | an image assembled by `cargo cfcontainer` from this binary target of the workspace, built static for `x86_64-unknown-linux-musl` (no Dockerfile, no base image; not with `dockerfile`, `context`, `build_args`, `target` or `image`) | none |
//! | `package = "api"` | the workspace package that has `binary`, when two have one of that name | the one member that has it |
//! | `assets = "static"` | a directory (relative to the crate's Cargo.toml) whose files go into their own layer, under the directory's name in the image's working directory `/app` | none |
//! | `name = "app"`, `tag = "v1"` | image repository name and tag | `<worker>-<class>`, a hash of the build inputs |
//! | `instance_type = "basic"` or `instance_type(vcpu = 1, memory_mib = 2048, disk_mb = 8000)` | `lite` (`dev`), `basic`, `standard` (`standard-1`) to `standard-4`, or custom | `"lite"` |
//! | `max_instances = 10` | upper bound on running instances | `20` |
//! | `rollout(step_percentage = 25, kind = "full_auto")` | rollout steps (5, 10, 20, 25, 50, 100 or a list ending at 100) and kind (`full_auto`, `full_manual`) | `100`, `"full_auto"` |
//! | `observability(logs = true)` | collect container logs | `false` |
//! | `scheduling_policy = "regional"` | how instances are placed: `default` or `regional` | `"default"` |
//! | `constraints(regions = ["ENAM"], tiers = [1, 2], jurisdiction = "eu")` | where instances may run (regions upper-cased, the jurisdiction lower-cased, as the official CLI sends them) | tiers `[1, 2]`, anywhere |
//! | `rollout_active_grace_period = "30s"` | how long an old instance keeps serving while a rollout replaces it | `0` |
//! | `dev(remote = true)` | push the image even in `cargo cfcontainer dev` | `false` |
//! | `hooks` | you write `impl cfcontainer::Hooks for C` yourself (`fetch`, `on_start`, `on_stop`, `on_error`, `on_activity_expired`, `on_schedule`) | default hooks |
//!
//! Two containers with the same `binding` or `class` in one crate fail to
//! compile (rustc reports the `__cfcontainer_binding_…` or
//! `__cfcontainer_class_…` name as defined twice, at the second one).

mod body;
mod class;
mod command;
mod config;
mod control;
mod egress;
mod exchange;
mod exec;
mod exits;
mod headers;
mod hooks;
mod js;
mod labels;
mod lifecycle;
mod object;
mod outbound;
mod protocol;
mod proxy;
mod readiness;
mod relay;
mod routing;
mod schedules;
mod snapshot;
mod start;
mod timer;

pub use cfcontainer_macros::{bindings, container};
pub use class::{ContainerClass, Listens};
pub use command::ContainerState;
pub use config::{ContainerConfig, EnvSource, ReadinessTiming};
pub use control::{Control, Inspected, When};
pub use exchange::Exchange;
pub use exec::{Exec, ExecOutput, ExecProcess, ExecStatus};
pub use headers::{with_header, with_request_header, CONTROL_HEADER, TARGET_PORT_HEADER};
pub use hooks::{Hooks, StopInfo, StopReason};
pub use object::ContainerObject;
pub use outbound::{Egress, Outbound};
pub use routing::{Instance, Namespace};
pub use snapshot::{ContainerSnapshot, DirectoryRestore, DirectorySnapshot};
pub use start::{InstanceType, StartOptions};

#[doc(hidden)]
pub mod __private;
