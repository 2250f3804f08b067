//! A Worker whose container is written in Rust in the same workspace: the
//! `api-server` binary of `../server`, compiled static and assembled into
//! an image by `cargo cfcontainer` (no Dockerfile, no base image, no
//! engine needed to deploy it), with `../server/static` as a layer of its
//! own. The Worker talks to it through the `Text` protocol of
//! `../protocol`: typed calls, the server's own errors, a stream.

use cfcontainer::container;
use cfcontainer_protocol::CallError;
use futures_util::StreamExt;
use rust_container_protocol::TextClient;
use serde::Serialize;
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

/// `/greet/<name>`, `/words/<file>` and `/scan/<file>` are calls of the
/// `Text` protocol; every other request goes to the one instance, "api".
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let text = || Api::named(&env, "api").map(TextClient::new);
    match path.split('/').collect::<Vec<_>>()[..] {
        ["", "greet", name] => answer(text()?.greet(name.to_string()).await),
        ["", "words", file] => answer(text()?.words(file.to_string()).await),
        ["", "scan", file] => match text()?.scan(file.to_string(), 300).await {
            // Each line's count is passed on as the server sends it.
            Ok(lines) => Response::from_stream(lines.map(|line| match line {
                Ok(line) => serde_json::to_vec(&line).map(|mut json| {
                    json.push(b'\n');
                    json
                }),
                Err(e) => Ok(format!("{{\"error\":{:?}}}\n", e.to_string()).into_bytes()),
            }))
            .map(|r| r.with_headers([("content-type", "application/x-ndjson")].iter().collect())),
            Err(e) => failed(e),
        },
        _ => Api::named(&env, "api")?.fetch(req).await,
    }
}

/// The method's value as JSON; its own error as JSON with 422.
fn answer<T: Serialize, E: Serialize>(result: std::result::Result<T, CallError<E>>) -> Result<Response> {
    match result.map_err(CallError::into_method) {
        Ok(value) => Response::from_json(&value),
        Err(Ok(refused)) => Ok(Response::from_json(&refused)?.with_status(422)),
        Err(Err(failure)) => failed(failure),
    }
}

/// A call that did not get the method's answer: a protocol mismatch
/// (the two sides built from different versions) is 409, the rest 502.
fn failed(error: CallError) -> Result<Response> {
    let status = if matches!(error, CallError::Mismatch(_)) { 409 } else { 502 };
    Response::error(error.to_string(), status)
}
