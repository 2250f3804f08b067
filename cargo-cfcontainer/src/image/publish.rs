//! Every container's image in the registry: built ones pushed (or found
//! there), prebuilt ones named with the account filled in.

use bollard::Docker;
use cfcontainer_meta::{ContainerMeta, ImageSource};
use serde::Serialize;

use super::{build_all, push_all, repository, RegistryAuth};
use crate::api::Client;
use crate::output::Output;
use crate::{Error, Project};

/// A container's image as deploys reference it.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    /// The container class.
    pub class: String,
    /// The reference, digest-pinned for built images.
    pub reference: String,
    /// What names its content: the content tag of a built image, the
    /// reference of a prebuilt one.
    pub tag: String,
    /// True if layers were sent this time.
    pub pushed: bool,
    /// Layers sent.
    pub layers_pushed: u32,
    /// Layers the registry already had.
    pub layers_present: u32,
}

/// Builds (if needed) and pushes (if needed) every image.
pub async fn publish(
    docker: &Docker,
    client: &Client,
    project: &Project,
    containers: &[ContainerMeta],
    out: &Output,
) -> Result<Vec<Published>, Error> {
    let built = build_all(docker, project, containers, false, out).await?;
    let mut auth = RegistryAuth::new(client);
    let repos: Vec<_> = built
        .into_iter()
        .map(|b| {
            let meta = containers.iter().find(|m| m.class == b.class).expect("built from these containers");
            let repo = repository(meta, project);
            (b, repo)
        })
        .collect();
    let pushed = push_all(docker, &mut auth, &repos, out).await?;
    let mut published: Vec<Published> = pushed
        .into_iter()
        .map(|p| Published {
            class: p.class,
            tag: p.tagged.rsplit_once(':').map(|(_, t)| t.to_string()).unwrap_or_default(),
            reference: p.reference,
            pushed: p.pushed,
            layers_pushed: p.layers_pushed,
            layers_present: p.layers_present,
        })
        .collect();
    for (class, reference) in prebuilt_references(containers, auth.host(), client.account()) {
        let tag = reference.clone();
        published.push(Published { class, reference, tag, pushed: false, layers_pushed: 0, layers_present: 0 });
    }
    published.sort_by(|a, b| a.class.cmp(&b.class));
    Ok(published)
}

/// `(class, reference)` of every container with a prebuilt image, the
/// account filled in as [`with_account`] does.
pub fn prebuilt_references(containers: &[ContainerMeta], registry: &str, account: &str) -> Vec<(String, String)> {
    containers
        .iter()
        .filter_map(|meta| match &meta.image {
            ImageSource::Prebuilt { reference } => {
                Some((meta.class.clone(), with_account(reference, registry, account)))
            }
            ImageSource::Dockerfile { .. } => None,
        })
        .collect()
}

/// A reference in `registry`'s root gets the account's namespace; any
/// other reference is used as is.
fn with_account(reference: &str, registry: &str, account: &str) -> String {
    match reference.strip_prefix(registry).and_then(|r| r.strip_prefix('/')) {
        Some(path) if !path.contains('/') => format!("{registry}/{account}/{path}"),
        _ => reference.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_in_the_registry_root_gets_the_account_and_others_are_kept() {
        let host = "registry.cloudflare.com";
        assert_eq!(with_account("registry.cloudflare.com/app:1.0", host, "acc"), "registry.cloudflare.com/acc/app:1.0");
        assert_eq!(
            with_account("registry.cloudflare.com/acc/app:1.0", host, "acc"),
            "registry.cloudflare.com/acc/app:1.0"
        );
        assert_eq!(with_account("docker.io/library/nginx:1", host, "acc"), "docker.io/library/nginx:1");
    }
}
