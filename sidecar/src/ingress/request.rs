//! What workerd asks on the control port, one request per connection:
//! `CONNECT` into an app port, `GET /ca`, `PUT /egress`.

use std::net::SocketAddr;

/// Largest `PUT /egress` body accepted (workerd's are well under 1 KiB
/// even with long allow lists).
pub const MAX_BODY: usize = 256 * 1024;

/// One request, typed.
#[derive(Debug, PartialEq)]
pub enum Call {
    /// `CONNECT` to the app: the target from `X-Dst-Addr`, or why it is unusable.
    Connect(Result<SocketAddr, String>),
    /// `GET /ca`.
    GetCa,
    /// `PUT /egress` with a body of this length, or why the body is unusable.
    PutEgress(Result<usize, String>),
    /// A known method on an unknown path.
    NotFound,
    /// Any other method.
    MethodNotAllowed,
}

/// Reads the request in `head` (a complete head).
pub fn parse(head: &[u8]) -> Result<Call, String> {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err("incomplete request head".to_string()),
        Err(e) => return Err(format!("bad request head: {e}")),
    }
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
    };
    let path = req.path.unwrap_or("");
    let path = path.split('?').next().unwrap_or(path);
    Ok(match (req.method.unwrap_or(""), path) {
        ("CONNECT", _) => Call::Connect(connect_target(header("X-Dst-Addr"))),
        ("GET", "/ca") => Call::GetCa,
        ("PUT", "/egress") => Call::PutEgress(body_length(header("Content-Length"), header("Transfer-Encoding"))),
        ("GET" | "PUT", _) => Call::NotFound,
        _ => Call::MethodNotAllowed,
    })
}

/// The `X-Dst-Addr` target: an IP literal and port on loopback. workerd
/// only ever sends `127.0.0.1:<port>`; refusing anything else keeps the
/// published control port from being a way into other hosts.
fn connect_target(value: Option<String>) -> Result<SocketAddr, String> {
    let value = value.ok_or("no X-Dst-Addr header")?;
    let addr: SocketAddr = value.parse().map_err(|_| format!("X-Dst-Addr {value} is not an IP address and port"))?;
    if !addr.ip().is_loopback() {
        return Err(format!("X-Dst-Addr {addr} is not on loopback"));
    }
    Ok(addr)
}

fn body_length(content_length: Option<String>, transfer_encoding: Option<String>) -> Result<usize, String> {
    if transfer_encoding.is_some() {
        return Err("a chunked body is not supported; send Content-Length".to_string());
    }
    let len = match content_length {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| format!("Content-Length {v} is not a number"))?,
    };
    if len > MAX_BODY {
        return Err(format!("a body of {len} bytes is too large"));
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(head: &str) -> Call {
        parse(head.as_bytes()).unwrap()
    }

    #[test]
    fn workerd_s_connect_names_its_target_only_in_x_dst_addr() {
        assert_eq!(
            call("CONNECT 127.0.0.1:8080 HTTP/1.1\r\nX-Dst-Addr: 127.0.0.1:8080\r\n\r\n"),
            Call::Connect(Ok("127.0.0.1:8080".parse().unwrap()))
        );
        // The request line's authority does not count.
        assert_eq!(
            call("CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: localhost\r\nx-dst-addr: [::1]:9\r\n\r\n"),
            Call::Connect(Ok("[::1]:9".parse().unwrap()))
        );
    }

    #[test]
    fn a_connect_without_a_usable_loopback_target_is_refused_with_the_reason() {
        let refused = |head: &str| match call(head) {
            Call::Connect(Err(why)) => why,
            other => panic!("{other:?}"),
        };
        assert!(refused("CONNECT 127.0.0.1:1 HTTP/1.1\r\n\r\n").contains("no X-Dst-Addr"));
        assert!(refused("CONNECT x HTTP/1.1\r\nX-Dst-Addr: localhost:80\r\n\r\n").contains("not an IP address"));
        assert!(refused("CONNECT x HTTP/1.1\r\nX-Dst-Addr: 10.0.0.1:80\r\n\r\n").contains("not on loopback"));
    }

    #[test]
    fn control_paths_methods_and_bodies_are_told_apart() {
        assert_eq!(call("GET /ca HTTP/1.1\r\nHost: localhost\r\n\r\n"), Call::GetCa);
        assert_eq!(
            call("PUT /egress HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n"),
            Call::PutEgress(Ok(12))
        );
        assert_eq!(call("PUT /egress HTTP/1.1\r\n\r\n"), Call::PutEgress(Ok(0)));
        assert!(matches!(call("PUT /egress HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"), Call::PutEgress(Err(_))));
        assert!(matches!(call("PUT /egress HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n"), Call::PutEgress(Err(_))));
        assert_eq!(call("GET /other HTTP/1.1\r\n\r\n"), Call::NotFound);
        assert_eq!(call("PUT /ca HTTP/1.1\r\n\r\n"), Call::NotFound);
        assert_eq!(call("POST /egress HTTP/1.1\r\n\r\n"), Call::MethodNotAllowed);
        assert_eq!(call("DELETE /ca HTTP/1.1\r\n\r\n"), Call::MethodNotAllowed);
    }

    #[test]
    fn garbage_is_not_a_request() {
        assert!(parse(b"\x16\x03\x01\x00\x10\r\n\r\n").is_err());
    }
}
