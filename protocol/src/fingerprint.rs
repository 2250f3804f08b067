//! The fingerprint of a protocol: one `u64` computed at compile time from
//! the trait (its name, each method's name, kind and types) and from the
//! definition of every type in it, so a renamed field, a new variant or a
//! changed method gives another fingerprint on the side built from it.

use std::fmt;
use std::str::FromStr;

/// A protocol's fingerprint, shown as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(pub u64);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl FromStr for Fingerprint {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        u64::from_str_radix(s, 16).map(Fingerprint)
    }
}

impl serde::Serialize for Fingerprint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(|_| serde::de::Error::custom(format!("`{text}` is no fingerprint (16 hex digits)")))
    }
}

/// Where every hash starts (FNV-1a's offset basis).
pub const SEED: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a of `bytes`, continuing from `hash`: a `const fn`, so the
/// fingerprint is a constant of the binary (and of its metadata record).
pub const fn hash_bytes(mut hash: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// `hash` continued with another hash (a part's shape).
pub const fn mix(hash: u64, part: u64) -> u64 {
    hash_bytes(hash, &part.to_le_bytes())
}

/// The shape of a type known by its name alone (a primitive).
pub const fn named(name: &str) -> u64 {
    hash_bytes(SEED, name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_is_sixteen_hex_digits_and_reads_back() {
        let fp = Fingerprint(0xab);
        assert_eq!(fp.to_string(), "00000000000000ab");
        assert_eq!("00000000000000ab".parse::<Fingerprint>().unwrap(), fp);
        assert_eq!(serde_json::to_string(&fp).unwrap(), "\"00000000000000ab\"");
        assert!(serde_json::from_str::<Fingerprint>("\"xyz\"").is_err());
    }

    #[test]
    fn different_parts_or_orders_give_different_hashes() {
        assert_ne!(named("u32"), named("u64"));
        assert_ne!(mix(named("a"), named("b")), mix(named("b"), named("a")));
    }
}
