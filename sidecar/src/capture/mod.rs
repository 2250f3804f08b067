//! Transparent capture of what the app sends: every TCP connection and
//! (with `--dns-enabled`) UDP to port 53, programmed over netlink.
//!
//! - **tproxy** (as the official image): an output chain marks the app's
//!   packets, policy routing (`fwmark 1 → table 100`, `local default dev lo
//!   table 100`) loops them back through `lo`, and a prerouting chain hands
//!   them to our transparent sockets, which see the original destination
//!   as their local address.
//! - **redirect** (kernels without tproxy, e.g. stock WSL2): an output NAT
//!   chain rewrites the destination to our sockets on loopback; the
//!   original destination comes back from conntrack (`SO_ORIGINAL_DST`).

mod listeners;
mod rules;

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

pub use listeners::Listeners;
pub use rules::Flow;

use crate::netlink::socket::{NetlinkError, Socket, NETLINK_NETFILTER, NETLINK_ROUTE};
use crate::netlink::{route, IpFamily};

/// Our nf_tables table.
const TABLE: &str = "cfcontainer_sidecar";
/// The mark the output chain gives packets to capture.
const CAPTURE_MARK: u32 = 1;
/// The mark on every socket the sidecar opens itself (the gateway dial, DNS
/// forwards and answers): such packets are never captured.
pub const BYPASS_MARK: u32 = 100;
/// The routing table that makes every destination local.
const ROUTE_TABLE: u8 = 100;
/// Port of the TCP listeners that take captured connections.
const TCP_PORT: u16 = 41209;
/// Port of the UDP sockets that take captured DNS queries.
const DNS_PORT: u16 = 41053;
/// Loopback address of the IPv4 tproxy listeners. Not 127.0.0.1, where an
/// app might reach them by accident.
const TPROXY_V4: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 3);

/// `--capture`: how to capture, or to pick.
#[derive(Clone, Copy, Debug, PartialEq, clap::ValueEnum)]
pub enum Choice {
    /// tproxy, or redirect if the kernel has no tproxy.
    Auto,
    /// tproxy only.
    Tproxy,
    /// redirect only.
    Redirect,
}

/// The capture mode in force.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Marked packets loop back to transparent sockets.
    Tproxy,
    /// NAT rewrites the destination to loopback sockets.
    Redirect,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Tproxy => "tproxy",
            Mode::Redirect => "redirect",
        })
    }
}

impl Mode {
    /// Where the socket for `flow` of `family` listens in this mode. A
    /// redirect goes to the primary loopback address; tproxy may name any.
    pub fn listen_addr(self, family: IpFamily, flow: Flow) -> SocketAddr {
        let ip: IpAddr = match (self, family) {
            (Mode::Tproxy, IpFamily::V4) => TPROXY_V4.into(),
            (Mode::Redirect, IpFamily::V4) => Ipv4Addr::LOCALHOST.into(),
            (_, IpFamily::V6) => Ipv6Addr::LOCALHOST.into(),
        };
        let port = match flow {
            Flow::Tcp => TCP_PORT,
            Flow::Dns => DNS_PORT,
        };
        SocketAddr::new(ip, port)
    }
}

/// What to capture.
#[derive(Clone, Debug)]
pub struct Scope {
    /// IPv4, and IPv6 unless `--disable-ipv6`.
    pub families: Vec<IpFamily>,
    /// UDP to port 53 too (`--dns-enabled`).
    pub dns: bool,
}

/// Why capture could not be installed.
#[derive(Debug)]
pub struct CaptureError {
    /// What was being installed ("rule `...` in chain output").
    pub what: String,
    /// The kernel's or the socket's error.
    pub error: io::Error,
}

impl CaptureError {
    /// True if the kernel lacks the feature (no tproxy expression, no
    /// policy routing for a family) rather than refusing us for another
    /// reason: then another mode may work.
    fn is_missing_feature(&self) -> bool {
        matches!(
            self.error.raw_os_error(),
            Some(libc::ENOENT | libc::EOPNOTSUPP | libc::EAFNOSUPPORT | libc::EPROTONOSUPPORT)
        )
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.what, self.error)?;
        if self.error.raw_os_error() == Some(libc::EPERM) {
            write!(f, "; the container needs CAP_NET_ADMIN (--cap-add NET_ADMIN, as workerd gives it)")?;
        }
        Ok(())
    }
}

/// Installs capture as `choice` asks and returns the mode in force with
/// its listening sockets. `auto` tries tproxy and falls back to redirect,
/// with one log line, when the kernel lacks what tproxy needs.
pub fn setup(choice: Choice, scope: &Scope) -> Result<(Mode, Listeners), CaptureError> {
    match choice {
        Choice::Tproxy => install(Mode::Tproxy, scope).map(|l| (Mode::Tproxy, l)),
        Choice::Redirect => install(Mode::Redirect, scope).map(|l| (Mode::Redirect, l)),
        Choice::Auto => match install(Mode::Tproxy, scope) {
            Ok(listeners) => Ok((Mode::Tproxy, listeners)),
            Err(e) if e.is_missing_feature() => {
                log!("capture: the kernel has no tproxy ({e}); using redirect instead");
                install(Mode::Redirect, scope).map(|l| (Mode::Redirect, l))
            }
            Err(e) => Err(e),
        },
    }
}

/// Binds the sockets of `mode`, then installs its rules (and, for tproxy,
/// the policy routing), so nothing is captured before a socket takes it.
fn install(mode: Mode, scope: &Scope) -> Result<Listeners, CaptureError> {
    let listeners = Listeners::bind(mode, scope)?;
    let ruleset = rules::ruleset(mode, scope);
    let (batch, purposes) = rules::batch(&ruleset, 1);
    exchange(NETLINK_NETFILTER, &batch, &purposes)?;
    if mode == Mode::Tproxy {
        for family in &scope.families {
            policy_routing(*family)?;
        }
    }
    Ok(listeners)
}

/// `ip rule add fwmark 1 table 100` and `ip route add local default dev lo
/// table 100` for `family`; either one already there is fine.
fn policy_routing(family: IpFamily) -> Result<(), CaptureError> {
    let steps = [
        (
            route::fwmark_rule(family, CAPTURE_MARK, ROUTE_TABLE, 1),
            format!("policy rule `fwmark {CAPTURE_MARK} table {ROUTE_TABLE}` ({family:?})"),
        ),
        (
            route::local_default_route(family, ROUTE_TABLE, 1),
            format!("route `local default dev lo table {ROUTE_TABLE}` ({family:?})"),
        ),
    ];
    for (message, purpose) in steps {
        match exchange(NETLINK_ROUTE, &message, &[(1, purpose)]) {
            Err(e) if e.error.raw_os_error() == Some(libc::EEXIST) => {}
            other => other?,
        }
    }
    Ok(())
}

/// Sends `messages` on a new socket of `protocol` and waits for the
/// acknowledgement of each purpose's sequence number.
fn exchange(protocol: libc::c_int, messages: &[u8], purposes: &[(u32, String)]) -> Result<(), CaptureError> {
    let socket =
        Socket::open(protocol).map_err(|error| CaptureError { what: "opening a netlink socket".to_string(), error })?;
    let seqs: Vec<u32> = purposes.iter().map(|(seq, _)| *seq).collect();
    socket.exchange(messages, &seqs).map_err(|e| match e {
        NetlinkError::Io(error) => CaptureError { what: "talking to the kernel over netlink".to_string(), error },
        NetlinkError::Refused { seq, error } => {
            let what = purposes
                .iter()
                .find(|(s, _)| *s == seq)
                .map(|(_, p)| format!("the kernel refused {p}"))
                .unwrap_or_else(|| "the kernel refused the netlink batch".to_string());
            CaptureError { what, error }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tproxy_listens_off_the_primary_loopback_address_and_redirect_on_it() {
        assert_eq!(Mode::Tproxy.listen_addr(IpFamily::V4, Flow::Tcp), "127.0.0.3:41209".parse().unwrap());
        assert_eq!(Mode::Redirect.listen_addr(IpFamily::V4, Flow::Tcp), "127.0.0.1:41209".parse().unwrap());
        assert_eq!(Mode::Redirect.listen_addr(IpFamily::V6, Flow::Dns), "[::1]:41053".parse().unwrap());
    }

    #[test]
    fn only_a_missing_kernel_feature_lets_auto_fall_back() {
        let err = |code| CaptureError { what: String::new(), error: io::Error::from_raw_os_error(code) };
        assert!(err(libc::ENOENT).is_missing_feature());
        assert!(err(libc::EOPNOTSUPP).is_missing_feature());
        assert!(!err(libc::EPERM).is_missing_feature(), "a missing NET_ADMIN is no reason to try redirect");
        assert!(!err(libc::EINVAL).is_missing_feature());
    }

    #[test]
    fn a_refusal_for_lack_of_privilege_says_which_capability_to_add() {
        let err = CaptureError {
            what: "the kernel refused the netlink batch".into(),
            error: io::Error::from_raw_os_error(libc::EPERM),
        };
        assert!(err.to_string().contains("--cap-add NET_ADMIN"), "{err}");
    }
}
