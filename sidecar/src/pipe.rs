//! Joining two streams: bytes already read from one side go to the other
//! first, then both directions are copied until each ends, and an end on
//! one side is passed on as a half-close (shutdown of writing) to the other.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

/// Pipes `a` and `b` both ways. `to_b` (read from `a` before) is written
/// to `b` first and `to_a` to `a`. Returns the bytes copied each way.
pub async fn join<A, B>(a: &mut A, to_a: &[u8], b: &mut B, to_b: &[u8]) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    if !to_b.is_empty() {
        b.write_all(to_b).await?;
    }
    if !to_a.is_empty() {
        a.write_all(to_a).await?;
    }
    tokio::io::copy_bidirectional(a, b).await
}

/// A stream that first yields bytes read from it earlier (a peeked TLS
/// ClientHello), then reads on from the stream. Writes go to the stream.
pub struct Replayed<S> {
    replay: Vec<u8>,
    offset: usize,
    inner: S,
}

impl<S> Replayed<S> {
    /// `inner`, reading `replay` first.
    pub fn new(replay: Vec<u8>, inner: S) -> Replayed<S> {
        Replayed { replay, offset: 0, inner }
    }

    /// The stream underneath.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Replayed<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.offset < self.replay.len() {
            let n = buf.remaining().min(self.replay.len() - self.offset);
            let start = self.offset;
            buf.put_slice(&self.replay[start..start + n]);
            self.offset += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replayed<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{duplex, AsyncReadExt};

    #[tokio::test]
    async fn replayed_bytes_come_before_the_stream_s_own() {
        let (mut far, near) = duplex(64);
        far.write_all(b" world").await.unwrap();
        drop(far);
        let mut replayed = Replayed::new(b"hello".to_vec(), near);
        let mut all = String::new();
        replayed.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "hello world");
    }

    #[tokio::test]
    async fn joined_streams_carry_both_ways_and_pass_on_a_half_close() {
        let (mut app, mut app_side) = duplex(64);
        let (mut gateway_side, mut gateway) = duplex(64);
        let joined = tokio::spawn(async move { join(&mut app_side, b"early ", &mut gateway_side, b"peeked ").await });
        app.write_all(b"request").await.unwrap();
        app.shutdown().await.unwrap();
        let mut at_gateway = String::new();
        gateway.read_to_string(&mut at_gateway).await.unwrap();
        assert_eq!(at_gateway, "peeked request", "the app's end reached the gateway as an end");
        gateway.write_all(b"answer").await.unwrap();
        drop(gateway);
        let mut at_app = String::new();
        app.read_to_string(&mut at_app).await.unwrap();
        assert_eq!(at_app, "early answer");
        assert_eq!(joined.await.unwrap().unwrap(), (7, 6));
    }
}
