//! The files of a new crate whose container is a Rust server of the same
//! workspace: no Dockerfile, the image assembled from the server's
//! static binary (`#[container(binary = ..)]`). A workspace of two
//! members, `worker/` (the Worker, a cdylib) and `server/` (an axum
//! server on port 8080), as examples/rust-container is laid out.

use super::templates::{worker_cargo_toml, wrangler_toml};

/// The lines of the workspace's `.gitignore`: the Worker's build output
/// is under `worker/`.
pub const GITIGNORE: &[&str] = &["/target", "/worker/build", "/worker/.wrangler", "/worker/.dev.vars"];

/// Every file to write (path relative to the workspace, text, executable)
/// for package `package`, Worker `worker`, compatibility date `date`.
pub fn files(package: &str, worker: &str, date: &str) -> Vec<(&'static str, String, bool)> {
    let server = server_package(package);
    vec![
        ("Cargo.toml", WORKSPACE_TOML.to_string(), false),
        ("worker/Cargo.toml", worker_cargo_toml(package), false),
        ("worker/src/lib.rs", LIB_RS.replace("{server}", &server), false),
        ("worker/wrangler.toml", wrangler_toml(worker, date), false),
        ("server/Cargo.toml", server_toml(&server), false),
        ("server/src/main.rs", MAIN_RS.to_string(), false),
    ]
}

/// The server's package (and binary) name: the Worker crate's, with
/// `-server`.
pub fn server_package(package: &str) -> String {
    format!("{package}-server")
}

const WORKSPACE_TOML: &str = r#"[workspace]
resolver = "2"
members = ["worker", "server"]
"#;

fn server_toml(server: &str) -> String {
    format!(
        r#"[package]
name = "{server}"
version = "0.1.0"
edition = "2021"

# `cargo cfcontainer` builds this binary static (x86_64-unknown-linux-musl)
# and lays it in the container's image: no Dockerfile, no base image.
[dependencies]
axum = {{ version = "0.8", default-features = false, features = ["http1", "tokio"] }}
tokio = {{ version = "1", features = ["rt", "net", "macros", "signal"] }}
"#
    )
}

const LIB_RS: &str = r#"//! A Worker with one container: `Server`, the `{server}` binary of
//! ../server (an axum server on port 8080), compiled static and assembled
//! into an image by `cargo cfcontainer` with no Dockerfile. One instance
//! per name, each started on its first request and asleep after five
//! idle minutes.
//!
//! `cargo cfcontainer dev` runs it on http://127.0.0.1:8787 (try
//! /container/alice) and rebuilds the image when the server changes;
//! `cargo cfcontainer deploy` runs it on Cloudflare.

use cfcontainer::container;
use worker::{event, Context, Env, Request, Response, Result};

/// The container class: what `Server::named` starts and talks to.
#[container(
    class = "Server",
    port = 8080,
    binary = "{server}",
    sleep_after = "5m",
    env(GREETING = "Hello from the Rust server")
)]
pub struct Server;

/// `/container/<name>/...` goes to the container instance called `<name>`;
/// the Worker answers everything else itself.
#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["container", name, ..] if !name.is_empty() => Server::named(&env, name)?.fetch(req).await,
        _ => Response::ok("This is the Worker. Ask a container at /container/<name>\n"),
    }
}
"#;

const MAIN_RS: &str = r#"//! The container: an axum server on port 8080 that answers every request
//! with `$GREETING` (the #[container] attribute's `env`) and the path
//! asked for.

use axum::http::Uri;
use axum::Router;
use tokio::signal::unix::{signal, SignalKind};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let app = Router::new().fallback(hello);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    // The server is the container's process 1, which the kernel gives no
    // default action for SIGTERM: the platform's stop signal is handled
    // here, or the stop would wait for the kill.
    let mut terminate = signal(SignalKind::terminate())?;
    let stopped = async move {
        terminate.recv().await;
    };
    axum::serve(listener, app).with_graceful_shutdown(stopped).await
}

async fn hello(uri: Uri) -> String {
    let greeting = std::env::var("GREETING").unwrap_or_else(|_| "GREETING is not set".into());
    format!("{greeting} (you asked for {})\n", uri.path())
}
"#;
