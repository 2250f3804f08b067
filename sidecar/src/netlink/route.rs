//! rtnetlink messages (`linux/rtnetlink.h`, `linux/fib_rules.h`) for the
//! policy routing behind tproxy: `ip rule add fwmark M table T` and
//! `ip route add local default dev lo table T`, as iproute2 sends them.

use super::message::{Message, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST};
use super::IpFamily;

const RTM_NEWROUTE: u16 = 24;
const RTM_NEWRULE: u16 = 32;
const FRA_FWMARK: u16 = 10;
const FR_ACT_TO_TBL: u8 = 1;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTPROT_BOOT: u8 = 3;
const RT_SCOPE_UNIVERSE: u8 = 0;
const RT_SCOPE_HOST: u8 = 254;
const RTN_LOCAL: u8 = 2;
/// The loopback device is interface 1 in every network namespace
/// (`LOOPBACK_IFINDEX` in the kernel).
const LOOPBACK_IFINDEX: u32 = 1;

/// Flags of both messages: create, and say so if it already exists.
const FLAGS: u16 = NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL | NLM_F_CREATE;

/// `ip -4|-6 rule add fwmark <mark> table <table>`.
pub fn fwmark_rule(family: IpFamily, mark: u32, table: u8, seq: u32) -> Vec<u8> {
    let mut msg = Message::new(RTM_NEWRULE, FLAGS, seq);
    // struct fib_rule_hdr: family, dst_len, src_len, tos, table, res1, res2, action, flags (u32).
    msg.fixed(&[family.af(), 0, 0, 0, table, 0, 0, FR_ACT_TO_TBL, 0, 0, 0, 0]);
    msg.attr_ne32(FRA_FWMARK, mark);
    msg.finish()
}

/// `ip -4|-6 route add local default dev lo table <table>`: every
/// destination is local in that table, so a packet routed by it is
/// delivered on this host, where tproxy hands it to our socket.
pub fn local_default_route(family: IpFamily, table: u8, seq: u32) -> Vec<u8> {
    let mut msg = Message::new(RTM_NEWROUTE, FLAGS, seq);
    // iproute2 gives IPv4 local routes host scope and leaves IPv6 ones universal.
    let scope = match family {
        IpFamily::V4 => RT_SCOPE_HOST,
        IpFamily::V6 => RT_SCOPE_UNIVERSE,
    };
    // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (u32).
    msg.fixed(&[family.af(), 0, 0, 0, table, RTPROT_BOOT, scope, RTN_LOCAL, 0, 0, 0, 0]);
    let any = match family {
        IpFamily::V4 => vec![0; 4],
        IpFamily::V6 => vec![0; 16],
    };
    msg.attr(RTA_DST, &any);
    msg.attr_ne32(RTA_OIF, LOOPBACK_IFINDEX);
    msg.finish()
}

#[cfg(test)]
mod tests {
    use super::super::message::split;
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    // The payloads below are what iproute2 6.1 (Debian 12) sent for the
    // same commands, captured with `strace -e write=all` in a fresh
    // network namespace.

    #[test]
    fn the_fwmark_rule_is_what_ip_rule_add_sends() {
        let v4 = split(&fwmark_rule(IpFamily::V4, 1, 100, 9));
        assert_eq!((v4[0].0, v4[0].1), (RTM_NEWRULE, 0x605));
        assert_eq!(hex(&v4[0].2), "02000000640000010000000008000a0001000000");
        let v6 = split(&fwmark_rule(IpFamily::V6, 1, 100, 9));
        assert_eq!(hex(&v6[0].2), "0a000000640000010000000008000a0001000000");
    }

    #[test]
    fn the_local_default_route_is_what_ip_route_add_sends() {
        let v4 = split(&local_default_route(IpFamily::V4, 100, 9));
        assert_eq!((v4[0].0, v4[0].1), (RTM_NEWROUTE, 0x605));
        assert_eq!(hex(&v4[0].2), "020000006403fe020000000008000100000000000800040001000000");
        let v6 = split(&local_default_route(IpFamily::V6, 100, 9));
        assert_eq!(hex(&v6[0].2), "0a000000640300020000000014000100000000000000000000000000000000000800040001000000");
    }
}
