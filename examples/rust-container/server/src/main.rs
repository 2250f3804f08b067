//! The container of examples/rust-container: an axum server on port 8080.
//! `GET /` answers with `$GREETING` (the attribute's `env`) and the user
//! it runs as; `GET /static/<file>` serves a file of the assets layer,
//! read relative to the image's working directory, `/app`. The `Text`
//! protocol (../protocol) is served beside them.

mod text;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use rust_container_protocol::TextServer;
use tokio::signal::unix::{signal, SignalKind};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let app = Router::new()
        .route("/", get(hello))
        .route("/static/{file}", get(asset))
        .merge(cfcontainer_protocol::axum::router(TextServer(text::Assets)));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
    // The server is the container's process 1, which the kernel gives no
    // default action for SIGTERM: the platform's stop signal must be
    // handled here, or the stop waits for the kill.
    let mut terminate = signal(SignalKind::terminate())?;
    let stopped = async move {
        terminate.recv().await;
    };
    axum::serve(listener, app).with_graceful_shutdown(stopped).await
}

/// The greeting of the attribute's `env`.
pub fn greeting() -> String {
    std::env::var("GREETING").unwrap_or_else(|_| "Hello".into())
}

async fn hello() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|l| l.split_whitespace().next());
    format!("{} (uid {})\n", greeting(), uid.unwrap_or("?"))
}

async fn asset(Path(file): Path<String>) -> Result<String, StatusCode> {
    text::read_asset(&file).map_err(|_| StatusCode::NOT_FOUND)
}
