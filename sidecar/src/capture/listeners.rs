//! The sockets that take captured flows: one TCP listener and (with DNS)
//! one UDP socket per IP family, transparent in tproxy mode.

use std::io;
use std::net::{SocketAddr, TcpListener, UdpSocket};

use socket2::{SockAddr, Socket, Type};

use crate::sockopt;

use super::{CaptureError, Flow, Mode, Scope};

/// The bound sockets, non-blocking, ready for the runtime.
pub struct Listeners {
    /// Captured TCP connections arrive here.
    pub tcp: Vec<TcpListener>,
    /// Captured DNS queries arrive here.
    pub dns: Vec<UdpSocket>,
}

impl Listeners {
    /// Binds the sockets `mode` sends captured flows to.
    pub fn bind(mode: Mode, scope: &Scope) -> Result<Listeners, CaptureError> {
        let mut listeners = Listeners { tcp: Vec::new(), dns: Vec::new() };
        for family in &scope.families {
            let addr = mode.listen_addr(*family, Flow::Tcp);
            let tcp = bind(mode, &addr, Type::STREAM).map_err(|error| CaptureError {
                what: format!("listening for captured connections on {addr}"),
                error,
            })?;
            tcp.listen(1024).map_err(|error| CaptureError { what: format!("listening on {addr}"), error })?;
            listeners.tcp.push(tcp.into());
            if scope.dns {
                let addr = mode.listen_addr(*family, Flow::Dns);
                let udp = bind(mode, &addr, Type::DGRAM).map_err(|error| CaptureError {
                    what: format!("receiving captured DNS queries on {addr}"),
                    error,
                })?;
                listeners.dns.push(udp.into());
            }
        }
        Ok(listeners)
    }
}

fn bind(mode: Mode, addr: &SocketAddr, kind: Type) -> io::Result<Socket> {
    let socket = sockopt::socket_for(addr, kind)?;
    socket.set_reuse_address(true)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true)?;
    }
    if mode == Mode::Tproxy {
        sockopt::set_transparent(&socket, addr)?;
        if kind == Type::DGRAM {
            sockopt::set_recv_original_dst(&socket, addr)?;
        }
    }
    socket.bind(&SockAddr::from(*addr))?;
    Ok(socket)
}
