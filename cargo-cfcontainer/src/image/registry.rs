//! A client of the OCI distribution API (what `docker push` speaks to a
//! registry): a blob asked for before it is sent (`HEAD`), sent in chunks
//! (`POST` to open an upload, `PATCH` per chunk, `PUT` with its digest),
//! a manifest asked for and put by tag. Basic authentication with the
//! short-lived credentials the Cloudflare API issues; a `401` is its own
//! error, so the caller fetches fresh credentials and goes on.

use reqwest::header::{HeaderMap, ACCEPT, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LOCATION};
use reqwest::{Method, StatusCode};
use tokio::io::AsyncReadExt;

use super::blobs::{Blob, BlobSource};
use super::documents::{ACCEPTED_MANIFESTS, MANIFEST_TYPE};
use crate::api::Secret;

/// Bytes sent per `PATCH`: small enough for a registry behind a proxy
/// that limits request bodies, large enough that a request's round trip
/// is not the cost.
pub const CHUNK: usize = 8 * 1024 * 1024;

/// Why a registry call failed.
#[derive(Debug)]
pub enum RegistryError {
    /// The registry refused the credentials (`401`).
    Unauthorized(String),
    /// Anything else: an answer that is no success, or no answer.
    Failed(String),
}

/// One repository of one registry, with one set of credentials.
pub struct Repository {
    http: reqwest::Client,
    /// `http(s)://host/v2/<name>`.
    base: String,
    /// The scheme and host, for upload locations given as paths.
    origin: String,
    username: String,
    password: Secret,
}

impl Repository {
    /// `name` (e.g. `<account>/<repo>`) in the registry at `host`, over
    /// HTTPS except for a registry on this machine (which Docker reaches
    /// over plain HTTP too).
    pub fn new(host: &str, name: &str, username: String, password: Secret) -> Repository {
        let scheme = if is_local(host) { "http" } else { "https" };
        let origin = format!("{scheme}://{host}");
        let http = reqwest::Client::builder().user_agent(concat!("cargo-cfcontainer/", env!("CARGO_PKG_VERSION")));
        let http = http.build().expect("a client without custom TLS settings builds");
        Repository { http, base: format!("{origin}/v2/{name}"), origin, username, password }
    }

    /// True if the registry has the blob `digest`.
    pub async fn has_blob(&self, digest: &str) -> Result<bool, RegistryError> {
        let url = format!("{}/blobs/{digest}", self.base);
        let answer = self.send(Method::HEAD, &url, HeaderMap::new(), None).await?;
        match answer.status() {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            other => Err(unexpected("HEAD", &url, other, answer).await),
        }
    }

    /// Uploads `blob` in chunks of [`CHUNK`] bytes, calling `sent` with
    /// the bytes sent so far after each.
    pub async fn upload(&self, blob: &Blob, mut sent: impl FnMut(u64)) -> Result<(), RegistryError> {
        let url = format!("{}/blobs/uploads/", self.base);
        let answer = self.send(Method::POST, &url, HeaderMap::new(), Some(Vec::new())).await?;
        if answer.status() != StatusCode::ACCEPTED {
            return Err(unexpected("POST", &url, answer.status(), answer).await);
        }
        let mut location = self.location(&answer)?;
        let mut reader = BlobReader::open(&blob.source).await?;
        let mut offset = 0u64;
        loop {
            let chunk = reader.next_chunk().await?;
            if chunk.is_empty() {
                break;
            }
            let end = offset + chunk.len() as u64 - 1;
            let mut headers = HeaderMap::new();
            headers.insert(CONTENT_TYPE, "application/octet-stream".parse().expect("a valid header"));
            headers.insert(CONTENT_RANGE, format!("{offset}-{end}").parse().expect("a valid header"));
            headers.insert(CONTENT_LENGTH, chunk.len().into());
            let answer = self.send(Method::PATCH, &location, headers, Some(chunk)).await?;
            if answer.status() != StatusCode::ACCEPTED {
                return Err(unexpected("PATCH", &location, answer.status(), answer).await);
            }
            location = self.location(&answer)?;
            offset = end + 1;
            sent(offset);
        }
        let separator = if location.contains('?') { '&' } else { '?' };
        let done = format!("{location}{separator}digest={}", blob.descriptor.digest);
        let answer = self.send(Method::PUT, &done, HeaderMap::new(), Some(Vec::new())).await?;
        match answer.status() {
            StatusCode::CREATED => Ok(()),
            other => Err(unexpected("PUT", &done, other, answer).await),
        }
    }

    /// The digest of the manifest `reference` (a tag or a digest) names,
    /// if the registry serves one.
    pub async fn manifest_digest(&self, reference: &str) -> Result<Option<String>, RegistryError> {
        let url = format!("{}/manifests/{reference}", self.base);
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, ACCEPTED_MANIFESTS.parse().expect("a valid header"));
        let answer = self.send(Method::HEAD, &url, headers, None).await?;
        match answer.status() {
            StatusCode::OK => Ok(Some(digest_header(&answer).unwrap_or_else(|| reference.to_string()))),
            StatusCode::NOT_FOUND => Ok(None),
            other => Err(unexpected("HEAD", &url, other, answer).await),
        }
    }

    /// Puts `manifest` under `tag`; returns the digest the registry names it by.
    pub async fn put_manifest(&self, tag: &str, manifest: &[u8]) -> Result<Option<String>, RegistryError> {
        let url = format!("{}/manifests/{tag}", self.base);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, MANIFEST_TYPE.parse().expect("a valid header"));
        let answer = self.send(Method::PUT, &url, headers, Some(manifest.to_vec())).await?;
        match answer.status() {
            StatusCode::CREATED | StatusCode::OK => Ok(digest_header(&answer)),
            other => Err(unexpected("PUT", &url, other, answer).await),
        }
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> Result<reqwest::Response, RegistryError> {
        let mut request = self.http.request(method.clone(), url).headers(headers);
        request = request.basic_auth(&self.username, Some(self.password.expose()));
        if let Some(body) = body {
            request = request.body(body);
        }
        let answer = request.send().await.map_err(|e| RegistryError::Failed(format!("{method} {url}: {e}")))?;
        if answer.status() == StatusCode::UNAUTHORIZED {
            return Err(RegistryError::Unauthorized(format!("{method} {url} answered 401")));
        }
        Ok(answer)
    }

    /// The upload's next location, which may be a path on the registry.
    fn location(&self, answer: &reqwest::Response) -> Result<String, RegistryError> {
        let location = answer.headers().get(LOCATION).and_then(|l| l.to_str().ok());
        match location {
            Some(l) if l.starts_with("http://") || l.starts_with("https://") => Ok(l.to_string()),
            Some(path) => Ok(format!("{}{path}", self.origin)),
            None => Err(RegistryError::Failed(format!("{} gave an upload no location", answer.url()))),
        }
    }
}

/// The chunks of a blob, from memory or read from its file.
enum BlobReader {
    Memory(bytes::Bytes),
    File(tokio::fs::File),
}

impl BlobReader {
    async fn open(source: &BlobSource) -> Result<BlobReader, RegistryError> {
        match source {
            BlobSource::Memory(bytes) => Ok(BlobReader::Memory(bytes.clone())),
            BlobSource::File(path) => tokio::fs::File::open(path)
                .await
                .map(BlobReader::File)
                .map_err(|e| RegistryError::Failed(format!("cannot read {}: {e}", path.display()))),
        }
    }

    async fn next_chunk(&mut self) -> Result<Vec<u8>, RegistryError> {
        match self {
            BlobReader::Memory(bytes) => {
                let n = bytes.len().min(CHUNK);
                Ok(bytes.split_to(n).to_vec())
            }
            BlobReader::File(file) => {
                let mut chunk = Vec::with_capacity(CHUNK);
                let read = (&mut *file).take(CHUNK as u64).read_to_end(&mut chunk).await;
                read.map_err(|e| RegistryError::Failed(format!("cannot read a layer: {e}")))?;
                Ok(chunk)
            }
        }
    }
}

fn digest_header(answer: &reqwest::Response) -> Option<String> {
    answer.headers().get("docker-content-digest").and_then(|d| d.to_str().ok()).map(str::to_string)
}

async fn unexpected(method: &str, url: &str, status: StatusCode, answer: reqwest::Response) -> RegistryError {
    let body = answer.text().await.unwrap_or_default();
    let detail = crate::error::one_line(&body);
    let detail = if body.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", detail.chars().take(300).collect::<String>())
    };
    RegistryError::Failed(format!("{method} {url} answered {status}{detail}"))
}

/// A registry on this machine, which Docker reaches over HTTP.
fn is_local(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_a_registry_on_this_machine_is_spoken_to_over_plain_http() {
        for local in ["127.0.0.1:5055", "localhost:5000", "localhost", "[::1]:5000", "127.1.2.3"] {
            assert!(super::is_local(local), "{local}");
        }
        for remote in ["registry.cloudflare.com", "10.0.0.1:5000", "localhost.example.com"] {
            assert!(!super::is_local(remote), "{remote}");
        }
    }
}
