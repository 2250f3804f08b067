//! A Worker's versions and deployments (the deploy history): listed as the
//! official CLI lists them (`versions?deployable=true`, `deployments`),
//! one version read with its bindings, and a deployment that sends all
//! traffic to one version (a rollback, when it is an older one).

use cfcontainer_meta::wrangler::CodeUpdateStrategy;
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{Body, Client, Retry};
use crate::output::Output;
use crate::Error;

/// One version of a Worker.
#[derive(Debug, Clone, Deserialize)]
pub struct Version {
    /// Its id (a UUID).
    pub id: String,
    /// Its number among the Worker's versions.
    #[serde(default)]
    pub number: u64,
    /// When and by whom it was uploaded.
    pub metadata: VersionMetadata,
    /// Its message and tag.
    #[serde(default)]
    pub annotations: Annotations,
    /// What it runs; the list leaves parts out, a read of the one version
    /// has its bindings.
    #[serde(default)]
    pub resources: VersionResources,
}

/// `metadata` of a version.
#[derive(Debug, Clone, Deserialize)]
pub struct VersionMetadata {
    /// When it was uploaded.
    pub created_on: String,
    /// What uploaded it: `wrangler`, `api`, `dash`, ...
    #[serde(default)]
    pub source: Option<String>,
}

/// The annotations of a version or deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotations {
    /// The message given with it.
    #[serde(rename = "workers/message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The tag given with it.
    #[serde(rename = "workers/tag", default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// What made it (`upload`, `deployment`, `rollback`, ...); set by the API.
    #[serde(rename = "workers/triggered_by", default, skip_serializing)]
    pub triggered_by: Option<String>,
}

/// `resources` of a version.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VersionResources {
    /// Its bindings (secret values never).
    #[serde(default)]
    pub bindings: Vec<VersionBinding>,
    /// Its code.
    #[serde(default)]
    pub script: Option<VersionScript>,
}

/// `resources.script` of a version.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VersionScript {
    /// The hash of its content, as the scripts list gives the live one's.
    #[serde(default)]
    pub etag: Option<String>,
}

/// A binding of a version, as far as this tool reads them.
#[derive(Debug, Clone, Deserialize)]
pub struct VersionBinding {
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: String,
    /// The name the Worker sees.
    pub name: String,
    /// A JSON binding's value.
    #[serde(default)]
    pub json: Option<serde_json::Value>,
}

/// `GET .../versions`'s result.
#[derive(Deserialize)]
struct VersionList {
    items: Vec<Version>,
}

/// `GET .../deployments`'s result.
#[derive(Deserialize)]
struct DeploymentList {
    deployments: Vec<Deployment>,
}

/// All traffic of a Worker going to some versions.
#[derive(Debug, Clone, Deserialize)]
pub struct Deployment {
    /// When.
    pub created_on: String,
    /// The versions and their shares of the traffic.
    pub versions: Vec<DeploymentVersion>,
    /// Its message, and what made it.
    #[serde(default)]
    pub annotations: Annotations,
}

impl Deployment {
    /// The version taking all traffic, if one does.
    pub fn whole_version(&self) -> Option<&str> {
        self.versions.iter().find(|v| v.percentage >= 100.0).map(|v| v.version_id.as_str())
    }

    /// True if the deployment is a rollback: the API marks one that sends
    /// the traffic to an older version (`workers/triggered_by`), and this
    /// tool's rollback says so in its message whichever way it goes.
    pub fn is_rollback(&self) -> bool {
        let message = self.annotations.message.as_deref().unwrap_or_default();
        self.annotations.triggered_by.as_deref() == Some("rollback")
            || (message.starts_with(ROLLBACK_MESSAGE_START) && message.ends_with(ROLLBACK_MESSAGE_END))
    }
}

/// How the message of a rollback by this tool starts and ends (unless
/// `--message` gives another): `Rollback to <version> by cargo cfcontainer`.
pub const ROLLBACK_MESSAGE_START: &str = "Rollback to ";
/// See [`ROLLBACK_MESSAGE_START`].
pub const ROLLBACK_MESSAGE_END: &str = " by cargo cfcontainer";

/// A version's share of a deployment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeploymentVersion {
    /// The version.
    pub version_id: String,
    /// Its share of the traffic, in percent.
    pub percentage: f64,
}

/// `POST .../deployments`: all traffic to one version, as the official
/// CLI's rollback sends it.
#[derive(Debug, Clone, Serialize)]
pub struct NewDeployment {
    /// Always by percentage.
    pub strategy: &'static str,
    /// The version, at 100 percent.
    pub versions: Vec<WholeVersion>,
    /// Its message.
    pub annotations: DeploymentAnnotations,
    /// How the Worker's Durable Objects take up the version's code (the
    /// official CLI 4.164 sends it with every deployment).
    pub code_update_strategy: CodeUpdateStrategy,
}

/// A version taking all traffic, as a deployment is created with it.
#[derive(Debug, Clone, Serialize)]
pub struct WholeVersion {
    /// The version.
    pub version_id: String,
    /// 100.
    pub percentage: u8,
}

/// The annotations a deployment is created with.
#[derive(Debug, Clone, Serialize)]
pub struct DeploymentAnnotations {
    /// Why it was made.
    #[serde(rename = "workers/message")]
    pub message: String,
}

impl NewDeployment {
    /// All traffic to `version`, with `message`, its Durable Objects
    /// updated as `code_update_strategy` says.
    pub fn whole(version: &str, message: String, code_update_strategy: CodeUpdateStrategy) -> NewDeployment {
        NewDeployment {
            strategy: "percentage",
            versions: vec![WholeVersion { version_id: version.to_string(), percentage: 100 }],
            annotations: DeploymentAnnotations { message },
            code_update_strategy,
        }
    }
}

impl Client {
    /// `GET /workers/scripts/{name}/versions?deployable=true`: the versions
    /// a deployment may send traffic to (the API answers them all at once).
    pub async fn versions(&self, name: &str, out: &Output) -> Result<Vec<Version>, Error> {
        let list: VersionList = self.get(&format!("/workers/scripts/{name}/versions?deployable=true"), out).await?;
        Ok(list.items)
    }

    /// `GET /workers/scripts/{name}/versions/{id}`: one version with its
    /// bindings; `None` if the Worker has no such version.
    pub async fn version(&self, name: &str, id: &str, out: &Output) -> Result<Option<Version>, Error> {
        self.get_if_found(&format!("/workers/scripts/{name}/versions/{id}"), out).await
    }

    /// `GET /workers/scripts/{name}/deployments`, newest first (sorted
    /// here, whatever order the API answers in).
    pub async fn deployments(&self, name: &str, out: &Output) -> Result<Vec<Deployment>, Error> {
        let mut list: DeploymentList = self.get(&format!("/workers/scripts/{name}/deployments"), out).await?;
        list.deployments.sort_by(|a, b| b.created_on.cmp(&a.created_on));
        Ok(list.deployments)
    }

    /// The version taking all traffic of Worker `name`, read with its
    /// annotations and content hash; `None` without one (no such Worker,
    /// or traffic split between versions).
    pub async fn live_version(&self, name: &str, out: &Output) -> Result<Option<Version>, Error> {
        let deployments = match self.deployments(name, out).await {
            Ok(deployments) => deployments,
            Err(Error::Api { status: 404, .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        match deployments.first().and_then(Deployment::whole_version) {
            Some(id) => self.version(name, id, out).await,
            None => Ok(None),
        }
    }

    /// `POST /workers/scripts/{name}/deployments`; with `force`, also when
    /// the version's secrets differ from the live ones. Not repeated after
    /// an ambiguous failure ([`Retry::Reconcile`]): sending it twice would
    /// leave the same version live, but one deployment too many.
    pub async fn create_deployment(
        &self,
        name: &str,
        deployment: &NewDeployment,
        force: bool,
        out: &Output,
    ) -> Result<Deployment, Error> {
        let query = if force { "?force=true" } else { "" };
        let path = format!("/workers/scripts/{name}/deployments{query}");
        self.call(Method::POST, &path, Body::json(deployment), Retry::Reconcile, out).await
    }
}
