//! WebSockets into containers: `GET /ws?room=<name>` upgrades to a
//! WebSocket served by the container instance of that room (one Durable
//! Object, and so one container, per room). The Durable Object relays the
//! WebSocket, so an open connection keeps the container awake past
//! `sleep_after`; it goes to sleep two minutes after the last one closes.

use cfcontainer::container;
use worker::{event, Context, Env, Request, Response, Result};

/// The echo server: answers every WebSocket message with the same message.
#[container(class = "EchoServer", port = 8080, sleep_after = "2m")]
pub struct EchoServer;

/// `/ws?room=...` goes to that room's container; anything else gets a hint.
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let url = req.url()?;
    if url.path() != "/ws" {
        return Response::ok("connect a WebSocket to /ws?room=<name>\n");
    }
    let room =
        url.query_pairs().find(|(k, _)| k == "room").map(|(_, v)| v.into_owned()).unwrap_or_else(|| "lobby".into());
    EchoServer::named(&env, &room)?.fetch(req).await
}
