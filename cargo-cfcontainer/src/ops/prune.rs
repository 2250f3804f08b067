//! `images prune`'s plan: the tags of the Worker's repositories that no
//! live application and none of the kept versions (those `rollback` can
//! reach: by default every version the API keeps) use. Reads only; the
//! deleting is still to come.

use serde::Serialize;

use super::images::{ImageTag, Images};

/// What a prune would delete and what it keeps.
#[derive(Debug, Serialize)]
pub struct PrunePlan {
    /// The registry's host.
    pub registry: String,
    /// The Worker whose versions decide.
    pub worker: String,
    /// The versions whose images stay, newest first (the live one always).
    pub kept_versions: Vec<String>,
    /// The tags to delete.
    pub delete: Vec<PrunedTag>,
    /// The tags of the Worker's repositories that stay, and why.
    pub keep: Vec<KeptTag>,
    /// Repositories none of the Worker's versions recorded (another
    /// Worker's, or pushed and never deployed): left alone, whatever uses
    /// them.
    pub other_repositories: Vec<String>,
}

/// A tag the prune deletes.
#[derive(Debug, Clone, Serialize)]
pub struct PrunedTag {
    /// Its repository.
    pub repository: String,
    /// The tag.
    pub tag: String,
    /// The manifest it names.
    pub digest: String,
    /// Its blobs' bytes (a layer shared with a kept image stays).
    pub size: u64,
}

/// A tag the prune keeps.
#[derive(Debug, Serialize)]
pub struct KeptTag {
    /// Its repository.
    pub repository: String,
    /// The tag.
    pub tag: String,
    /// Why it stays.
    #[serde(flatten)]
    pub because: Keep,
}

/// Why a tag stays.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "because", rename_all = "snake_case")]
pub enum Keep {
    /// Live applications run it.
    Application {
        /// Their names.
        applications: Vec<String>,
    },
    /// Kept versions recorded it.
    Version {
        /// Their ids.
        versions: Vec<String>,
    },
    /// It names the same manifest as a kept tag: a registry deletes a
    /// manifest by its digest, the other tag with it.
    SharedManifest {
        /// The kept tag.
        with: String,
    },
}

impl PrunePlan {
    /// The plan for `images`, keeping the `keep_versions` newest versions
    /// (all without a number) and the live one.
    pub fn of(images: &Images, keep_versions: Option<usize>) -> PrunePlan {
        let newest = images.versions.iter().take(keep_versions.unwrap_or(usize::MAX));
        let mut kept_versions: Vec<String> = newest.cloned().collect();
        if let Some(live) = images.live_version.as_ref().filter(|l| !kept_versions.contains(l)) {
            kept_versions.push(live.clone());
        }
        let (mut delete, mut keep, mut other_repositories) = (Vec::new(), Vec::new(), Vec::new());
        for repository in &images.repositories {
            // The Worker's own: a version of it recorded one of its tags.
            if repository.tags.iter().all(|t| t.versions.is_empty()) {
                other_repositories.push(repository.name.clone());
                continue;
            }
            let kept: Vec<&ImageTag> = repository.tags.iter().filter(|t| reason(t, &kept_versions).is_some()).collect();
            for tag in &repository.tags {
                let sharing = || kept.iter().find(|k| k.digest == tag.digest).map(|k| k.tag.clone());
                let because =
                    reason(tag, &kept_versions).or_else(|| sharing().map(|with| Keep::SharedManifest { with }));
                let (name, tag_name) = (repository.name.clone(), tag.tag.clone());
                match because {
                    Some(because) => keep.push(KeptTag { repository: name, tag: tag_name, because }),
                    None => delete.push(PrunedTag {
                        repository: name,
                        tag: tag_name,
                        digest: tag.digest.clone(),
                        size: tag.size,
                    }),
                }
            }
        }
        PrunePlan {
            registry: images.registry.clone(),
            worker: images.worker.clone(),
            kept_versions,
            delete,
            keep,
            other_repositories,
        }
    }

    /// The bytes the deleted tags' blobs take, at most (layers shared with
    /// kept images stay).
    pub fn bytes(&self) -> u64 {
        self.delete.iter().map(|t| t.size).sum()
    }
}

/// Why `tag` stays of its own: live applications run it, or kept
/// versions recorded it.
fn reason(tag: &ImageTag, kept_versions: &[String]) -> Option<Keep> {
    if !tag.applications.is_empty() {
        return Some(Keep::Application { applications: tag.applications.clone() });
    }
    let versions: Vec<String> =
        tag.versions.iter().filter(|v| kept_versions.contains(&v.id)).map(|v| v.id.clone()).collect();
    (!versions.is_empty()).then_some(Keep::Version { versions })
}

#[cfg(test)]
mod tests {
    use super::super::images::{RepositoryImages, UsingVersion};
    use super::*;

    fn tag(tag: &str, digest: &str, versions: &[&str], applications: &[&str]) -> ImageTag {
        let versions = versions
            .iter()
            .enumerate()
            .map(|(i, id)| UsingVersion {
                id: id.to_string(),
                number: i as u64,
                live: false,
                classes: vec!["Web".into()],
            })
            .collect();
        let applications = applications.iter().map(|a| a.to_string()).collect();
        ImageTag { tag: tag.into(), digest: digest.into(), size: 10, versions, applications }
    }

    fn images(repositories: Vec<RepositoryImages>, live: &str) -> Images {
        Images {
            registry: "r".into(),
            worker: "w".into(),
            versions: vec!["v3".into(), "v2".into(), "v1".into()],
            live_version: Some(live.into()),
            repositories,
        }
    }

    #[test]
    fn tags_no_kept_version_nor_live_application_uses_go_and_the_live_ones_always_stay() {
        let web = RepositoryImages {
            name: "w-web".into(),
            tags: vec![
                tag("a", "sha256:a", &["v1"], &[]),
                tag("b", "sha256:b", &["v2"], &["w-web"]),
                tag("c", "sha256:c", &["v3"], &[]),
                tag("stray", "sha256:s", &[], &[]),
                tag("alias", "sha256:c", &[], &[]),
            ],
        };
        let other = RepositoryImages { name: "other".into(), tags: vec![tag("x", "sha256:x", &[], &[])] };
        // Every version kept: only the tag nothing uses goes.
        let all = PrunePlan::of(&images(vec![web, other], "v2"), None);
        let deleted: Vec<&str> = all.delete.iter().map(|t| t.tag.as_str()).collect();
        assert_eq!(deleted, ["stray"]);
        assert_eq!(all.other_repositories, ["other"], "another repository is left alone");
        let alias = all.keep.iter().find(|k| k.tag == "alias").unwrap();
        assert_eq!(alias.because, Keep::SharedManifest { with: "c".into() });
        // The newest version only: the live one (v2, rolled back to) stays too.
        let web = RepositoryImages {
            name: "w-web".into(),
            tags: vec![
                tag("a", "sha256:a", &["v1"], &[]),
                tag("b", "sha256:b", &["v2"], &["w-web"]),
                tag("c", "sha256:c", &["v3"], &[]),
            ],
        };
        let newest = PrunePlan::of(&images(vec![web], "v2"), Some(1));
        assert_eq!(newest.kept_versions, ["v3", "v2"]);
        let deleted: Vec<&str> = newest.delete.iter().map(|t| t.tag.as_str()).collect();
        assert_eq!(deleted, ["a"]);
        assert_eq!(newest.bytes(), 10);
        let b = newest.keep.iter().find(|k| k.tag == "b").unwrap();
        assert_eq!(b.because, Keep::Application { applications: vec!["w-web".into()] });
    }
}
