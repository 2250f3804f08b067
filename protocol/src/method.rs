//! [`Method`]: one method of a protocol as types, which `#[protocol]`
//! implements on a hidden marker per method. The client and the server
//! are generic over it, so a type that is no [`Message`] is one error, at
//! the marker's impl (spanned at the type in the signature), not one per
//! place the generated code uses it.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::fingerprint::{hash_bytes, mix, named, SEED};
use crate::message::Message;

/// What a method returns, as the wire carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A value: `-> T`.
    Value,
    /// A value or the method's error: `-> Result<T, E>`.
    Result,
    /// Items as they come: `-> Streaming<T>`.
    Stream,
}

impl Kind {
    const fn tag(self) -> &'static str {
        match self {
            Kind::Value => "value",
            Kind::Result => "result",
            Kind::Stream => "stream",
        }
    }
}

/// One method of a protocol.
pub trait Method {
    /// Its name.
    const NAME: &'static str;
    /// What it returns.
    const KIND: Kind;
    /// Its arguments, a tuple.
    type Args: Arguments;
    /// Its value (a stream's item).
    type Value: Message;
    /// Its error (`()` for a method without one).
    type Error: Message;
}

/// A method's arguments: a tuple of up to eight [`Message`]s.
pub trait Arguments: Serialize + DeserializeOwned + Send + 'static {
    /// The shapes of the arguments, in order.
    const SHAPE: u64;
}

macro_rules! arguments {
    ($(($($p:ident),*);)*) => {
        $(impl<$($p: Message),*> Arguments for ($($p,)*) {
            const SHAPE: u64 = {
                let shape = named("arguments");
                $(let shape = mix(shape, $p::SHAPE);)*
                shape
            };
        })*
    };
}

arguments! {
    ();
    (A);
    (A, B);
    (A, B, C);
    (A, B, C, D);
    (A, B, C, D, E);
    (A, B, C, D, E, F);
    (A, B, C, D, E, F, G);
    (A, B, C, D, E, F, G, H);
}

/// The most arguments a method may take.
pub const MAX_ARGUMENTS: usize = 8;

/// The shape of method `M`: its name, kind, arguments, value and error.
pub const fn shape<M: Method>() -> u64 {
    let shape = hash_bytes(SEED, M::NAME.as_bytes());
    let shape = hash_bytes(shape, M::KIND.tag().as_bytes());
    let shape = mix(shape, M::Args::SHAPE);
    let shape = mix(shape, M::Value::SHAPE);
    mix(shape, M::Error::SHAPE)
}
