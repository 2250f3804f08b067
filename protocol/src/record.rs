//! The record of a protocol in the binary that uses it: the linker puts
//! every record of [`SECTION`] side by side, so each is framed as
//! cfcontainer-meta frames the container records ([`MAGIC`], a
//! little-endian `u32` length, then that many bytes of JSON naming the
//! protocol and its fingerprint). `cargo cfcontainer` reads them from the
//! Worker's wasm to tell when a deploy changes a protocol.

use serde::{Deserialize, Serialize};

use crate::fingerprint::Fingerprint;

/// The link section (wasm custom section) of the records.
pub const SECTION: &str = "cfcontainer.protocol";

/// The four bytes that open every record.
pub const MAGIC: &[u8; 4] = b"CFP\x01";

const OPEN: &[u8] = b"{\"protocol\":\"";
const MIDDLE: &[u8] = b"\",\"fingerprint\":\"";
const CLOSE: &[u8] = b"\"}";

/// One protocol a binary uses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProtocolRecord {
    /// The trait's name.
    pub protocol: String,
    /// Its fingerprint.
    pub fingerprint: Fingerprint,
}

/// The length of the record of a protocol named `name`.
pub const fn len(name: &str) -> usize {
    MAGIC.len() + 4 + OPEN.len() + name.len() + MIDDLE.len() + 16 + CLOSE.len()
}

/// The record of `name` with `fingerprint`, as a constant of `N` = [`len`]
/// bytes (a `const fn`: the fingerprint is only known once the types'
/// shapes are, after macro expansion).
pub const fn encode<const N: usize>(name: &str, fingerprint: u64) -> [u8; N] {
    assert!(N == len(name), "the record's length is len(name)");
    let mut out = [0u8; N];
    let mut at = copy(&mut out, 0, MAGIC);
    at = copy(&mut out, at, &((N - 8) as u32).to_le_bytes());
    at = copy(&mut out, at, OPEN);
    at = copy(&mut out, at, name.as_bytes());
    at = copy(&mut out, at, MIDDLE);
    let mut digit = 0;
    while digit < 16 {
        let nibble = ((fingerprint >> (60 - 4 * digit)) & 0xf) as u8;
        out[at] = if nibble < 10 { b'0' + nibble } else { b'a' + nibble - 10 };
        at += 1;
        digit += 1;
    }
    copy(&mut out, at, CLOSE);
    out
}

const fn copy<const N: usize>(out: &mut [u8; N], mut at: usize, bytes: &[u8]) -> usize {
    let mut i = 0;
    while i < bytes.len() {
        out[at] = bytes[i];
        at += 1;
        i += 1;
    }
    at
}

/// The records of a section, sorted, each protocol once (framed as
/// cfcontainer-meta frames its records, with [`MAGIC`]).
pub fn decode(section: &[u8]) -> Result<Vec<ProtocolRecord>, String> {
    let corrupt = |why: &dyn std::fmt::Display| format!("the `{SECTION}` section is corrupt: {why}");
    let mut records = cfcontainer_meta::frames(section, MAGIC)
        .map_err(|why| corrupt(&why))?
        .into_iter()
        .map(|body| serde_json::from_slice::<ProtocolRecord>(body).map_err(|e| corrupt(&e)))
        .collect::<Result<Vec<_>, _>>()?;
    records.sort();
    records.dedup();
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_encoded_at_compile_time_decodes_with_its_name_and_fingerprint() {
        const RECORD: [u8; len("Thumbs")] = encode("Thumbs", 0x0123_4567_89ab_cdef);
        let mut section = RECORD.to_vec();
        section.extend_from_slice(&[0, 0, 0]);
        section.extend_from_slice(&encode::<{ len("Alpha") }>("Alpha", 1));
        section.extend_from_slice(&RECORD);
        let records = decode(&section).unwrap();
        assert_eq!(
            records,
            vec![
                ProtocolRecord { protocol: "Alpha".into(), fingerprint: Fingerprint(1) },
                ProtocolRecord { protocol: "Thumbs".into(), fingerprint: Fingerprint(0x0123_4567_89ab_cdef) },
            ]
        );
    }

    #[test]
    fn a_truncated_section_is_an_error_not_a_shorter_list() {
        let record = encode::<{ len("Thumbs") }>("Thumbs", 7);
        assert!(decode(&record[..record.len() - 1]).is_err());
        assert!(decode(b"nonsense").is_err());
    }
}
