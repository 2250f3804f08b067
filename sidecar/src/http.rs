//! HTTP/1.1 heads on raw streams: reading one (a request on the control
//! port, the gateway's answer to a CONNECT) without losing the bytes that
//! follow it, and writing the few answers the control port gives.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt};

/// Longest head we read; workerd's are a few hundred bytes.
pub const MAX_HEAD: usize = 16 * 1024;

/// Reads from `stream` into `buf` until `buf` holds a whole head (up to
/// and including the empty line) and returns the head's length; bytes past
/// it stay in `buf`.
pub async fn read_head<R: AsyncRead + Unpin>(stream: &mut R, buf: &mut Vec<u8>) -> io::Result<usize> {
    let mut searched = 0;
    loop {
        if let Some(end) = find_head_end(buf, searched) {
            return Ok(end);
        }
        if buf.len() >= MAX_HEAD {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "HTTP head longer than 16 KiB"));
        }
        searched = buf.len().saturating_sub(3);
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before the end of the HTTP head",
            ));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The length of the head in `buf` if its empty line is there, looking
/// from `from` on.
fn find_head_end(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?.windows(4).position(|w| w == b"\r\n\r\n").map(|i| from + i + 4)
}

/// A complete answer that closes the connection: status line,
/// `Content-Length`, `Connection: close`, an optional content type, body.
pub fn response(status: u16, reason: &str, content_type: Option<&str>, body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {reason}\r\n").into_bytes();
    if let Some(ct) = content_type {
        out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
    }
    if status != 204 {
        out.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(body);
    out
}

/// A plain-text error answer whose body says why.
pub fn error(status: u16, reason: &str, why: &str) -> Vec<u8> {
    response(status, reason, Some("text/plain; charset=utf-8"), format!("{why}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_head_split_across_reads_is_found_and_the_bytes_after_it_are_kept() {
        let (mut client, mut server) = tokio::io::duplex(64);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for part in [&b"HTTP/1.1 200 OK\r"[..], b"\n\r", b"\nhello"] {
                client.write_all(part).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        });
        let mut buf = Vec::new();
        let end = read_head(&mut server, &mut buf).await.unwrap();
        assert_eq!(&buf[..end], b"HTTP/1.1 200 OK\r\n\r\n");
        assert!(b"hello".starts_with(&buf[end..]), "what follows the head is kept as it came");
    }

    #[tokio::test]
    async fn a_stream_that_ends_early_is_an_error() {
        let mut input: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n";
        let mut buf = Vec::new();
        assert_eq!(read_head(&mut input, &mut buf).await.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
    }

    #[tokio::test]
    async fn bytes_after_the_head_in_the_same_read_stay_in_the_buffer() {
        let mut input: &[u8] = b"HTTP/1.1 202 Accepted\r\n\r\n220 ready\r\n";
        let mut buf = Vec::new();
        let end = read_head(&mut input, &mut buf).await.unwrap();
        assert_eq!(&buf[end..], b"220 ready\r\n");
    }

    #[test]
    fn answers_carry_their_length_except_no_content() {
        assert_eq!(
            response(200, "OK", Some("application/x-pem-file"), b"pem"),
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-pem-file\r\nContent-Length: 3\r\nConnection: close\r\n\r\npem"
        );
        assert_eq!(response(204, "No Content", None, b""), b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    }
}
