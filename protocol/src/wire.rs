//! What a call looks like on the wire, for both ends (and for anyone who
//! calls a container by hand): `POST {PATH_PREFIX}/<protocol>/<method>`
//! with [`PROTOCOL_HEADER`] `<protocol>/<fingerprint>` and the arguments
//! as a JSON array; the answer's [`OUTCOME_HEADER`] says how to read it.

use crate::fingerprint::Fingerprint;

/// The path every protocol call goes under: far from the paths a server
/// serves for people.
pub const PATH_PREFIX: &str = "/.cfcontainer/protocol";

/// The request header naming the protocol and the fingerprint the caller
/// was built with.
pub const PROTOCOL_HEADER: &str = "cfcontainer-protocol";

/// The answer header saying what the body is ([`Outcome`]).
pub const OUTCOME_HEADER: &str = "cfcontainer-outcome";

/// The content type of a streamed answer: one JSON item per line.
pub const NDJSON: &str = "application/x-ndjson";

/// A protocol as compiled into one side: what [`#[protocol]`](crate::protocol)
/// generates for a trait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Descriptor {
    /// The trait's name.
    pub name: &'static str,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
    /// Its methods' names, in the trait's order.
    pub methods: &'static [&'static str],
}

impl Descriptor {
    /// The path a call of `method` goes to.
    pub fn path(&self, method: &str) -> String {
        format!("{PATH_PREFIX}/{}/{method}", self.name)
    }

    /// The value of [`PROTOCOL_HEADER`] a caller sends.
    pub fn header(&self) -> String {
        format!("{}/{}", self.name, self.fingerprint)
    }
}

/// How an answer's body is to be read, from [`OUTCOME_HEADER`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The method's value (JSON), status 200.
    Ok,
    /// The method's own error (JSON), status 422.
    Err,
    /// Items, one JSON value per line, status 200.
    Stream,
    /// The server was built with another fingerprint: a [`Mismatch`]
    /// (JSON), status 409.
    Mismatch,
    /// The call itself is malformed (no or a bad protocol header,
    /// arguments that do not decode): a message, status 400.
    BadCall,
}

impl Outcome {
    /// The header's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Err => "err",
            Outcome::Stream => "stream",
            Outcome::Mismatch => "mismatch",
            Outcome::BadCall => "bad-call",
        }
    }

    /// The outcome a header's value names.
    pub fn parse(value: &str) -> Option<Outcome> {
        [Outcome::Ok, Outcome::Err, Outcome::Stream, Outcome::Mismatch, Outcome::BadCall]
            .into_iter()
            .find(|o| o.as_str() == value)
    }

    /// The HTTP status an answer with this outcome has.
    pub fn status(self) -> u16 {
        match self {
            Outcome::Ok | Outcome::Stream => 200,
            Outcome::Err => 422,
            Outcome::Mismatch => 409,
            Outcome::BadCall => 400,
        }
    }
}

/// The answer of a server built with another version of the protocol
/// than its caller: both fingerprints, so the mismatch is named instead of
/// surfacing as a decode error.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Mismatch {
    /// The protocol's name.
    pub protocol: String,
    /// The fingerprint the caller was built with.
    pub called: Fingerprint,
    /// The fingerprint the server was built with.
    pub served: Fingerprint,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "protocol `{}` mismatch: this side calls it as {}, the container serves it as {}; \
             the two were built from different versions of the protocol (a rollout between them, \
             or one side not rebuilt): deploy both from one build",
            self.protocol, self.called, self.served
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_reads_back_from_its_header_value() {
        for o in [Outcome::Ok, Outcome::Err, Outcome::Stream, Outcome::Mismatch, Outcome::BadCall] {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
        assert_eq!(Outcome::parse("nope"), None);
    }

    #[test]
    fn a_descriptor_names_the_path_and_header_of_a_call() {
        let d = Descriptor { name: "Thumbs", fingerprint: Fingerprint(1), methods: &["resize"] };
        assert_eq!(d.path("resize"), "/.cfcontainer/protocol/Thumbs/resize");
        assert_eq!(d.header(), "Thumbs/0000000000000001");
    }
}
