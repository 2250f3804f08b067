//! The object's side: the interception registered with the runtime
//! before the container starts.

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{Array, Function, Object, Reflect};

use super::resolve::Props;
use crate::js;
use crate::outbound::Egress;

/// Registers class `class`'s interception of `container`'s traffic, the
/// object's `state` giving the entrypoint (`ctx.exports`). Nothing for a
/// class without egress settings.
pub async fn apply(
    egress: &Egress,
    class: &str,
    state: &JsValue,
    container: &JsValue,
    container_id: String,
    enable_internet: bool,
) -> Result<(), String> {
    if !egress.is_set() {
        return Ok(());
    }
    let exports = js::get(state, "exports").filter(|e| !e.is_undefined()).ok_or(
        "ctx.exports is undefined: egress control needs a compatibility date of 2025-11-17 or later (or the `enable_ctx_exports` flag)",
    )?;
    let name = format!("CfcontainerOutbound_{class}");
    let factory = js::get(&exports, &name).filter(|f| !f.is_undefined()).ok_or_else(|| {
        format!(
            "the Worker does not export `{name}`, the entrypoint egress control of `{class}` goes through: \
             build it with `cargo cfcontainer` (which adds it to worker-build's bundle)"
        )
    })?;
    let props = props(egress, class, container_id, enable_internet);
    let props = serde_wasm_bindgen::to_value(&props).map_err(|e| e.to_string())?;
    let options = Object::new();
    js::set(&options, "props", &props);
    // The entrypoint's stub is callable without being a JS `Function`.
    let fetcher = Reflect::apply(factory.unchecked_ref::<Function>(), &exports, &Array::of1(&options))
        .map_err(|e| js::describe(&e))?;
    let register = |method: &str, target: Option<&str>| -> Result<JsValue, String> {
        let mut args = Vec::new();
        if let Some(target) = target {
            args.push(JsValue::from_str(target));
        }
        args.push(fetcher.clone());
        js::call(container, method, &args)
    };
    // By-host first: the runtime takes the first registration that
    // matches, in the order they were made.
    for host in egress.by_host {
        js::settled(register("interceptOutboundHttp", Some(host))?).await?;
        if egress.intercept_https {
            js::settled(register("interceptOutboundHttps", Some(host))?).await?;
        }
    }
    if egress.intercepts_all() {
        if egress.intercept_https {
            if !js::has_method(container, "interceptOutboundHttps") {
                return Err("intercept_https needs a runtime with ctx.container.interceptOutboundHttps (workerd 2026-04-02 or later)".into());
            }
            js::settled(register("interceptOutboundHttps", Some("*"))?).await?;
        }
        js::settled(register("interceptAllOutboundHttp", None)?).await?;
    }
    Ok(())
}

/// The props of an interception of instance `container_id`.
fn props(egress: &Egress, class_name: &str, container_id: String, enable_internet: bool) -> Props {
    let list = |l: Option<&[&str]>| l.map(|l| l.iter().map(|s| s.to_string()).collect());
    Props {
        class_name: class_name.to_string(),
        container_id,
        enable_internet,
        allowed_hosts: list(egress.allowed_hosts),
        denied_hosts: list(egress.denied_hosts),
        intercept_all: egress.intercepts_all(),
        by_host: egress.by_host.iter().map(|s| s.to_string()).collect(),
        catch_all: egress.catch_all,
    }
}
