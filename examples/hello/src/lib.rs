//! The Container spec's example in Rust: a `MyContainer` Durable Object
//! that owns a container listening on 8080, and a Worker that routes every
//! request to the instance named "container".

use cfcontainer::{container, Control, Hooks, StopInfo};
use worker::{console_log, event, Context, Env, Request, Response, Result};

/// The container class: port 8080, asleep after 3 minutes without requests.
#[container(
    class = "MyContainer",
    port = 8080,
    sleep_after = "3m",
    env(MESSAGE = "I was passed in via the container class!"),
    hooks
)]
pub struct MyContainer;

impl Hooks for MyContainer {
    async fn on_start(&self, _: &Control<'_>) -> Result<()> {
        console_log!("Container successfully started");
        Ok(())
    }

    async fn on_stop(&self, _: &Control<'_>, stop: StopInfo) -> Result<()> {
        console_log!("Container successfully shut down (exit code {})", stop.exit_code);
        Ok(())
    }

    async fn on_error(&self, _: &Control<'_>, error: &str) -> Result<()> {
        console_log!("Container error: {error}");
        Ok(())
    }
}

/// Routes every request to the container instance named "container".
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    MyContainer::named(&env, "container")?.fetch(req).await
}
