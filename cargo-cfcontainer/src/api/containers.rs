//! Container endpoints: applications and their rollouts (written and
//! read), and registry credentials. Read types ignore unknown fields so
//! new API fields do not break deploys.

use cfcontainer_meta::RolloutKind;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::query_value;
use super::{Body, Client, Retry, Secret};
use crate::output::Output;
use crate::Error;

/// A container application, as listed by `GET /containers/applications`.
#[derive(Debug, Clone, Deserialize)]
pub struct Application {
    /// Application id.
    pub id: String,
    /// Its unique name.
    pub name: String,
    /// Upper bound of instances.
    pub max_instances: u32,
    /// What every instance runs.
    pub configuration: Configuration,
    /// The Durable Object namespace it serves.
    #[serde(default)]
    pub durable_objects: Option<DurableObjects>,
    /// How instances are placed.
    #[serde(default)]
    pub scheduling_policy: Option<SchedulingPolicy>,
    /// Where instances may run.
    #[serde(default)]
    pub constraints: Option<AppConstraints>,
    /// Seconds an old instance keeps serving during a rollout.
    #[serde(default)]
    pub rollout_active_grace_period: Option<u64>,
    /// Its instances by state.
    #[serde(default)]
    pub health: Option<Health>,
    /// The rollout under way or last made.
    #[serde(default)]
    pub active_rollout_id: Option<String>,
    /// Its own log settings (where the official CLI 4.164 writes them;
    /// older applications have them in `configuration`).
    #[serde(default)]
    pub observability: Option<AppObservability>,
}

/// An application's `health`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Its instances by state.
    #[serde(default)]
    pub instances: InstanceCounts,
}

/// How many of an application's instances are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceCounts {
    /// Running.
    #[serde(default)]
    pub active: u32,
    /// Running and answering.
    #[serde(default)]
    pub healthy: u32,
    /// Failed.
    #[serde(default)]
    pub failed: u32,
    /// Starting.
    #[serde(default)]
    pub starting: u32,
    /// Waiting for a place to run.
    #[serde(default)]
    pub scheduling: u32,
}

impl Application {
    /// True if it serves the Durable Object namespace `namespace_id`.
    pub fn serves(&self, namespace_id: &str) -> bool {
        self.durable_objects.as_ref().is_some_and(|d| d.namespace_id == namespace_id)
    }
}

/// `POST /containers/applications`.
#[derive(Debug, Clone, Serialize)]
pub struct NewApplication {
    /// Its unique name.
    pub name: String,
    /// Where instances are placed.
    pub scheduling_policy: SchedulingPolicy,
    /// Its log settings, when its containers' logs are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observability: Option<AppObservability>,
    /// Instances kept running without requests (Durable Objects start them).
    pub instances: u32,
    /// Upper bound of instances.
    pub max_instances: u32,
    /// What every instance runs.
    pub configuration: Configuration,
    /// The Durable Object namespace it serves.
    pub durable_objects: DurableObjects,
    /// Where instances may run.
    pub constraints: AppConstraints,
    /// Seconds an old instance keeps serving during a rollout.
    pub rollout_active_grace_period: u64,
}

/// `PATCH /containers/applications/{id}`: the settings a rollout does not
/// carry (the official CLI's modify body, less the configuration).
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationPatch {
    /// Upper bound of instances.
    pub max_instances: u32,
    /// How instances are placed.
    pub scheduling_policy: SchedulingPolicy,
    /// Where instances may run.
    pub constraints: AppConstraints,
    /// Seconds an old instance keeps serving during a rollout.
    pub rollout_active_grace_period: u64,
    /// Its own log settings, when they change (no rollout carries them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observability: Option<AppObservability>,
}

/// An application's own `observability`: whether its containers' logs
/// are kept, and (when the official CLI's file targets them) for which of
/// its instances.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppObservability {
    /// Container logs.
    #[serde(default)]
    pub logs: Logs,
    /// Logs kept for this share of the instances only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_instance_percentage: Option<u32>,
    /// Logs kept for this many instances only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_instance_count: Option<u32>,
}

impl AppObservability {
    /// Logs on or off, for every instance.
    pub fn logs(enabled: bool) -> AppObservability {
        AppObservability { logs: Logs { enabled }, ..AppObservability::default() }
    }

    /// True if it keeps logs, or names instances to keep them for.
    pub fn is_set(&self) -> bool {
        self.logs.enabled || self.target_instance_percentage.is_some() || self.target_instance_count.is_some()
    }

    /// For plans: `true`, `false`, `true for 10% of instances`.
    pub fn describe(&self) -> String {
        let enabled = self.logs.enabled.to_string();
        match (self.target_instance_percentage, self.target_instance_count) {
            (Some(share), _) => format!("{enabled} for {share}% of instances"),
            (None, Some(count)) => format!("{enabled} for {count} instances"),
            (None, None) => enabled,
        }
    }
}

/// An application's `constraints`, as the official CLI sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppConstraints {
    /// Network tiers.
    pub tiers: Vec<u8>,
    /// Region codes; left out for anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    /// A jurisdiction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
}

impl AppConstraints {
    /// For plans: `tiers 1,2 regions ENAM jurisdiction eu`.
    pub fn describe(&self) -> String {
        let tiers: Vec<String> = self.tiers.iter().map(u8::to_string).collect();
        let mut text = format!("tiers {}", tiers.join(","));
        if let Some(regions) = &self.regions {
            text.push_str(&format!(" regions {}", regions.join(",")));
        }
        if let Some(jurisdiction) = &self.jurisdiction {
            text.push_str(&format!(" jurisdiction {jurisdiction}"));
        }
        text
    }
}

impl From<&cfcontainer_meta::Constraints> for AppConstraints {
    fn from(c: &cfcontainer_meta::Constraints) -> Self {
        let regions = (!c.regions.is_empty()).then(|| c.regions.clone());
        AppConstraints { tiers: c.tiers.clone(), regions, jurisdiction: c.jurisdiction.clone() }
    }
}

/// How instances are placed.
pub use cfcontainer_meta::SchedulingPolicy;

/// An application's configuration: written with either a named instance
/// type or custom resources; read back with the resources expanded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Configuration {
    /// The image reference.
    pub image: String,
    /// Named instance type, if one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// vCPUs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vcpu: Option<f64>,
    /// Memory in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u32>,
    /// Disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk: Option<Disk>,
    /// Log collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observability: Option<Observability>,
}

impl Configuration {
    /// Whether container logs are collected.
    pub fn logs_enabled(&self) -> bool {
        self.observability.as_ref().is_some_and(|o| o.logs.enabled)
    }
}

/// Disk size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disk {
    /// MB.
    #[serde(default)]
    pub size_mb: Option<u32>,
}

/// `observability` of a configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observability {
    /// Container logs.
    #[serde(default)]
    pub logs: Logs,
}

/// Whether container logs are collected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logs {
    /// On or off.
    #[serde(default)]
    pub enabled: bool,
}

/// `durable_objects` of an application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DurableObjects {
    /// The namespace id.
    pub namespace_id: String,
}

/// `POST /containers/applications/{id}/rollouts`.
#[derive(Debug, Clone, Serialize)]
pub struct NewRollout {
    /// Identifies the rollout when a lost answer is reconciled.
    pub description: String,
    /// How instances are replaced.
    pub strategy: RolloutStrategy,
    /// Whether steps advance by themselves.
    pub kind: RolloutKind,
    /// The configuration rolled out.
    pub target_configuration: Configuration,
    /// The steps.
    #[serde(flatten)]
    pub steps: RolloutSteps,
}

/// How a rollout replaces instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutStrategy {
    /// A share of the instances at a time.
    Rolling,
}

/// A rollout's steps: one percentage for equal steps, or a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RolloutSteps {
    /// Equal steps of this percentage.
    Equal {
        /// The percentage of instances per step.
        step_percentage: u8,
    },
    /// Steps of the given sizes.
    Listed {
        /// The steps.
        steps: Vec<RolloutStep>,
    },
}

impl RolloutSteps {
    /// Steps from the attribute's percentages, each listed one described
    /// as the official CLI describes it.
    pub fn from_percentages(percentages: &[u8]) -> RolloutSteps {
        match percentages {
            [single] => RolloutSteps::Equal { step_percentage: *single },
            steps => RolloutSteps::Listed {
                steps: (1..)
                    .zip(steps)
                    .map(|(n, p)| RolloutStep {
                        step_size: StepSize { percentage: *p },
                        description: format!("Step {n} of {} - rollout at {p}% of instances", steps.len()),
                    })
                    .collect(),
            },
        }
    }
}

/// One listed rollout step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutStep {
    /// Its size.
    pub step_size: StepSize,
    /// What it does, for people watching the rollout.
    pub description: String,
}

/// A step's size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepSize {
    /// Percentage of instances.
    pub percentage: u8,
}

/// A rollout, as listed.
#[derive(Debug, Clone, Deserialize)]
pub struct Rollout {
    /// Its id.
    pub id: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// `pending`, `progressing`, `completed`, `reverted` or `replaced`.
    #[serde(default)]
    pub status: Option<String>,
    /// How far it got.
    #[serde(default)]
    pub progress: Option<RolloutProgress>,
}

/// How far a rollout got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutProgress {
    /// Its steps.
    pub total_steps: u32,
    /// The step it is at.
    pub current_step: u32,
    /// Instances on the new configuration.
    pub updated_instances: u32,
    /// All instances.
    pub total_instances: u32,
}

/// An instance, as the dashboard endpoint lists them.
#[derive(Debug, Clone, Deserialize)]
pub struct Instance {
    /// Its id.
    pub id: String,
    /// When it was placed.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Where it runs now, and how it is.
    #[serde(default)]
    pub current_placement: Option<InstancePlacement>,
    /// Its location.
    #[serde(default)]
    pub location: Option<String>,
    /// Its image.
    #[serde(default)]
    pub image: Option<String>,
}

/// A Durable Object the dashboard lists with an application's instances.
#[derive(Debug, Clone, Deserialize)]
pub struct InstanceObject {
    /// The Durable Object's id.
    pub id: String,
    /// The instance it runs on (an [`Instance`]'s id), while it has one.
    #[serde(default)]
    pub deployment_id: Option<String>,
    /// Its name (`idFromName`), when it has one.
    #[serde(default)]
    pub name: Option<String>,
}

/// An application's instances and the Durable Objects they run, as the
/// dashboard lists them; the official CLI joins the two by
/// [`InstanceObject::deployment_id`] to name an instance's object.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InstanceList {
    /// The instances.
    #[serde(default)]
    pub instances: Vec<Instance>,
    /// The Durable Objects.
    #[serde(default)]
    pub durable_objects: Vec<InstanceObject>,
}

impl InstanceList {
    /// The Durable Object running on `instance`, if the list has it.
    pub fn object_of(&self, instance: &Instance) -> Option<&InstanceObject> {
        self.durable_objects.iter().find(|o| o.deployment_id.as_deref() == Some(instance.id.as_str()))
    }
}

impl Instance {
    /// Its state as the official CLI derives it: the container's status,
    /// else the placement's health (`placed` is provisioning).
    pub fn state(&self) -> &str {
        let status = self.current_placement.as_ref().map(|p| &p.status);
        match status.and_then(|s| s.container_status.as_deref().or(s.health.as_deref())) {
            Some("placed") => "provisioning",
            Some(state @ ("running" | "failed" | "stopping" | "stopped" | "unhealthy" | "provisioning")) => state,
            _ => "unknown",
        }
    }
}

/// An instance's placement.
#[derive(Debug, Clone, Deserialize)]
pub struct InstancePlacement {
    /// How it is.
    pub status: PlacementStatus,
}

/// A placement's status.
#[derive(Debug, Clone, Deserialize)]
pub struct PlacementStatus {
    /// The placement's health.
    #[serde(default)]
    pub health: Option<String>,
    /// The container's status.
    #[serde(default)]
    pub container_status: Option<String>,
}

/// `POST /containers/registries/{host}/credentials`.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialsRequest {
    /// How long the credentials last.
    pub expiration_minutes: u64,
    /// What they allow.
    pub permissions: Vec<RegistryPermission>,
}

/// A registry permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryPermission {
    /// Upload images.
    Push,
    /// Download images.
    Pull,
}

/// Short-lived registry credentials.
#[derive(Debug, Clone, Deserialize)]
pub struct RegistryCredentials {
    /// Registry user.
    pub username: String,
    /// Registry password; never printed.
    pub password: Secret,
}

impl Client {
    /// `GET /containers/applications`: every application of the account.
    pub async fn applications(&self, out: &Output) -> Result<Vec<Application>, Error> {
        self.get_all("/containers/applications", out).await
    }

    /// `POST /containers/applications`; not repeated after an ambiguous
    /// failure ([`Retry::Reconcile`]).
    pub async fn create_application(&self, app: &NewApplication, out: &Output) -> Result<Application, Error> {
        self.call(Method::POST, "/containers/applications", Body::json(app), Retry::Reconcile, out).await
    }

    /// `PATCH /containers/applications/{id}`.
    pub async fn patch_application(&self, id: &str, patch: &ApplicationPatch, out: &Output) -> Result<(), Error> {
        let path = format!("/containers/applications/{id}");
        self.call::<Value>(Method::PATCH, &path, Body::json(patch), Retry::Safe, out).await.map(drop)
    }

    /// `DELETE /containers/applications/{id}`; `false` if it was gone.
    pub async fn delete_application(&self, id: &str, out: &Output) -> Result<bool, Error> {
        self.delete(&format!("/containers/applications/{id}"), out).await
    }

    /// `GET /containers/applications/{id}/rollouts`.
    pub async fn rollouts(&self, id: &str, out: &Output) -> Result<Vec<Rollout>, Error> {
        self.get_all(&format!("/containers/applications/{id}/rollouts"), out).await
    }

    /// `POST /containers/applications/{id}/rollouts`; not repeated after
    /// an ambiguous failure ([`Retry::Reconcile`]).
    pub async fn create_rollout(&self, id: &str, rollout: &NewRollout, out: &Output) -> Result<(), Error> {
        let path = format!("/containers/applications/{id}/rollouts");
        self.call::<Rollout>(Method::POST, &path, Body::json(rollout), Retry::Reconcile, out).await.map(drop)
    }

    /// `GET /containers/dash/applications/{id}/instances`, every page (by
    /// `page_token`; the first asked as the official CLI asks it).
    pub async fn instances(&self, id: &str, out: &Output) -> Result<InstanceList, Error> {
        let mut all = InstanceList::default();
        let mut path = format!("/containers/dash/applications/{id}/instances");
        loop {
            let (page, info): (InstanceList, _) = self.get_page(&path, out).await?;
            let fetched = page.instances.len();
            all.instances.extend(page.instances);
            all.durable_objects.extend(page.durable_objects);
            match info.and_then(|i| i.next_page_token) {
                Some(token) if fetched > 0 => {
                    path = format!("/containers/dash/applications/{id}/instances?page_token={}", query_value(&token))
                }
                _ => return Ok(all),
            }
        }
    }

    /// `POST /containers/registries/{host}/credentials`: short-lived
    /// credentials for the registry.
    pub async fn registry_credentials(
        &self,
        host: &str,
        request: &CredentialsRequest,
        out: &Output,
    ) -> Result<RegistryCredentials, Error> {
        let path = format!("/containers/registries/{host}/credentials");
        self.call(Method::POST, &path, Body::json(request), Retry::Safe, out).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_percentage_or_a_list_of_step_sizes() {
        let equal = serde_json::to_value(RolloutSteps::from_percentages(&[100])).unwrap();
        assert_eq!(equal, serde_json::json!({ "step_percentage": 100 }));
        let listed = serde_json::to_value(RolloutSteps::from_percentages(&[10, 100])).unwrap();
        assert_eq!(
            listed,
            serde_json::json!({ "steps": [
                { "step_size": { "percentage": 10 }, "description": "Step 1 of 2 - rollout at 10% of instances" },
                { "step_size": { "percentage": 100 }, "description": "Step 2 of 2 - rollout at 100% of instances" },
            ] })
        );
    }
}
