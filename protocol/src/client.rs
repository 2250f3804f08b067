//! The Worker's end: a [`Transport`] carries a [`Call`] to the container,
//! and the generated client reads the [`Reply`] as the method's value, its
//! error, a stream of items, or a [`CallError`].

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::future::LocalBoxFuture;
use futures_util::stream::{LocalBoxStream, Stream, StreamExt};
use serde::Serialize;

use crate::error::CallError;
use crate::message::Message;
use crate::method::Method;
use crate::wire::{Descriptor, Mismatch, Outcome};

/// One call as the transport sends it: `POST path`, the protocol header,
/// the arguments as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The path ([`Descriptor::path`]).
    pub path: String,
    /// The value of [`PROTOCOL_HEADER`](crate::wire::PROTOCOL_HEADER).
    pub protocol: String,
    /// The arguments, a JSON array.
    pub body: Vec<u8>,
}

/// The bytes of an answer's body as they arrive.
pub type ByteStream = LocalBoxStream<'static, Result<Vec<u8>, String>>;

/// The container's answer to a [`Call`].
pub struct Reply {
    /// Its status.
    pub status: u16,
    /// Its [`OUTCOME_HEADER`](crate::wire::OUTCOME_HEADER), if any.
    pub outcome: Option<String>,
    /// Its body.
    pub body: ByteStream,
}

/// What carries calls to a server: in a Worker, a container instance
/// (`cfcontainer::Instance` implements it, starting the container and
/// waiting for its port as `fetch` does); in tests, anything that answers.
/// Its futures need not be `Send`: a Worker is single-threaded.
pub trait Transport {
    /// Sends `call`; an error is a call that got no answer.
    fn send(&self, call: Call) -> LocalBoxFuture<'_, Result<Reply, String>>;
}

impl<T: Transport + ?Sized> Transport for &T {
    fn send(&self, call: Call) -> LocalBoxFuture<'_, Result<Reply, String>> {
        (**self).send(call)
    }
}

/// Why [`open`] got no body to read: the method's own error (its JSON,
/// which only the caller knows the type of), or anything else.
enum Refused {
    Method(Vec<u8>),
    Call(CallError),
}

/// Sends `method` with `args` and opens the answer: the body of the
/// `expected` outcome; any other outcome as why not.
async fn open(
    transport: &(impl Transport + ?Sized),
    protocol: &Descriptor,
    method: &str,
    args: &impl Serialize,
    expected: Outcome,
) -> Result<ByteStream, Refused> {
    let body = serde_json::to_vec(args)
        .map_err(|e| Refused::Call(CallError::Codec(format!("the arguments of `{method}`: {e}"))))?;
    let call = Call { path: protocol.path(method), protocol: protocol.header(), body };
    let reply = transport.send(call).await.map_err(|why| Refused::Call(CallError::Transport(why)))?;
    let outcome = reply.outcome.as_deref().and_then(Outcome::parse);
    if outcome == Some(expected) {
        return Ok(reply.body);
    }
    let status = reply.status;
    let body = collect(reply.body).await.map_err(|why| Refused::Call(CallError::Transport(why)))?;
    Err(match outcome {
        Some(Outcome::Err) if expected == Outcome::Ok => Refused::Method(body),
        Some(Outcome::Mismatch) => Refused::Call(match decode::<Mismatch>(&body, method) {
            Ok(mismatch) => CallError::Mismatch(mismatch),
            Err(e) => e,
        }),
        _ => Refused::Call(CallError::Unexpected { status, body: start_of(&body) }),
    })
}

/// Calls method `M` that returns `Result<T, E>`: its value, its error as
/// [`CallError::Method`]. Used by the generated clients.
pub async fn call<M: Method>(
    transport: &(impl Transport + ?Sized),
    protocol: &Descriptor,
    args: M::Args,
) -> Result<M::Value, CallError<M::Error>> {
    let body = match open(transport, protocol, M::NAME, &args, Outcome::Ok).await {
        Ok(body) => body,
        Err(Refused::Method(error)) => {
            return Err(decode::<M::Error>(&error, M::NAME).map_or_else(|e| e.widen(), CallError::Method));
        }
        Err(Refused::Call(e)) => return Err(e.widen()),
    };
    let body = collect(body).await.map_err(CallError::Transport)?;
    decode(&body, M::NAME).map_err(|e| e.widen())
}

/// Calls method `M` that returns a value without an error of its own.
/// Used by the generated clients.
pub async fn call_infallible<M: Method>(
    transport: &(impl Transport + ?Sized),
    protocol: &Descriptor,
    args: M::Args,
) -> Result<M::Value, CallError> {
    let body = match open(transport, protocol, M::NAME, &args, Outcome::Ok).await {
        Ok(body) => body,
        // A method without an error of its own cannot answer one: a server
        // that does is not this protocol's.
        Err(Refused::Method(error)) => {
            return Err(CallError::Unexpected { status: Outcome::Err.status(), body: start_of(&error) });
        }
        Err(Refused::Call(e)) => return Err(e),
    };
    let body = collect(body).await.map_err(CallError::Transport)?;
    decode(&body, M::NAME)
}

/// Calls method `M` that returns a stream: its items as they come. Used
/// by the generated clients.
pub async fn call_stream<M: Method>(
    transport: &(impl Transport + ?Sized),
    protocol: &Descriptor,
    args: M::Args,
) -> Result<Items<M::Value>, CallError> {
    let body = match open(transport, protocol, M::NAME, &args, Outcome::Stream).await {
        Ok(body) => body,
        Err(Refused::Method(_)) => unreachable!("only a call expecting `ok` is refused with the method's error"),
        Err(Refused::Call(e)) => return Err(e),
    };
    Ok(Items { body, buffer: Vec::new(), ended: false, method: M::NAME, item: PhantomData })
}

/// The start of an answer's body, as an unexpected answer shows it.
fn start_of(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned()
}

async fn collect(mut body: ByteStream) -> Result<Vec<u8>, String> {
    let mut all = Vec::new();
    while let Some(chunk) = body.next().await {
        all.extend_from_slice(&chunk?);
    }
    Ok(all)
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], method: &str) -> Result<T, CallError> {
    serde_json::from_slice(bytes).map_err(|e| CallError::Codec(format!("the answer of `{method}`: {e}")))
}

/// The items of a streamed answer, decoded as each line arrives. A body
/// cut off before its last line ends with [`CallError::Transport`].
pub struct Items<T> {
    body: ByteStream,
    buffer: Vec<u8>,
    ended: bool,
    method: &'static str,
    item: PhantomData<fn() -> T>,
}

impl<T: Message> Items<T> {
    /// The next item; `None` once the stream ended.
    pub async fn next(&mut self) -> Option<Result<T, CallError>> {
        StreamExt::next(self).await
    }

    /// Takes the first whole line of the buffer, decoded.
    fn take_line(&mut self) -> Option<Result<T, CallError>> {
        let end = self.buffer.iter().position(|&b| b == b'\n')?;
        let line: Vec<u8> = self.buffer.drain(..=end).collect();
        Some(decode(&line[..end], self.method))
    }
}

impl<T: Message> Stream for Items<T> {
    type Item = Result<T, CallError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.take_line() {
                return Poll::Ready(Some(item));
            }
            if self.ended {
                return Poll::Ready(None);
            }
            match self.body.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => self.buffer.extend_from_slice(&chunk),
                Poll::Ready(Some(Err(why))) => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(CallError::Transport(why))));
                }
                Poll::Ready(None) => {
                    self.ended = true;
                    if !self.buffer.is_empty() {
                        // Every item ends with a newline: a rest is a cut.
                        self.buffer.clear();
                        let why = format!("the stream of `{}` ended inside an item", self.method);
                        return Poll::Ready(Some(Err(CallError::Transport(why))));
                    }
                }
            }
        }
    }
}
