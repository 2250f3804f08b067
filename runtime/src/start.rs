//! Starting the container with its env vars, entrypoint and network setting.
//!
//! `worker::ContainerStartupOptions` hands env vars over as a JS `Map`,
//! which the runtime ignores; a plain object does reach the container, so
//! the options are built here as one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use worker::js_sys::{Array, Function, Object, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{Container, Env};

use crate::{ContainerConfig, EnvSource};

/// How to start one instance from code ([`Instance::start`](crate::Instance::start)),
/// over the attribute's settings. They apply to that start only: a
/// container that already runs keeps the settings it was started with (stop
/// it first to change them), and a later start caused by a request uses the
/// attribute's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartOptions {
    /// Env vars merged over the attribute's (the same name: this value wins).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Replaces the attribute's `entrypoint`.
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    /// Replaces the attribute's `enable_internet`.
    #[serde(default)]
    pub enable_internet: Option<bool>,
    /// Labels attached to the container.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Resolves every env var of `config`, reading secrets and vars from `env`.
pub fn env_values(config: &ContainerConfig, env: &Env) -> Result<Vec<(&'static str, String)>, String> {
    config
        .env
        .iter()
        .map(|(name, source)| {
            let value = match source {
                EnvSource::Static(v) => Ok(v.to_string()),
                EnvSource::Secret(s) => env
                    .secret(s)
                    .map(|v| v.to_string())
                    .map_err(|_| format!("Worker secret `{s}` (for env var {name}) is not set")),
                EnvSource::Var(v) => env
                    .var(v)
                    .map(|v| v.to_string())
                    .map_err(|_| format!("Worker var `{v}` (for env var {name}) is not set")),
            }?;
            Ok((*name, value))
        })
        .collect()
}

/// Calls the container's `start` with a plain options object: the
/// attribute's settings with `given` over them.
pub fn start(container: &Container, config: &ContainerConfig, env: &Env, given: &StartOptions) -> Result<(), String> {
    let options = Object::new();
    let vars = Object::new();
    for (name, value) in env_values(config, env)? {
        set(&vars, name, &JsValue::from_str(&value));
    }
    for (name, value) in &given.env {
        set(&vars, name, &JsValue::from_str(value));
    }
    set(&options, "env", &vars);
    let internet = given.enable_internet.unwrap_or(config.enable_internet);
    set(&options, "enableInternet", &JsValue::from_bool(internet));
    let entrypoint: Option<Vec<&str>> = match &given.entrypoint {
        Some(given) => Some(given.iter().map(String::as_str).collect()),
        None => config.entrypoint.map(|e| e.to_vec()),
    };
    if let Some(entrypoint) = entrypoint {
        let args: Array = entrypoint.iter().map(|a| JsValue::from_str(a)).collect();
        set(&options, "entrypoint", &args);
    }
    if !given.labels.is_empty() {
        let labels = Object::new();
        for (name, value) in &given.labels {
            set(&labels, name, &JsValue::from_str(value));
        }
        set(&options, "labels", &labels);
    }
    let handle: &JsValue = container.as_ref();
    let start = Reflect::get(handle, &JsValue::from_str("start"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or("the container handle has no start method")?;
    start.call1(handle, &options).map(|_| ()).map_err(|e| describe(&e))
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// A JS error's message, or its string form.
pub fn describe(error: &JsValue) -> String {
    Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}
