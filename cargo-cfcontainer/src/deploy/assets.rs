//! Uploading a version's static assets as the official CLI does: a
//! session with the whole manifest, whose answer lists the files the
//! account lacks in buckets; each bucket posted (base64 content, keyed by
//! hash) with the session's token; the last answer's token completes the
//! upload and goes into the script upload. Files the account has are
//! never sent again.

use std::collections::BTreeMap;

use super::desired::DesiredAssets;
use crate::api::{Client, ManifestEntry, Part, Secret, UploadSessionRequest};
use crate::output::Output;
use crate::Error;
use base64::Engine;
use futures_util::{stream, StreamExt};

/// Buckets uploaded at once.
const BUCKETS_IN_FLIGHT: usize = 3;

/// Uploads what the account lacks of `assets` for Worker `script` and
/// returns the completion token for its upload.
pub async fn sync(client: &Client, script: &str, assets: &DesiredAssets, out: &Output) -> Result<String, Error> {
    let manifest: BTreeMap<String, ManifestEntry> = assets
        .manifest
        .iter()
        .map(|(path, file)| (path.clone(), ManifestEntry { hash: file.hash.clone(), size: file.size }))
        .collect();
    let session = client.assets_upload_session(script, &UploadSessionRequest { manifest }, out).await?;
    let wanted: usize = session.buckets.iter().map(Vec::len).sum();
    if wanted == 0 {
        return Ok(session.jwt);
    }
    let token = Secret::new(session.jwt);
    let files = format!("{wanted} static asset{}", if wanted == 1 { "" } else { "s" });
    let progress = out.progress(&format!("Uploading {files}"));
    // Three buckets in flight at a time, as the official CLI sends them.
    let uploads = session.buckets.iter().map(|bucket| upload_bucket(client, &token, assets, bucket, out));
    let answers: Vec<Result<Option<String>, Error>> = stream::iter(uploads).buffered(BUCKETS_IN_FLIGHT).collect().await;
    let mut completion = None;
    for answer in answers {
        match answer {
            Ok(jwt) => completion = jwt.or(completion),
            Err(e) => {
                progress.fail();
                return Err(e);
            }
        }
    }
    match completion {
        Some(jwt) => {
            progress.done(&format!("{:>12} {files}", "Uploaded"));
            Ok(jwt)
        }
        None => {
            progress.fail();
            Err(Error::Local {
                what: "upload static assets".into(),
                why: "the API completed no upload after the last bucket; deploy again".into(),
            })
        }
    }
}

/// One bucket: each file by hash, its content in base64; the completion
/// token if this was the last.
async fn upload_bucket(
    client: &Client,
    token: &Secret,
    assets: &DesiredAssets,
    bucket: &[String],
    out: &Output,
) -> Result<Option<String>, Error> {
    let mut parts = Vec::new();
    for hash in bucket {
        let Some(file) = assets.manifest.values().find(|f| f.hash == *hash) else {
            return Err(Error::Local {
                what: "upload static assets".into(),
                why: format!("the API asked for a file this deploy does not have ({hash})"),
            });
        };
        let content = std::fs::read(&file.path).map_err(|e| Error::Read { path: file.path.clone(), source: e })?;
        let data = base64::engine::general_purpose::STANDARD.encode(content).into_bytes();
        parts.push(Part { name: hash.clone(), content_type: file.content_type(), data, file: true });
    }
    Ok(client.upload_assets(token, parts, out).await?.jwt)
}
