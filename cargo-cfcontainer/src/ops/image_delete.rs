//! `images delete IMAGE:TAG`: one tag of the account's registry deleted
//! as the official CLI 4.164's `containers images delete` deletes it (see
//! [`super::prune_delete`], which does the deleting), with what that CLI
//! does not know: a tag the live application or the live version runs is
//! refused, and one a kept version recorded needs `--force`, since a
//! rollback to that version would find no image.

use regex_lite::Regex;

use super::images::{ImageTag, Images, RepositoryImages};
use super::prune::{PrunePlan, PrunedTag};
use crate::Error;

/// An `IMAGE:TAG` argument, checked as the official CLI 4.164 checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageName {
    /// The repository, in the account's namespace (as `images` lists it).
    pub repository: String,
    /// The tag.
    pub tag: String,
}

impl ImageName {
    /// Reads `text`: one `:`, a repository of lowercase path components
    /// (at most 255 characters) and a tag of at most 128 characters.
    pub fn parse(text: &str) -> Result<ImageName, Error> {
        let bad = |why: &str| Error::BadImageName { image: text.to_string(), why: why.to_string() };
        let (repository, tag) = match text.split(':').collect::<Vec<_>>()[..] {
            [repository, tag] if !repository.is_empty() && !tag.is_empty() => (repository, tag),
            _ => return Err(bad("it needs one `:` between a repository and a tag")),
        };
        let component = Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$").expect("a valid pattern");
        if repository.len() > 255 || !repository.split('/').all(|c| component.is_match(c)) {
            return Err(bad("a repository is lowercase letters, digits and single separators (`.`, `_`, `-`, `/`), at most 255 characters"));
        }
        let tag_pattern = Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").expect("a valid pattern");
        if !tag_pattern.is_match(tag) {
            return Err(bad(
                "a tag is letters, digits, `_`, `.` and `-`, at most 128 characters, not starting with `.` or `-`",
            ));
        }
        Ok(ImageName { repository: repository.to_string(), tag: tag.to_string() })
    }
}

/// The prune of the one tag `name` names in `images`: refused if the tag
/// is unknown, live, or (without `force`) recorded by a kept version.
pub fn plan(images: &Images, name: &ImageName, force: bool) -> Result<PrunePlan, Error> {
    let repository = find_repository(images, &name.repository)?;
    let tag = find_tag(repository, name)?;
    let image = format!("{}:{}", name.repository, name.tag);
    if let Some(application) = tag.applications.first() {
        return Err(Error::ImageInUse { image, by: format!("the live application `{application}` runs it") });
    }
    if let Some(live) = tag.versions.iter().find(|v| v.live) {
        return Err(Error::ImageInUse { image, by: format!("the live version {} recorded it", live.number) });
    }
    if !force && !tag.versions.is_empty() {
        let numbers: Vec<String> = tag.versions.iter().map(|v| v.number.to_string()).collect();
        let s = if numbers.len() == 1 { "" } else { "s" };
        return Err(Error::ImageRecorded { image, versions: format!("version{s} {}", numbers.join(", ")) });
    }
    let delete = vec![PrunedTag {
        repository: repository.name.clone(),
        tag: tag.tag.clone(),
        digest: tag.digest.clone(),
        size: tag.size,
    }];
    Ok(PrunePlan {
        registry: images.registry.clone(),
        worker: images.worker.clone(),
        kept_versions: images.versions.clone(),
        delete,
        keep: Vec::new(),
        other_repositories: Vec::new(),
    })
}

fn find_repository<'a>(images: &'a Images, name: &str) -> Result<&'a RepositoryImages, Error> {
    if let Some(found) = images.repositories.iter().find(|r| r.name == name) {
        return Ok(found);
    }
    let known: Vec<&str> = images.repositories.iter().map(|r| r.name.as_str()).collect();
    let hint = match cfcontainer_meta::suggest::closest(name, &known) {
        Some(near) => format!("did you mean `{near}`?"),
        None => "`cargo cfcontainer images` lists them".to_string(),
    };
    Err(Error::NoSuchRepository { repository: name.to_string(), registry: images.registry.clone(), hint })
}

fn find_tag<'a>(repository: &'a RepositoryImages, name: &ImageName) -> Result<&'a ImageTag, Error> {
    if let Some(found) = repository.tags.iter().find(|t| t.tag == name.tag) {
        return Ok(found);
    }
    let known: Vec<&str> = repository.tags.iter().map(|t| t.tag.as_str()).collect();
    Err(Error::NoSuchTag {
        repository: name.repository.clone(),
        tag: name.tag.clone(),
        tags: if known.is_empty() { "none".to_string() } else { known.join(", ") },
    })
}

#[cfg(test)]
mod tests {
    use super::super::images::UsingVersion;
    use super::*;

    fn images() -> Images {
        let tag = |tag: &str, versions: Vec<UsingVersion>, applications: Vec<String>| ImageTag {
            tag: tag.into(),
            digest: format!("sha256:{tag}"),
            size: 5,
            versions,
            applications,
        };
        let version = |number: u64, live: bool| UsingVersion {
            id: format!("v{number}"),
            number,
            live,
            classes: vec!["Web".into()],
        };
        Images {
            registry: "r:1".into(),
            worker: "w".into(),
            versions: vec!["v2".into(), "v1".into()],
            live_version: Some("v2".into()),
            repositories: vec![RepositoryImages {
                name: "w-web".into(),
                tags: vec![
                    tag("live", vec![version(2, true)], vec!["w-web".into()]),
                    tag("old", vec![version(1, false)], vec![]),
                    tag("stray", vec![], vec![]),
                ],
            }],
        }
    }

    fn name(text: &str) -> ImageName {
        ImageName::parse(text).unwrap()
    }

    #[test]
    fn an_image_name_is_read_with_the_official_clis_rules() {
        assert_eq!(name("acct/w-web:0a1b"), ImageName { repository: "acct/w-web".into(), tag: "0a1b".into() });
        for bad in ["w-web", "w-web:", ":t", "a:b:c", "W-Web:t", "w--:t", "w-web:.t", "w-web:t/x"] {
            let e = ImageName::parse(bad).unwrap_err().to_string();
            assert!(e.starts_with(&format!("`{bad}` is no IMAGE:TAG")), "{e}");
        }
    }

    #[test]
    fn a_stray_tag_is_planned_alone_and_a_live_or_recorded_one_is_refused_in_one_line() {
        let plan = plan(&images(), &name("w-web:stray"), false).unwrap();
        assert_eq!(plan.delete.iter().map(|t| t.digest.as_str()).collect::<Vec<_>>(), ["sha256:stray"]);
        let live = plan_error("w-web:live", true);
        assert!(live.contains("the live application `w-web` runs it"), "{live}");
        let old = plan_error("w-web:old", false);
        assert!(old.contains("version 1") && old.contains("--force"), "{old}");
        assert!(
            super::plan(&images(), &name("w-web:old"), true).is_ok(),
            "--force deletes what only an old version recorded"
        );
        let typo = plan_error("w-wbe:stray", false);
        assert!(typo.contains("did you mean `w-web`?"), "{typo}");
        let tag = plan_error("w-web:nope", false);
        assert!(tag.contains("live, old, stray"), "{tag}");
    }

    fn plan_error(image: &str, force: bool) -> String {
        super::plan(&images(), &name(image), force).unwrap_err().to_string()
    }
}
