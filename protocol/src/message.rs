//! [`Message`]: a type that may cross between a Worker and its container,
//! with the shape that goes into the protocol's fingerprint.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::fingerprint::{mix, named};

/// A type a protocol method takes or returns: serde both ways, and a
/// shape, the hash of its definition and its parts' shapes, which goes
/// into the protocol's fingerprint.
///
/// Derive it beside serde's derives: `#[derive(Serialize, Deserialize,
/// Message)]`. The derive hashes the type's whole definition (field
/// names and types, serde attributes, variants), not its doc comments.
/// Implemented here for the standard types serde knows.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a protocol message",
    label = "a type of a protocol method must derive `Message`",
    note = "derive `serde::Serialize`, `serde::Deserialize` and `cfcontainer_protocol::Message` on it"
)]
pub trait Message: Serialize + DeserializeOwned + Send + 'static {
    /// The type's shape.
    const SHAPE: u64;
}

macro_rules! named_messages {
    ($($t:ty),*) => {
        $(impl Message for $t {
            const SHAPE: u64 = named(stringify!($t));
        })*
    };
}

named_messages!(bool, char, u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize, f32, f64, String, ());
named_messages!(std::time::Duration);

macro_rules! generic_messages {
    ($($name:ident<$($p:ident),+> $(where $($b:ident: $bound:path),+)?;)*) => {
        $(impl<$($p: Message),+> Message for $name<$($p),+> $(where $($b: $bound),+)? {
            const SHAPE: u64 = {
                let shape = named(stringify!($name));
                $(let shape = mix(shape, $p::SHAPE);)+
                shape
            };
        })*
    };
}

generic_messages! {
    Option<T>;
    Vec<T>;
    Box<T>;
    Result<T, E>;
    BTreeSet<T> where T: Ord;
    HashSet<T> where T: Eq, T: std::hash::Hash;
    BTreeMap<K, V> where K: Ord;
    HashMap<K, V> where K: Eq, K: std::hash::Hash;
}

macro_rules! tuple_messages {
    ($(($($p:ident),+);)*) => {
        $(impl<$($p: Message),+> Message for ($($p,)+) {
            const SHAPE: u64 = {
                let shape = named("tuple");
                $(let shape = mix(shape, $p::SHAPE);)+
                shape
            };
        })*
    };
}

tuple_messages! {
    (A);
    (A, B);
    (A, B, C);
    (A, B, C, D);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_of_different_items_have_different_shapes() {
        assert_ne!(<Vec<u32>>::SHAPE, <Vec<u64>>::SHAPE);
        assert_ne!(<Vec<u32>>::SHAPE, <Option<u32>>::SHAPE);
        assert_ne!(<HashMap<String, u8>>::SHAPE, <HashMap<u8, String>>::SHAPE);
        assert_eq!(<(u8, String)>::SHAPE, <(u8, String)>::SHAPE);
    }
}
