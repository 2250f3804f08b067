//! nf_tables messages (`linux/netfilter/nf_tables.h`, `nfnetlink.h`): a
//! batch (`NFNL_MSG_BATCH_BEGIN` .. `END`) of table, chain and rule
//! messages that the kernel applies as one transaction, and the few
//! expressions our rules use. Attributes are written in the order libnftnl
//! writes them, so each message's payload is byte for byte what `nft -f`
//! sends for the same rule (capture::rules's tests hold it to captures of
//! nft 1.0.6); only the flags differ, as every message asks for an
//! acknowledgement.

use std::net::IpAddr;

use super::message::{Message, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_REQUEST};
use super::IpFamily;

const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
const NFNL_MSG_BATCH_END: u16 = 0x11;
const NFNETLINK_V0: u8 = 0;
/// `NFPROTO_INET`: a table for IPv4 and IPv6 at once.
const NFPROTO_INET: u8 = 1;

const NFT_MSG_NEWTABLE: u16 = 0;
const NFT_MSG_DELTABLE: u16 = 2;
const NFT_MSG_NEWCHAIN: u16 = 3;
const NFT_MSG_NEWRULE: u16 = 6;

const NFTA_TABLE_NAME: u16 = 1;
const NFTA_TABLE_FLAGS: u16 = 2;
const NFTA_CHAIN_TABLE: u16 = 1;
const NFTA_CHAIN_NAME: u16 = 3;
const NFTA_CHAIN_HOOK: u16 = 4;
const NFTA_CHAIN_POLICY: u16 = 5;
const NFTA_CHAIN_TYPE: u16 = 7;
const NFTA_HOOK_HOOKNUM: u16 = 1;
const NFTA_HOOK_PRIORITY: u16 = 2;
const NFTA_RULE_TABLE: u16 = 1;
const NFTA_RULE_CHAIN: u16 = 2;
const NFTA_RULE_EXPRESSIONS: u16 = 4;
const NFTA_LIST_ELEM: u16 = 1;
const NFTA_EXPR_NAME: u16 = 1;
const NFTA_EXPR_DATA: u16 = 2;
const NFTA_DATA_VALUE: u16 = 1;
const NFTA_DATA_VERDICT: u16 = 2;
const NFTA_VERDICT_CODE: u16 = 1;

const NFTA_META_DREG: u16 = 1;
const NFTA_META_KEY: u16 = 2;
const NFTA_META_SREG: u16 = 3;
const NFTA_CMP_SREG: u16 = 1;
const NFTA_CMP_OP: u16 = 2;
const NFTA_CMP_DATA: u16 = 3;
const NFT_CMP_EQ: u32 = 0;
const NFTA_PAYLOAD_DREG: u16 = 1;
const NFTA_PAYLOAD_BASE: u16 = 2;
const NFTA_PAYLOAD_OFFSET: u16 = 3;
const NFTA_PAYLOAD_LEN: u16 = 4;
const NFTA_CT_DREG: u16 = 1;
const NFTA_CT_KEY: u16 = 2;
const NFT_CT_DIRECTION: u32 = 1;
const NFTA_IMMEDIATE_DREG: u16 = 1;
const NFTA_IMMEDIATE_DATA: u16 = 2;
const NFTA_TPROXY_FAMILY: u16 = 1;
const NFTA_TPROXY_REG_ADDR: u16 = 2;
const NFTA_TPROXY_REG_PORT: u16 = 3;
const NFTA_REDIR_REG_PROTO_MIN: u16 = 1;
const NFTA_REDIR_FLAGS: u16 = 3;
/// `NF_NAT_RANGE_PROTO_SPECIFIED`: the redirect names a port.
const NF_NAT_RANGE_PROTO_SPECIFIED: u32 = 2;

/// `NF_ACCEPT`, as a verdict and as a chain policy.
const NF_ACCEPT: u32 = 1;
/// `NFT_RETURN` (-5).
const NFT_RETURN: u32 = -5i32 as u32;

/// `NFT_REG_VERDICT`.
const REG_VERDICT: u32 = 0;
/// `NFT_REG_1`, where every load and compare of ours happens.
const REG_1: u32 = 1;
/// `NFT_REG_2`, the tproxy port.
const REG_2: u32 = 2;

/// A netfilter hook a base chain attaches to.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Hook {
    /// `NF_INET_PRE_ROUTING`.
    Prerouting = 0,
    /// `NF_INET_LOCAL_OUT`.
    Output = 3,
}

/// The type of a base chain.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ChainType {
    /// Filtering (and tproxy, which only prerouting allows).
    Filter,
    /// Output filtering that routes the packet again when its mark changed.
    Route,
    /// Address translation, seen by the first packet of each connection.
    Nat,
}

impl ChainType {
    fn name(self) -> &'static str {
        match self {
            ChainType::Filter => "filter",
            ChainType::Route => "route",
            ChainType::Nat => "nat",
        }
    }
}

/// A base chain with the accept policy.
#[derive(Clone, Debug)]
pub struct Chain {
    /// The chain's name in its table.
    pub name: &'static str,
    /// What the chain may do.
    pub kind: ChainType,
    /// Where it attaches.
    pub hook: Hook,
    /// Its priority at the hook (mangle is -150, dstnat -100).
    pub priority: i32,
}

/// A `meta` key.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MetaKey {
    /// `NFT_META_MARK`: the packet mark (native-endian u32).
    Mark = 3,
    /// `NFT_META_NFPROTO`: the netfilter family (one byte).
    Nfproto = 15,
    /// `NFT_META_L4PROTO`: the transport protocol (one byte).
    L4proto = 16,
}

/// Where a `payload` offset counts from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PayloadBase {
    /// `NFT_PAYLOAD_NETWORK_HEADER`.
    Network = 1,
    /// `NFT_PAYLOAD_TRANSPORT_HEADER`.
    Transport = 2,
}

/// A terminal verdict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    /// Let the packet go on (the rest of this hook's chains still see it).
    Accept,
    /// Leave this chain; the base chain's policy (accept) applies.
    Return,
}

/// One nf_tables expression. Loads go to register 1 and compares read it;
/// the tproxy target takes its address from register 1 and its port from
/// register 2, a redirect its port from register 1.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// `meta load <key> => reg 1`.
    Meta(MetaKey),
    /// `meta set <key> with reg 1`.
    SetMeta(MetaKey),
    /// `ct load direction => reg 1` (one byte: 0 original, 1 reply).
    CtDirection,
    /// `payload load <len>b @ <base> + <offset> => reg 1`.
    Payload { base: PayloadBase, offset: u32, len: u32 },
    /// `cmp eq reg 1 <value>`.
    CmpEq(Vec<u8>),
    /// `immediate reg <1|2> <value>`.
    Load { reg2: bool, value: Vec<u8> },
    /// `immediate reg 0 <verdict>`.
    Verdict(Verdict),
    /// `tproxy <family> addr reg 1 port reg 2`.
    Tproxy(IpFamily),
    /// `redir proto_min reg 1`, with the port-specified flag.
    Redirect,
}

impl Expr {
    /// `immediate` loads of a tproxy target: the address into register 1,
    /// the port into register 2.
    pub fn tproxy_target(addr: IpAddr, port: u16) -> [Expr; 2] {
        let addr = match addr {
            IpAddr::V4(a) => a.octets().to_vec(),
            IpAddr::V6(a) => a.octets().to_vec(),
        };
        [Expr::Load { reg2: false, value: addr }, Expr::Load { reg2: true, value: port.to_be_bytes().to_vec() }]
    }

    fn name(&self) -> &'static str {
        match self {
            Expr::Meta(_) | Expr::SetMeta(_) => "meta",
            Expr::CtDirection => "ct",
            Expr::Payload { .. } => "payload",
            Expr::CmpEq(_) => "cmp",
            Expr::Load { .. } | Expr::Verdict(_) => "immediate",
            Expr::Tproxy(_) => "tproxy",
            Expr::Redirect => "redir",
        }
    }

    fn encode(&self, m: &mut Message) {
        match self {
            Expr::Meta(key) => {
                m.attr_be32(NFTA_META_KEY, *key as u32).attr_be32(NFTA_META_DREG, REG_1);
            }
            Expr::SetMeta(key) => {
                m.attr_be32(NFTA_META_KEY, *key as u32).attr_be32(NFTA_META_SREG, REG_1);
            }
            Expr::CtDirection => {
                m.attr_be32(NFTA_CT_KEY, NFT_CT_DIRECTION).attr_be32(NFTA_CT_DREG, REG_1);
            }
            Expr::Payload { base, offset, len } => {
                m.attr_be32(NFTA_PAYLOAD_DREG, REG_1)
                    .attr_be32(NFTA_PAYLOAD_BASE, *base as u32)
                    .attr_be32(NFTA_PAYLOAD_OFFSET, *offset)
                    .attr_be32(NFTA_PAYLOAD_LEN, *len);
            }
            Expr::CmpEq(value) => {
                m.attr_be32(NFTA_CMP_SREG, REG_1).attr_be32(NFTA_CMP_OP, NFT_CMP_EQ).nested(NFTA_CMP_DATA, |d| {
                    d.attr(NFTA_DATA_VALUE, value);
                });
            }
            Expr::Load { reg2, value } => {
                m.attr_be32(NFTA_IMMEDIATE_DREG, if *reg2 { REG_2 } else { REG_1 }).nested(NFTA_IMMEDIATE_DATA, |d| {
                    d.attr(NFTA_DATA_VALUE, value);
                });
            }
            Expr::Verdict(verdict) => {
                let code = match verdict {
                    Verdict::Accept => NF_ACCEPT,
                    Verdict::Return => NFT_RETURN,
                };
                m.attr_be32(NFTA_IMMEDIATE_DREG, REG_VERDICT).nested(NFTA_IMMEDIATE_DATA, |d| {
                    d.nested(NFTA_DATA_VERDICT, |v| {
                        v.attr_be32(NFTA_VERDICT_CODE, code);
                    });
                });
            }
            Expr::Tproxy(family) => {
                m.attr_be32(NFTA_TPROXY_FAMILY, family.nfproto() as u32)
                    .attr_be32(NFTA_TPROXY_REG_ADDR, REG_1)
                    .attr_be32(NFTA_TPROXY_REG_PORT, REG_2);
            }
            Expr::Redirect => {
                m.attr_be32(NFTA_REDIR_REG_PROTO_MIN, REG_1).attr_be32(NFTA_REDIR_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
            }
        }
    }
}

/// An nf_tables transaction under construction: every message asks for an
/// acknowledgement, and each remembers what it was for, so a refusal can
/// name the rule the kernel did not take.
pub struct Batch {
    bytes: Vec<u8>,
    next_seq: u32,
    purposes: Vec<(u32, String)>,
}

impl Batch {
    /// An empty batch whose messages are numbered from `first_seq`.
    pub fn new(first_seq: u32) -> Batch {
        let mut batch = Batch { bytes: Vec::new(), next_seq: first_seq, purposes: Vec::new() };
        let seq = batch.take_seq();
        batch.bytes.extend(batch_marker(NFNL_MSG_BATCH_BEGIN, seq));
        batch
    }

    /// Creates `table` afresh: an old one of that name (from an earlier
    /// run in this network namespace) goes, with its chains and rules, in
    /// the same transaction.
    pub fn replace_table(&mut self, table: &str) {
        self.push(NFT_MSG_NEWTABLE, NLM_F_CREATE, format!("table inet {table}"), |m| {
            m.attr_str(NFTA_TABLE_NAME, table).attr_be32(NFTA_TABLE_FLAGS, 0);
        });
        self.push(NFT_MSG_DELTABLE, 0, format!("delete of the old table inet {table}"), |m| {
            m.attr_str(NFTA_TABLE_NAME, table);
        });
        self.push(NFT_MSG_NEWTABLE, NLM_F_CREATE, format!("table inet {table}"), |m| {
            m.attr_str(NFTA_TABLE_NAME, table).attr_be32(NFTA_TABLE_FLAGS, 0);
        });
    }

    /// Adds a base chain to `table`.
    pub fn add_chain(&mut self, table: &str, chain: &Chain) {
        let purpose = format!(
            "chain {} (type {} hook {:?} priority {})",
            chain.name,
            chain.kind.name(),
            chain.hook,
            chain.priority
        );
        self.push(NFT_MSG_NEWCHAIN, NLM_F_CREATE, purpose, |m| {
            m.attr_str(NFTA_CHAIN_TABLE, table)
                .attr_str(NFTA_CHAIN_NAME, chain.name)
                .attr_str(NFTA_CHAIN_TYPE, chain.kind.name())
                .attr_be32(NFTA_CHAIN_POLICY, NF_ACCEPT)
                .nested(NFTA_CHAIN_HOOK, |h| {
                    h.attr_be32(NFTA_HOOK_HOOKNUM, chain.hook as u32)
                        .attr_be32(NFTA_HOOK_PRIORITY, chain.priority as u32);
                });
        });
    }

    /// Appends a rule of `exprs` to `chain`; `purpose` says what it does.
    pub fn add_rule(&mut self, table: &str, chain: &str, exprs: &[Expr], purpose: String) {
        self.push(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, purpose, |m| {
            m.attr_str(NFTA_RULE_TABLE, table).attr_str(NFTA_RULE_CHAIN, chain).nested(NFTA_RULE_EXPRESSIONS, |list| {
                for expr in exprs {
                    list.nested(NFTA_LIST_ELEM, |e| {
                        e.attr_str(NFTA_EXPR_NAME, expr.name()).nested(NFTA_EXPR_DATA, |data| expr.encode(data));
                    });
                }
            });
        });
    }

    /// The batch's bytes, and the sequence number and purpose of every
    /// message that the kernel acknowledges.
    pub fn finish(mut self) -> (Vec<u8>, Vec<(u32, String)>) {
        let seq = self.take_seq();
        self.bytes.extend(batch_marker(NFNL_MSG_BATCH_END, seq));
        (self.bytes, self.purposes)
    }

    fn push(&mut self, kind: u16, flags: u16, purpose: String, fill: impl FnOnce(&mut Message)) {
        let seq = self.take_seq();
        let mut msg = Message::new(NFNL_SUBSYS_NFTABLES << 8 | kind, NLM_F_REQUEST | NLM_F_ACK | flags, seq);
        msg.fixed(&nfgenmsg(NFPROTO_INET, 0));
        fill(&mut msg);
        self.bytes.extend(msg.finish());
        self.purposes.push((seq, purpose));
    }

    fn take_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }
}

/// `struct nfgenmsg`: family, version, resource id (big-endian).
fn nfgenmsg(family: u8, res_id: u16) -> [u8; 4] {
    let id = res_id.to_be_bytes();
    [family, NFNETLINK_V0, id[0], id[1]]
}

/// A batch begin or end; its resource id names the nf_tables subsystem.
fn batch_marker(kind: u16, seq: u32) -> Vec<u8> {
    let mut msg = Message::new(kind, NLM_F_REQUEST, seq);
    msg.fixed(&nfgenmsg(libc::AF_UNSPEC as u8, NFNL_SUBSYS_NFTABLES));
    msg.finish()
}

#[cfg(test)]
mod tests {
    use super::super::message::split;
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn a_batch_is_framed_by_begin_and_end_addressed_to_nf_tables() {
        let (bytes, purposes) = Batch::new(10).finish();
        let msgs = split(&bytes);
        assert_eq!(msgs.len(), 2);
        assert_eq!((msgs[0].0, msgs[0].1, hex(&msgs[0].2)), (0x10, NLM_F_REQUEST, "0000000a".to_string()));
        assert_eq!((msgs[1].0, msgs[1].1, hex(&msgs[1].2)), (0x11, NLM_F_REQUEST, "0000000a".to_string()));
        assert!(purposes.is_empty(), "begin and end are not acknowledged one by one");
    }

    #[test]
    fn replacing_a_table_creates_deletes_and_creates_it_in_one_transaction() {
        let mut batch = Batch::new(1);
        batch.replace_table("t");
        let (bytes, purposes) = batch.finish();
        let kinds: Vec<u16> = split(&bytes).iter().map(|m| m.0).collect();
        assert_eq!(kinds, vec![0x10, 0x0a00, 0x0a02, 0x0a00, 0x11]);
        let seqs: Vec<u32> = purposes.iter().map(|p| p.0).collect();
        assert_eq!(seqs, vec![2, 3, 4]);
    }

    #[test]
    fn every_message_asks_for_an_acknowledgement() {
        let mut batch = Batch::new(1);
        batch.replace_table("t");
        batch.add_chain("t", &Chain { name: "c", kind: ChainType::Filter, hook: Hook::Prerouting, priority: -150 });
        batch.add_rule("t", "c", &[Expr::Verdict(Verdict::Accept)], "accept".into());
        let (bytes, _) = batch.finish();
        let msgs = split(&bytes);
        for (kind, flags, _) in &msgs[1..msgs.len() - 1] {
            assert_eq!(flags & NLM_F_ACK, NLM_F_ACK, "message {kind:#x}");
        }
    }

    #[test]
    fn a_negative_priority_is_sent_as_its_twos_complement() {
        let mut batch = Batch::new(1);
        batch.add_chain("t", &Chain { name: "c", kind: ChainType::Nat, hook: Hook::Output, priority: -100 });
        let (bytes, _) = batch.finish();
        let chain = &split(&bytes)[1].2;
        // NFTA_CHAIN_HOOK { HOOKNUM 3, PRIORITY -100 }, the chain's last attribute.
        assert_eq!(hex(&chain[chain.len() - 20..]), "14000480080001000000000308000200ffffff9c");
    }
}
