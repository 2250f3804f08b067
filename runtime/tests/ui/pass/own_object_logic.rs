// Own Durable Object logic: a fetch hook in front of the container,
// per-object fields built with Default, and every Control power.
use std::cell::Cell;
use std::time::Duration;

use cfcontainer::{Control, Hooks, StartOptions};
use worker::{Request, Response, Result};

#[cfcontainer::container(port = 8080, ports = [8080, 9090], image = "registry.cloudflare.com/acct/app:1", hooks)]
#[derive(Default)]
pub struct Gate {
    hits: Cell<u32>,
}

impl Hooks for Gate {
    async fn fetch(&self, control: &Control<'_>, req: Request) -> Result<Response> {
        self.hits.set(self.hits.get() + 1);
        if req.headers().get("authorization")?.is_none() {
            return Response::error("unauthorized", 401);
        }
        if !control.container_state().running {
            control.start(StartOptions::default()).await?;
        }
        control.renew_activity();
        control.schedule(Duration::from_secs(60), "report").await?;
        control.storage().put("hits", self.hits.get()).await?;
        let req = cfcontainer::with_request_header(req, "x-user", "alice")?;
        if req.path() == "/admin" {
            return control.proxy_to(req, 9090).await;
        }
        control.proxy(req).await
    }

    async fn on_schedule(&self, control: &Control<'_>, name: &str) -> Result<()> {
        worker::console_log!("{name}: {} requests", self.hits.get());
        control.signal(1)
    }
}

fn main() {}
