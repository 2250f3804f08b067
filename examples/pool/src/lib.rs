//! A pool of three containers. `GET /?user=NAME` always reaches the same
//! member for the same user; any other request goes to a random member.
//! Each answer names the member in `x-instance`.

use cfcontainer::container;
use worker::{event, Context, Env, Request, Response, Result};

/// Pool size.
const POOL: u32 = 3;

/// One pool member: a small HTTP server on 8080, asleep after a minute.
#[container(port = 8080, sleep_after = "1m", env(MESSAGE = "hello from the pool"), max_instances = 3)]
pub struct Member;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let user = req.url()?.query_pairs().find(|(k, _)| k == "user").map(|(_, v)| v.into_owned());
    let instance = match user {
        Some(user) => Member::by_key(&env, &user, POOL)?,
        None => Member::random(&env, POOL)?,
    };
    let response = instance.fetch(req).await?;
    cfcontainer::with_header(response, "x-instance", instance.name())
}
