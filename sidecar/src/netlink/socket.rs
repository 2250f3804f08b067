//! A blocking netlink socket: send a buffer of messages, then wait for the
//! kernel's acknowledgement of each. Setup runs once, before anything is
//! served, so blocking calls (with a receive timeout) are fine here.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

use super::message::HEADER_LEN;

/// `NETLINK_ROUTE`: routes and rules.
pub const NETLINK_ROUTE: libc::c_int = libc::NETLINK_ROUTE;
/// `NETLINK_NETFILTER`: nf_tables.
pub const NETLINK_NETFILTER: libc::c_int = libc::NETLINK_NETFILTER;

/// `NLMSG_ERROR`: an error or, with code 0, an acknowledgement.
const NLMSG_ERROR: u16 = 2;

/// What went wrong talking to the kernel.
#[derive(Debug)]
pub enum NetlinkError {
    /// The socket itself failed (or the kernel did not answer in time).
    Io(io::Error),
    /// The kernel refused the message with this sequence number.
    Refused { seq: u32, error: io::Error },
}

impl std::fmt::Display for NetlinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetlinkError::Io(e) => write!(f, "netlink: {e}"),
            NetlinkError::Refused { error, .. } => write!(f, "{error}"),
        }
    }
}

/// An open netlink socket of one protocol.
pub struct Socket {
    fd: OwnedFd,
}

impl Socket {
    /// Opens a socket of `protocol` (`NETLINK_ROUTE`, `NETLINK_NETFILTER`).
    pub fn open(protocol: libc::c_int) -> io::Result<Socket> {
        // SAFETY: plain socket(2); the result is checked before use.
        let raw = unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, protocol) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a fresh descriptor that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        // A kernel that never answers must not hang the setup forever.
        let timeout = libc::timeval { tv_sec: 5, tv_usec: 0 };
        // SAFETY: setsockopt with a valid pointer to a timeval of the given size.
        let rc = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVTIMEO,
                (&timeout as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Socket { fd })
    }

    /// Sends `messages` (one or more, back to back) and waits until the
    /// kernel acknowledged every sequence number in `acked`. The first
    /// refusal ends the wait.
    pub fn exchange(&self, messages: &[u8], acked: &[u32]) -> Result<(), NetlinkError> {
        self.send(messages).map_err(NetlinkError::Io)?;
        let mut pending: Vec<u32> = acked.to_vec();
        let mut buf = vec![0u8; 64 * 1024];
        while !pending.is_empty() {
            // SAFETY: recv into a buffer we own, with its length.
            let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
            if n < 0 {
                return Err(NetlinkError::Io(io::Error::last_os_error()));
            }
            for answer in answers(&buf[..n as usize]) {
                match answer {
                    Answer::Ack(seq) => pending.retain(|s| *s != seq),
                    Answer::Error { seq, errno } => {
                        return Err(NetlinkError::Refused { seq, error: io::Error::from_raw_os_error(errno) })
                    }
                }
            }
        }
        Ok(())
    }

    fn send(&self, bytes: &[u8]) -> io::Result<()> {
        // SAFETY: an all-zero sockaddr_nl addresses the kernel.
        let mut kernel: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        kernel.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: sendto with a buffer we own and a valid sockaddr_nl.
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                0,
                (&kernel as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        match n {
            n if n < 0 => Err(io::Error::last_os_error()),
            n if n as usize != bytes.len() => Err(io::Error::other("netlink: short send")),
            _ => Ok(()),
        }
    }
}

/// One `NLMSG_ERROR` the kernel sent back.
#[derive(Debug, PartialEq)]
enum Answer {
    Ack(u32),
    Error { seq: u32, errno: i32 },
}

/// The acknowledgements and errors in one received buffer; other
/// messages are skipped.
fn answers(buf: &[u8]) -> Vec<Answer> {
    let mut out = Vec::new();
    let mut off = 0;
    while off + HEADER_LEN <= buf.len() {
        let len = u32::from_ne_bytes(buf[off..off + 4].try_into().unwrap()) as usize;
        let kind = u16::from_ne_bytes(buf[off + 4..off + 6].try_into().unwrap());
        let seq = u32::from_ne_bytes(buf[off + 8..off + 12].try_into().unwrap());
        if len < HEADER_LEN || off + len > buf.len() {
            break;
        }
        if kind == NLMSG_ERROR && len >= HEADER_LEN + 4 {
            let code = i32::from_ne_bytes(buf[off + HEADER_LEN..off + HEADER_LEN + 4].try_into().unwrap());
            out.push(if code == 0 { Answer::Ack(seq) } else { Answer::Error { seq, errno: -code } });
        }
        off += (len + 3) & !3;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_message(seq: u32, code: i32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&36u32.to_ne_bytes());
        m.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        m.extend_from_slice(&0u16.to_ne_bytes());
        m.extend_from_slice(&seq.to_ne_bytes());
        m.extend_from_slice(&0u32.to_ne_bytes());
        m.extend_from_slice(&code.to_ne_bytes());
        m.extend_from_slice(&[0; 16]); // the original header
        m
    }

    #[test]
    fn acknowledgements_and_errors_are_told_apart_by_their_code() {
        let mut buf = error_message(3, 0);
        buf.extend(error_message(4, -libc::ENOENT));
        assert_eq!(answers(&buf), vec![Answer::Ack(3), Answer::Error { seq: 4, errno: libc::ENOENT }]);
    }

    #[test]
    fn a_truncated_message_is_not_read_past_the_buffer() {
        let buf = error_message(3, 0);
        assert_eq!(answers(&buf[..20]), vec![]);
    }
}
