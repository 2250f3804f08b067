//! The nf_tables rules of each capture mode, as typed rules that print as
//! the nft syntax they stand for and compile to netlink expressions.
//!
//! Exempt (never captured): packets of the reply direction (answers to
//! connections made to the app, and our own answers to captured flows),
//! packets carrying the bypass mark (the sidecar's own dials) and packets
//! to loopback. Nothing else: not the Docker bridge subnet, not the
//! gateway's /24, not the addresses of this namespace's interfaces. Other
//! containers are reached through workerd like any address, so turning the
//! internet off cuts them off too.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use crate::netlink::nft::{Batch, Chain, ChainType, Expr, Hook, MetaKey, PayloadBase, Verdict};
use crate::netlink::IpFamily;

use super::{Mode, Scope, BYPASS_MARK, CAPTURE_MARK, TABLE};

/// `IPPROTO_TCP`.
const TCP: u8 = 6;
/// `IPPROTO_UDP`.
const UDP: u8 = 17;
/// The DNS port.
const DNS_PORT: u16 = 53;
/// Netfilter priority of mangle, where the official image's rules sit.
const PRIORITY_MANGLE: i32 = -150;
/// Netfilter priority of destination NAT.
const PRIORITY_DSTNAT: i32 = -100;

/// Output chain of tproxy mode: marks what the app sends, so policy
/// routing loops it back through `lo`.
const OUTPUT: Chain = Chain { name: "output", kind: ChainType::Route, hook: Hook::Output, priority: PRIORITY_MANGLE };
/// Prerouting chain of tproxy mode: hands the looped-back packets to our sockets.
const PREROUTING: Chain =
    Chain { name: "prerouting", kind: ChainType::Filter, hook: Hook::Prerouting, priority: PRIORITY_MANGLE };
/// Output chain of redirect mode: rewrites the destination to our sockets.
const OUTPUT_NAT: Chain =
    Chain { name: "output_nat", kind: ChainType::Nat, hook: Hook::Output, priority: PRIORITY_DSTNAT };

/// What is captured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Flow {
    /// Every TCP connection.
    Tcp,
    /// UDP to port 53.
    Dns,
}

/// One rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Leave reply-direction packets alone.
    SkipReplies,
    /// Leave packets with the bypass mark alone.
    SkipBypassMark,
    /// Leave packets to loopback alone.
    SkipLoopback(IpFamily),
    /// Mark a flow for the policy route that loops it back.
    Mark(IpFamily, Flow),
    /// Hand a marked, looped-back flow to our transparent socket.
    Tproxy(IpFamily, Flow, SocketAddr),
    /// Rewrite a flow's destination to our socket on loopback.
    Redirect(IpFamily, Flow, u16),
}

impl Rule {
    /// The rule's expressions, as nft compiles the same rule.
    pub fn exprs(&self) -> Vec<Expr> {
        let mut exprs = Vec::new();
        match self {
            Rule::SkipReplies => {
                exprs.extend([Expr::CtDirection, Expr::CmpEq(vec![1])]);
                exprs.push(Expr::Verdict(Verdict::Return));
            }
            Rule::SkipBypassMark => {
                exprs.extend(mark_is(BYPASS_MARK));
                exprs.push(Expr::Verdict(Verdict::Return));
            }
            Rule::SkipLoopback(family) => {
                exprs.extend(family_is(*family));
                // 127.0.0.0/8 is its first byte; ::1 all sixteen.
                let (offset, value) = match family {
                    IpFamily::V4 => (16, vec![127]),
                    IpFamily::V6 => (24, std::net::Ipv6Addr::LOCALHOST.octets().to_vec()),
                };
                exprs.push(Expr::Payload { base: PayloadBase::Network, offset, len: value.len() as u32 });
                exprs.push(Expr::CmpEq(value));
                exprs.push(Expr::Verdict(Verdict::Return));
            }
            Rule::Mark(family, flow) => {
                exprs.extend(family_is(*family));
                exprs.extend(flow_is(*flow));
                exprs.push(Expr::Load { reg2: false, value: CAPTURE_MARK.to_ne_bytes().to_vec() });
                exprs.push(Expr::SetMeta(MetaKey::Mark));
            }
            Rule::Tproxy(family, flow, to) => {
                exprs.extend(mark_is(CAPTURE_MARK));
                exprs.extend(family_is(*family));
                exprs.extend(flow_is(*flow));
                exprs.extend(Expr::tproxy_target(to.ip(), to.port()));
                exprs.push(Expr::Tproxy(*family));
                exprs.push(Expr::Verdict(Verdict::Accept));
            }
            Rule::Redirect(family, flow, port) => {
                exprs.extend(family_is(*family));
                exprs.extend(flow_is(*flow));
                exprs.push(Expr::Load { reg2: false, value: port.to_be_bytes().to_vec() });
                exprs.push(Expr::Redirect);
            }
        }
        exprs
    }
}

fn mark_is(mark: u32) -> [Expr; 2] {
    // The mark is a host-order u32 to nf_tables.
    [Expr::Meta(MetaKey::Mark), Expr::CmpEq(mark.to_ne_bytes().to_vec())]
}

fn family_is(family: IpFamily) -> [Expr; 2] {
    [Expr::Meta(MetaKey::Nfproto), Expr::CmpEq(vec![family.nfproto()])]
}

fn flow_is(flow: Flow) -> Vec<Expr> {
    match flow {
        Flow::Tcp => vec![Expr::Meta(MetaKey::L4proto), Expr::CmpEq(vec![TCP])],
        Flow::Dns => vec![
            Expr::Meta(MetaKey::L4proto),
            Expr::CmpEq(vec![UDP]),
            Expr::Payload { base: PayloadBase::Transport, offset: 2, len: 2 },
            Expr::CmpEq(DNS_PORT.to_be_bytes().to_vec()),
        ],
    }
}

fn nft_family(family: IpFamily) -> &'static str {
    match family {
        IpFamily::V4 => "ipv4",
        IpFamily::V6 => "ipv6",
    }
}

fn nft_flow(flow: Flow) -> &'static str {
    match flow {
        Flow::Tcp => "meta l4proto tcp",
        Flow::Dns => "meta l4proto udp udp dport 53",
    }
}

impl fmt::Display for Rule {
    /// The rule in nft syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::SkipReplies => write!(f, "ct direction reply return"),
            Rule::SkipBypassMark => write!(f, "meta mark {BYPASS_MARK} return"),
            Rule::SkipLoopback(IpFamily::V4) => write!(f, "meta nfproto ipv4 ip daddr 127.0.0.0/8 return"),
            Rule::SkipLoopback(IpFamily::V6) => write!(f, "meta nfproto ipv6 ip6 daddr ::1 return"),
            Rule::Mark(family, flow) => {
                write!(f, "meta nfproto {} {} meta mark set {CAPTURE_MARK}", nft_family(*family), nft_flow(*flow))
            }
            Rule::Tproxy(family, flow, to) => {
                let (kind, addr) = match to.ip() {
                    IpAddr::V4(a) => ("ip", a.to_string()),
                    IpAddr::V6(a) => ("ip6", format!("[{a}]")),
                };
                write!(
                    f,
                    "meta mark {CAPTURE_MARK} meta nfproto {} {} tproxy {kind} to {addr}:{} accept",
                    nft_family(*family),
                    nft_flow(*flow),
                    to.port()
                )
            }
            Rule::Redirect(family, flow, port) => {
                write!(f, "meta nfproto {} {} redirect to :{port}", nft_family(*family), nft_flow(*flow))
            }
        }
    }
}

/// The chains of `mode` and the rules of each, for `scope`.
pub fn ruleset(mode: Mode, scope: &Scope) -> Vec<(Chain, Vec<Rule>)> {
    let flows: Vec<Flow> = if scope.dns { vec![Flow::Tcp, Flow::Dns] } else { vec![Flow::Tcp] };
    let skips = |rules: &mut Vec<Rule>| {
        rules.push(Rule::SkipBypassMark);
        rules.extend(scope.families.iter().map(|f| Rule::SkipLoopback(*f)));
    };
    match mode {
        Mode::Tproxy => {
            let mut output = vec![Rule::SkipReplies];
            skips(&mut output);
            let mut prerouting = Vec::new();
            for family in &scope.families {
                for flow in &flows {
                    output.push(Rule::Mark(*family, *flow));
                    prerouting.push(Rule::Tproxy(*family, *flow, mode.listen_addr(*family, *flow)));
                }
            }
            vec![(OUTPUT, output), (PREROUTING, prerouting)]
        }
        Mode::Redirect => {
            // NAT chains see only the first packet of a connection, always
            // in the original direction: no reply rule is needed.
            let mut output = Vec::new();
            skips(&mut output);
            for family in &scope.families {
                for flow in &flows {
                    output.push(Rule::Redirect(*family, *flow, mode.listen_addr(*family, *flow).port()));
                }
            }
            vec![(OUTPUT_NAT, output)]
        }
    }
}

/// The nf_tables transaction that installs `ruleset`, replacing an older
/// table of ours.
pub fn batch(ruleset: &[(Chain, Vec<Rule>)], first_seq: u32) -> (Vec<u8>, Vec<(u32, String)>) {
    let mut batch = Batch::new(first_seq);
    batch.replace_table(TABLE);
    for (chain, _) in ruleset {
        batch.add_chain(TABLE, chain);
    }
    for (chain, rules) in ruleset {
        for rule in rules {
            batch.add_rule(TABLE, chain.name, &rule.exprs(), format!("rule `{rule}` in chain {}", chain.name));
        }
    }
    batch.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netlink::message::split;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// (message name, payload hex) of a capture of `nft -f` (nftables
    /// 1.0.6 with libnftnl 1.2.4, Debian 12) loading the rules the
    /// fixture's header comment shows, with how it was captured.
    fn fixture(text: &str) -> Vec<(String, String)> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                let mut parts = l.split_whitespace();
                let name = parts.next().unwrap().to_string();
                let _flags = parts.next();
                (name, parts.next().unwrap().to_string())
            })
            .collect()
    }

    fn name(kind: u16) -> &'static str {
        match kind {
            0x10 => "BATCH_BEGIN",
            0x11 => "BATCH_END",
            0x0a00 => "NEWTABLE",
            0x0a02 => "DELTABLE",
            0x0a03 => "NEWCHAIN",
            0x0a06 => "NEWRULE",
            _ => "?",
        }
    }

    /// Our batch without the delete-and-recreate of the table (which nft
    /// does not send for `table ... { }`), as (name, payload hex).
    fn ours(mode: Mode, scope: &Scope) -> Vec<(String, String)> {
        let (bytes, _) = batch(&ruleset(mode, scope), 0);
        let mut msgs: Vec<(String, String)> =
            split(&bytes).into_iter().map(|(kind, _, payload)| (name(kind).to_string(), hex(&payload))).collect();
        assert_eq!(msgs[1].0, "NEWTABLE");
        assert_eq!(msgs[2].0, "DELTABLE");
        assert_eq!(msgs[3], msgs[1], "the table is created again as it was first");
        msgs.drain(2..4);
        msgs
    }

    fn both_families_with_dns() -> Scope {
        Scope { families: vec![IpFamily::V4, IpFamily::V6], dns: true }
    }

    #[test]
    fn the_tproxy_rules_are_byte_for_byte_what_nft_sends_for_them() {
        let expected = fixture(include_str!("fixtures/tproxy.txt"));
        let ours = ours(Mode::Tproxy, &both_families_with_dns());
        assert_eq!(ours.len(), expected.len());
        for (i, (got, want)) in ours.iter().zip(&expected).enumerate() {
            assert_eq!(got, want, "message {i}");
        }
    }

    #[test]
    fn the_redirect_rules_are_byte_for_byte_what_nft_sends_for_them() {
        let expected = fixture(include_str!("fixtures/redirect.txt"));
        let ours = ours(Mode::Redirect, &both_families_with_dns());
        assert_eq!(ours.len(), expected.len());
        for (i, (got, want)) in ours.iter().zip(&expected).enumerate() {
            assert_eq!(got, want, "message {i}");
        }
    }

    #[test]
    fn the_rules_print_as_the_nft_rules_of_the_fixture() {
        let printed: Vec<String> = ruleset(Mode::Tproxy, &both_families_with_dns())
            .iter()
            .flat_map(|(_, rules)| rules.iter().map(|r| r.to_string()))
            .collect();
        let source = include_str!("fixtures/tproxy.txt");
        for rule in &printed {
            assert!(source.contains(&format!("#     {rule}\n")), "{rule} is not in the fixture's nft source");
        }
        assert_eq!(printed.len(), 12);
    }

    #[test]
    fn without_ipv6_no_rule_matches_ipv6() {
        let scope = Scope { families: vec![IpFamily::V4], dns: true };
        for mode in [Mode::Tproxy, Mode::Redirect] {
            for (_, rules) in ruleset(mode, &scope) {
                for rule in rules {
                    assert!(!rule.to_string().contains("ipv6"), "{rule}");
                }
            }
        }
    }

    #[test]
    fn without_dns_udp_is_not_captured() {
        let scope = Scope { families: vec![IpFamily::V4, IpFamily::V6], dns: false };
        let rules: Vec<Rule> = ruleset(Mode::Tproxy, &scope).into_iter().flat_map(|(_, r)| r).collect();
        assert!(rules.iter().all(|r| !r.to_string().contains("udp")));
        assert!(rules.contains(&Rule::Mark(IpFamily::V6, Flow::Tcp)));
    }

    #[test]
    fn nothing_but_loopback_marks_and_replies_is_exempt() {
        let rules: Vec<Rule> =
            ruleset(Mode::Tproxy, &both_families_with_dns()).into_iter().flat_map(|(_, r)| r).collect();
        let exempt: Vec<&Rule> = rules.iter().filter(|r| r.to_string().ends_with(" return")).collect();
        assert_eq!(
            exempt,
            vec![
                &Rule::SkipReplies,
                &Rule::SkipBypassMark,
                &Rule::SkipLoopback(IpFamily::V4),
                &Rule::SkipLoopback(IpFamily::V6)
            ]
        );
    }
}
