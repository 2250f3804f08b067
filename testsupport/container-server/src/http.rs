//! Just enough HTTP/1.1: request head, fixed-length and chunked bodies.

use std::io::{BufRead, Write};
use std::net::TcpStream;

pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn read(reader: &mut impl BufRead) -> Option<Request> {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next()?.to_string();
        let path = parts.next()?.to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).ok()? == 0 {
                return None;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        Some(Request { method, path, headers })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Reads the request body, handing each piece to `sink`; returns its length.
pub fn read_body(req: &Request, reader: &mut impl BufRead, mut sink: impl FnMut(&[u8])) -> u64 {
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    if req.header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            if reader.read_line(&mut size).unwrap_or(0) == 0 {
                return total;
            }
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            if size == 0 {
                let mut end = String::new();
                let _ = reader.read_line(&mut end);
                return total;
            }
            let mut left = size;
            while left > 0 {
                let n = reader.read(&mut buf[..left.min(64 * 1024)]).unwrap_or(0);
                if n == 0 {
                    return total;
                }
                sink(&buf[..n]);
                left -= n;
                total += n as u64;
            }
            let mut crlf = String::new();
            let _ = reader.read_line(&mut crlf);
        }
    }
    let mut left: u64 = req.header("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
    while left > 0 {
        let n = reader.read(&mut buf[..(left.min(64 * 1024)) as usize]).unwrap_or(0);
        if n == 0 {
            break;
        }
        sink(&buf[..n]);
        left -= n as u64;
        total += n as u64;
    }
    total
}

/// Writes a response with a Content-Length; false if the peer went away.
pub fn write(out: &mut TcpStream, status: u16, headers: &[(&str, &str)], body: &[u8]) -> bool {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Status",
    };
    let mut head =
        format!("HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    // One write per response: a separate body write waits on the peer's
    // delayed ACK under Nagle.
    let mut message = head.into_bytes();
    message.extend_from_slice(body);
    out.write_all(&message).and_then(|_| out.flush()).is_ok()
}

/// How a streamed response tells where its body ends.
#[derive(Clone, Copy)]
pub enum BodyEnd {
    /// `Content-Length` announces it.
    Length,
    /// Nothing does: no length, no chunks, and after the last byte the
    /// connection stays open and silent (an event stream gone quiet), so
    /// the body never ends while the server runs.
    Never,
}

/// A streamed response: `seconds` bytes, one a second (a download or an
/// event stream that outlasts the request's headers); false if the peer
/// went away.
pub fn drip(out: &mut TcpStream, seconds: usize, end: BodyEnd) -> bool {
    let length = match end {
        BodyEnd::Length => format!("Content-Length: {seconds}\r\n"),
        BodyEnd::Never => String::new(),
    };
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n{length}\r\n");
    if out.write_all(head.as_bytes()).and_then(|_| out.flush()).is_err() {
        return false;
    }
    for _ in 0..seconds {
        std::thread::sleep(std::time::Duration::from_secs(1));
        if out.write_all(b".").and_then(|_| out.flush()).is_err() {
            return false;
        }
    }
    if let BodyEnd::Never = end {
        // Held until the process ends (SIGTERM ends it at once).
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
    true
}
