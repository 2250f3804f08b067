//! What a captured DNS query gets, by the allow list and the internet
//! setting (as the official image answers):
//!
//! - internet off: an allowed name gets the synthetic address, any other
//!   `NXDOMAIN`;
//! - internet on: the query goes to the resolver it was sent to; an
//!   `NXDOMAIN` for an allowed name becomes the synthetic answer, so names
//!   only a Worker serves (`my.kv`) still resolve.
//!
//! The synthetic answer is `11.0.0.1` (A) and `fd00::1` (AAAA), TTL 60,
//! authoritative; a connection there is captured like any other and
//! workerd routes it by the name in its SNI or `Host`.

use std::net::{Ipv4Addr, Ipv6Addr};

use hickory_proto::op::{Message, MessageType, Metadata, ResponseCode};
use hickory_proto::rr::rdata::{A, AAAA};
use hickory_proto::rr::{RData, Record, RecordType};

use crate::config::EgressConfig;

/// The synthetic IPv4 answer.
pub const SYNTHETIC_V4: Ipv4Addr = Ipv4Addr::new(11, 0, 0, 1);
/// The synthetic IPv6 answer.
pub const SYNTHETIC_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 1);
/// TTL of the synthetic answer.
const TTL: u32 = 60;

/// A query we can answer or forward.
#[derive(Debug)]
pub struct Query {
    message: Message,
    /// The first question's name: lowercase, without the trailing dot.
    pub name: String,
}

/// What to do with a query.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// Send this synthetic answer back.
    Synthetic(Vec<u8>),
    /// Send this `NXDOMAIN` back.
    NxDomain(Vec<u8>),
    /// Ask the upstream resolver, then pass its answer to [`Query::after_upstream`].
    Forward,
}

impl Query {
    /// Parses a query with at least one question.
    pub fn parse(bytes: &[u8]) -> Result<Query, String> {
        let message = Message::from_vec(bytes).map_err(|e| format!("not a DNS message: {e}"))?;
        if message.metadata.message_type != MessageType::Query {
            return Err("a DNS response, not a query".to_string());
        }
        let name = message.queries.first().ok_or("a DNS query without a question")?.name().to_ascii();
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        Ok(Query { message, name })
    }

    /// What `config` makes of this query.
    pub fn plan(&self, config: &EgressConfig) -> Plan {
        match (config.internet, config.allows(&self.name)) {
            (true, _) => Plan::Forward,
            (false, true) => Plan::Synthetic(self.synthetic()),
            (false, false) => Plan::NxDomain(self.nxdomain()),
        }
    }

    /// The upstream's `reply`, unless it says `NXDOMAIN` for a name
    /// `config` allows: then the synthetic answer.
    pub fn after_upstream(&self, reply: Vec<u8>, config: &EgressConfig) -> Vec<u8> {
        let nxdomain = Message::from_vec(&reply).is_ok_and(|m| m.metadata.response_code == ResponseCode::NXDomain);
        if nxdomain && config.allows(&self.name) {
            self.synthetic()
        } else {
            reply
        }
    }

    /// `NXDOMAIN`, not authoritative, no recursion offered.
    fn nxdomain(&self) -> Vec<u8> {
        let mut reply = self.reply();
        reply.metadata.response_code = ResponseCode::NXDomain;
        encode(&reply)
    }

    /// The synthetic address for A, AAAA and ANY; no data for other types.
    fn synthetic(&self) -> Vec<u8> {
        let mut reply = self.reply();
        reply.metadata.authoritative = true;
        let question = &self.message.queries[0];
        let name = question.name().clone();
        let (a, aaaa) = match question.query_type() {
            RecordType::A => (true, false),
            RecordType::AAAA => (false, true),
            RecordType::ANY => (true, true),
            _ => (false, false),
        };
        if a {
            reply.add_answer(Record::from_rdata(name.clone(), TTL, RData::A(A(SYNTHETIC_V4))));
        }
        if aaaa {
            reply.add_answer(Record::from_rdata(name, TTL, RData::AAAA(AAAA(SYNTHETIC_V6))));
        }
        encode(&reply)
    }

    /// A response to this query with its questions and nothing else.
    fn reply(&self) -> Message {
        let mut reply = Message::new(self.message.metadata.id, MessageType::Response, self.message.metadata.op_code);
        reply.metadata = Metadata::response_from_request(&self.message.metadata);
        reply.add_queries(self.message.queries.clone());
        reply
    }
}

fn encode(message: &Message) -> Vec<u8> {
    // Only a name longer than DNS allows fails to encode, and such a name
    // could not have been parsed from the query.
    message.to_vec().expect("a response built from a parsed query encodes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{OpCode, Query as Question};
    use hickory_proto::rr::Name;
    use std::str::FromStr;

    fn query(name: &str, kind: RecordType) -> Vec<u8> {
        let mut m = Message::new(0x1234, MessageType::Query, OpCode::Query);
        m.metadata.recursion_desired = true;
        m.add_query(Question::query(Name::from_str(name).unwrap(), kind));
        m.to_vec().unwrap()
    }

    fn config(internet: bool, allow: &[&str]) -> EgressConfig {
        EgressConfig { port: 1, internet, allow_hostnames: allow.iter().map(|s| s.to_string()).collect() }
    }

    fn answer(plan: Plan) -> Message {
        match plan {
            Plan::Synthetic(bytes) | Plan::NxDomain(bytes) => Message::from_vec(&bytes).unwrap(),
            Plan::Forward => panic!("forwarded"),
        }
    }

    fn addresses(m: &Message) -> Vec<String> {
        m.answers.iter().map(|r| r.data.to_string()).collect()
    }

    #[test]
    fn with_the_internet_off_an_allowed_name_gets_the_synthetic_address() {
        let q = Query::parse(&query("Api.Example.com.", RecordType::A)).unwrap();
        assert_eq!(q.name, "api.example.com");
        let m = answer(q.plan(&config(false, &["*.example.com"])));
        assert_eq!(m.metadata.id, 0x1234);
        assert_eq!(m.metadata.message_type, MessageType::Response);
        assert!(m.metadata.authoritative && !m.metadata.recursion_available && m.metadata.recursion_desired);
        assert_eq!(m.metadata.response_code, ResponseCode::NoError);
        assert_eq!(m.queries.len(), 1);
        assert_eq!(addresses(&m), vec!["11.0.0.1"]);
        assert_eq!(m.answers[0].ttl, 60);
    }

    #[test]
    fn the_synthetic_answer_follows_the_question_type() {
        let allow_all = config(false, &["*"]);
        let aaaa = answer(Query::parse(&query("a.example.", RecordType::AAAA)).unwrap().plan(&allow_all));
        assert_eq!(addresses(&aaaa), vec!["fd00::1"]);
        let any = answer(Query::parse(&query("a.example.", RecordType::ANY)).unwrap().plan(&allow_all));
        assert_eq!(addresses(&any), vec!["11.0.0.1", "fd00::1"]);
        let mx = answer(Query::parse(&query("a.example.", RecordType::MX)).unwrap().plan(&allow_all));
        assert!(mx.answers.is_empty());
        assert_eq!(mx.metadata.response_code, ResponseCode::NoError);
    }

    #[test]
    fn with_the_internet_off_any_other_name_does_not_exist() {
        let q = Query::parse(&query("other.example.", RecordType::A)).unwrap();
        let m = answer(q.plan(&config(false, &["*.example.com", "allowed.example"])));
        assert_eq!(m.metadata.response_code, ResponseCode::NXDomain);
        assert!(m.answers.is_empty() && !m.metadata.authoritative);
        let none = answer(q.plan(&config(false, &[])));
        assert_eq!(none.metadata.response_code, ResponseCode::NXDomain, "an empty allow list allows nothing");
    }

    #[test]
    fn with_the_internet_on_every_query_is_forwarded() {
        let q = Query::parse(&query("other.example.", RecordType::A)).unwrap();
        assert_eq!(q.plan(&config(true, &[])), Plan::Forward);
    }

    #[test]
    fn an_upstream_nxdomain_becomes_the_synthetic_answer_only_for_an_allowed_name() {
        let q = Query::parse(&query("my.kv.", RecordType::A)).unwrap();
        let mut nx = Message::response(0x1234, OpCode::Query);
        nx.metadata.response_code = ResponseCode::NXDomain;
        let nx = nx.to_vec().unwrap();
        let replaced = Message::from_vec(&q.after_upstream(nx.clone(), &config(true, &["my.kv"]))).unwrap();
        assert_eq!(addresses(&replaced), vec!["11.0.0.1"]);
        assert_eq!(q.after_upstream(nx.clone(), &config(true, &["other.kv"])), nx, "not allowed: passed on");
        let found = answer(Query::parse(&query("my.kv.", RecordType::A)).unwrap().plan(&config(false, &["*"])));
        let found = found.to_vec().unwrap();
        assert_eq!(q.after_upstream(found.clone(), &config(true, &["my.kv"])), found, "an answer is passed on");
    }

    #[test]
    fn what_is_not_a_query_is_refused() {
        assert!(Query::parse(b"\x00\x01").is_err());
        let response = Message::response(1, OpCode::Query).to_vec().unwrap();
        assert!(Query::parse(&response).is_err());
        let empty = Message::new(1, MessageType::Query, OpCode::Query).to_vec().unwrap();
        assert!(Query::parse(&empty).is_err());
    }
}
