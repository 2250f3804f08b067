//! Starting the container with its env vars, entrypoint and network setting.
//!
//! `worker::ContainerStartupOptions` hands env vars over as a JS `Map`,
//! which the runtime ignores; a plain object does reach the container, so
//! the options are built here as one.

use std::collections::BTreeMap;

use worker::js_sys::{Array, Function, Object, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{Container, Env};

use crate::js::{self, set};
use crate::{ContainerConfig, EnvSource};

/// How to start one instance from code ([`Instance::start`](crate::Instance::start),
/// [`Control::start`](crate::Control::start)), over the attribute's settings.
/// They apply to that start only: a container that already runs keeps the
/// settings it was started with (stop it first to change them), and a
/// later start caused by a request uses the attribute's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartOptions {
    /// Env vars merged over the attribute's (the same name: this value wins).
    pub env: BTreeMap<String, String>,
    /// Replaces the attribute's `entrypoint`.
    pub entrypoint: Option<Vec<String>>,
    /// Replaces the attribute's `enable_internet`.
    pub enable_internet: Option<bool>,
    /// Labels attached to the container.
    pub labels: BTreeMap<String, String>,
}

impl StartOptions {
    /// The options as a JS object shaped like the container's own start
    /// options; the Durable Object reads them in that form only, so no
    /// parser of ours reaches the wasm.
    pub(crate) fn to_js(&self) -> Object {
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
        object
    }
}

/// Resolves every env var of `config`, reading secrets and vars from `env`.
pub fn env_values(config: &ContainerConfig, env: &Env) -> Result<Vec<(&'static str, String)>, String> {
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
        };
        values.push((*name, value));
    }
    Ok(values)
}

/// Calls the container's `start` with a plain options object: the
/// attribute's settings with `given` (from [`StartOptions::to_js`]) over
/// them.
pub fn start(container: &Container, config: &ContainerConfig, env: &Env, given: Option<&Object>) -> Result<(), String> {
    let given_key = |key: &str| given.and_then(|g| js::get(g, key));
    let options = Object::new();
    let values = env_values(config, env)?;
    let vars = js::string_map(values.iter().map(|(k, v)| (*k, v.as_str())));
    if let Some(given_env) = given_key("env") {
        Object::assign(&vars, &Object::from(given_env));
    }
    set(&options, "env", &vars);
    let internet = given_key("enableInternet").and_then(|v| v.as_bool()).unwrap_or(config.enable_internet);
    set(&options, "enableInternet", &JsValue::from_bool(internet));
    let attribute_entrypoint =
        || config.entrypoint.map(|e| JsValue::from(e.iter().map(|a| JsValue::from_str(a)).collect::<Array>()));
    if let Some(entrypoint) = given_key("entrypoint").or_else(attribute_entrypoint) {
        set(&options, "entrypoint", &entrypoint);
    }
    if let Some(labels) = given_key("labels") {
        set(&options, "labels", &labels);
    }
    let handle: &JsValue = container.as_ref();
    let start = Reflect::get(handle, &JsValue::from_str("start"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or("the container handle has no start method")?;
    start.call1(handle, &options).map(|_| ()).map_err(|e| js::describe(&e))
}
