//! The CONNECT to workerd's egress listener, one per captured flow. workerd
//! decides from the target and the hints what happens: `200` when a
//! binding intercepts it (it then speaks HTTP/1.1 in the tunnel), `202`
//! when the bytes are to pass as they are, anything else when the flow is
//! refused.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use socket2::Type;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;

use crate::capture::BYPASS_MARK;
use crate::{http, sockopt};

/// How long workerd may take to accept the dial and to answer the CONNECT.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// What the first bytes told about a flow.
#[derive(Debug, Default, PartialEq)]
pub struct Hints {
    /// The TLS server name (sent as `X-Tls-Sni`).
    pub sni: Option<String>,
    /// The HTTP `Host` of a plain request to port 80 (sent as `X-Hostname`).
    pub hostname: Option<String>,
}

/// The CONNECT request for a flow to `target`.
pub fn connect_request(target: SocketAddr, hints: &Hints) -> Vec<u8> {
    let mut req = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(sni) = &hints.sni {
        req.push_str(&format!("X-Tls-Sni: {sni}\r\n"));
    }
    if let Some(host) = &hints.hostname {
        req.push_str(&format!("X-Hostname: {host}\r\n"));
    }
    req.push_str("\r\n");
    req.into_bytes()
}

/// The status code of the answer head in `head`.
pub fn status(head: &[u8]) -> Result<u16, String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut res = httparse::Response::new(&mut headers);
    match res.parse(head) {
        Ok(httparse::Status::Complete(_)) => res.code.ok_or_else(|| "an answer without a status".to_string()),
        Ok(httparse::Status::Partial) => Err("an incomplete answer".to_string()),
        Err(e) => Err(format!("a malformed answer: {e}")),
    }
}

/// An answered CONNECT.
pub struct Tunnel {
    /// The connection to workerd.
    pub stream: TcpStream,
    /// workerd's status code.
    pub status: u16,
    /// Bytes workerd sent after its answer (a server that speaks first).
    pub early: Vec<u8>,
}

/// Dials `gateway` (with the bypass mark, so the dial is not captured
/// itself), asks for `target` and reads the answer.
pub async fn open(gateway: SocketAddr, target: SocketAddr, hints: &Hints) -> io::Result<Tunnel> {
    let mut stream = timeout(ANSWER_TIMEOUT, dial(gateway))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the gateway did not accept in time"))??;
    stream.write_all(&connect_request(target, hints)).await?;
    let mut buf = Vec::new();
    let head_len = timeout(ANSWER_TIMEOUT, http::read_head(&mut stream, &mut buf))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the gateway did not answer in time"))??;
    let status = status(&buf[..head_len]).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    Ok(Tunnel { stream, status, early: buf.split_off(head_len) })
}

async fn dial(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = sockopt::socket_for(&addr, Type::STREAM)?;
    sockopt::set_mark(&socket, BYPASS_MARK)?;
    let stream = TcpSocket::from_std_stream(socket.into()).connect(addr).await?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connect_names_the_original_destination_and_the_hints() {
        let tls = Hints { sni: Some("api.example.com".into()), hostname: None };
        assert_eq!(
            String::from_utf8(connect_request("203.0.113.7:443".parse().unwrap(), &tls)).unwrap(),
            "CONNECT 203.0.113.7:443 HTTP/1.1\r\nHost: 203.0.113.7:443\r\nX-Tls-Sni: api.example.com\r\n\r\n"
        );
        let http = Hints { sni: None, hostname: Some("web.example".into()) };
        assert_eq!(
            String::from_utf8(connect_request("[2001:db8::1]:80".parse().unwrap(), &http)).unwrap(),
            "CONNECT [2001:db8::1]:80 HTTP/1.1\r\nHost: [2001:db8::1]:80\r\nX-Hostname: web.example\r\n\r\n"
        );
    }

    #[test]
    fn the_status_is_read_from_the_answer_head() {
        assert_eq!(status(b"HTTP/1.1 202 Accepted\r\n\r\n"), Ok(202));
        assert_eq!(status(b"HTTP/1.1 200 OK\r\nX-A: b\r\n\r\n"), Ok(200));
        assert!(status(b"SSH-2.0\r\n\r\n").is_err());
    }

    #[tokio::test]
    async fn a_tunnel_keeps_what_the_gateway_sent_after_its_answer() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut buf = Vec::new();
            let n = http::read_head(&mut conn, &mut buf).await.unwrap();
            conn.write_all(b"HTTP/1.1 202 Accepted\r\n\r\n220 smtp ready\r\n").await.unwrap();
            let mut rest = Vec::new();
            conn.read_to_end(&mut rest).await.unwrap();
            String::from_utf8(buf[..n].to_vec()).unwrap()
        });
        let target: SocketAddr = "198.51.100.1:25".parse().unwrap();
        let tunnel = match open(gateway, target, &Hints::default()).await {
            Ok(t) => t,
            // Setting SO_MARK needs CAP_NET_ADMIN; without it there is nothing to test here.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(tunnel.status, 202);
        assert_eq!(tunnel.early, b"220 smtp ready\r\n");
        drop(tunnel);
        assert_eq!(server.await.unwrap(), "CONNECT 198.51.100.1:25 HTTP/1.1\r\nHost: 198.51.100.1:25\r\n\r\n");
    }
}
