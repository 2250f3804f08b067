//! The router of a protocol server for axum (feature `axum`): merge it
//! into the container's own routes.
//!
//! ```ignore
//! let app = axum::Router::new()
//!     .route("/", get(hello))
//!     .merge(cfcontainer_protocol::axum::router(ThumbnailsServer(Resizer::default())));
//! ```

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;

use crate::server::{answer, AnswerBody, Serve};
use crate::wire::{OUTCOME_HEADER, PATH_PREFIX, PROTOCOL_HEADER};

/// The routes of `server`'s protocol: `POST /.cfcontainer/protocol/<name>/{method}`.
pub fn router<S: Serve, T: Clone + Send + Sync + 'static>(server: S) -> Router<T> {
    let server = Arc::new(server);
    let path = format!("{PATH_PREFIX}/{}/{{method}}", S::PROTOCOL.name);
    Router::new().route(
        &path,
        post(move |Path(method): Path<String>, headers: HeaderMap, body: Bytes| {
            let server = Arc::clone(&server);
            async move { respond(&*server, &method, &headers, &body).await }
        }),
    )
}

async fn respond<S: Serve>(server: &S, method: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    let header = headers.get(PROTOCOL_HEADER).and_then(|v| v.to_str().ok());
    let answer = answer(server, method, header, body).await;
    let status = StatusCode::from_u16(answer.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = answer.content_type();
    let outcome = answer.outcome.as_str();
    let body = match answer.body {
        AnswerBody::Whole(bytes) => Body::from(bytes),
        AnswerBody::Lines(lines) => Body::from_stream(lines.map(Ok::<_, Infallible>)),
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(OUTCOME_HEADER, HeaderValue::from_static(outcome));
    response
}
