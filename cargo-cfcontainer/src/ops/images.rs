//! `images`: every repository and tag of the account's registry, with its
//! size, and what uses it: the Worker's versions the API keeps (each
//! records its images, see [`crate::deploy::images`]) and the account's
//! live container applications. Reads only.

use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;

use super::history::History;
use crate::api::{self, Application, Client, CredentialsRequest, RegistryPermission};
use crate::image::{Catalog, RegistryError, StoredImage};
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// Manifests read at once: the registry answers each quickly, and a
/// catalog can hold hundreds of tags.
const CONCURRENT_READS: usize = 8;

/// Minutes the registry credentials of a listing last, as the official
/// CLI 4.164 asks for them.
const CREDENTIAL_MINUTES: u64 = 5;

/// The account's images and what uses each.
#[derive(Debug, Serialize)]
pub struct Images {
    /// The registry's host.
    pub registry: String,
    /// The Worker whose versions were read.
    pub worker: String,
    /// Its versions the API keeps, newest first (none before its first
    /// deploy).
    pub versions: Vec<String>,
    /// The one taking all traffic.
    pub live_version: Option<String>,
    /// The account's repositories, by name.
    pub repositories: Vec<RepositoryImages>,
}

/// One repository of the account.
#[derive(Debug, Serialize)]
pub struct RepositoryImages {
    /// Its name in the account's namespace (without `<account>/`, as the
    /// official CLI lists it).
    pub name: String,
    /// Its tags, by name.
    pub tags: Vec<ImageTag>,
}

/// One tag and what uses its image.
#[derive(Debug, Serialize)]
pub struct ImageTag {
    /// The tag.
    pub tag: String,
    /// The digest of the manifest it names.
    pub digest: String,
    /// The bytes its blobs take in the registry.
    pub size: u64,
    /// The Worker's versions that ran it, newest first.
    pub versions: Vec<UsingVersion>,
    /// The live applications that run it, by name.
    pub applications: Vec<String>,
}

/// A version that recorded an image.
#[derive(Debug, Serialize)]
pub struct UsingVersion {
    /// Its id.
    pub id: String,
    /// Its number.
    pub number: u64,
    /// True for the version taking all traffic.
    pub live: bool,
    /// The container classes that ran the image in it.
    pub classes: Vec<String>,
}

/// Lists the images of the account `project` deploys to, with the uses
/// by its Worker's versions and by every live application.
pub fn images(client: &Client, project: &Project, out: &Output) -> Result<Images, Error> {
    let host = api::checked_registry_host()?;
    let worker = project.settings.name.clone();
    crate::runtime()?.block_on(async {
        let progress = out.progress(&format!("Reading the registry {host}"));
        let listed = read_registry(client, &host, out).await;
        match &listed {
            Ok(stored) => progress.done(&format!("{:>12} {} tags in {host}", "Read", stored.len())),
            Err(_) => progress.fail(),
        }
        let stored = listed?;
        let history = match History::read(client, &worker, out).await {
            Ok(history) => Some(history),
            // No Worker yet: no version uses anything.
            Err(Error::NotDeployed { .. }) => None,
            Err(e) => return Err(e),
        };
        let applications = client.applications(out).await?;
        let uses = Uses { host: &host, history: history.as_ref(), applications: &applications };
        let prefix = format!("{}/", client.account());
        let mut repositories: Vec<RepositoryImages> = Vec::new();
        for (repository, tag, image) in stored {
            let tag = uses.of(&repository, tag, image);
            let name = repository.strip_prefix(&prefix).unwrap_or(&repository).to_string();
            match repositories.last_mut().filter(|r| r.name == name) {
                Some(last) => last.tags.push(tag),
                None => repositories.push(RepositoryImages { name, tags: vec![tag] }),
            }
        }
        let versions = history.iter().flat_map(|h| h.versions.iter().map(|v| v.version.id.clone())).collect();
        let live_version = history.as_ref().and_then(History::live).map(str::to_string);
        Ok(Images { registry: host.clone(), worker, versions, live_version, repositories })
    })
}

/// `(repository, tag, image)` of every tag in the account's namespace of
/// the registry at `host`, by repository and tag. A tag whose manifest
/// went away between the catalog and its reading is left out.
async fn read_registry(client: &Client, host: &str, out: &Output) -> Result<Vec<(String, String, StoredImage)>, Error> {
    let request =
        CredentialsRequest { expiration_minutes: CREDENTIAL_MINUTES, permissions: vec![RegistryPermission::Pull] };
    let creds = client.registry_credentials(host, &request, out).await?;
    let catalog = Catalog::new(host, creds.username, creds.password);
    let failed = |e: RegistryError| Error::RegistryRead { host: host.to_string(), why: e.why() };
    // A registry shared by several accounts (as a local one may be) lists
    // theirs too; only this account's namespace is its own.
    let prefix = format!("{}/", client.account());
    let repositories = catalog.repositories().await.map_err(failed)?;
    let tags: Vec<(String, String)> = repositories
        .into_iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .flat_map(|(name, tags)| tags.into_iter().map(move |tag| (name.clone(), tag)))
        .collect();
    let catalog = &catalog;
    let read = stream::iter(tags.into_iter().map(|(name, tag)| async move {
        let stored = catalog.repository(&name).stored(&tag).await?;
        Ok::<_, RegistryError>(stored.map(|image| (name, tag, image)))
    }))
    .buffered(CONCURRENT_READS)
    .try_collect::<Vec<_>>()
    .await
    .map_err(failed)?;
    Ok(read.into_iter().flatten().collect())
}

/// What an image reference pins in its repository.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Pin<'a> {
    /// `@sha256:...`.
    Digest(&'a str),
    /// `:tag` (or none: `latest`).
    Tag(&'a str),
}

/// `(repository, pin)` of `reference` when it names an image of the
/// registry at `host` (`<host>/<account>/<repo>@sha256:...` as deploys pin
/// them, or `...:<tag>`); `None` for another registry's.
pub(super) fn parse_reference<'a>(reference: &'a str, host: &str) -> Option<(&'a str, Pin<'a>)> {
    let rest = reference.strip_prefix(host)?.strip_prefix('/')?;
    if let Some((repository, digest)) = rest.split_once('@') {
        return Some((repository, Pin::Digest(digest)));
    }
    match rest.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => Some((repository, Pin::Tag(tag))),
        _ => Some((rest, Pin::Tag("latest"))),
    }
}

/// What may use an image: the versions of the Worker and the account's
/// live applications.
struct Uses<'a> {
    host: &'a str,
    history: Option<&'a History>,
    applications: &'a [Application],
}

impl Uses<'_> {
    /// `tag` of `repository`, naming `image`, with what uses it.
    fn of(&self, repository: &str, tag: String, image: StoredImage) -> ImageTag {
        let names = |reference: &str| match parse_reference(reference, self.host) {
            Some((r, Pin::Digest(d))) => r == repository && d == image.digest,
            Some((r, Pin::Tag(t))) => r == repository && t == tag,
            None => false,
        };
        let live = self.history.and_then(History::live);
        let versions = self
            .history
            .map(|h| h.versions.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|recorded| {
                let record = recorded.images.as_ref()?;
                let classes: Vec<String> =
                    record.images.iter().filter(|(_, i)| names(&i.image)).map(|(class, _)| class.clone()).collect();
                let id = recorded.version.id.clone();
                let live = Some(id.as_str()) == live;
                (!classes.is_empty()).then_some(UsingVersion { id, number: recorded.version.number, live, classes })
            })
            .collect();
        let applications =
            self.applications.iter().filter(|a| names(&a.configuration.image)).map(|a| a.name.clone()).collect();
        ImageTag { tag, digest: image.digest, size: image.size, versions, applications }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_read_as_its_repository_and_its_digest_or_tag() {
        let host = "127.0.0.1:5055";
        assert_eq!(
            parse_reference("127.0.0.1:5055/acct/web@sha256:ab", host),
            Some(("acct/web", Pin::Digest("sha256:ab")))
        );
        assert_eq!(parse_reference("127.0.0.1:5055/acct/web:0123", host), Some(("acct/web", Pin::Tag("0123"))));
        assert_eq!(parse_reference("127.0.0.1:5055/acct/web", host), Some(("acct/web", Pin::Tag("latest"))));
        assert_eq!(parse_reference("docker.io/library/nginx:1", host), None);
        assert_eq!(parse_reference("127.0.0.1:50551/acct/web:1", host), None);
    }
}
