//! Which image each container class ran with, recorded in the Worker
//! version itself, so that any machine can roll a Worker and its images
//! back together.
//!
//! The record is a JSON binding of the upload ([`IMAGES_BINDING`]).
//! Bindings are per-version resources the API keeps with each version and
//! returns with it (`GET .../versions/{id}`), unlike the two annotations a
//! version has (`workers/message`, `workers/tag`: at most 100 bytes each;
//! the tag holds the upload's marker), which cannot hold the digest-pinned
//! references of several classes. Its schema number lets a later tool read
//! it.

use std::collections::BTreeMap;

use cfcontainer_protocol::record::ProtocolRecord;
use cfcontainer_protocol::Fingerprint;
use serde::{Deserialize, Serialize};

use crate::api::{Binding, BoundName, VersionBinding};

/// The binding holding the record.
pub const IMAGES_BINDING: &str = "CFCONTAINER_IMAGES";

/// The record's schema.
const SCHEMA: u32 = 1;

/// The images of one Worker version, by container class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImagesRecord {
    /// Its schema.
    pub schema: u32,
    /// By class.
    pub images: BTreeMap<String, RecordedImage>,
    /// The fingerprint of each `#[protocol]` the version's Worker calls
    /// (absent before protocols existed, and for a Worker without any).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub protocols: BTreeMap<String, Fingerprint>,
}

/// One class's image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedImage {
    /// The reference its application ran (digest-pinned when built here).
    pub image: String,
    /// What names its content: the content tag (or a prebuilt reference).
    pub tag: String,
}

impl ImagesRecord {
    /// The record of `(class, image, tag)` of each application; `None`
    /// for a Worker without containers.
    pub fn of<'a>(apps: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>) -> Option<ImagesRecord> {
        let images: BTreeMap<String, RecordedImage> = apps
            .into_iter()
            .map(|(class, image, tag)| {
                (class.to_string(), RecordedImage { image: image.to_string(), tag: tag.to_string() })
            })
            .collect();
        (!images.is_empty()).then_some(ImagesRecord { schema: SCHEMA, images, protocols: BTreeMap::new() })
    }

    /// This record with the protocols the version's Worker calls.
    pub fn with_protocols(mut self, protocols: &[ProtocolRecord]) -> ImagesRecord {
        self.protocols = protocols.iter().map(|p| (p.protocol.clone(), p.fingerprint)).collect();
        self
    }

    /// The binding that carries it.
    pub fn binding(&self) -> Binding {
        let json = serde_json::to_value(self).expect("records serialize");
        Binding::Json { name: IMAGES_BINDING.into(), json }
    }

    /// The record among a version's bindings, if it has one this tool can
    /// read (a version another tool uploaded has none).
    pub fn in_version(bindings: &[VersionBinding]) -> Option<ImagesRecord> {
        let binding = bindings.iter().find(|b| b.name == IMAGES_BINDING && b.kind == "json")?;
        Self::from_json(binding.json.as_ref()?)
    }

    /// The record among a script's settings' bindings.
    pub fn in_settings(bindings: &[BoundName]) -> Option<ImagesRecord> {
        Self::from_json(bindings.iter().find(|b| b.name == IMAGES_BINDING)?.json.as_ref()?)
    }

    fn from_json(json: &serde_json::Value) -> Option<ImagesRecord> {
        serde_json::from_value::<ImagesRecord>(json.clone()).ok().filter(|r| r.schema == SCHEMA)
    }

    /// Each class's content tag.
    pub fn tags(&self) -> BTreeMap<&str, &str> {
        self.images.iter().map(|(class, i)| (class.as_str(), i.tag.as_str())).collect()
    }
}

/// A content tag as people read it: its first twelve characters.
pub fn short(tag: &str) -> &str {
    tag.get(..12).unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_read_back_from_the_binding_it_uploads_and_a_later_schema_is_not_guessed_at() {
        let mut images = BTreeMap::new();
        images.insert(
            "Web".to_string(),
            RecordedImage { image: "r/a/w@sha256:1".into(), tag: "0123456789abcdef".into() },
        );
        let record = ImagesRecord { schema: SCHEMA, images, protocols: BTreeMap::new() };
        let Binding::Json { name, json } = record.binding() else { panic!("a JSON binding") };
        let listed = [VersionBinding { kind: "json".into(), name, json: Some(json.clone()) }];
        assert_eq!(ImagesRecord::in_version(&listed), Some(record));
        let mut later = json;
        later["schema"] = serde_json::json!(2);
        let listed = [VersionBinding { kind: "json".into(), name: IMAGES_BINDING.into(), json: Some(later) }];
        assert_eq!(ImagesRecord::in_version(&listed), None);
    }
}
