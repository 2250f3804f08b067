//! Programming the kernel over netlink, without the `ip`, `iptables` or
//! `nft` binaries (the image has no base to take them from): message
//! encoding, a blocking socket that waits for acknowledgements, nf_tables
//! batches and the two rtnetlink messages of policy routing.

pub mod message;
pub mod nft;
pub mod route;
pub mod socket;

/// An IP version, as the address family netlink messages carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpFamily {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl IpFamily {
    /// `AF_INET` / `AF_INET6`.
    pub fn af(self) -> u8 {
        match self {
            IpFamily::V4 => libc::AF_INET as u8,
            IpFamily::V6 => libc::AF_INET6 as u8,
        }
    }

    /// `NFPROTO_IPV4` / `NFPROTO_IPV6` (the same numbers as the address families).
    pub fn nfproto(self) -> u8 {
        self.af()
    }
}
