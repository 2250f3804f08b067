//! Framing of metadata records inside one link section.
//!
//! The linker concatenates every record placed in [`SECTION`] in no fixed
//! order, so each record carries its own frame: [`RECORD_MAGIC`], a
//! little-endian `u32` length, then that many bytes of JSON.

use std::fmt;

use crate::{ContainerMeta, OLDEST_SCHEMA, SCHEMA_VERSION};

/// Name of the link section (the wasm custom section) holding the records.
pub const SECTION: &str = "cfcontainer.meta";

/// The four bytes that open every record.
pub const RECORD_MAGIC: &[u8; 4] = b"CFC\x01";

/// Why a section's records cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    /// The bytes are no records.
    Corrupt(String),
    /// A record of a schema this crate does not know: written by a newer
    /// runtime (`runtime`, when the record says), or by one older than
    /// [`OLDEST_SCHEMA`].
    Schema {
        /// The record's schema.
        schema: u32,
        /// The runtime version that wrote it, when the record names it.
        runtime: Option<String>,
    },
}

impl RecordError {
    /// True if the record is newer than this crate reads.
    pub fn is_newer(&self) -> bool {
        matches!(self, RecordError::Schema { schema, .. } if *schema > SCHEMA_VERSION)
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::Corrupt(why) => f.write_str(why),
            RecordError::Schema { schema, runtime } => write!(
                f,
                "a metadata record of schema {schema} (written by cfcontainer {}), where this tool reads schemas {OLDEST_SCHEMA} to {SCHEMA_VERSION}",
                runtime.as_deref().unwrap_or("of an unknown version")
            ),
        }
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

/// The bodies of the records framed with `magic` in `section`, in order:
/// each frame is `magic`, a little-endian `u32` length, then the body.
/// Zero padding between frames (which some linkers insert for alignment)
/// is skipped. `Err` says what is wrong: no frame where one should start,
/// or one cut short.
pub fn frames<'a>(mut section: &'a [u8], magic: &[u8; 4]) -> Result<Vec<&'a [u8]>, &'static str> {
    let mut bodies = Vec::new();
    loop {
        while let [0, rest @ ..] = section {
            section = rest;
        }
        if section.is_empty() {
            return Ok(bodies);
        }
        if section.len() < 8 || &section[..4] != magic {
            return Err("no record starts where one should");
        }
        let len = u32::from_le_bytes(section[4..8].try_into().unwrap()) as usize;
        bodies.push(section.get(8..8 + len).ok_or("a record is truncated")?);
        section = &section[8 + len..];
    }
}

/// Splits a section into its records, sorted by class name so the output
/// does not depend on link order.
pub fn decode_records(section: &[u8]) -> Result<Vec<ContainerMeta>, RecordError> {
    let bodies = frames(section, RECORD_MAGIC).map_err(|why| {
        RecordError::Corrupt(format!(
            "the metadata section is corrupt or from an incompatible cfcontainer version ({why})"
        ))
    })?;
    let mut records = Vec::new();
    for body in bodies {
        // `schema` and `runtime` are read before the rest, which a newer
        // schema may shape otherwise.
        let head: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| RecordError::Corrupt(format!("a metadata record is not JSON: {e}")))?;
        let schema = head.get("schema").and_then(|s| s.as_u64()).unwrap_or(0) as u32;
        if !(OLDEST_SCHEMA..=SCHEMA_VERSION).contains(&schema) {
            let runtime = head.get("runtime").and_then(|r| r.as_str()).filter(|r| !r.is_empty()).map(str::to_string);
            return Err(RecordError::Schema { schema, runtime });
        }
        let meta = serde_json::from_slice(body)
            .map_err(|e| RecordError::Corrupt(format!("a metadata record does not parse: {e}")))?;
        records.push(meta);
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

    fn framed(json: &str) -> Vec<u8> {
        let mut out = RECORD_MAGIC.to_vec();
        out.extend((json.trim().len() as u32).to_le_bytes());
        out.extend(json.trim().as_bytes());
        out
    }

    #[test]
    fn a_record_of_each_supported_schema_is_read() {
        let three = decode_records(&framed(include_str!("../tests/records/schema-3.json"))).unwrap();
        assert_eq!((three[0].class.as_str(), three[0].runtime.as_str()), ("MyContainer", ""));
        let four = decode_records(&framed(include_str!("../tests/records/schema-4.json"))).unwrap();
        assert_eq!((four[0].schema, four[0].runtime.as_str()), (4, "0.1.0"));
        assert_eq!(three[0].sleep_after_secs, four[0].sleep_after_secs);
        // Schemas 3 and 4 name the directory the crate was compiled in,
        // schema 5 its package.
        assert_eq!((four[0].crate_dir.as_deref(), &four[0].declared_by), (Some("/work/app"), &None));
        let five = decode_records(&framed(include_str!("../tests/records/schema-5.json"))).unwrap();
        let package = crate::DeclaringPackage { name: "app".into(), version: "0.1.0".into() };
        assert_eq!((five[0].schema, five[0].crate_dir.as_deref()), (5, None));
        assert_eq!(five[0].declared_by, Some(package));
        assert_eq!(five[0].sleep_after_secs, four[0].sleep_after_secs);
        // Schema 6 adds images assembled from a binary of the workspace;
        // its other fields are schema 5's.
        let six = decode_records(&framed(include_str!("../tests/records/schema-6.json"))).unwrap();
        let binary =
            crate::ImageSource::Binary { binary: "api-server".into(), package: None, assets: Some("static".into()) };
        assert_eq!((six[0].schema, &six[0].image), (6, &binary));
        assert_eq!(six[0].declared_by, five[0].declared_by);
        // Schema 7 adds env vars read from a Secrets Store binding.
        let seven = decode_records(&framed(include_str!("../tests/records/schema-7.json"))).unwrap();
        let env: Vec<&crate::EnvValue> = seven[0].env.iter().map(|v| &v.value).collect();
        let expected = [crate::EnvValue::SecretsStore("API_KEY".into()), crate::EnvValue::Var("MODE".into())];
        assert_eq!((seven[0].schema, env), (7, expected.iter().collect()));
    }

    #[test]
    fn a_record_written_now_names_no_directory() {
        let mut meta = ContainerMeta::example("A");
        meta.declared_by = Some(crate::DeclaringPackage { name: "app".into(), version: "0.1.0".into() });
        let json = String::from_utf8(encode_record(&meta)[8..].to_vec()).unwrap();
        assert!(!json.contains("crate_dir"), "{json}");
        assert_eq!(decode_records(&encode_record(&meta)).unwrap(), [meta]);
    }

    #[test]
    fn a_newer_schema_is_refused_naming_the_runtime_that_wrote_it() {
        let error = decode_records(&framed(include_str!("../tests/records/schema-9.json"))).unwrap_err();
        assert_eq!(error, RecordError::Schema { schema: 9, runtime: Some("0.9.0".into()) });
        assert!(error.is_newer());
        let older = decode_records(&framed(r#"{"schema":2,"class":"A"}"#)).unwrap_err();
        assert_eq!(older, RecordError::Schema { schema: 2, runtime: None });
        assert!(!older.is_newer());
    }
}
