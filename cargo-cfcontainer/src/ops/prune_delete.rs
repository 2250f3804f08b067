//! `images prune`'s deleting: each tag of the plan deleted as the official
//! CLI 4.164 deletes one (its manifest's digest asked for, the manifest
//! deleted), then one request for the registry to free the layers no
//! manifest names. Never what a live application runs: the applications
//! are read again right before the first delete, since a deploy or a
//! rollback may have moved one onto a planned tag after the plan was made.
//! A prune stopped midway converges on rerun: a tag deleted before is
//! found gone, and the next plan no longer lists it.

use serde::Serialize;

use super::images::{parse_reference, Pin};
use super::prune::{PrunePlan, PrunedTag};
use crate::api::{self, Application, Client, CredentialsRequest, KillHook, RegistryPermission};
use crate::image::{Catalog, LayerCollection, RegistryError, TagDeletion};
use crate::output::{Output, Reason};
use crate::Error;

/// Minutes the credentials of a prune last, as the official CLI 4.164
/// asks for them to delete (fresh ones are asked for if they run out).
const CREDENTIAL_MINUTES: u64 = 5;

/// What a prune did.
#[derive(Debug, Serialize)]
pub struct Pruned {
    /// What it set out to do.
    pub plan: PrunePlan,
    /// What became of each planned tag, in the plan's order.
    pub tags: Vec<PrunedOutcome>,
    /// Whether the registry was asked to free the layers, and what it said.
    pub layers: Layers,
}

/// One planned tag and what became of it.
#[derive(Debug, Serialize)]
pub struct PrunedOutcome {
    /// The tag.
    #[serde(flatten)]
    pub tag: PrunedTag,
    /// What became of it.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What became of a planned tag.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// Deleted now.
    Deleted,
    /// Gone already (an earlier, stopped prune deleted it, or someone else).
    Gone,
    /// It names another manifest now (pushed again since the plan): kept.
    Moved {
        /// The manifest it names now.
        now: String,
    },
}

/// The request to free the layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layers {
    /// Nothing was deleted, so nothing was asked.
    NotAsked,
    /// The registry started freeing them.
    Collecting,
    /// The registry offers no such request: its operator collects.
    NotOffered,
}

impl Pruned {
    /// The tags deleted now.
    pub fn deleted(&self) -> impl Iterator<Item = &PrunedTag> {
        self.tags.iter().filter(|t| t.outcome == Outcome::Deleted).map(|t| &t.tag)
    }
}

/// Deletes the tags `plan` lists from the registry of the account
/// `project` deploys to.
pub fn delete(client: &Client, plan: PrunePlan, out: &Output) -> Result<Pruned, Error> {
    let host = api::checked_registry_host()?;
    let kill_hook = KillHook::from_env();
    crate::runtime()?.block_on(async {
        let applications = client.applications(out).await?;
        if let Some((tag, application)) = live_among(&plan, &applications, &host, client.account()) {
            return Err(Error::PruneWouldDeleteLive {
                image: format!("{}:{}", tag.repository, tag.tag),
                application: application.to_string(),
            });
        }
        let mut catalog = credentials(client, &host, out).await?;
        let mut tags = Vec::new();
        for tag in &plan.delete {
            let progress = out.progress(&format!("Deleting {}:{}", tag.repository, tag.tag));
            let name = format!("{}/{}", client.account(), tag.repository);
            let deleted = match catalog.repository(&name).delete_tag(&tag.tag, &tag.digest).await {
                // The credentials ran out on a long prune: fresh ones, once.
                Err(RegistryError::Unauthorized(_)) => {
                    catalog = credentials(client, &host, out).await?;
                    catalog.repository(&name).delete_tag(&tag.tag, &tag.digest).await
                }
                other => other,
            };
            let outcome = match deleted {
                Ok(TagDeletion::Deleted) => Outcome::Deleted,
                Ok(TagDeletion::Gone) => Outcome::Gone,
                Ok(TagDeletion::Moved { digest }) => Outcome::Moved { now: digest },
                Err(e) => {
                    progress.fail();
                    return Err(write_failed(&host, e));
                }
            };
            progress.done(&format!("{:>12} {}:{}", label(&outcome), tag.repository, tag.tag));
            if let Outcome::Moved { now } = &outcome {
                out.warning(&format!(
                    "{}:{} names another image ({now}) than when the plan was read, so it was kept; run `images prune` again to plan with it",
                    tag.repository, tag.tag
                ));
            }
            let done = PrunedOutcome { tag: tag.clone(), outcome };
            out.event(Reason::ImageDeleted, &done, String::new);
            if done.outcome == Outcome::Deleted {
                kill_hook.deleted_tag();
            }
            tags.push(done);
        }
        let layers = match tags.iter().any(|t| t.outcome == Outcome::Deleted) {
            false => Layers::NotAsked,
            true => collect(&catalog, &host, out).await,
        };
        Ok(Pruned { plan, tags, layers })
    })
}

/// A planned tag that a live application of the account runs now, with
/// that application's name.
fn live_among<'a>(
    plan: &'a PrunePlan,
    applications: &'a [Application],
    host: &str,
    account: &str,
) -> Option<(&'a PrunedTag, &'a str)> {
    plan.delete.iter().find_map(|tag| {
        let repository = format!("{account}/{}", tag.repository);
        let runs = |a: &&Application| match parse_reference(&a.configuration.image, host) {
            Some((r, Pin::Digest(d))) => r == repository && d == tag.digest,
            Some((r, Pin::Tag(t))) => r == repository && t == tag.tag,
            None => false,
        };
        applications.iter().find(runs).map(|a| (tag, a.name.as_str()))
    })
}

/// The registry with fresh credentials to pull and push (the official CLI
/// asks for both to delete).
async fn credentials(client: &Client, host: &str, out: &Output) -> Result<Catalog, Error> {
    let permissions = vec![RegistryPermission::Pull, RegistryPermission::Push];
    let request = CredentialsRequest { expiration_minutes: CREDENTIAL_MINUTES, permissions };
    let creds = client.registry_credentials(host, &request, out).await?;
    Ok(Catalog::new(host, creds.username, creds.password))
}

/// Asks the registry to free the layers; a refusal is a warning, as the
/// tags are deleted already (the official CLI 4.164 warns likewise).
async fn collect(catalog: &Catalog, host: &str, out: &Output) -> Layers {
    match catalog.collect_layers().await {
        Ok(LayerCollection::Started) => Layers::Collecting,
        Ok(LayerCollection::NotOffered) => Layers::NotOffered,
        Err(e) => {
            let why = match e {
                RegistryError::Unauthorized(why) | RegistryError::Failed(why) => why,
            };
            out.warning(&format!("the tags are deleted, but {host} did not start freeing their layers ({why}); its next collection frees them"));
            Layers::NotAsked
        }
    }
}

fn label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Deleted => "Deleted",
        Outcome::Gone => "Gone",
        Outcome::Moved { .. } => "Kept",
    }
}

fn write_failed(host: &str, e: RegistryError) -> Error {
    Error::RegistryDelete { host: host.to_string(), why: e.why() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::prune::PrunePlan;

    fn plan(tags: &[(&str, &str)]) -> PrunePlan {
        let delete = tags
            .iter()
            .map(|(tag, digest)| PrunedTag {
                repository: "w-web".into(),
                tag: tag.to_string(),
                digest: digest.to_string(),
                size: 1,
            })
            .collect();
        PrunePlan {
            registry: "r:1".into(),
            worker: "w".into(),
            kept_versions: vec![],
            delete,
            keep: vec![],
            other_repositories: vec![],
        }
    }

    fn application(name: &str, image: &str) -> Application {
        serde_json::from_value(serde_json::json!({
            "id": "a1", "name": name, "max_instances": 1, "configuration": { "image": image }
        }))
        .expect("an application")
    }

    #[test]
    fn a_planned_tag_a_live_application_runs_by_digest_or_by_tag_is_found_and_named() {
        let plan = plan(&[("old", "sha256:o"), ("mid", "sha256:m")]);
        let by_digest = [application("w-web", "r:1/acct/w-web@sha256:m")];
        let found = live_among(&plan, &by_digest, "r:1", "acct").map(|(t, a)| (t.tag.as_str(), a));
        assert_eq!(found, Some(("mid", "w-web")));
        let by_tag = [application("w-web", "r:1/acct/w-web:old")];
        assert_eq!(live_among(&plan, &by_tag, "r:1", "acct").map(|(t, _)| t.tag.as_str()), Some("old"));
        // Another registry's image, or another repository's, is no use.
        let elsewhere = [application("w-web", "r:2/acct/w-web@sha256:m"), application("x", "r:1/acct/x@sha256:m")];
        assert!(live_among(&plan, &elsewhere, "r:1", "acct").is_none());
    }
}
