//! Pushing an image through the registry API ourselves (no engine): its
//! blobs the registry lacks, then its manifest under its tag, with the
//! credentials the Cloudflare API issues, fetched again when the registry
//! refuses them part-way (the blobs it has by then are not sent again).

use super::blobs::ImageBlobs;
use super::events::BlobSent;
use super::push::{report_present, PushedImage, RegistryAuth, AUTH_RETRIES};
use super::registry::{RegistryError, Repository};
use crate::output::{Output, Progress, Reason};
use crate::Error;

/// What to push: `blobs` as `<registry>/<account>/<repo>:<tag>`, for the
/// container `class`.
pub struct Upload<'a> {
    /// The container class.
    pub class: &'a str,
    /// The repository in the account's namespace.
    pub repo: &'a str,
    /// The tag.
    pub tag: &'a str,
    /// True if `tag` names the content (a tag the registry has is this
    /// image); false for a fixed `tag`, which counts only when it names
    /// this very manifest.
    pub content_tag: bool,
    /// The image.
    pub blobs: &'a ImageBlobs,
}

/// Puts the image in the registry unless it is there already.
pub async fn upload(auth: &mut RegistryAuth<'_>, upload: &Upload<'_>, out: &Output) -> Result<PushedImage, Error> {
    let repository = format!("{}/{}/{}", auth.host(), auth.namespace(), upload.repo);
    let tagged = format!("{repository}:{}", upload.tag);
    let mut refused = 0;
    loop {
        let creds = auth.basic(refused > 0, out).await?;
        let name = format!("{}/{}", auth.namespace(), upload.repo);
        let registry = Repository::new(auth.host(), &name, creds.username, creds.password);
        match attempt(&registry, upload, &tagged, out).await {
            Ok((digest, sent)) => {
                let (pushed, layers_pushed, layers_present) = match sent {
                    Some((sent, present)) => (true, sent, present),
                    None => (false, 0, 0),
                };
                return Ok(PushedImage {
                    class: upload.class.to_string(),
                    reference: format!("{repository}@{digest}"),
                    tagged,
                    digest,
                    pushed,
                    layers_pushed,
                    layers_present,
                });
            }
            Err(RegistryError::Unauthorized(why)) if refused < AUTH_RETRIES => {
                refused += 1;
                out.verbose(&format!("registry refused the credentials ({why}); fetching fresh ones"));
            }
            Err(RegistryError::Unauthorized(why)) => {
                return Err(Error::Registry {
                    host: auth.host().to_string(),
                    why: format!("it refused the credentials the Cloudflare API issued ({why})"),
                    hint: "check that the API token may push images (Containers Edit) and that CLOUDFLARE_CONTAINER_REGISTRY is right",
                })
            }
            Err(RegistryError::Failed(why)) => {
                return Err(Error::Registry {
                    host: tagged,
                    why,
                    hint: "check that the registry is reachable and rerun (blobs it has are not sent again)",
                })
            }
        }
    }
}

/// One try: the digest, and `(layers sent, layers present)` when it was
/// pushed now (`None` when the registry had it).
async fn attempt(
    registry: &Repository,
    upload: &Upload<'_>,
    tagged: &str,
    out: &Output,
) -> Result<(String, Option<(u32, u32)>), RegistryError> {
    let ours = &upload.blobs.digest;
    if let Some(theirs) = registry.manifest_digest(upload.tag).await? {
        if upload.content_tag || theirs == *ours {
            report_present(out, upload.class, tagged);
            return Ok((theirs, None));
        }
    }
    let progress = out.progress(&format!("Pushing {tagged}"));
    let result = send_blobs(registry, upload, &progress, out).await;
    let (sent, present) = match result {
        Ok(counts) => counts,
        Err(e) => {
            progress.fail();
            return Err(e);
        }
    };
    let digest = match registry.put_manifest(upload.tag, &upload.blobs.manifest).await {
        Ok(digest) => digest.unwrap_or_else(|| ours.clone()),
        Err(e) => {
            progress.fail();
            return Err(e);
        }
    };
    progress.done(&format!("{:>12} {tagged} ({sent} layers sent, {present} already there)", "Pushed"));
    Ok((digest, Some((sent, present))))
}

/// Sends each layer and the config the registry lacks; counts the layers.
async fn send_blobs(
    registry: &Repository,
    upload: &Upload<'_>,
    progress: &Progress,
    out: &Output,
) -> Result<(u32, u32), RegistryError> {
    let (mut sent, mut present) = (0, 0);
    let layers = upload.blobs.layers.len();
    let blobs = upload.blobs.layers.iter().enumerate().map(|(i, b)| (Some(i + 1), b));
    for (number, blob) in blobs.chain([(None, &upload.blobs.config)]) {
        let what = match number {
            Some(n) => format!("layer {n}/{layers}"),
            None => "config".to_string(),
        };
        let short = &blob.descriptor.digest[7..19];
        if registry.has_blob(&blob.descriptor.digest).await? {
            progress.line(&format!("{what} {short} already there"));
            present += u32::from(number.is_some());
            continue;
        }
        let total = blob.descriptor.size as f64 / 1e6;
        registry
            .upload(blob, |bytes| progress.line(&format!("{what} {short} {:.1}/{total:.1} MB", bytes as f64 / 1e6)))
            .await?;
        let sent_blob = BlobSent { class: upload.class, blob: &blob.descriptor.digest, size: blob.descriptor.size };
        out.event(Reason::PushProgress, &sent_blob, String::new);
        sent += u32::from(number.is_some());
    }
    Ok((sent, present))
}
