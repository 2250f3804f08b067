//! Socket options and calls the standard library does not offer: the
//! bypass mark, transparent sockets, the original destination of a
//! captured flow (from the socket, from conntrack, or from a datagram's
//! ancillary data) and the reset of a connection.

use std::io;
use std::mem::{size_of, MaybeUninit};
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::Duration;

use socket2::{Domain, SockRef, Socket, Type};

/// `IP_RECVORIGDSTADDR` / `IP_ORIGDSTADDR` (linux/in.h).
const IP_ORIGDSTADDR: libc::c_int = 20;
/// `IPV6_RECVORIGDSTADDR` / `IPV6_ORIGDSTADDR` (linux/in6.h).
const IPV6_ORIGDSTADDR: libc::c_int = 74;

/// A socket of `addr`'s family and `kind`, non-blocking, close-on-exec.
pub fn socket_for(addr: &SocketAddr, kind: Type) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(*addr), kind.cloexec(), None)?;
    socket.set_nonblocking(true)?;
    Ok(socket)
}

/// Sets `SO_MARK`: the capture rules let packets with our bypass mark go
/// out as they are.
pub fn set_mark(socket: &Socket, mark: u32) -> io::Result<()> {
    socket.set_mark(mark)
}

/// Makes `socket` transparent (`IP_TRANSPARENT` / `IPV6_TRANSPARENT`): it
/// may take connections and datagrams for addresses that are not ours, and
/// bind to them.
pub fn set_transparent(socket: &Socket, addr: &SocketAddr) -> io::Result<()> {
    match addr {
        SocketAddr::V4(_) => socket.set_ip_transparent_v4(true),
        SocketAddr::V6(_) => socket.set_ip_transparent_v6(true),
    }
}

/// Asks for each datagram's original destination as ancillary data
/// (`IP_RECVORIGDSTADDR` / `IPV6_RECVORIGDSTADDR`).
pub fn set_recv_original_dst(socket: &Socket, addr: &SocketAddr) -> io::Result<()> {
    let (level, name) = match addr {
        SocketAddr::V4(_) => (libc::SOL_IP, IP_ORIGDSTADDR),
        SocketAddr::V6(_) => (libc::SOL_IPV6, IPV6_ORIGDSTADDR),
    };
    let on: libc::c_int = 1;
    // SAFETY: setsockopt with a pointer to a c_int and its size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            name,
            (&on as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The destination a redirected connection had before NAT rewrote it
/// (`SO_ORIGINAL_DST` / `IP6T_SO_ORIGINAL_DST`, read from conntrack).
pub fn original_dst(stream: &impl AsFd, local: &SocketAddr) -> io::Result<SocketAddr> {
    let sock = SockRef::from(stream);
    let addr = match local {
        SocketAddr::V4(_) => sock.original_dst_v4()?,
        SocketAddr::V6(_) => sock.original_dst_v6()?,
    };
    addr.as_socket().ok_or_else(|| io::Error::other("the original destination is not an IP address"))
}

/// Closes `stream` with a reset instead of an orderly shutdown
/// (`SO_LINGER` 0), so the app sees its connection refused rather than
/// answered and ended.
pub fn reset(stream: &impl AsFd) {
    // A failure here only means the close is orderly instead.
    let _ = SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

/// One datagram: its length, its source and (if the socket asked for it)
/// the address it was sent to.
pub struct Datagram {
    /// Bytes received into the buffer.
    pub len: usize,
    /// Who sent it.
    pub source: SocketAddr,
    /// Where it was going, when the socket receives it transparently.
    pub original_dst: Option<SocketAddr>,
}

/// `recvmsg` on a non-blocking UDP socket, keeping the original-destination
/// ancillary data. `WouldBlock` when nothing is queued.
pub fn recv_datagram(fd: BorrowedFd<'_>, buf: &mut [u8]) -> io::Result<Datagram> {
    let mut source = MaybeUninit::<libc::sockaddr_storage>::zeroed();
    let mut control = [0u64; 16]; // u64 for cmsg alignment; 128 bytes hold one sockaddr_in6
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: an all-zero msghdr is valid; the fields set below point at
    // buffers that outlive the call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = source.as_mut_ptr().cast();
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = size_of::<[u64; 16]>() as _;
    // SAFETY: recvmsg with the msghdr built above.
    let n = unsafe { libc::recvmsg(fd.as_raw_fd(), &mut msg, libc::MSG_DONTWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel filled in the sockaddr_storage (zeroed before).
    let source = unsafe { socket_addr(source.as_ptr().cast()) }
        .ok_or_else(|| io::Error::other("a datagram from a non-IP address"))?;
    let mut original_dst = None;
    // SAFETY: walking the control buffer with the libc CMSG macros, within msg_controllen.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
        while !cmsg.is_null() {
            let level_type = ((*cmsg).cmsg_level, (*cmsg).cmsg_type);
            if level_type == (libc::SOL_IP, IP_ORIGDSTADDR) || level_type == (libc::SOL_IPV6, IPV6_ORIGDSTADDR) {
                original_dst = socket_addr(libc::CMSG_DATA(cmsg).cast());
            }
            cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
        }
    }
    Ok(Datagram { len: n as usize, source, original_dst })
}

/// The IP socket address at `addr` (a `sockaddr_in` or `sockaddr_in6`,
/// maybe unaligned), or `None` for another family.
///
/// # Safety
/// `addr` must point at a sockaddr of the size its family implies.
unsafe fn socket_addr(addr: *const u8) -> Option<SocketAddr> {
    let family = std::ptr::read_unaligned(addr.cast::<libc::sa_family_t>());
    match family as libc::c_int {
        libc::AF_INET => {
            let sin = std::ptr::read_unaligned(addr.cast::<libc::sockaddr_in>());
            let ip = u32::from_be(sin.sin_addr.s_addr).into();
            Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(sin.sin_port))))
        }
        libc::AF_INET6 => {
            let sin6 = std::ptr::read_unaligned(addr.cast::<libc::sockaddr_in6>());
            let port = u16::from_be(sin6.sin6_port);
            Some(SocketAddr::V6(SocketAddrV6::new(
                sin6.sin6_addr.s6_addr.into(),
                port,
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socket2::SockAddr;
    use std::net::UdpSocket;

    #[test]
    fn a_datagram_carries_its_source_and_the_address_it_was_sent_to() {
        let receiver = socket_for(&"127.0.0.1:0".parse().unwrap(), Type::DGRAM).unwrap();
        receiver.bind(&SockAddr::from("127.0.0.1:0".parse::<SocketAddr>().unwrap())).unwrap();
        let to = receiver.local_addr().unwrap().as_socket().unwrap();
        set_recv_original_dst(&receiver, &to).unwrap();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"query", to).unwrap();
        let mut buf = [0u8; 64];
        let datagram = loop {
            match recv_datagram(receiver.as_fd(), &mut buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(5)),
                other => break other.unwrap(),
            }
        };
        assert_eq!(&buf[..datagram.len], b"query");
        assert_eq!(datagram.source, sender.local_addr().unwrap());
        assert_eq!(datagram.original_dst, Some(to));
    }

    #[test]
    fn without_the_option_a_datagram_has_no_original_destination() {
        let receiver = socket_for(&"[::1]:0".parse().unwrap(), Type::DGRAM).unwrap();
        receiver.bind(&SockAddr::from("[::1]:0".parse::<SocketAddr>().unwrap())).unwrap();
        let to = receiver.local_addr().unwrap().as_socket().unwrap();
        UdpSocket::bind("[::1]:0").unwrap().send_to(b"x", to).unwrap();
        let mut buf = [0u8; 8];
        let datagram = loop {
            match recv_datagram(receiver.as_fd(), &mut buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(Duration::from_millis(5)),
                other => break other.unwrap(),
            }
        };
        assert_eq!(datagram.original_dst, None);
    }
}
