//! [`CallError`]: why a typed call did not give the method's value.

use std::convert::Infallible;
use std::fmt;

use crate::wire::Mismatch;

/// Why a call of a protocol method did not give its value. `E` is the
/// method's own error type ([`Infallible`] for a method that returns no
/// `Result`).
#[derive(Debug, Clone, PartialEq)]
pub enum CallError<E = Infallible> {
    /// The method ran and returned its error.
    Method(E),
    /// The container serves another version of the protocol.
    Mismatch(Mismatch),
    /// The call did not reach the container, or its answer was cut off.
    Transport(String),
    /// The container answered, but not as a server of this protocol: no
    /// route for it (it serves none), or a failure before the method.
    Unexpected {
        /// The answer's status.
        status: u16,
        /// The start of its body.
        body: String,
    },
    /// The arguments did not encode, or the answer did not decode as the
    /// method's types although the fingerprints matched (a type whose
    /// serde code differs between the sides, e.g. across features).
    Codec(String),
}

impl<E> CallError<E> {
    /// The method's own error, or else the failure of the call itself
    /// (which carries no method error, so it displays for any `E`).
    pub fn into_method(self) -> Result<E, CallError> {
        match self {
            CallError::Method(e) => Ok(e),
            CallError::Mismatch(m) => Err(CallError::Mismatch(m)),
            CallError::Transport(t) => Err(CallError::Transport(t)),
            CallError::Unexpected { status, body } => Err(CallError::Unexpected { status, body }),
            CallError::Codec(c) => Err(CallError::Codec(c)),
        }
    }
}

impl CallError<Infallible> {
    /// The same error for a caller whose method error is `F`: this one
    /// carries none (a stream's items, an answer before any method ran).
    pub fn widen<F>(self) -> CallError<F> {
        match self {
            CallError::Method(never) => match never {},
            CallError::Mismatch(m) => CallError::Mismatch(m),
            CallError::Transport(t) => CallError::Transport(t),
            CallError::Unexpected { status, body } => CallError::Unexpected { status, body },
            CallError::Codec(c) => CallError::Codec(c),
        }
    }
}

impl<E: fmt::Display> fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Method(e) => e.fmt(f),
            CallError::Mismatch(m) => m.fmt(f),
            CallError::Transport(why) => write!(f, "the call did not reach the container: {why}"),
            CallError::Unexpected { status, body } => write!(
                f,
                "the container answered {status} without the protocol's outcome (does its server route the protocol?): {body}"
            ),
            CallError::Codec(why) => write!(f, "the call's values did not encode or decode: {why}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for CallError<E> {}
