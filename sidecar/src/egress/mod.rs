//! Captured TCP flows: find the original destination, read the first
//! bytes for a name, ask workerd's egress listener with a CONNECT, and then
//! terminate TLS (workerd intercepts, `200` with a server name), pass the
//! bytes as they are (other `2xx`) or reset the app's connection. The
//! sidecar never dials the original destination itself.

mod gateway;
mod sniff;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout_at, Instant};
use tokio_rustls::TlsAcceptor;

use crate::capture::Mode;
use crate::config::ConfigStore;
use crate::{pipe, sockopt};
use gateway::Hints;
use sniff::Sniff;

/// How long to wait for the app's first bytes. Protocols where the server
/// speaks first (SMTP, MySQL, SSH banners...) send nothing, and must not
/// hang; the official image waits forever here.
const FIRST_BYTES_WAIT: Duration = Duration::from_millis(500);
/// How long the app may take to complete a ClientHello or a request head
/// once it started one.
const SNIFF_DEADLINE: Duration = Duration::from_secs(5);
/// The most bytes read before the flow goes on without a name.
const SNIFF_LIMIT: usize = 64 * 1024;
/// Plain HTTP is only looked into on this port, as the official image does
/// (workerd matches `X-Hostname` against its HTTP rules, and would then
/// skip its TCP rules for the flow).
const HTTP_PORT: u16 = 80;

/// What every flow needs.
pub struct Egress {
    /// The capture mode, which says where the original destination is.
    pub mode: Mode,
    /// The gateway's address (`host.docker.internal`); its port is in the config.
    pub gateway_ip: Ipv4Addr,
    /// The egress configuration in force.
    pub config: Arc<ConfigStore>,
    /// TLS termination with our CA (none without `--tls-intercept`).
    pub tls: Option<TlsAcceptor>,
}

/// Accepts captured connections on `listener` forever.
pub async fn serve(listener: TcpListener, egress: Arc<Egress>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                // As on the way in: no waiting for ACKs between pieces.
                let _ = stream.set_nodelay(true);
                let egress = egress.clone();
                tokio::spawn(async move { egress.handle(stream, peer).await });
            }
            Err(e) => {
                log!("egress: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

impl Egress {
    async fn handle(&self, mut app: TcpStream, peer: SocketAddr) {
        let target = match self.original_dst(&app) {
            Ok(target) => target,
            Err(e) => {
                log!("egress {peer}: no original destination ({e}); reset");
                return sockopt::reset(&app);
            }
        };
        // Loopback is never captured: this is someone dialing our listener directly.
        if target.ip().is_loopback() {
            log!("egress {peer} -> {target}: a direct connection to the capture listener; reset");
            return sockopt::reset(&app);
        }
        let (first, hints) = self.sniff(&mut app, target).await;
        let gateway = SocketAddr::new(self.gateway_ip.into(), self.config.current().port);
        let label = label(peer, target, &hints);
        let tunnel = match gateway::open(gateway, target, &hints).await {
            Ok(tunnel) => tunnel,
            Err(e) => {
                log!("egress {label}: gateway {gateway} failed: {e}; reset");
                return sockopt::reset(&app);
            }
        };
        let mut upstream = tunnel.stream;
        match (tunnel.status, &hints.sni, &self.tls) {
            (200, Some(_), Some(tls)) => {
                log!("egress {label}: gateway 200, terminating TLS");
                let mut secured = match tls.accept(pipe::Replayed::new(first, app)).into_fallible().await {
                    Ok(secured) => secured,
                    Err((e, app)) => {
                        log!("egress {label}: TLS handshake with the app failed: {e}; reset");
                        return sockopt::reset(app.get_ref());
                    }
                };
                if let Err(e) = pipe::join(&mut secured, &tunnel.early, &mut upstream, &[]).await {
                    log!("egress {label}: ended: {e}");
                }
            }
            (200..=299, _, _) => {
                log!("egress {label}: gateway {}, passing through", tunnel.status);
                if let Err(e) = pipe::join(&mut app, &tunnel.early, &mut upstream, &first).await {
                    log!("egress {label}: ended: {e}");
                }
            }
            (status, _, _) => {
                log!("egress {label}: gateway {status}; reset");
                sockopt::reset(&app);
            }
        }
    }

    fn original_dst(&self, app: &TcpStream) -> io::Result<SocketAddr> {
        let local = app.local_addr()?;
        match self.mode {
            // A transparent socket's local address is where the app was going.
            Mode::Tproxy => Ok(local),
            Mode::Redirect => sockopt::original_dst(app, &local),
        }
    }

    /// Reads the app's first bytes (which go on to the gateway later) and
    /// what they say: a TLS server name, or the `Host` of a request to port 80.
    async fn sniff(&self, app: &mut TcpStream, target: SocketAddr) -> (Vec<u8>, Hints) {
        let mut buf = Vec::new();
        let start = Instant::now();
        let mut deadline = start + FIRST_BYTES_WAIT;
        loop {
            let mut chunk = [0u8; 4096];
            match timeout_at(deadline, app.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                // Nothing (yet), an end or an error: go on with what there is.
                _ => return (buf, Hints::default()),
            }
            deadline = start + SNIFF_DEADLINE;
            let looks_tls = self.tls.is_some() && sniff::may_be_tls(buf[0]);
            let sniffed = if looks_tls {
                sniff::client_hello_sni(&buf)
            } else if target.port() == HTTP_PORT {
                sniff::http_host(&buf)
            } else {
                Sniff::Done(None)
            };
            match sniffed {
                Sniff::NeedMore if buf.len() < SNIFF_LIMIT => continue,
                Sniff::NeedMore | Sniff::Done(None) => return (buf, Hints::default()),
                Sniff::Done(Some(name)) if looks_tls => return (buf, Hints { sni: Some(name), hostname: None }),
                Sniff::Done(Some(host)) => return (buf, Hints { sni: None, hostname: Some(host) }),
            }
        }
    }
}

/// `peer -> target (name)`, for log lines.
fn label(peer: SocketAddr, target: SocketAddr, hints: &Hints) -> String {
    match (&hints.sni, &hints.hostname) {
        (Some(sni), _) => format!("{peer} -> {target} (sni {sni})"),
        (None, Some(host)) => format!("{peer} -> {target} (host {host})"),
        (None, None) => format!("{peer} -> {target}"),
    }
}
