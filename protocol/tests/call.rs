//! A protocol end to end in one process: the generated client over a
//! transport that hands each call to the generated server's axum router,
//! as a container's server would get it.

use axum::body::Body;
use axum::http::Request;
use cfcontainer_protocol::{protocol, Call, CallError, Message, Reply, Streaming, Transport};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

/// A size asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
pub struct Resize {
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
pub struct Image {
    pub bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
pub enum ResizeError {
    TooLarge { max: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
pub struct Step {
    pub done: u32,
    pub of: u32,
}

#[protocol]
pub trait Thumbs {
    /// Resizes, or says why not.
    async fn resize(&self, req: Resize) -> Result<Image, ResizeError>;
    /// The server's name.
    async fn name(&self) -> String;
    /// Counts to `of`, one item per step.
    async fn steps(&self, of: u32, label: String) -> Streaming<Step>;
}

struct Resizer;

impl Thumbs for Resizer {
    async fn resize(&self, req: Resize) -> Result<Image, ResizeError> {
        if req.width > 4096 {
            return Err(ResizeError::TooLarge { max: 4096 });
        }
        Ok(Image { bytes: (req.width * req.height) as usize })
    }

    async fn name(&self) -> String {
        "resizer".into()
    }

    async fn steps(&self, of: u32, label: String) -> Streaming<Step> {
        assert_eq!(label, "job");
        Streaming::iter((1..=of).map(move |done| Step { done, of }))
    }
}

/// The same protocol in a later version: `Resize` gained a field.
mod next {
    use super::{Image, ResizeError, Step};
    use cfcontainer_protocol::{protocol, Message, Streaming};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
    pub struct Resize {
        pub width: u32,
        pub height: u32,
        pub quality: u8,
    }

    #[protocol]
    pub trait Thumbs {
        async fn resize(&self, req: Resize) -> Result<Image, ResizeError>;
        async fn name(&self) -> String;
        async fn steps(&self, of: u32, label: String) -> Streaming<Step>;
    }

    pub struct Resizer;

    impl Thumbs for Resizer {
        async fn resize(&self, _req: Resize) -> Result<Image, ResizeError> {
            Ok(Image { bytes: 0 })
        }
        async fn name(&self) -> String {
            "next".into()
        }
        async fn steps(&self, _of: u32, _label: String) -> Streaming<Step> {
            Streaming::iter(Vec::new())
        }
    }
}

/// The first version again, its doc comments edited and nothing else.
mod reworded {
    use super::{Image, ResizeError, Step};
    use cfcontainer_protocol::{protocol, Message, Streaming};
    use serde::{Deserialize, Serialize};

    /// Another text.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Message)]
    pub struct Resize {
        /// Pixels across.
        pub width: u32,
        pub height: u32,
    }

    /// A trait doc.
    #[protocol]
    pub trait Thumbs {
        async fn resize(&self, req: Resize) -> Result<Image, ResizeError>;
        /// Another doc.
        async fn name(&self) -> String;
        async fn steps(&self, of: u32, label: String) -> Streaming<Step>;
    }
}

/// Hands each call to an axum router in the same process.
struct InProcess(axum::Router);

impl Transport for InProcess {
    fn send(&self, call: Call) -> LocalBoxFuture<'_, Result<Reply, String>> {
        let router = self.0.clone();
        Box::pin(async move {
            let request = Request::post(call.path)
                .header(cfcontainer_protocol::wire::PROTOCOL_HEADER, call.protocol)
                .body(Body::from(call.body))
                .map_err(|e| e.to_string())?;
            let response = router.oneshot(request).await.map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let outcome = response
                .headers()
                .get(cfcontainer_protocol::wire::OUTCOME_HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = response
                .into_body()
                .into_data_stream()
                .map(|chunk| chunk.map(|b| b.to_vec()).map_err(|e| e.to_string()));
            Ok(Reply { status, outcome, body: body.boxed_local() })
        })
    }
}

fn client_of(router: axum::Router) -> ThumbsClient<InProcess> {
    ThumbsClient::new(InProcess(router))
}

#[tokio::test]
async fn a_typed_call_gets_the_value_and_a_refusal_gets_the_methods_own_error() {
    let client = client_of(cfcontainer_protocol::axum::router(ThumbsServer(Resizer)));
    assert_eq!(client.resize(Resize { width: 10, height: 2 }).await, Ok(Image { bytes: 20 }));
    assert_eq!(client.name().await, Ok("resizer".to_string()));
    let refused = client.resize(Resize { width: 5000, height: 2 }).await;
    assert_eq!(refused, Err(CallError::Method(ResizeError::TooLarge { max: 4096 })));
}

#[tokio::test]
async fn a_streaming_method_gives_each_item_in_order_then_ends() {
    let client = client_of(cfcontainer_protocol::axum::router(ThumbsServer(Resizer)));
    let mut items = client.steps(3, "job".into()).await.unwrap();
    let mut seen = Vec::new();
    while let Some(item) = items.next().await {
        seen.push(item.unwrap());
    }
    assert_eq!(seen, (1..=3).map(|done| Step { done, of: 3 }).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_server_of_a_changed_protocol_answers_with_a_mismatch_naming_both_fingerprints() {
    let client = client_of(cfcontainer_protocol::axum::router(next::ThumbsServer(next::Resizer)));
    let called = ThumbsClient::<()>::PROTOCOL.fingerprint;
    let served = next::ThumbsClient::<()>::PROTOCOL.fingerprint;
    assert_ne!(called, served, "a field more is another protocol");
    let Err(CallError::Mismatch(mismatch)) = client.resize(Resize { width: 1, height: 1 }).await else {
        panic!("no mismatch")
    };
    assert_eq!((mismatch.protocol.as_str(), mismatch.called, mismatch.served), ("Thumbs", called, served));
    let text = mismatch.to_string();
    assert!(text.contains(&called.to_string()) && text.contains(&served.to_string()), "{text}");
    assert!(matches!(client.steps(1, "job".into()).await, Err(CallError::Mismatch(_))));
}

#[test]
fn editing_doc_comments_keeps_the_fingerprint() {
    assert_eq!(ThumbsClient::<()>::PROTOCOL.fingerprint, reworded::ThumbsClient::<()>::PROTOCOL.fingerprint);
    assert_eq!(ThumbsClient::<()>::PROTOCOL.methods, ["resize", "name", "steps"]);
}

#[tokio::test]
async fn a_container_without_the_protocols_routes_is_an_unexpected_answer_with_its_status() {
    let client = client_of(axum::Router::new());
    let Err(CallError::Unexpected { status, .. }) = client.name().await else { panic!("not unexpected") };
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_hand_written_call_without_the_header_is_told_what_to_send() {
    let router = cfcontainer_protocol::axum::router::<_, ()>(ThumbsServer(Resizer));
    let request = Request::post("/.cfcontainer/protocol/Thumbs/name").body(Body::from("null")).unwrap();
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status(), 400);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("cfcontainer-protocol") && text.contains("Thumbs/"), "{text}");
}

#[tokio::test]
async fn a_server_answering_an_error_to_a_method_without_one_is_an_unexpected_answer_not_a_panic() {
    let router = axum::Router::new().route(
        "/.cfcontainer/protocol/Thumbs/name",
        axum::routing::post(|| async {
            let mut response = axum::response::Response::new(Body::from("\"no\""));
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            response.headers_mut().insert(cfcontainer_protocol::wire::OUTCOME_HEADER, "err".parse().unwrap());
            response
        }),
    );
    let Err(CallError::Unexpected { status, body }) = client_of(router).name().await else { panic!("not unexpected") };
    assert_eq!((status, body.as_str()), (422, "\"no\""));
}
