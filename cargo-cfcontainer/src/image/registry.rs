//! A client of the OCI distribution API (what `docker push` speaks to a
//! registry): a blob asked for before it is sent (`HEAD`), sent in chunks
//! (`POST` to open an upload, `PATCH` per chunk, `PUT` with its digest),
//! a manifest asked for and put by tag; and the registry's catalog of
//! repositories and tags, each tag's manifest read for its size. Basic
//! authentication with the short-lived credentials the Cloudflare API
//! issues; a `401` is its own error, so the caller fetches fresh
//! credentials and goes on.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, ACCEPT, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, LINK, LOCATION};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::io::AsyncReadExt;

use super::blobs::{Blob, BlobSource};
use super::documents::{Descriptor, ACCEPTED_MANIFESTS, MANIFEST_TYPE};
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

impl RegistryError {
    /// Why the call failed, as the "why" part of a one-line error.
    pub fn why(self) -> String {
        match self {
            RegistryError::Unauthorized(why) => format!("it refused the credentials the Cloudflare API issued ({why})"),
            RegistryError::Failed(why) => why,
        }
    }
}

/// A registry's address and one set of credentials for it.
#[derive(Clone)]
struct Session {
    http: reqwest::Client,
    /// The scheme and host, for locations given as paths.
    origin: String,
    username: String,
    password: Secret,
}

impl Session {
    /// The registry at `host`, over HTTPS except for a registry on this
    /// machine (which Docker reaches over plain HTTP too).
    fn new(host: &str, username: String, password: Secret) -> Session {
        let scheme = if is_local(host) { "http" } else { "https" };
        let origin = format!("{scheme}://{host}");
        let http = reqwest::Client::builder().user_agent(concat!("cargo-cfcontainer/", env!("CARGO_PKG_VERSION")));
        let http = http.build().expect("a client without custom TLS settings builds");
        Session { http, origin, username, password }
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

    /// `url` as an absolute URL (a registry may answer with a path).
    fn absolute(&self, url: &str) -> String {
        match url.starts_with("http://") || url.starts_with("https://") {
            true => url.to_string(),
            false => format!("{}{url}", self.origin),
        }
    }

    /// Every page of the list at `url`: the first, then each one its
    /// `Link: <...>; rel="next"` header names, as the distribution API
    /// pages catalogs and tag lists.
    async fn pages<T: DeserializeOwned>(&self, url: &str) -> Result<Vec<T>, RegistryError> {
        let mut pages = Vec::new();
        let mut next = Some(url.to_string());
        while let Some(url) = next.take() {
            let answer = self.send(Method::GET, &url, HeaderMap::new(), None).await?;
            if answer.status() != StatusCode::OK {
                return Err(unexpected("GET", &url, answer.status(), answer).await);
            }
            let link = answer.headers().get(LINK).and_then(|l| l.to_str().ok()).and_then(next_link);
            next = link.map(|l| self.absolute(&l)).filter(|l| *l != url);
            let text = answer.text().await.map_err(|e| RegistryError::Failed(format!("GET {url}: {e}")))?;
            let page = serde_json::from_str(&text)
                .map_err(|e| RegistryError::Failed(format!("GET {url} answered what is not its list ({e})")))?;
            pages.push(page);
        }
        Ok(pages)
    }
}

/// The URL a `Link` header gives as the `rel="next"` page, if any.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|link| {
        let (target, params) = link.split_once(';')?;
        let next = params.split(';').any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
        next.then(|| target.trim().trim_start_matches('<').trim_end_matches('>').to_string())
    })
}

/// A registry's whole catalog, with one set of credentials.
pub struct Catalog {
    session: Session,
}

/// A page of `GET /v2/_catalog`.
#[derive(Deserialize)]
struct CatalogPage {
    repositories: CatalogEntries,
}

/// The repositories of a catalog page: with their tags (Cloudflare's
/// registry, asked with `?tags=true`, as the official CLI 4.164 asks),
/// or by name only (a registry without that extension, such as the
/// reference `distribution` registry).
#[derive(Deserialize)]
#[serde(untagged)]
enum CatalogEntries {
    WithTags(BTreeMap<String, Vec<String>>),
    Names(Vec<String>),
}

/// A page of `GET /v2/<name>/tags/list`; a repository whose tags were
/// all deleted lists `null`.
#[derive(Deserialize)]
struct TagsPage {
    tags: Option<Vec<String>>,
}

impl Catalog {
    /// The registry at `host`.
    pub fn new(host: &str, username: String, password: Secret) -> Catalog {
        Catalog { session: Session::new(host, username, password) }
    }

    /// Every repository of the registry with its tags, by name.
    pub async fn repositories(&self) -> Result<BTreeMap<String, Vec<String>>, RegistryError> {
        let url = format!("{}/v2/_catalog?tags=true", self.session.origin);
        let mut repositories: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for page in self.session.pages::<CatalogPage>(&url).await? {
            match page.repositories {
                CatalogEntries::WithTags(listed) => {
                    for (name, tags) in listed {
                        repositories.entry(name).or_default().extend(tags);
                    }
                }
                // The registry ignored `tags=true`: each repository's tags
                // are asked for on their own.
                CatalogEntries::Names(names) => {
                    for name in names {
                        let tags = self.repository(&name).tags().await?;
                        repositories.entry(name).or_default().extend(tags);
                    }
                }
            }
        }
        for tags in repositories.values_mut() {
            tags.sort();
            tags.dedup();
        }
        Ok(repositories)
    }

    /// Repository `name` of this registry, with the same credentials.
    pub fn repository(&self, name: &str) -> Repository {
        let base = format!("{}/v2/{name}", self.session.origin);
        Repository { session: self.session.clone(), base }
    }

    /// Asks the registry to free the layers no manifest names any more:
    /// Cloudflare's `PUT /v2/gc/layers`, which the official CLI 4.164 sends
    /// after each delete. A registry without that call (the reference
    /// `distribution` collects offline) answers 404 or 405.
    pub async fn collect_layers(&self) -> Result<LayerCollection, RegistryError> {
        let url = format!("{}/v2/gc/layers", self.session.origin);
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, "application/json".parse().expect("a valid header"));
        let answer = self.session.send(Method::PUT, &url, headers, None).await?;
        match answer.status() {
            status if status.is_success() => Ok(LayerCollection::Started),
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => Ok(LayerCollection::NotOffered),
            other => Err(unexpected("PUT", &url, other, answer).await),
        }
    }
}

/// What a registry did with a request to collect unused layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerCollection {
    /// It started collecting.
    Started,
    /// It offers no such call: its operator collects.
    NotOffered,
}

/// What deleting a manifest by one of its tags came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagDeletion {
    /// The registry deleted it.
    Deleted,
    /// The tag names nothing (any more): deleted before, perhaps by a run
    /// that was stopped midway.
    Gone,
    /// The tag names another manifest than the one planned (pushed again
    /// since): left alone.
    Moved {
        /// The manifest it names now.
        digest: String,
    },
}

/// A manifest as the registry serves it: one image's, or an index of
/// images (one per platform).
#[derive(Deserialize)]
#[serde(untagged)]
enum StoredManifest {
    Image { config: Descriptor, layers: Vec<Descriptor> },
    Index { manifests: Vec<Descriptor> },
}

/// What one tag names in the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// The manifest's digest.
    pub digest: String,
    /// The bytes its blobs take (config and compressed layers; for an
    /// index, those of each image it lists, a layer they share counted
    /// once per image).
    pub size: u64,
}

/// One repository of one registry, with one set of credentials.
pub struct Repository {
    session: Session,
    /// `http(s)://host/v2/<name>`.
    base: String,
}

impl Repository {
    /// `name` (e.g. `<account>/<repo>`) in the registry at `host`, over
    /// HTTPS except for a registry on this machine (which Docker reaches
    /// over plain HTTP too).
    pub fn new(host: &str, name: &str, username: String, password: Secret) -> Repository {
        let session = Session::new(host, username, password);
        Repository { base: format!("{}/v2/{name}", session.origin), session }
    }

    /// The repository's tags.
    pub async fn tags(&self) -> Result<Vec<String>, RegistryError> {
        let url = format!("{}/tags/list", self.base);
        let pages = self.session.pages::<TagsPage>(&url).await?;
        Ok(pages.into_iter().flat_map(|p| p.tags.unwrap_or_default()).collect())
    }

    /// What `reference` (a tag or a digest) names, if the registry has it.
    pub async fn stored(&self, reference: &str) -> Result<Option<StoredImage>, RegistryError> {
        let Some((digest, manifest)) = self.manifest(reference).await? else { return Ok(None) };
        let size = match manifest {
            StoredManifest::Image { config, layers } => image_size(&config, &layers),
            StoredManifest::Index { manifests } => {
                let mut size = 0;
                for child in manifests {
                    if let Some((_, StoredManifest::Image { config, layers })) = self.manifest(&child.digest).await? {
                        size += image_size(&config, &layers);
                    }
                }
                size
            }
        };
        Ok(Some(StoredImage { digest, size }))
    }

    async fn manifest(&self, reference: &str) -> Result<Option<(String, StoredManifest)>, RegistryError> {
        let url = format!("{}/manifests/{reference}", self.base);
        let answer = self.session.send(Method::GET, &url, manifest_accept(), None).await?;
        match answer.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Ok(None),
            other => return Err(unexpected("GET", &url, other, answer).await),
        }
        let digest = digest_header(&answer).unwrap_or_else(|| reference.to_string());
        let text = answer.text().await.map_err(|e| RegistryError::Failed(format!("GET {url}: {e}")))?;
        let manifest = serde_json::from_str(&text)
            .map_err(|e| RegistryError::Failed(format!("GET {url} answered what is not a manifest ({e})")))?;
        Ok(Some((digest, manifest)))
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
        let answer = self.send(Method::HEAD, &url, manifest_accept(), None).await?;
        match answer.status() {
            StatusCode::OK => Ok(Some(digest_header(&answer).unwrap_or_else(|| reference.to_string()))),
            StatusCode::NOT_FOUND => Ok(None),
            other => Err(unexpected("HEAD", &url, other, answer).await),
        }
    }

    /// Deletes the manifest `tag` names if that is still `digest`: by tag,
    /// as the official CLI 4.164 asks Cloudflare's registry; where a
    /// registry refuses deletion by tag (the reference `distribution` 2.x
    /// answers `DIGEST_INVALID`, others `UNSUPPORTED`), by the digest,
    /// which the OCI distribution spec requires of every registry that
    /// deletes. The digest deletes the manifest's other tags too: the
    /// caller deletes no digest that a tag it keeps names.
    pub async fn delete_tag(&self, tag: &str, digest: &str) -> Result<TagDeletion, RegistryError> {
        match self.manifest_digest(tag).await? {
            None => return Ok(TagDeletion::Gone),
            Some(now) if now != digest => return Ok(TagDeletion::Moved { digest: now }),
            Some(_) => {}
        }
        let by_tag = format!("{}/manifests/{tag}", self.base);
        let answer = self.send(Method::DELETE, &by_tag, manifest_accept(), None).await?;
        match answer.status() {
            StatusCode::ACCEPTED | StatusCode::OK => return Ok(TagDeletion::Deleted),
            StatusCode::NOT_FOUND => return Ok(TagDeletion::Gone),
            StatusCode::BAD_REQUEST | StatusCode::METHOD_NOT_ALLOWED => {
                let body = answer.text().await.unwrap_or_default();
                if !["DIGEST_INVALID", "UNSUPPORTED"].iter().any(|code| body.contains(code)) {
                    let detail = crate::error::one_line(&body);
                    return Err(RegistryError::Failed(format!("DELETE {by_tag} answered {detail}")));
                }
            }
            other => return Err(unexpected("DELETE", &by_tag, other, answer).await),
        }
        let by_digest = format!("{}/manifests/{digest}", self.base);
        let answer = self.send(Method::DELETE, &by_digest, manifest_accept(), None).await?;
        match answer.status() {
            StatusCode::ACCEPTED | StatusCode::OK => Ok(TagDeletion::Deleted),
            StatusCode::NOT_FOUND => Ok(TagDeletion::Gone),
            other => Err(unexpected("DELETE", &by_digest, other, answer).await),
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
        self.session.send(method, url, headers, body).await
    }

    /// The upload's next location, which may be a path on the registry.
    fn location(&self, answer: &reqwest::Response) -> Result<String, RegistryError> {
        match answer.headers().get(LOCATION).and_then(|l| l.to_str().ok()) {
            Some(location) => Ok(self.session.absolute(location)),
            None => Err(RegistryError::Failed(format!("{} gave an upload no location", answer.url()))),
        }
    }
}

fn image_size(config: &Descriptor, layers: &[Descriptor]) -> u64 {
    config.size + layers.iter().map(|l| l.size).sum::<u64>()
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

/// `Accept:` every manifest type we read, as a registry serves a manifest
/// only in a type the client accepts.
fn manifest_accept() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, ACCEPTED_MANIFESTS.parse().expect("a valid header"));
    headers
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
    fn the_next_page_is_the_link_marked_next() {
        let header = r#"</v2/_catalog?last=b&n=2>; rel="next""#;
        assert_eq!(super::next_link(header).as_deref(), Some("/v2/_catalog?last=b&n=2"));
        let two =
            r#"<https://r.example/v2/_catalog?last=a>; rel="prev", <https://r.example/v2/_catalog?last=c>; rel="next""#;
        assert_eq!(super::next_link(two).as_deref(), Some("https://r.example/v2/_catalog?last=c"));
        assert_eq!(super::next_link(r#"</v2/_catalog?last=a>; rel="prev""#), None);
    }

    #[test]
    fn a_catalog_page_lists_tags_or_names_only() {
        let cloudflare: super::CatalogPage = serde_json::from_str(r#"{"repositories":{"a/web":["1","2"]}}"#).unwrap();
        assert!(matches!(cloudflare.repositories, super::CatalogEntries::WithTags(t) if t["a/web"] == ["1", "2"]));
        let distribution: super::CatalogPage = serde_json::from_str(r#"{"repositories":["a/web"]}"#).unwrap();
        assert!(matches!(distribution.repositories, super::CatalogEntries::Names(n) if n == ["a/web"]));
    }

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
