//! The entrypoints egress control goes through, added to worker-build's
//! bundle: the runtime sends a container's intercepted requests to a
//! `WorkerEntrypoint` of the Worker (`ctx.exports.<Name>`), which a Rust
//! crate cannot declare; `#[container]` exports a class
//! `CfcontainerOutboundImpl_<Class>` per class with egress settings, and
//! each gets a `CfcontainerOutbound_<Class>` entrypoint here that hands its
//! requests to it.

use std::path::Path;

use crate::Error;

/// What `#[container]` names the class of an egress-controlled class.
const IMPL_PREFIX: &str = "CfcontainerOutboundImpl_";

/// Marks a bundle already given its entrypoints.
const MARKER: &str = "// cfcontainer: egress entrypoints";

/// Adds an entrypoint for each egress class that `index.js` exports;
/// the file is left as it is when it exports none.
pub fn add(index: &Path) -> Result<(), Error> {
    let read_error = |e| Error::Read { path: index.to_path_buf(), source: e };
    let bundle = std::fs::read_to_string(index).map_err(read_error)?;
    if let Some(added) = with_entrypoints(&bundle) {
        std::fs::write(index, added)
            .map_err(|e| Error::Io { what: format!("write {}", index.display()), source: e })?;
    }
    Ok(())
}

/// `bundle` with the entrypoints appended; `None` when it needs none (or
/// has them).
fn with_entrypoints(bundle: &str) -> Option<String> {
    if bundle.contains(MARKER) {
        return None;
    }
    let classes: Vec<(&str, &str)> = exports(bundle)
        .into_iter()
        .filter_map(|(local, exported)| Some((local, exported.strip_prefix(IMPL_PREFIX)?)))
        .collect();
    if classes.is_empty() {
        return None;
    }
    let mut out = String::from(bundle);
    out.push_str(&format!(
        "\n{MARKER}\nimport{{WorkerEntrypoint as __CfcontainerEntrypoint}}from\"cloudflare:workers\";\n"
    ));
    for (local, class) in classes {
        // A new instance per request, as the entrypoint itself is: the
        // settings come with each call (its props).
        out.push_str(&format!(
            "export class CfcontainerOutbound_{class} extends __CfcontainerEntrypoint{{fetch(request){{return new {local}(this.ctx,this.env).fetch(request)}}}}\n"
        ));
    }
    Some(out)
}

/// The `(local, exported)` names of the bundle's closing `export{...}`.
fn exports(bundle: &str) -> Vec<(&str, &str)> {
    let Some(start) = bundle.rfind("export{").or_else(|| bundle.rfind("export {")) else { return Vec::new() };
    let list = &bundle[start..];
    let Some((open, close)) = list.find('{').zip(list.find('}')) else { return Vec::new() };
    list[open + 1..close]
        .split(',')
        .filter_map(|item| {
            let item = item.trim();
            match item.split_once(" as ") {
                Some((local, exported)) => Some((local.trim(), exported.trim())),
                None if !item.is_empty() => Some((item, item)),
                None => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_egress_class_gets_an_entrypoint_over_its_local_name_once() {
        let bundle =
            "var a=1;export{je as ContainerStartupOptions,Xe as CfcontainerOutboundImpl_Web,We as Web,Re as default};";
        let added = with_entrypoints(bundle).unwrap();
        assert!(added.starts_with(bundle));
        assert!(added.contains("import{WorkerEntrypoint as __CfcontainerEntrypoint}from\"cloudflare:workers\""));
        assert!(added.contains(
            "export class CfcontainerOutbound_Web extends __CfcontainerEntrypoint{fetch(request){return new Xe(this.ctx,this.env).fetch(request)}}"
        ));
        assert_eq!(added.matches("export class").count(), 1);
        assert_eq!(with_entrypoints(&added), None, "a second pass adds nothing");
        assert_eq!(with_entrypoints("export{We as Web,Re as default};"), None, "no egress class, no change");
    }
}
