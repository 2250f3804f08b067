//! Pushing images to Cloudflare's registry through the engine, with
//! short-lived credentials from the Cloudflare API held in memory only.

use std::time::{Duration, Instant};

use bollard::auth::DockerCredentials;
use bollard::query_parameters::{PushImageOptionsBuilder, RemoveImageOptionsBuilder, TagImageOptionsBuilder};
use bollard::Docker;
use futures_util::StreamExt;
use serde::Serialize;

use super::events::{ImageAt, PushStatus};
use super::BuiltImage;
use crate::api::{self, Client, CredentialsRequest, RegistryCredentials, RegistryPermission};
use crate::engine::engine_error;
use crate::output::{Output, Reason};
use crate::Error;

/// Minutes the requested credentials live.
const CREDENTIAL_MINUTES: u64 = 15;
/// Credentials older than this are refreshed before the next push.
const CREDENTIAL_REFRESH: Duration = Duration::from_secs(12 * 60);
/// Pushes retried with fresh credentials after the registry refused them.
pub const AUTH_RETRIES: u32 = 2;

/// An image in the registry, pinned by digest.
#[derive(Debug, Clone, Serialize)]
pub struct PushedImage {
    /// The container class.
    pub class: String,
    /// `<registry>/<account>/<repo>@sha256:...`: what deploys use.
    pub reference: String,
    /// `<registry>/<account>/<repo>:<content tag>`.
    pub tagged: String,
    /// `sha256:...`.
    pub digest: String,
    /// False when the registry already had it (nothing was sent).
    pub pushed: bool,
    /// Layers sent.
    pub layers_pushed: u32,
    /// Layers the registry already had.
    pub layers_present: u32,
}

/// Registry credentials, fetched from the API when first needed and
/// refreshed when old or refused.
pub struct RegistryAuth<'a> {
    client: &'a Client,
    host: String,
    current: Option<(RegistryCredentials, Instant)>,
}

impl<'a> RegistryAuth<'a> {
    /// Credentials for `CLOUDFLARE_CONTAINER_REGISTRY` (or Cloudflare's).
    pub fn new(client: &'a Client) -> RegistryAuth<'a> {
        RegistryAuth { client, host: api::registry_host(), current: None }
    }

    /// The registry host.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Repository of `repo` in the account's namespace.
    pub fn repository(&self, repo: &str) -> String {
        format!("{}/{}/{repo}", self.host, self.client.account())
    }

    /// The account's namespace in the registry (`<account>`).
    pub fn namespace(&self) -> &str {
        self.client.account()
    }

    /// The credentials: the ones held, unless they are old, missing or
    /// `fresh` ones are asked for (the registry refused them).
    pub async fn basic(&mut self, fresh: bool, out: &Output) -> Result<RegistryCredentials, Error> {
        let stale = self.current.as_ref().is_none_or(|(_, at)| at.elapsed() > CREDENTIAL_REFRESH);
        if fresh || stale {
            let body = CredentialsRequest {
                expiration_minutes: CREDENTIAL_MINUTES,
                permissions: vec![RegistryPermission::Push, RegistryPermission::Pull],
            };
            let creds = self.client.registry_credentials(&self.host, &body, out).await?;
            self.current = Some((creds, Instant::now()));
        }
        let (creds, _) = self.current.as_ref().expect("credentials fetched above");
        Ok(creds.clone())
    }

    async fn credentials(&mut self, fresh: bool, out: &Output) -> Result<DockerCredentials, Error> {
        let creds = self.basic(fresh, out).await?;
        Ok(DockerCredentials {
            username: Some(creds.username.clone()),
            password: Some(creds.password.expose().to_string()),
            serveraddress: Some(self.host.clone()),
            ..Default::default()
        })
    }
}

/// Puts every built image in the registry unless it is there already.
pub async fn push_all(
    docker: &Docker,
    auth: &mut RegistryAuth<'_>,
    repos: &[(BuiltImage, String)],
    out: &Output,
) -> Result<Vec<PushedImage>, Error> {
    let mut pushed = Vec::new();
    for (image, repo) in repos {
        pushed.push(push_one(docker, auth, image, repo, out).await?);
    }
    Ok(pushed)
}

async fn push_one(
    docker: &Docker,
    auth: &mut RegistryAuth<'_>,
    image: &BuiltImage,
    repo: &str,
    out: &Output,
) -> Result<PushedImage, Error> {
    let repository = auth.repository(repo);
    let tag = image.reference.rsplit_once(':').map(|(_, t)| t.to_string()).unwrap_or_else(|| "latest".into());
    let tagged = format!("{repository}:{tag}");
    let done = |digest: String, pushed: bool, layers_pushed: u32, layers_present: u32| PushedImage {
        class: image.class.clone(),
        reference: format!("{repository}@{digest}"),
        tagged: tagged.clone(),
        digest,
        pushed,
        layers_pushed,
        layers_present,
    };
    // Pushed from here before, the engine remembers the digest; whether
    // the registry still has it (a registry pruned or recreated since
    // does not) only the registry says: its manifest is asked for.
    if let Some(digest) = pushed_digest(docker, &image.id, &repository).await? {
        if in_registry(docker, auth, &format!("{repository}@{digest}"), out).await?.is_some() {
            report_present(out, &image.class, &tagged);
            return Ok(done(digest, false, 0, 0));
        }
    }
    // The tag for the registry is the push's own: a push that fails takes
    // it away again, so a registry that cannot be reached leaves no image
    // tagged for it (one tagged before this run keeps its tag).
    let tagged_before = docker
        .inspect_image(&image.id)
        .await
        .map_err(engine_error)?
        .repo_tags
        .is_some_and(|tags| tags.contains(&tagged));
    docker
        .tag_image(&image.reference, Some(TagImageOptionsBuilder::default().repo(&repository).tag(&tag).build()))
        .await
        .map_err(engine_error)?;
    let sent = send(docker, auth, image, &repository, &tag, &tagged, out)
        .await
        .map(|(digest, pushed, sent, present)| done(digest, pushed, sent, present));
    if sent.is_err() && !tagged_before {
        let untag = RemoveImageOptionsBuilder::default().noprune(true).build();
        if let Err(e) = docker.remove_image(&tagged, Some(untag), None).await {
            out.verbose(&format!("could not take the tag {tagged} away again: {e}"));
        }
    }
    sent
}

/// Puts the image tagged `tagged` into the registry unless the registry
/// has it already: (digest, sent, layers sent, layers present).
async fn send(
    docker: &Docker,
    auth: &mut RegistryAuth<'_>,
    image: &BuiltImage,
    repository: &str,
    tag: &str,
    tagged: &str,
    out: &Output,
) -> Result<(String, bool, u32, u32), Error> {
    // A content tag in the registry is this image (pushed from elsewhere).
    // A fixed tag there may name older content: that one is pushed.
    if image.content_tag {
        if let Some(digest) = in_registry(docker, auth, tagged, out).await? {
            report_present(out, &image.class, tagged);
            return Ok((digest, false, 0, 0));
        }
    }
    let mut refused = 0;
    loop {
        let creds = auth.credentials(refused > 0, out).await?;
        match push_stream(docker, repository, tag, creds, out).await {
            Ok((digest, layers_pushed, layers_present)) => {
                let digest = match digest {
                    Some(d) => d,
                    None => pushed_digest(docker, &image.id, repository)
                        .await?
                        .ok_or_else(|| push_failed(tagged, "the engine reported no digest".into()))?,
                };
                return Ok((digest, true, layers_pushed, layers_present));
            }
            Err(PushError::Unauthorized(why)) if refused < AUTH_RETRIES => {
                refused += 1;
                out.verbose(&format!("registry refused the credentials ({why}); fetching fresh ones"));
            }
            Err(PushError::Unauthorized(why)) => {
                return Err(Error::Registry {
                    host: auth.host().to_string(),
                    why: format!("it refused the credentials the Cloudflare API issued ({why})"),
                    hint: "check that the API token may push images (Containers Edit) and that CLOUDFLARE_CONTAINER_REGISTRY is right",
                })
            }
            Err(PushError::Other(e)) => return Err(e),
        }
    }
}

/// The digest of `reference` (`repo:tag` or `repo@digest`) if the
/// registry serves its manifest, asked through the engine (as a pull
/// would ask); any failure to find it counts as absent, and the push
/// that follows says what is wrong with the registry, if anything.
async fn in_registry(
    docker: &Docker,
    auth: &mut RegistryAuth<'_>,
    reference: &str,
    out: &Output,
) -> Result<Option<String>, Error> {
    let creds = auth.credentials(false, out).await?;
    match docker.inspect_registry_image(reference, Some(creds)).await {
        Ok(found) => Ok(found.descriptor.digest),
        Err(e) => {
            out.verbose(&format!("{reference} is not in the registry ({e})"));
            Ok(None)
        }
    }
}

enum PushError {
    Unauthorized(String),
    Other(Error),
}

/// Streams one push; returns (digest, layers pushed, layers present).
async fn push_stream(
    docker: &Docker,
    repository: &str,
    tag: &str,
    creds: DockerCredentials,
    out: &Output,
) -> Result<(Option<String>, u32, u32), PushError> {
    let progress = out.progress(&format!("Pushing {repository}:{tag}"));
    let mut stream =
        docker.push_image(repository, Some(PushImageOptionsBuilder::default().tag(tag).build()), Some(creds));
    let (mut digest, mut pushed, mut present) = (None, 0, 0);
    while let Some(item) = stream.next().await {
        let info = match item {
            Ok(info) => info,
            Err(err) => {
                progress.fail();
                let why = match err {
                    bollard::errors::Error::DockerStreamError { error } => error,
                    other => other.to_string(),
                };
                return Err(classify(repository, why));
            }
        };
        if let Some(detail) = info.error_detail.and_then(|d| d.message) {
            progress.fail();
            return Err(classify(repository, detail));
        }
        let status = info.status.unwrap_or_default();
        match status.as_str() {
            "Pushed" => pushed += 1,
            "Layer already exists" => present += 1,
            s if s.starts_with("Mounted from") => present += 1,
            _ => {}
        }
        if let Some(d) = status.split("digest: ").nth(1).and_then(|rest| rest.split_whitespace().next()) {
            digest = Some(d.to_string());
        }
        let bytes = info.progress_detail.and_then(|p| Some((p.current?, p.total?)));
        let line = match bytes {
            Some((current, total)) => format!("{status} {:.1}/{:.1} MB", current as f64 / 1e6, total as f64 / 1e6),
            None => status.clone(),
        };
        progress.line(&line);
        out.event(Reason::PushProgress, &PushStatus { repository, status: &status }, String::new);
    }
    progress.done(&format!("{:>12} {repository}:{tag} ({pushed} layers sent, {present} already there)", "Pushed"));
    Ok((digest, pushed, present))
}

fn classify(repository: &str, why: String) -> PushError {
    let lower = why.to_ascii_lowercase();
    if lower.contains("unauthorized")
        || lower.contains("authentication required")
        || lower.contains("401")
        || lower.contains("denied")
    {
        PushError::Unauthorized(crate::error::one_line(&why))
    } else {
        PushError::Other(push_failed(repository, why))
    }
}

fn push_failed(what: &str, why: String) -> Error {
    Error::Registry {
        host: what.to_string(),
        why: crate::error::one_line(&why),
        hint: "check the registry is reachable from the Docker engine and rerun",
    }
}

/// The digest under which the engine knows image `id` in `repository`
/// (set when it was pushed from here; the registry may have lost it
/// since, so it names an image, it does not say where it is).
pub async fn pushed_digest(docker: &Docker, id: &str, repository: &str) -> Result<Option<String>, Error> {
    let image = docker.inspect_image(id).await.map_err(engine_error)?;
    let prefix = format!("{repository}@");
    Ok(image.repo_digests.unwrap_or_default().iter().find_map(|d| d.strip_prefix(&prefix).map(str::to_string)))
}

/// Says that `tagged` is in the registry already.
pub fn report_present(out: &Output, class: &str, tagged: &str) {
    out.event(Reason::ImagePresent, &ImageAt { class, reference: tagged }, || {
        format!("{:>12} {tagged} (already in the registry)", "Present")
    });
}
