//! A Worker configured by its `wrangler.toml`: `cfcontainer::bindings!()`
//! reads the file at compile time and gives every binding a typed
//! accessor, so a binding misspelled in the code, or renamed in the file
//! and not in the code, does not compile. `/config` answers from the
//! Worker's vars; every other path from the container, whose `MESSAGE` is
//! the `GREETING` var.

use cfcontainer::container;
use serde::Deserialize;
use worker::{event, Context, Env, Request, Response, Result};

cfcontainer::bindings!();

/// A JSON var: `LIMITS = { max_items = 3, tier = "free" }`.
#[derive(Deserialize)]
struct Limits {
    max_items: u32,
    tier: String,
}

/// busybox httpd answering with its `MESSAGE` env var, read from the
/// Worker var `GREETING` when the container starts.
#[container(port = 8080, env(MESSAGE = var("GREETING")))]
pub struct Greeter;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    if req.path() == "/config" {
        let bindings = Bindings::of(&env);
        let limits: Limits = bindings.limits()?;
        let greeting = bindings.greeting()?.to_string();
        return Response::ok(format!("{greeting}; {} items on the {} tier", limits.max_items, limits.tier));
    }
    Greeter::named(&env, "greeter")?.fetch(req).await
}
