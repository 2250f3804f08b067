//! What a deploy wants the account to hold: the Worker script (modules,
//! metadata, secrets) and one container application per class.

use std::collections::BTreeMap;
use std::path::Path;

use cfcontainer_meta::wrangler::CodeUpdateStrategy;
use cfcontainer_meta::{ContainerMeta, EnvValue, InstanceType, Rollout, CREDENTIAL_VARS};
use cfcontainer_protocol::record::ProtocolRecord;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::cost::AppCost;
use super::images::{ImagesRecord, IMAGES_BINDING};
use crate::api::AssetsConfig;
use crate::api::{
    Annotations, AppConstraints, AppObservability, AssetsMetadata, Binding, BindingType, Configuration,
    ContainerClassRef, Disk, Logs, Observability, Part, Placement, SchedulingPolicy, ScriptMetadata, Secret,
};
use crate::project::assets::Manifest;
use crate::project::Project;
use crate::project::WorkerSettings;
use crate::project::{ENVIRONMENT_TAG, SERVICE_TAG};
use crate::Error;

/// The script tag that records what was uploaded: `cfcontainer-` and the
/// first 32 hex digits of the upload digest.
pub const DIGEST_TAG_PREFIX: &str = "cfcontainer-";

/// The Worker script as it should be.
pub struct DesiredScript {
    /// Script name.
    pub name: String,
    /// Upload metadata without secrets and migrations (added per upload).
    pub metadata: ScriptMetadata,
    /// The module parts.
    pub modules: Vec<Part>,
    /// Names of the Durable Object classes, with their previous names.
    pub classes: Vec<(String, Option<String>)>,
    /// The classes among them with key-value storage (the wrangler file's
    /// `new_classes`); the others are SQLite-backed.
    pub kv_classes: Vec<String>,
    /// Digest of modules, metadata and (keyed) secret values.
    pub digest: String,
    /// The Worker secrets the containers read.
    pub secrets: Vec<WorkerSecret>,
    /// The static assets this version serves.
    pub assets: Option<DesiredAssets>,
    /// The official CLI's service and environment tags for this Worker.
    pub service_tags: Vec<String>,
    /// How its Durable Objects take up the code of an upload.
    pub code_update_strategy: CodeUpdateStrategy,
    /// The `#[protocol]`s its wasm calls, with their fingerprints.
    pub protocols: Vec<ProtocolRecord>,
}

/// Static assets as they should be: every file, and how they are served.
pub struct DesiredAssets {
    /// The directory's files by path.
    pub manifest: Manifest,
    /// The upload's `assets.config`.
    pub config: AssetsConfig,
}

impl DesiredScript {
    /// What the tag of this upload starts with: `cfcontainer-` and the
    /// first 32 hex digits of its digest.
    pub fn digest_marker(&self) -> String {
        format!("{DIGEST_TAG_PREFIX}{}", &self.digest[..32])
    }

    /// The tag recording this upload as the script whose content is
    /// `etag`: the marker, then the etag's first 12 characters, so a later
    /// upload by another tool (another etag) no longer carries it, while
    /// it keeps the other tags.
    pub fn digest_tag(&self, etag: &str) -> String {
        format!("{}-{}", self.digest_marker(), etag.get(..12).unwrap_or(etag))
    }

    /// Every binding an upload carries besides the images record: the
    /// metadata's, and the secrets this deploy has a value for.
    pub fn bindings(&self) -> Vec<Binding> {
        let secrets = self.secrets.iter().filter_map(WorkerSecret::binding);
        self.metadata.bindings.iter().cloned().chain(secrets).collect()
    }

    /// What identifies one upload of this script with `images`: the
    /// marker of its digest and of the images record it carries (kept out
    /// of the digest: the plan compares images by their tags), without its
    /// migrations (a rerun after the upload landed computes none). The
    /// upload carries it as its version's `workers/tag` annotation, so the
    /// account says whether this very upload is live already (an earlier
    /// run's answer lost, or the run killed before tagging it), and that
    /// cargo cfcontainer made the version.
    pub fn upload_marker(&self, images: Option<&ImagesRecord>) -> String {
        let mut hasher = Sha256::new();
        hasher.update(self.digest.as_bytes());
        if let Some(images) = images {
            hasher.update(serde_json::to_string(images).expect("records serialize").as_bytes());
        }
        format!("{DIGEST_TAG_PREFIX}{}", &hex::encode(hasher.finalize())[..32])
    }

    /// The metadata to upload: secrets this deploy has a value for,
    /// `migrations` when the classes change, the completion token of this
    /// upload's assets, the record of the containers' images (kept out of
    /// the digest: the plan compares the images by their tags), the
    /// upload's `marker` as its annotation, and how the Durable Objects
    /// take up its code. The digest tag is set after the upload, through
    /// script-settings, as the official CLI sets tags.
    pub fn upload_metadata(
        &self,
        migrations: Option<crate::api::MigrationsBody>,
        assets_jwt: Option<String>,
        images: Option<&ImagesRecord>,
        marker: &str,
    ) -> ScriptMetadata {
        let mut metadata = self.metadata.clone();
        metadata.bindings = self.bindings();
        metadata.bindings.extend(images.map(ImagesRecord::binding));
        metadata.migrations = migrations;
        metadata.assets = match (assets_jwt, &self.assets) {
            (Some(jwt), Some(assets)) => Some(AssetsMetadata { jwt, config: assets.config.clone() }),
            _ => None,
        };
        metadata.annotations = Some(Annotations { tag: Some(marker.to_string()), ..Annotations::default() });
        metadata.code_update_strategy = Some(self.code_update_strategy);
        metadata
    }

    /// `tags` after this upload: the tags of others kept in their order,
    /// then this upload's digest tag in place of any earlier one, then the
    /// official CLI's service and environment tags, which it replaces and
    /// puts last in the same way (so neither tool's next deploy changes
    /// the other's tags).
    pub fn tags_after(&self, tags: &[String], etag: &str) -> Vec<String> {
        let ours = |t: &&String| {
            t.starts_with(DIGEST_TAG_PREFIX) || t.starts_with(SERVICE_TAG) || t.starts_with(ENVIRONMENT_TAG)
        };
        let mut next: Vec<String> = tags.iter().filter(|t| !ours(t)).cloned().collect();
        next.push(self.digest_tag(etag));
        next.extend(self.service_tags.iter().cloned());
        next
    }
}

/// A Worker secret a container reads, and whether this deploy brings its
/// value (from the environment variable of the same name).
pub enum WorkerSecret {
    /// Uploaded with this value.
    Given {
        /// The secret's name.
        name: String,
        /// Its value.
        value: Secret,
    },
    /// Not given: the account must have it already (`keep_bindings`).
    Kept {
        /// The secret's name.
        name: String,
    },
}

impl WorkerSecret {
    /// The secret's name.
    pub fn name(&self) -> &str {
        match self {
            WorkerSecret::Given { name, .. } | WorkerSecret::Kept { name } => name,
        }
    }

    fn binding(&self) -> Option<Binding> {
        match self {
            WorkerSecret::Given { name, value } => {
                Some(Binding::SecretText { name: name.clone(), text: value.clone() })
            }
            WorkerSecret::Kept { .. } => None,
        }
    }
}

/// One container application as it should be.
#[derive(Debug, Clone)]
pub struct DesiredApp {
    /// The container class.
    pub class: String,
    /// Application name (see [`Project::application_name`]).
    pub name: String,
    /// Image reference (digest-pinned when built here).
    pub image: String,
    /// What names the image's content (its content tag, or the reference
    /// of a prebuilt image).
    pub tag: String,
    /// Instance size.
    pub instance_type: InstanceType,
    /// Upper bound of instances.
    pub max_instances: u32,
    /// Collect logs.
    pub logs: bool,
    /// Where the application keeps that setting.
    pub logs_record: LogsRecord,
    /// How updates roll out.
    pub rollout: Rollout,
    /// How instances are placed.
    pub scheduling_policy: SchedulingPolicy,
    /// Where instances may run.
    pub constraints: AppConstraints,
    /// Seconds an old instance keeps serving during a rollout.
    pub rollout_active_grace_period: u64,
    /// Seconds an idle instance keeps running; `None` for a job.
    pub sleep_after_secs: Option<u64>,
}

impl DesiredApp {
    /// What it can cost (see [`AppCost`]).
    pub fn cost(&self) -> AppCost {
        AppCost::of(&self.instance_type, self.max_instances, self.sleep_after_secs)
    }

    /// From a container's metadata and its image reference. Its logs are
    /// on when its attribute says so or when the Worker's observability
    /// logs are on (the official CLI's rule for its applications).
    pub fn new(project: &Project, meta: &ContainerMeta, image: String, tag: String) -> DesiredApp {
        let worker_logs = project.settings.carried.observability.as_ref().is_some_and(|o| o.logs_enabled());
        DesiredApp {
            class: meta.class.clone(),
            name: project.application_name(&meta.class),
            image,
            tag,
            instance_type: meta.instance_type.clone(),
            max_instances: meta.max_instances,
            logs: meta.observability_logs || worker_logs,
            logs_record: LogsRecord::Application,
            rollout: meta.rollout.clone(),
            scheduling_policy: meta.scheduling_policy,
            constraints: AppConstraints::from(&meta.constraints),
            rollout_active_grace_period: meta.rollout_active_grace_period_secs,
            sleep_after_secs: (meta.port.is_some() || !meta.ports.is_empty()).then_some(meta.sleep_after_secs),
        }
    }

    /// The API's `configuration`: a named instance type or custom resources.
    pub fn configuration(&self) -> Configuration {
        let mut config = Configuration {
            image: self.image.clone(),
            instance_type: None,
            vcpu: None,
            memory_mib: None,
            disk: None,
            observability: match self.logs_record {
                LogsRecord::Configuration => Some(Observability { logs: Logs { enabled: self.logs } }),
                LogsRecord::Application => None,
            },
        };
        match &self.instance_type {
            InstanceType::Named(name) => config.instance_type = Some(name.clone()),
            InstanceType::Custom { vcpu, memory_mib, disk_mb } => {
                config.vcpu = Some(*vcpu);
                config.memory_mib = Some(*memory_mib);
                config.disk = Some(Disk { size_mb: Some(*disk_mb) });
            }
        }
        config
    }
}

/// Where an application keeps whether its containers' logs are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogsRecord {
    /// Its own `observability`: where the official CLI 4.164 writes it,
    /// and where a new application gets it. A change there needs no
    /// rollout.
    Application,
    /// Its `configuration.observability`, with logs on: where wrangler
    /// 4.86 (and this tool before 4.164 was its oracle) wrote it. Kept
    /// there, as 4.164 keeps it, until a rollout turns the logs off.
    Configuration,
}

impl DesiredApp {
    /// The application's own `observability` to write, given what it has
    /// (`current`; `None` for one not created yet): the logs setting when
    /// it differs and is on, or off where it was on; nothing while the
    /// setting is in the configuration (the official CLI 4.164's rules).
    pub fn observability_for(&self, current: Option<&AppObservability>) -> Option<AppObservability> {
        match self.logs_record {
            LogsRecord::Configuration => None,
            LogsRecord::Application => {
                let wanted = AppObservability::logs(self.logs);
                let was_set = current.is_some_and(AppObservability::is_set);
                (current != Some(&wanted) && (self.logs || was_set)).then_some(wanted)
            }
        }
    }
}

/// Builds the desired script from the worker-build output in `modules_dir`.
/// Secret values come from environment variables named like the secret;
/// `token` keys their digest so it reveals nothing without the token.
pub fn script(
    project: &Project,
    containers: &[ContainerMeta],
    modules_dir: &Path,
    token: &Secret,
) -> Result<DesiredScript, Error> {
    let settings = &project.settings;
    check_applied(settings)?;
    check_vars(settings, containers)?;
    crate::project::secrets_store::check_bindings(settings, containers)?;
    let mut bindings = bindings(settings, containers)?;
    let assets = match &settings.assets {
        Some(assets) => {
            bindings.extend(assets.binding.iter().map(|name| Binding::Assets { name: name.clone() }));
            let manifest = crate::project::assets::manifest(&assets.directory)?;
            Some(DesiredAssets { manifest, config: assets.config.clone() })
        }
        None => None,
    };
    let (modules, protocols) = modules(modules_dir)?;
    check_exported(settings, containers, &modules)?;
    let secrets = secrets(containers, &settings.secrets)?;
    check_unique(&bindings, &secrets, !containers.is_empty())?;
    let metadata = ScriptMetadata {
        main_module: "index.js".into(),
        compatibility_date: settings.compatibility_date.clone(),
        compatibility_flags: settings.compatibility_flags.clone(),
        bindings,
        containers: containers
            .iter()
            .map(|c| ContainerClassRef { name: project.application_name(&c.class), class_name: c.class.clone() })
            .collect(),
        // The official CLI 4.164 keeps every secret set outside the file.
        keep_bindings: vec![BindingType::SecretText, BindingType::SecretKey],
        migrations: None,
        code_update_strategy: None,
        assets: None,
        logpush: settings.carried.logpush,
        placement: settings.carried.placement.as_ref().and_then(Placement::of),
        tail_consumers: settings.carried.tail_consumers.clone(),
        limits: settings.carried.limits.clone(),
        observability: settings.carried.observability.clone(),
        annotations: None,
    };
    Ok(DesiredScript {
        name: settings.name.clone(),
        digest: digest(&metadata, &modules, &secrets, assets.as_ref(), token),
        assets,
        metadata,
        modules,
        classes: classes(settings, containers),
        service_tags: settings.wrangler.as_ref().map(|w| w.service_tags.clone()).unwrap_or_default(),
        code_update_strategy: settings.code_update_strategy(),
        kv_classes: own_classes(settings, containers).filter(|c| !c.sqlite).map(|c| c.name.clone()).collect(),
        secrets,
        protocols,
    })
}

/// The Worker's own classes that are not containers' (the attribute
/// decides about those).
fn own_classes<'a>(
    settings: &'a WorkerSettings,
    containers: &'a [ContainerMeta],
) -> impl Iterator<Item = &'a crate::project::own_classes::OwnClass> {
    let files = settings.wrangler.iter();
    files.flat_map(move |source| crate::project::own_classes::besides_containers(&source.own_classes, containers))
}

/// Every Durable Object class of the Worker: the containers' and its own.
fn classes(settings: &WorkerSettings, containers: &[ContainerMeta]) -> Vec<(String, Option<String>)> {
    let ours = containers.iter().map(|c| (c.class.clone(), c.renamed_from.clone()));
    ours.chain(own_classes(settings, containers).map(|c| (c.name.clone(), c.renamed_from.clone()))).collect()
}

/// The Worker's own classes must be exported by its entry module, as the
/// official CLI checks (the API would refuse their migration).
fn check_exported(settings: &WorkerSettings, containers: &[ContainerMeta], modules: &[Part]) -> Result<(), Error> {
    let Some(index) = modules.iter().find(|m| m.name == "index.js") else { return Ok(()) };
    let bundle = String::from_utf8_lossy(&index.data);
    let exported = exported_names(&bundle);
    let missing = own_classes(settings, containers).map(|c| c.name.as_str()).find(|c| !exported.contains(c));
    match (missing, &settings.wrangler) {
        (Some(class), Some(source)) => Err(Error::WranglerSource {
            path: source.path.clone(),
            why: super::renames::not_exported(source, containers, class, &exported),
        }),
        _ => Ok(()),
    }
}

/// The names an esbuild bundle exports (its closing `export { a as B, C }`).
pub fn exported_names(bundle: &str) -> Vec<&str> {
    let Some(start) = bundle.rfind("export{").or_else(|| bundle.rfind("export {")) else { return Vec::new() };
    let list = &bundle[start..];
    let Some((open, close)) = list.find('{').zip(list.find('}')) else { return Vec::new() };
    list[open + 1..close]
        .split(',')
        .map(|item| item.rsplit(" as ").next().unwrap_or(item).trim())
        .filter(|name| !name.is_empty())
        .collect()
}

/// worker-build's `index.js` and `index_bg.wasm`, the wasm without our
/// metadata sections (the runtime never reads them; they are for the
/// CLI), and the protocols the protocol section names.
fn modules(modules_dir: &Path) -> Result<(Vec<Part>, Vec<ProtocolRecord>), Error> {
    let mut modules = Vec::new();
    let mut protocols = Vec::new();
    for (name, content_type) in [("index.js", "application/javascript+module"), ("index_bg.wasm", "application/wasm")] {
        let path = modules_dir.join(name);
        let mut data = std::fs::read(&path).map_err(|e| Error::Read { path: path.clone(), source: e })?;
        if name.ends_with(".wasm") {
            let bad = |why: String| Error::Section { path: path.clone(), why };
            protocols = crate::compile::records::protocols_in_wasm(&data).map_err(bad)?;
            for section in [cfcontainer_meta::SECTION, cfcontainer_protocol::record::SECTION] {
                data = crate::compile::records::strip_wasm_custom_section(&data, section).map_err(bad)?;
            }
        }
        modules.push(Part { name: name.into(), content_type: content_type.into(), data, file: true });
    }
    Ok((modules, protocols))
}

/// Everything the wrangler config sets must reach the account; a key
/// this tool does not apply yet stops the deploy before anything is
/// written, instead of being left out of the Worker.
fn check_applied(settings: &WorkerSettings) -> Result<(), Error> {
    let Some(source) = &settings.wrangler else { return Ok(()) };
    match source.not_applied.first() {
        Some(key) => Err(Error::NotApplied { path: source.path.clone(), key: key.clone() }),
        None => Ok(()),
    }
}

/// No two bindings (containers, vars, secrets, the file's) share a name.
/// No two bindings (containers, vars, secrets, the file's) share a name,
/// nor take the name of the images record (`with_images`).
fn check_unique(bindings: &[Binding], secrets: &[WorkerSecret], with_images: bool) -> Result<(), Error> {
    let mut seen: Vec<(&str, String)> = Vec::new();
    if with_images {
        seen.push((IMAGES_BINDING, "json (this tool's record of the images)".to_string()));
    }
    let named = bindings.iter().map(|b| (b.name(), b.kind().to_string()));
    for (name, kind) in named.chain(secrets.iter().map(|s| (s.name(), "secret_text".to_string()))) {
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            return Err(Error::DuplicateBinding { name: name.to_string(), first: first.clone(), second: kind });
        }
        seen.push((name, kind));
    }
    Ok(())
}

/// A container env var read from a Worker var needs that var: plain-text
/// bindings are not kept across uploads, so it must be in the settings.
fn check_vars(settings: &WorkerSettings, containers: &[ContainerMeta]) -> Result<(), Error> {
    for c in containers {
        for var in &c.env {
            if let EnvValue::Var(name) = &var.value {
                if !settings.vars.contains_key(name) {
                    return Err(Error::MissingVar {
                        class: c.class.clone(),
                        env: var.name.clone(),
                        name: name.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// The containers' Durable Object namespaces, the Worker vars (text and
/// JSON) and the wrangler file's other bindings.
fn bindings(settings: &WorkerSettings, containers: &[ContainerMeta]) -> Result<Vec<Binding>, Error> {
    let namespaces = containers.iter().map(|c| Binding::DurableObjectNamespace {
        name: c.binding.clone(),
        class_name: c.class.clone(),
        script_name: None,
        environment: None,
    });
    let vars = settings.vars.iter().map(|(name, text)| Binding::PlainText { name: name.clone(), text: text.clone() });
    let json = settings.json_vars.iter().map(|(name, json)| Binding::Json { name: name.clone(), json: json.clone() });
    let mut all: Vec<Binding> = namespaces.chain(vars).chain(json).collect();
    if let Some(source) = &settings.wrangler {
        all.extend(super::file_bindings::of(source, containers)?);
    }
    Ok(all)
}

/// Every Worker secret the containers read or the settings declare (the
/// code reads them through `bindings!`), once, by name. None may be
/// named after a credentials variable: its value would be the API token.
fn secrets(containers: &[ContainerMeta], declared: &[String]) -> Result<Vec<WorkerSecret>, Error> {
    let mut names: Vec<&String> = containers
        .iter()
        .flat_map(|c| c.env.iter())
        .filter_map(|v| match &v.value {
            EnvValue::Secret(name) => Some(name),
            _ => None,
        })
        .chain(declared)
        .collect();
    names.sort();
    names.dedup();
    if let Some(name) = names.iter().find(|n| CREDENTIAL_VARS.contains(&n.as_str())) {
        return Err(Error::SecretNamedLikeCredential { name: name.to_string() });
    }
    let secrets = names
        .into_iter()
        .map(|name| match std::env::var(name).ok().filter(|v| !v.is_empty()) {
            Some(value) => WorkerSecret::Given { name: name.clone(), value: Secret::new(value) },
            None => WorkerSecret::Kept { name: name.clone() },
        })
        .collect();
    Ok(secrets)
}

/// The upload's digest: secret values keyed with `token` (so the digest
/// tag reveals nothing about them), then the metadata, then the modules.
fn digest(
    metadata: &ScriptMetadata,
    modules: &[Part],
    secrets: &[WorkerSecret],
    assets: Option<&DesiredAssets>,
    token: &Secret,
) -> String {
    let mut hasher = Sha256::new();
    for secret in secrets {
        if let WorkerSecret::Given { name, value } = secret {
            let mut mac = Hmac::<Sha256>::new_from_slice(token.expose().as_bytes()).expect("any key length");
            mac.update(name.as_bytes());
            mac.update(&[0]);
            mac.update(value.expose().as_bytes());
            hasher.update(mac.finalize().into_bytes());
        }
    }
    hasher.update(serde_json::to_string(metadata).expect("metadata serializes").as_bytes());
    for part in modules {
        hasher.update(part.name.as_bytes());
        hasher.update(Sha256::digest(&part.data));
    }
    // The assets by content and config, not by their upload's token
    // (a new one each time): unchanged files are no change.
    if let Some(assets) = assets {
        hasher.update(serde_json::to_string(&assets.manifest).expect("manifest serializes").as_bytes());
        hasher.update(serde_json::to_string(&assets.config).expect("config serializes").as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Every field of each container's metadata as a flat `Class.field`
/// map, for showing what changed since the last deploy from here.
pub fn container_fields(containers: &[ContainerMeta]) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    for c in containers {
        if let Ok(Value::Object(map)) = serde_json::to_value(c) {
            for (key, value) in map {
                fields.insert(format!("{}.{key}", c.class), value.to_string());
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exports_of_an_esbuild_bundle_are_read_from_its_closing_export_list() {
        assert_eq!(exported_names("x;export{Oe as Views,Te as default};"), ["Views", "default"]);
        assert_eq!(exported_names("export {\n  Room,\n  f as fetch\n};\n"), ["Room", "fetch"]);
    }
}
