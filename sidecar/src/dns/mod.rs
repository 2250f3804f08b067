//! Captured DNS queries (UDP to port 53, with `--dns-enabled`): answered
//! here or forwarded by [`answer`]'s rules. Forwards and answers carry the
//! bypass mark, so they are not captured again. In tproxy mode a query is
//! forwarded to the resolver it was sent to and answered from that
//! resolver's address (a transparent socket bound to it); in redirect mode
//! it goes to the first `nameserver` of `/etc/resolv.conf`, and conntrack
//! gives the answer the address the app asked.

mod answer;

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::time::Duration;

use socket2::{SockAddr, Type};
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio::time::timeout;

use crate::capture::{Mode, BYPASS_MARK};
use crate::config::ConfigStore;
use crate::sockopt;
use answer::{Plan, Query};

/// How long the upstream resolver may take.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest DNS message over UDP.
const MAX_MESSAGE: usize = 65535;

/// What every query needs.
pub struct Dns {
    /// The capture mode, which says where the query was going.
    pub mode: Mode,
    /// The egress configuration in force.
    pub config: Arc<ConfigStore>,
    /// The resolver redirect mode forwards to.
    pub resolv_conf_upstream: Option<IpAddr>,
}

/// Receives captured queries on `socket` forever.
pub async fn serve(socket: UdpSocket, dns: Arc<Dns>) {
    let socket = Arc::new(socket);
    loop {
        let mut buf = vec![0u8; MAX_MESSAGE];
        let received = socket.async_io(Interest::READABLE, || sockopt::recv_datagram(socket.as_fd(), &mut buf)).await;
        match received {
            Ok(datagram) => {
                buf.truncate(datagram.len);
                let (dns, socket) = (dns.clone(), socket.clone());
                tokio::spawn(async move { dns.handle(&socket, buf, datagram.source, datagram.original_dst).await });
            }
            Err(e) => {
                log!("dns: receive failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

impl Dns {
    async fn handle(&self, socket: &UdpSocket, bytes: Vec<u8>, source: SocketAddr, original_dst: Option<SocketAddr>) {
        let query = match Query::parse(&bytes) {
            Ok(query) => query,
            Err(e) => return log!("dns {source}: dropped: {e}"),
        };
        let config = self.config.current();
        let (reply, outcome) = match query.plan(&config) {
            Plan::Synthetic(reply) => (reply, "synthetic answer".to_string()),
            Plan::NxDomain(reply) => (reply, "NXDOMAIN (not allowed)".to_string()),
            Plan::Forward => {
                let Some(upstream) = self.upstream(original_dst) else {
                    return log!("dns {source} {}: no resolver to forward to; dropped", query.name);
                };
                match forward(upstream, &bytes).await {
                    Ok(reply) => (query.after_upstream(reply, &config), format!("forwarded to {upstream}")),
                    Err(e) => return log!("dns {source} {}: {upstream} failed: {e}; dropped", query.name),
                }
            }
        };
        let sent = match (self.mode, original_dst) {
            (Mode::Tproxy, Some(from)) => send_as(from, &reply, source).await,
            _ => socket.send_to(&reply, source).await.map(|_| ()),
        };
        match sent {
            Ok(()) => log!("dns {source} {}: {outcome}", query.name),
            Err(e) => log!("dns {source} {}: answering failed: {e}", query.name),
        }
    }

    /// Where a forwarded query goes.
    fn upstream(&self, original_dst: Option<SocketAddr>) -> Option<SocketAddr> {
        match self.mode {
            Mode::Tproxy => original_dst,
            Mode::Redirect => self.resolv_conf_upstream.map(|ip| SocketAddr::new(ip, 53)),
        }
    }
}

/// Sends `query` to `upstream` and waits for its answer.
async fn forward(upstream: SocketAddr, query: &[u8]) -> io::Result<Vec<u8>> {
    let socket = sockopt::socket_for(&upstream, Type::DGRAM)?;
    sockopt::set_mark(&socket, BYPASS_MARK)?;
    let any: IpAddr = if upstream.is_ipv4() { Ipv4Addr::UNSPECIFIED.into() } else { Ipv6Addr::UNSPECIFIED.into() };
    socket.bind(&SockAddr::from(SocketAddr::new(any, 0)))?;
    let socket = UdpSocket::from_std(socket.into())?;
    socket.connect(upstream).await?;
    socket.send(query).await?;
    let mut buf = vec![0u8; MAX_MESSAGE];
    let n = timeout(UPSTREAM_TIMEOUT, socket.recv(&mut buf))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "no answer within 5 s"))??;
    buf.truncate(n);
    Ok(buf)
}

/// Sends `reply` to `to` from the address `from` (not ours: the socket is
/// transparent), as the resolver the app asked would have.
async fn send_as(from: SocketAddr, reply: &[u8], to: SocketAddr) -> io::Result<()> {
    let socket = sockopt::socket_for(&from, Type::DGRAM)?;
    socket.set_reuse_address(true)?;
    sockopt::set_transparent(&socket, &from)?;
    sockopt::set_mark(&socket, BYPASS_MARK)?;
    socket.bind(&SockAddr::from(from))?;
    let socket = UdpSocket::from_std(socket.into())?;
    socket.send_to(reply, to).await.map(|_| ())
}
