//! Static assets: the upload session, the bucket uploads and what the
//! script upload carries, as the official CLI sends them.

use std::collections::BTreeMap;

use cfcontainer_meta::wrangler::{HtmlHandling, NotFoundHandling, RunWorkerFirst};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{Body, Client, Part, Retry, Secret};
use crate::output::Output;
use crate::Error;

/// `metadata.assets.config` of the upload, as the official CLI sends it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetsConfig {
    /// `assets.html_handling`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub html_handling: Option<HtmlHandling>,
    /// `assets.not_found_handling`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_found_handling: Option<NotFoundHandling>,
    /// `assets.run_worker_first`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_worker_first: Option<RunWorkerFirst>,
    /// The directory's `_redirects` file, as written.
    #[serde(rename = "_redirects", skip_serializing_if = "Option::is_none")]
    pub redirects: Option<String>,
    /// The directory's `_headers` file, as written.
    #[serde(rename = "_headers", skip_serializing_if = "Option::is_none")]
    pub headers: Option<String>,
}

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
    /// The content's key: the official CLI's hash of the file (blake3 over
    /// its base64 and its extension), computed where the manifest is read.
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

impl Client {
    /// `POST /workers/scripts/{name}/assets-upload-session`: which of the
    /// files the account lacks, and the session's token.
    pub async fn assets_upload_session(
        &self,
        name: &str,
        request: &UploadSessionRequest,
        out: &Output,
    ) -> Result<UploadSession, Error> {
        let path = format!("/workers/scripts/{name}/assets-upload-session");
        self.call(Method::POST, &path, Body::json(request), Retry::Safe, out).await
    }

    /// `POST /workers/assets/upload?base64=true`: one bucket of static
    /// assets, authorized by the upload session's token instead of the API
    /// token.
    pub async fn upload_assets(
        &self,
        session: &Secret,
        parts: Vec<Part>,
        out: &Output,
    ) -> Result<AssetsUploaded, Error> {
        let path = "/workers/assets/upload?base64=true";
        self.call_as(Method::POST, path, Body::Multipart(parts), Retry::Safe, Some(session), out).await
    }
}
