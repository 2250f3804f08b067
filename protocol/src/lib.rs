//! One Rust trait as the contract between a Worker and its container.
//!
//! Put `#[protocol]` on a trait in a crate both sides depend on, and
//! `#[derive(Message)]` (beside serde's derives) on the types it uses:
//!
//! ```ignore
//! use cfcontainer_protocol::{protocol, Message, Streaming};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Message)]
//! pub struct Resize { pub url: String, pub width: u32 }
//!
//! #[protocol]
//! pub trait Thumbnails {
//!     /// The method's own error comes back as `CallError::Method`.
//!     async fn resize(&self, req: Resize) -> Result<Image, ResizeError>;
//!     /// Items reach the caller as the server yields them.
//!     async fn progress(&self, job: u64) -> Streaming<Step>;
//! }
//! ```
//!
//! It generates, beside the trait (whose methods' futures are `Send`):
//! - `ThumbnailsClient<T>`, the Worker's end over a [`Transport`]
//!   (a `cfcontainer::Instance`, which starts the container and waits for
//!   its port as `fetch` does): the same methods, returning
//!   `Result<_, CallError<E>>` ([`CallError`]: the method's error, a
//!   protocol [`Mismatch`], transport, unexpected answer), a stream's
//!   methods [`Items`];
//! - `ThumbnailsServer<S>`, the container's end for any `S: Thumbnails`
//!   ([`Serve`]), routed by [`axum::router`] (feature `axum`) or by
//!   [`server::answer`] from any HTTP server.
//!
//! # Checked across a rollout
//! Each call carries the protocol's [`Fingerprint`], computed at compile
//! time from the trait (method names, their kinds and types) and the
//! definitions of its types. A server built from another version answers
//! with a [`Mismatch`] naming both, not with a decode error; `cargo
//! cfcontainer plan` shows when a deploy changes a protocol the live
//! version calls. The fingerprint is in the binary's `cfcontainer.protocol`
//! section ([`record`]).
//!
//! # On the wire
//! `POST /.cfcontainer/protocol/<Trait>/<method>`, the header
//! `cfcontainer-protocol: <Trait>/<fingerprint>`, the arguments as a JSON
//! array; the answer's `cfcontainer-outcome` says what its body is
//! ([`wire::Outcome`]): JSON, or one JSON item per line for a stream.

mod client;
mod error;
pub mod fingerprint;
mod message;
pub mod method;
pub mod record;
pub mod server;
pub mod wire;

#[cfg(feature = "axum")]
pub mod axum;

pub use cfcontainer_macros::{protocol, Message};
pub use client::{call, call_infallible, call_stream, ByteStream, Call, Items, Reply, Transport};
pub use error::CallError;
pub use fingerprint::Fingerprint;
pub use message::Message;
pub use method::{Arguments, Kind, Method};
pub use server::{Answer, Serve, Streaming};
pub use wire::{Descriptor, Mismatch};

/// What the generated code uses; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::fingerprint::{hash_bytes, mix, SEED};
    pub use crate::method::shape;
    pub use crate::record::encode;
    pub use futures_util::future::BoxFuture;
    pub use std::boxed::Box;
    pub use std::convert::Infallible;
}
