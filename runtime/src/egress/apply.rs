//! The object's side: the interception registered with the runtime
//! before the container starts, and again when the lists change at run
//! time (the runtime replaces a registration of the same host in place).

use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{Array, Function, Object, Reflect};
use worker::State;

use super::overrides::Overrides;
use super::resolve::Props;
use crate::js;
use crate::outbound::Egress;

/// Registers class `class`'s interception of `container`'s traffic with
/// the lists changed at run time (kept in `state`'s storage); nothing for
/// a class without egress settings.
pub async fn apply(
    egress: &Egress,
    class: &str,
    state: &State,
    container: &JsValue,
    enable_internet: bool,
) -> Result<(), String> {
    if !egress.is_set() {
        return Ok(());
    }
    let overrides = Overrides::load(&state.storage()).await;
    register(egress, class, state, container, enable_internet, &overrides).await
}

/// Registers the interception with `overrides` over the attribute's lists.
pub async fn register(
    egress: &Egress,
    class: &str,
    state: &State,
    container: &JsValue,
    enable_internet: bool,
    overrides: &Overrides,
) -> Result<(), String> {
    // Checked before any registration, so none is left half made.
    if egress.intercept_https && !js::has_method(container, "interceptOutboundHttps") {
        return Err(
            "intercept_https needs a runtime with ctx.container.interceptOutboundHttps (workerd 2026-04-02 or later)"
                .into(),
        );
    }
    let exports = js::get(state.as_raw(), "exports").filter(|e| !e.is_undefined()).ok_or(
        "ctx.exports is undefined: egress control needs a compatibility date of 2025-11-17 or later (or the `enable_ctx_exports` flag)",
    )?;
    let name = format!("CfcontainerOutbound_{class}");
    let factory = js::get(&exports, &name).filter(|f| !f.is_undefined()).ok_or_else(|| {
        format!(
            "the Worker does not export `{name}`, the entrypoint egress control of `{class}` goes through: \
             build it with `cargo cfcontainer` (which adds it to worker-build's bundle)"
        )
    })?;
    let intercept_all = egress.intercepts_all() || overrides.any();
    let props = Props {
        class_name: class.to_string(),
        container_id: state.id().to_string(),
        enable_internet,
        allowed_hosts: overrides.allowed(egress),
        denied_hosts: overrides.denied(egress),
        intercept_all,
        by_host: egress.by_host.iter().map(|s| s.to_string()).collect(),
        catch_all: egress.catch_all,
    };
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
    if intercept_all {
        if egress.intercept_https {
            js::settled(register("interceptOutboundHttps", Some("*"))?).await?;
        }
        js::settled(register("interceptAllOutboundHttp", None)?).await?;
    }
    Ok(())
}
