//! A Worker whose container is written in Rust in the same workspace: the
//! `api-server` binary of `../server`, compiled static and assembled into
//! an image by `cargo cfcontainer` (no Dockerfile, no base image, no
//! engine needed to deploy it), with `../server/static` as a layer of its
//! own.

use cfcontainer::container;
use worker::{event, Context, Env, Request, Response, Result};

/// The container class: the `api-server` binary on port 8080.
#[container(
    class = "Api",
    port = 8080,
    binary = "api-server",
    assets = "../server/static",
    sleep_after = "2m",
    env(GREETING = "Hello from the Rust server")
)]
pub struct Api;

/// Every request goes to the one instance named "api".
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Api::named(&env, "api")?.fetch(req).await
}
