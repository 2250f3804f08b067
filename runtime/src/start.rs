//! Starting the container with its env vars, entrypoint, network setting,
//! labels, image, instance type and snapshots.
//!
//! `worker::ContainerStartupOptions` hands env vars over as a JS `Map`,
//! which the runtime ignores; a plain object does reach the container, so
//! the options are built here as one.

use std::collections::BTreeMap;

use worker::js_sys::{Array, Function, Object, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{Container, Env, SecretStore};

use crate::js::{self, set};
use crate::snapshot::{ContainerSnapshot, DirectoryRestore};
use crate::{labels, ContainerConfig, EnvSource};

/// The longest image reference the runtime takes (workerd 1.20261117.1).
const MAX_IMAGE_BYTES: usize = 4096;

/// The keys of the container's own start options that a start from code
/// may give and that replace the attribute's outright.
const PASSED_KEYS: [&str; 5] = ["labels", "image", "instance", "directorySnapshots", "containerSnapshot"];

/// How to start one instance from code ([`Instance::start`](crate::Instance::start),
/// [`Control::start`](crate::Control::start)), over the attribute's settings.
/// They apply to that start only: a container that already runs keeps the
/// settings it was started with (stop it first to change them), and a
/// later start caused by a request uses the attribute's.
///
/// ```ignore
/// let saved: Option<DirectorySnapshot> = control.storage().get("workspace").await?;
/// let mut options = StartOptions::default();
/// options.labels.insert("team".into(), "search".into());
/// options.instance = Some(InstanceType::Standard1);
/// options.directory_snapshots.extend(saved.map(Into::into));
/// control.start(options).await?;
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StartOptions {
    /// Env vars merged over the attribute's (the same name: this value wins).
    pub env: BTreeMap<String, String>,
    /// Replaces the attribute's `entrypoint`.
    pub entrypoint: Option<Vec<String>>,
    /// Replaces the attribute's `enable_internet`.
    pub enable_internet: Option<bool>,
    /// Labels attached to the container: at most 10, names of 1 to 16
    /// bytes, values of at most 64, no control characters (checked before
    /// the start is sent). Under `cargo cfcontainer dev` workerd keeps
    /// them in memory only: they are not Docker labels.
    pub labels: BTreeMap<String, String>,
    /// Another image than the class's, for this start (a reference of at
    /// most 4096 bytes of printable ASCII, no spaces). Not with
    /// `container_snapshot`.
    pub image: Option<String>,
    /// Another instance type than the class's, for this start. Ignored
    /// under `cargo cfcontainer dev` (the local engine sets no limits).
    pub instance: Option<InstanceType>,
    /// Directory snapshots put in place before the container starts.
    pub directory_snapshots: Vec<DirectoryRestore>,
    /// Start from this snapshot of a whole container instead of the image
    /// (it must have been taken from the class's image).
    pub container_snapshot: Option<ContainerSnapshot>,
}

/// The size of one instance ([`StartOptions::instance`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InstanceType {
    /// `lite`.
    Lite,
    /// `standard-1`.
    Standard1,
    /// `standard-2`.
    Standard2,
    /// `standard-3`.
    Standard3,
    /// `standard-4`.
    Standard4,
    /// Resources of your own.
    Custom {
        /// Virtual CPUs (may be a fraction).
        vcpu: f64,
        /// Memory in MiB.
        memory_mib: u64,
        /// Disk in MB.
        disk_mb: u64,
    },
}

impl InstanceType {
    /// The runtime's form: a name, or `{vcpu, memoryMib, diskMb}`.
    fn to_js(self) -> Result<JsValue, String> {
        let name = match self {
            InstanceType::Lite => "lite",
            InstanceType::Standard1 => "standard-1",
            InstanceType::Standard2 => "standard-2",
            InstanceType::Standard3 => "standard-3",
            InstanceType::Standard4 => "standard-4",
            InstanceType::Custom { vcpu, memory_mib, disk_mb } => {
                if !(vcpu.is_finite() && vcpu > 0.0) {
                    return Err(format!("a custom instance needs vcpu above 0, got {vcpu}"));
                }
                if memory_mib == 0 || disk_mb == 0 {
                    return Err("a custom instance needs memory_mib and disk_mb above 0".into());
                }
                let custom = Object::new();
                set(&custom, "vcpu", &JsValue::from_f64(vcpu));
                set(&custom, "memoryMib", &JsValue::from_f64(memory_mib as f64));
                set(&custom, "diskMb", &JsValue::from_f64(disk_mb as f64));
                return Ok(custom.into());
            }
        };
        Ok(JsValue::from_str(name))
    }
}

impl StartOptions {
    /// The options as a JS object shaped like the container's own start
    /// options; the Durable Object reads them in that form only, so no
    /// parser of ours reaches the wasm. Options the runtime would refuse
    /// are refused here, with what to change.
    pub(crate) fn to_js(&self) -> Result<Object, String> {
        self.check()?;
        let object = Object::new();
        set(&object, "env", &js::string_map(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        if !self.labels.is_empty() {
            set(&object, "labels", &js::string_map(self.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
        }
        if let Some(entrypoint) = &self.entrypoint {
            set(&object, "entrypoint", &entrypoint.iter().map(|a| JsValue::from_str(a)).collect::<Array>());
        }
        if let Some(internet) = self.enable_internet {
            set(&object, "enableInternet", &JsValue::from_bool(internet));
        }
        if let Some(image) = &self.image {
            set(&object, "image", &JsValue::from_str(image));
        }
        if let Some(instance) = self.instance {
            set(&object, "instance", &instance.to_js()?);
        }
        if !self.directory_snapshots.is_empty() {
            let restores: Array = self.directory_snapshots.iter().map(|r| JsValue::from(r.to_js())).collect();
            set(&object, "directorySnapshots", &restores);
        }
        if let Some(snapshot) = &self.container_snapshot {
            set(&object, "containerSnapshot", &js::string_map([("id", snapshot.id.as_str())]));
        }
        Ok(object)
    }

    /// Why the runtime would refuse these options (the rules of workerd
    /// 1.20261117.1), as one line that says what to change.
    fn check(&self) -> Result<(), String> {
        labels::check(&self.labels)?;
        if let Some(image) = &self.image {
            if self.container_snapshot.is_some() {
                return Err("StartOptions has both `image` and `container_snapshot`: a start uses one of them".into());
            }
            check_image(image)?;
        }
        for (name, value) in &self.env {
            if name.contains(['=', '\0']) || value.contains('\0') {
                return Err(format!("env var {name:?} cannot be passed: a name has no `=` or NUL, a value no NUL"));
            }
        }
        self.directory_snapshots.iter().try_for_each(DirectoryRestore::check)
    }
}

/// Why `image` is no image reference the runtime takes.
fn check_image(image: &str) -> Result<(), String> {
    if image.len() > MAX_IMAGE_BYTES {
        return Err(format!("image reference is {} bytes, at most {MAX_IMAGE_BYTES} are allowed", image.len()));
    }
    if image.is_empty() || !image.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("image reference {image:?} must be printable ASCII without spaces, e.g. `app:v2`"));
    }
    Ok(())
}

/// Resolves every env var of `config`, reading secrets, vars and Secrets
/// Store secrets from `env`. A failure names the source and the env var,
/// never a value.
pub async fn env_values(config: &ContainerConfig, env: &Env) -> Result<Vec<(&'static str, String)>, String> {
    let mut values = Vec::with_capacity(config.env.len());
    for (name, source) in config.env {
        let value = match source {
            EnvSource::Static(v) => v.to_string(),
            EnvSource::Secret(s) => match env.secret(s) {
                Ok(v) => v.to_string(),
                Err(_) => return Err(format!("Worker secret `{s}` (for env var {name}) is not set")),
            },
            EnvSource::Var(v) => match env.var(v) {
                Ok(v) => v.to_string(),
                Err(_) => return Err(format!("Worker var `{v}` (for env var {name}) is not set")),
            },
            EnvSource::SecretsStore(binding) => secrets_store_value(env, binding, name).await?,
        };
        values.push((*name, value));
    }
    Ok(values)
}

/// The value of the Secrets Store secret bound as `binding`, read anew
/// (a rotated secret reaches the next start). The errors name the binding
/// and carry the store's own message, which holds no value.
///
/// The binding is taken as it is (`SecretStore::from`): workers-rs 0.8.7's
/// `env.secret_store()` also wants its constructor named `Fetcher`, which
/// is what workerd 1.20261117.1 gives for the local simulator's service,
/// while the platform documents the binding by its `get()` alone.
async fn secrets_store_value(env: &Env, binding: &str, name: &str) -> Result<String, String> {
    let place = format!("Secrets Store binding `{binding}` (for env var {name})");
    let Some(secret) = js::get(env.as_ref(), binding) else {
        return Err(format!(
            "{place} is not bound to this Worker; add it to `secrets_store_secrets` in the wrangler config"
        ));
    };
    let unread = |why: String| format!("{place}: its secret could not be read ({why}); create it in its store");
    match SecretStore::from(secret).get().await {
        Ok(Some(value)) => Ok(value),
        Ok(None) => Err(unread("it does not exist".into())),
        Err(error) => Err(unread(error.to_string())),
    }
}

/// Whether this start lets the container reach the internet: the start's
/// options over the attribute.
pub fn internet(config: &ContainerConfig, given: Option<&Object>) -> bool {
    given.and_then(|g| js::get(g, "enableInternet")).and_then(|v| v.as_bool()).unwrap_or(config.enable_internet)
}

/// Calls the container's `start` with a plain options object: the
/// attribute's settings with `given` (from [`StartOptions::to_js`]) over
/// them.
pub async fn start(
    container: &Container,
    config: &ContainerConfig,
    env: &Env,
    given: Option<&Object>,
) -> Result<(), String> {
    let values = env_values(config, env).await?;
    let given_key = |key: &str| given.and_then(|g| js::get(g, key));
    let options = Object::new();
    let vars = js::string_map(values.iter().map(|(k, v)| (*k, v.as_str())));
    if let Some(given_env) = given_key("env") {
        Object::assign(&vars, &Object::from(given_env));
    }
    set(&options, "env", &vars);
    set(&options, "enableInternet", &JsValue::from_bool(internet(config, given)));
    let attribute_entrypoint =
        || config.entrypoint.map(|e| JsValue::from(e.iter().map(|a| JsValue::from_str(a)).collect::<Array>()));
    if let Some(entrypoint) = given_key("entrypoint").or_else(attribute_entrypoint) {
        set(&options, "entrypoint", &entrypoint);
    }
    for key in PASSED_KEYS {
        if let Some(value) = given_key(key) {
            set(&options, key, &value);
        }
    }
    let handle: &JsValue = container.as_ref();
    let start = Reflect::get(handle, &JsValue::from_str("start"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or("the container handle has no start method")?;
    start.call1(handle, &options).map(|_| ()).map_err(|e| js::describe(&e))
}
