//! A Worker's deploy history: its deployments, its deployable versions
//! and the images each version recorded (read in parallel, one version
//! per request, since a listed version leaves its bindings out).

use futures_util::future::try_join_all;

use crate::api::{Client, Deployment, Version};
use crate::deploy::images::ImagesRecord;
use crate::output::Output;
use crate::Error;

/// One version with the images it ran with.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The version.
    pub version: Version,
    /// Its images, when this tool deployed it.
    pub images: Option<ImagesRecord>,
}

/// The history of one Worker.
#[derive(Debug, Clone)]
pub struct History {
    /// The Worker.
    pub worker: String,
    /// Its deployments, newest first.
    pub deployments: Vec<Deployment>,
    /// Its deployable versions, newest first.
    pub versions: Vec<Recorded>,
}

impl History {
    /// Reads the history of `worker`; a Worker the account lacks is an
    /// error saying so.
    pub async fn read(client: &Client, worker: &str, out: &Output) -> Result<History, Error> {
        let not_deployed = |e: Error| match e {
            Error::Api { status: 404, .. } => {
                Error::NotDeployed { worker: worker.to_string(), account: client.account().to_string() }
            }
            e => e,
        };
        let (deployments, listed) =
            futures_util::try_join!(client.deployments(worker, out), client.versions(worker, out))
                .map_err(not_deployed)?;
        let details = try_join_all(listed.iter().map(|v| client.version(worker, &v.id, out))).await?;
        let mut versions: Vec<Recorded> = listed
            .into_iter()
            .zip(details)
            .map(|(listed, detail)| {
                let version = detail.unwrap_or(listed);
                let images = ImagesRecord::in_version(&version.resources.bindings);
                Recorded { version, images }
            })
            .collect();
        // Newest first, whatever order the API answers in.
        versions.sort_by(|a, b| {
            b.version
                .number
                .cmp(&a.version.number)
                .then(b.version.metadata.created_on.cmp(&a.version.metadata.created_on))
        });
        Ok(History { worker: worker.to_string(), deployments, versions })
    }

    /// The version taking all traffic now.
    pub fn live(&self) -> Option<&str> {
        self.deployments.first().and_then(Deployment::whole_version)
    }

    /// The version `id`, or an error listing the ones there are.
    pub fn find(&self, id: &str) -> Result<&Recorded, Error> {
        self.versions.iter().find(|v| v.version.id == id || v.version.id.starts_with(id) && id.len() >= 8).ok_or_else(
            || Error::NoSuchVersion { version: id.to_string(), worker: self.worker.clone(), known: self.known() },
        )
    }

    /// The version a rollback goes to when none is named. While the live
    /// deployment is a rollback, its own version: a rollback cut off after
    /// moving the Worker is finished (its applications moved to the images
    /// that version ran) and one that finished writes nothing, instead of
    /// going back to the version it left. Otherwise, as the official CLI
    /// picks it, the one the newest earlier deployment sent all traffic to.
    pub fn rollback_target(&self) -> Result<&str, Error> {
        match self.deployments.first().filter(|d| d.is_rollback()).and_then(Deployment::whole_version) {
            Some(live) => Ok(live),
            None => self.previous(),
        }
    }

    /// The version the newest earlier deployment sent all traffic to.
    fn previous(&self) -> Result<&str, Error> {
        let live = self.live();
        self.deployments.iter().skip(1).filter_map(Deployment::whole_version).find(|v| Some(*v) != live).ok_or_else(
            || {
                let others: Vec<&str> =
                    self.versions.iter().map(|v| v.version.id.as_str()).filter(|id| Some(*id) != live).collect();
                match (others.is_empty(), live) {
                    (true, Some(live)) => {
                        Error::OnlyLiveVersion { worker: self.worker.clone(), live: live.to_string() }
                    }
                    _ => Error::NoPreviousVersion { worker: self.worker.clone(), others: others.join(", ") },
                }
            },
        )
    }

    /// `a1b2c3d4 (live), e5f6a7b8, ...`: the versions there are.
    fn known(&self) -> String {
        let live = self.live();
        let ids: Vec<String> = self
            .versions
            .iter()
            .map(|v| {
                let id = &v.version.id;
                if Some(id.as_str()) == live {
                    format!("{id} (live)")
                } else {
                    id.clone()
                }
            })
            .collect();
        if ids.is_empty() {
            "none".into()
        } else {
            ids.join(", ")
        }
    }
}
