//! Static assets: the upload session, the bucket uploads and what the
//! script upload carries, as the official CLI sends them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::project::assets::AssetsConfig;

/// `POST /workers/scripts/{name}/assets-upload-session`'s body: every
/// file of the directory by path.
#[derive(Debug, Serialize)]
pub struct UploadSessionRequest {
    /// `"/path": { hash, size }`.
    pub manifest: BTreeMap<String, ManifestEntry>,
}

/// One file of [`UploadSessionRequest`].
#[derive(Debug, Serialize)]
pub struct ManifestEntry {
    /// The content's key (see [`crate::assets`]).
    pub hash: String,
    /// Bytes.
    pub size: u64,
}

/// The session: its token, and the hashes the account lacks in buckets to
/// upload (none: the token completes the upload already).
#[derive(Debug, Deserialize)]
pub struct UploadSession {
    /// Authorizes the bucket uploads, or completes the upload.
    pub jwt: String,
    /// Hashes to upload, one request per bucket.
    #[serde(default)]
    pub buckets: Vec<Vec<String>>,
}

/// `POST /workers/assets/upload?base64=true`'s answer: the completion
/// token once the last bucket is in.
#[derive(Debug, Deserialize)]
pub struct AssetsUploaded {
    /// The completion token, after the last bucket.
    #[serde(default)]
    pub jwt: Option<String>,
}

/// `metadata.assets` of the script upload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetsMetadata {
    /// The completion token of this version's asset upload.
    pub jwt: String,
    /// How the assets are served.
    pub config: AssetsConfig,
}
