//! User code reaches containers through generated, typed accessors; with
//! `hooks`, the user's own `Hooks` impl is used. `fetch` answers a
//! workers-rs request with a workers-rs response and the JS request a
//! handler may take with the JS response.

use cfcontainer::{Control, Hooks, Instance, Namespace, StopInfo};
use worker::{web_sys, Env, Request, Response, Result};

#[cfcontainer::container(port = 8080, image = "registry.cloudflare.com/acct/app:1", hooks)]
pub struct MyContainer;

impl Hooks for MyContainer {
    async fn on_stop(&self, _: &Control<'_>, stop: StopInfo) -> Result<()> {
        worker::console_log!("stopped with {}", stop.exit_code);
        Ok(())
    }
}

#[cfcontainer::container(port = 8080, image = "registry.cloudflare.com/acct/pool:1")]
pub struct Pool;

#[allow(dead_code)]
async fn route(req: Request, env: &Env) -> Result<Response> {
    let named: Instance<MyContainer> = MyContainer::named(env, "container")?;
    let _: Namespace<Pool> = Pool::namespace(env)?;
    let _: Instance<Pool> = Pool::random(env, 3)?;
    let keyed: Instance<Pool> = Pool::by_key(env, "user-42", 3)?;
    let _ = keyed.name();
    if req.path() == "/admin" {
        return named.fetch_port(req, 9090).await;
    }
    named.fetch(req).await
}

#[allow(dead_code)]
async fn pass_through(req: web_sys::Request, env: &Env) -> Result<web_sys::Response> {
    let response: web_sys::Response = Pool::named(env, "a")?.fetch(req).await?;
    Ok(response)
}

fn main() {}
