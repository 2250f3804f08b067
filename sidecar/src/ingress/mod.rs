//! The control and ingress listener workerd talks to (published from
//! port 39001): `CONNECT` tunnels into the app's ports, `GET /ca` and
//! `PUT /egress`. It is bound at start but accepts only once capture is in
//! place, so workerd's first `PUT /egress` succeeding means "ready".

mod request;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use crate::ca::Ca;
use crate::config::{ConfigStore, EgressConfig, EgressUpdate};
use crate::{http, pipe};
use request::Call;

/// How long a client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a dial into the app may take.
const DIAL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a refused dial is tried again before the `400` that means
/// "not listening yet": callers poll a starting container's port, and a
/// poll that arrives just before the app listens is then answered the
/// moment it does instead of at the caller's next attempt (which comes up
/// to its longest pause later, 50 ms for the runtime's readiness probes).
const LISTEN_GRACE: Duration = Duration::from_millis(250);
/// The pause between those dials: a refused dial on loopback costs a few
/// microseconds.
const REDIAL_PAUSE: Duration = Duration::from_millis(2);

/// What the control API reads and changes.
pub struct Control {
    /// The egress configuration `PUT /egress` changes.
    pub config: Arc<ConfigStore>,
    /// The CA `GET /ca` serves (none without `--tls-intercept`).
    pub ca: Option<Arc<Ca>>,
}

/// Accepts and answers connections on `listener` forever.
pub async fn serve(listener: TcpListener, control: Arc<Control>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                // A tunnel carries requests and answers written in pieces:
                // each piece goes out at once, not after the last one's ACK.
                let _ = stream.set_nodelay(true);
                let control = control.clone();
                tokio::spawn(async move { handle(stream, peer, &control).await });
            }
            Err(e) => {
                log!("ingress: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn handle(mut stream: TcpStream, peer: SocketAddr, control: &Control) {
    let mut buf = Vec::new();
    let head_len = match timeout(REQUEST_TIMEOUT, http::read_head(&mut stream, &mut buf)).await {
        Ok(Ok(len)) => len,
        Ok(Err(e)) => return refuse(&mut stream, peer, 400, "Bad Request", &e.to_string()).await,
        Err(_) => return refuse(&mut stream, peer, 408, "Request Timeout", "no request within 10 s").await,
    };
    let call = match request::parse(&buf[..head_len]) {
        Ok(call) => call,
        Err(why) => return refuse(&mut stream, peer, 400, "Bad Request", &why).await,
    };
    let rest = buf.split_off(head_len);
    match call {
        Call::Connect(Ok(target)) => connect(stream, peer, target, rest).await,
        Call::Connect(Err(why)) => refuse(&mut stream, peer, 400, "Bad Request", &why).await,
        Call::GetCa => match &control.ca {
            Some(ca) => {
                let answer = http::response(200, "OK", Some("application/x-pem-file"), ca.pem().as_bytes());
                let _ = stream.write_all(&answer).await;
            }
            None => {
                refuse(&mut stream, peer, 404, "Not Found", "no CA: the sidecar runs without --tls-intercept").await
            }
        },
        Call::PutEgress(Ok(len)) => put_egress(stream, peer, control, rest, len).await,
        Call::PutEgress(Err(why)) => refuse(&mut stream, peer, 400, "Bad Request", &why).await,
        Call::NotFound => refuse(&mut stream, peer, 404, "Not Found", "only GET /ca and PUT /egress are here").await,
        Call::MethodNotAllowed => {
            refuse(&mut stream, peer, 405, "Method Not Allowed", "only CONNECT, GET and PUT are allowed").await
        }
    }
}

/// Tunnels into the app at `target`: `200` and a two-way pipe, or `400`
/// if nothing answers there (workerd reads that as "not listening yet").
async fn connect(mut stream: TcpStream, peer: SocketAddr, target: SocketAddr, early: Vec<u8>) {
    let mut app = match timeout(DIAL_TIMEOUT, dial(target)).await {
        Ok(Ok(app)) => app,
        Ok(Err(e)) => return refuse(&mut stream, peer, 400, "Bad Request", &format!("dialing {target}: {e}")).await,
        Err(_) => return refuse(&mut stream, peer, 400, "Bad Request", &format!("dialing {target} timed out")).await,
    };
    if stream.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.is_err() {
        return;
    }
    // No line for a tunnel that works: workerd opens one for every request
    // into the container, and each line is a write through the engine's log.
    if let Err(e) = pipe::join(&mut stream, &[], &mut app, &early).await {
        log!("ingress: tunnel from {peer} to {target} ended: {e}");
    }
}

/// Dials `target`, again and again for [`LISTEN_GRACE`] while it refuses.
async fn dial(target: SocketAddr) -> std::io::Result<TcpStream> {
    let give_up = tokio::time::Instant::now() + LISTEN_GRACE;
    loop {
        match TcpStream::connect(target).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused && tokio::time::Instant::now() < give_up => {
                tokio::time::sleep(REDIAL_PAUSE).await;
            }
            done => {
                return done.inspect(|app| {
                    let _ = app.set_nodelay(true);
                })
            }
        }
    }
}

/// Reads the body, applies the update and answers `204` once it is in force.
async fn put_egress(mut stream: TcpStream, peer: SocketAddr, control: &Control, mut body: Vec<u8>, len: usize) {
    if body.len() < len {
        let mut more = vec![0u8; len - body.len()];
        match timeout(REQUEST_TIMEOUT, stream.read_exact(&mut more)).await {
            Ok(Ok(_)) => body.extend(more),
            _ => {
                return refuse(&mut stream, peer, 400, "Bad Request", "the body is shorter than its Content-Length")
                    .await
            }
        }
    }
    body.truncate(len);
    match EgressUpdate::parse(&body) {
        Ok(update) => {
            let config = control.config.update(&update);
            log!("egress config: {}", describe(&config));
            let _ = stream.write_all(&http::response(204, "No Content", None, b"")).await;
        }
        Err(e) => refuse(&mut stream, peer, 400, "Bad Request", &e.to_string()).await,
    }
}

async fn refuse(stream: &mut TcpStream, peer: SocketAddr, status: u16, reason: &str, why: &str) {
    log!("ingress: {status} to {peer}: {why}");
    let _ = stream.write_all(&http::error(status, reason, why)).await;
}

/// One line for the log.
fn describe(config: &EgressConfig) -> String {
    format!(
        "gateway port {}, internet {}, DNS allows [{}]",
        config.port,
        if config.internet { "on" } else { "off" },
        config.allow_hostnames.join(", ")
    )
}
