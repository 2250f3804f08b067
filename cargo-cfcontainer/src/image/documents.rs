//! The JSON documents of an image: its config (what runs, as whom, with
//! which layers) and its manifest (the config and layer blobs by digest),
//! in Docker's v2 schema 2 media types, the ones `docker push` sends to
//! the registry today; and the `manifest.json` of a `docker save` archive.
//! Typed here rather than through `oci-spec`, whose config writes
//! `ExposedPorts` from a `HashMap` in a different order on every run:
//! these documents must serialize to the same bytes every time.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The manifest's media type.
pub const MANIFEST_TYPE: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// The config blob's media type.
pub const CONFIG_TYPE: &str = "application/vnd.docker.container.image.v1+json";
/// A gzipped layer's media type.
pub const LAYER_TYPE: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// What a registry is asked to answer with for a manifest: ours, and the
/// OCI ones an image pushed by another tool may have.
pub const ACCEPTED_MANIFESTS: &str = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json";

/// An image config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageConfig {
    /// `amd64`: what the platform runs.
    pub architecture: &'static str,
    /// `linux`.
    pub os: &'static str,
    /// When the image was made: a fixed time, for reproducibility.
    pub created: String,
    /// How it runs.
    pub config: RunConfig,
    /// Its layers, by the digest of each uncompressed tar.
    pub rootfs: RootFs,
    /// One entry per layer, saying what it holds.
    pub history: Vec<History>,
}

/// How the image runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RunConfig {
    /// `uid:gid`.
    pub user: String,
    /// `"8080/tcp": {}` for each port.
    pub exposed_ports: BTreeMap<String, Empty>,
    /// `NAME=value` lines.
    pub env: Vec<String>,
    /// The program and its arguments.
    pub entrypoint: Vec<String>,
    /// Where it starts.
    pub working_dir: String,
}

/// The `{}` of Go's `map[string]struct{}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Empty {}

/// The layer list of a config.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RootFs {
    /// `layers`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `sha256:` of each uncompressed layer, bottom first.
    pub diff_ids: Vec<String>,
}

/// One history entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    /// The image's fixed time.
    pub created: String,
    /// What made the layer.
    pub created_by: String,
}

/// An image manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// `2`.
    pub schema_version: u32,
    /// [`MANIFEST_TYPE`].
    pub media_type: String,
    /// The config blob.
    pub config: Descriptor,
    /// The layer blobs, bottom first.
    pub layers: Vec<Descriptor>,
}

/// A blob by media type, size and digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size: u64,
    /// `sha256:...`.
    pub digest: String,
}

impl Manifest {
    /// The manifest of a config blob and gzipped layer blobs.
    pub fn new(config: Descriptor, layers: Vec<Descriptor>) -> Manifest {
        Manifest { schema_version: 2, media_type: MANIFEST_TYPE.to_string(), config, layers }
    }
}

/// One image of a `docker save` archive's `manifest.json` (what
/// `POST /images/load` reads and `GET /images/{name}/get` writes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ArchivedImage {
    /// The config's path in the archive.
    pub config: String,
    /// The tags the engine gives the image (`repo:tag`).
    #[serde(default)]
    pub repo_tags: Option<Vec<String>>,
    /// Each uncompressed layer's path in the archive, bottom first.
    pub layers: Vec<String>,
}

/// `seconds` since the epoch as the RFC 3339 time configs carry.
pub fn timestamp(seconds: u64) -> String {
    let time = chrono::DateTime::from_timestamp(seconds as i64, 0).unwrap_or_default();
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_serializes_the_same_bytes_every_time_in_dockers_field_names() {
        let config = |ports: &[u16]| ImageConfig {
            architecture: "amd64",
            os: "linux",
            created: timestamp(0),
            config: RunConfig {
                user: "65532:65532".into(),
                exposed_ports: ports.iter().map(|p| (format!("{p}/tcp"), Empty {})).collect(),
                env: vec!["PATH=/usr/local/bin".into()],
                entrypoint: vec!["/usr/local/bin/api".into()],
                working_dir: "/app".into(),
            },
            rootfs: RootFs { kind: "layers", diff_ids: vec!["sha256:aa".into()] },
            history: vec![History { created: timestamp(0), created_by: "cargo cfcontainer".into() }],
        };
        let json = serde_json::to_string(&config(&[9090, 8080, 7070])).unwrap();
        assert!(json.contains(r#""created":"1970-01-01T00:00:00Z""#), "{json}");
        assert!(json.contains(r#""ExposedPorts":{"7070/tcp":{},"8080/tcp":{},"9090/tcp":{}}"#), "{json}");
        assert!(json.contains(r#""User":"65532:65532""#) && json.contains(r#""WorkingDir":"/app""#), "{json}");
        assert!(json.contains(r#""rootfs":{"type":"layers","diff_ids":["sha256:aa"]}"#), "{json}");
        for _ in 0..20 {
            assert_eq!(serde_json::to_string(&config(&[9090, 8080, 7070])).unwrap(), json);
        }
        let manifest = Manifest::new(
            Descriptor { media_type: CONFIG_TYPE.into(), size: 2, digest: "sha256:c".into() },
            vec![Descriptor { media_type: LAYER_TYPE.into(), size: 3, digest: "sha256:l".into() }],
        );
        let text = serde_json::to_string(&manifest).unwrap();
        assert!(text.starts_with(r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType""#), "{text}");
        assert_eq!(timestamp(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
