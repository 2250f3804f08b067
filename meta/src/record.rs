//! Framing of metadata records inside one link section.
//!
//! The linker concatenates every record placed in [`SECTION`] in no fixed
//! order, so each record carries its own frame: [`RECORD_MAGIC`], a
//! little-endian `u32` length, then that many bytes of JSON.

use std::fmt;

use crate::{ContainerMeta, SCHEMA_VERSION};

/// Name of the link section (the wasm custom section) holding the records.
pub const SECTION: &str = "cfcontainer.meta";

/// The four bytes that open every record.
pub const RECORD_MAGIC: &[u8; 4] = b"CFC\x01";

/// A section that does not hold well-formed records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError(pub String);

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RecordError {}

/// Encodes one record: magic, length, JSON.
pub fn encode_record(meta: &ContainerMeta) -> Vec<u8> {
    let json = serde_json::to_vec(meta).expect("metadata serializes");
    let mut out = Vec::with_capacity(json.len() + 8);
    out.extend_from_slice(RECORD_MAGIC);
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    out
}

/// Splits a section into its records, sorted by class name so the output
/// does not depend on link order. Zero padding between records (which some
/// linkers insert for alignment) is skipped.
pub fn decode_records(mut section: &[u8]) -> Result<Vec<ContainerMeta>, RecordError> {
    let mut records = Vec::new();
    loop {
        while let [0, rest @ ..] = section {
            section = rest;
        }
        if section.is_empty() {
            break;
        }
        if section.len() < 8 || &section[..4] != RECORD_MAGIC {
            return Err(RecordError(
                "the metadata section is corrupt or from an incompatible cfcontainer version".into(),
            ));
        }
        let len = u32::from_le_bytes(section[4..8].try_into().unwrap()) as usize;
        let body = section.get(8..8 + len).ok_or_else(|| RecordError("a metadata record is truncated".into()))?;
        let schema = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("schema").and_then(|s| s.as_u64()));
        if schema != Some(SCHEMA_VERSION as u64) {
            return Err(RecordError(format!(
                "the artifact was built with metadata schema {schema:?}, this tool reads schema {SCHEMA_VERSION}; use the same cfcontainer version for the crate and the tool"
            )));
        }
        let meta =
            serde_json::from_slice(body).map_err(|e| RecordError(format!("a metadata record does not parse: {e}")))?;
        records.push(meta);
        section = &section[8 + len..];
    }
    records.sort_by(|a: &ContainerMeta, b| a.class.cmp(&b.class));
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_survive_padding_and_any_order() {
        let a = ContainerMeta::example("Zeta");
        let b = ContainerMeta::example("Alpha");
        let mut section = encode_record(&a);
        section.extend([0, 0, 0]);
        section.extend(encode_record(&b));
        let back = decode_records(&section).unwrap();
        assert_eq!(back, vec![b, a]);
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        assert!(decode_records(b"nonsense").is_err());
        let mut rec = encode_record(&ContainerMeta::example("A"));
        rec.truncate(rec.len() - 1);
        assert!(decode_records(&rec).is_err());
    }
}
