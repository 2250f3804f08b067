//! Rules that span several keys or look outside the attribute.

use std::path::Path;

use cfcontainer_meta::{is_js_identifier, Rollout};
use proc_macro2::Span;

use crate::attr::Attrs;
use crate::ctxt::Ctxt;

/// Runs every cross-key rule, recording each violation.
pub fn check(cx: &Ctxt, attrs: &Attrs, item: &syn::ItemStruct, crate_dir: &Path) {
    check_names(cx, attrs, item);
    check_ports(cx, attrs);
    check_env(cx, attrs);
    check_image(cx, attrs, crate_dir);
    check_rollout(cx, attrs);
    if !item.generics.params.is_empty() {
        cx.error_spanned_by(
            &item.generics,
            "a #[container] struct cannot be generic: the Durable Object class is exported to JavaScript",
        );
    }
}

fn check_names(cx: &Ctxt, attrs: &Attrs, item: &syn::ItemStruct) {
    match &attrs.class {
        Some(class) if !is_js_identifier(&class.value) => cx.error_at(
            class.span,
            format!(
                "`{}` is not a valid JavaScript class name: use letters, digits, `_` or `$`, not starting with a digit",
                class.value
            ),
        ),
        None if !is_js_identifier(&item.ident.to_string()) => cx.error_spanned_by(
            &item.ident,
            "this struct name is not a valid JavaScript class name; set `class = \"...\"`",
        ),
        _ => {}
    }
    if let Some(old) = &attrs.renamed_from {
        let class = attrs.class.as_ref().map(|c| c.value.clone()).unwrap_or_else(|| item.ident.to_string());
        if !is_js_identifier(&old.value) {
            cx.error_at(
                old.span,
                format!(
                    "`{}` is not a valid JavaScript class name; `renamed_from` names the class's previous `class`",
                    old.value
                ),
            );
        } else if old.value == class {
            cx.error_at(old.span, format!("`renamed_from = \"{}\"` is the class's current name; give its previous name, or remove `renamed_from`", old.value));
        }
    }
    if let Some(binding) = attrs.binding.as_ref().filter(|b| !is_js_identifier(&b.value)) {
        cx.error_at(
            binding.span,
            format!("`{}` is not a valid binding name: use letters, digits, `_` or `$`, not starting with a digit, e.g. \"MY_CONTAINER\"", binding.value),
        );
    }
}

fn check_ports(cx: &Ctxt, attrs: &Attrs) {
    if !attrs.mentions("port") && !attrs.mentions("ports") {
        // A class without ports is a job; keys about serving requests make
        // no sense there, and most likely the port was forgotten.
        for key in ["sleep_after", "readiness_path", "readiness"] {
            if let Some(span) = attrs.span_of(key) {
                cx.error_at(
                    span,
                    format!("`{key}` on a job: a class without `port` listens on no port and runs until it exits; add `port = 8080` if it serves requests, or remove `{key}`"),
                );
            }
        }
    }
    if let Some(ports) = &attrs.ports {
        let mut seen = Vec::new();
        for p in &ports.value {
            if seen.contains(p) {
                cx.error_at(ports.span, format!("port {p} is listed twice in `ports`"));
            }
            seen.push(*p);
        }
    }
}

/// A list of steps no longer than the application can have instances
/// (`max_instances`' default, 20, exceeds any valid list).
fn check_rollout(cx: &Ctxt, attrs: &Attrs) {
    let (Some(list), Some(max)) = (&attrs.rollout_list, attrs.max_instances) else { return };
    if let Some(why) = Rollout::too_many_steps(list.value, max) {
        cx.error_at(list.span, format!("{why}; list fewer steps or raise `max_instances`"));
    }
}

fn check_env(cx: &Ctxt, attrs: &Attrs) {
    for (name, _) in &attrs.env {
        let mut chars = name.value.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            cx.error_at(name.span, format!("`{}` is not a valid environment variable name", name.value));
        }
    }
}

fn check_image(cx: &Ctxt, attrs: &Attrs, crate_dir: &Path) {
    let build_keys = [
        attrs.dockerfile.as_ref().map(|d| ("dockerfile", d.span)),
        attrs.context.as_ref().map(|c| ("context", c.span)),
        attrs.build_args.as_ref().map(|b| ("build_args", b.span)),
        attrs.target.as_ref().map(|t| ("target", t.span)),
    ];
    if attrs.mentions("binary") {
        let with_image = attrs.span_of("image").map(|span| ("image", span));
        for (key, span) in build_keys.into_iter().flatten().chain(with_image) {
            cx.error_at(span, format!("`{key}` cannot be used together with `binary`: the image is assembled from that binary, with no Dockerfile and no base image; remove one of them"));
        }
        check_assets(cx, attrs, crate_dir);
        return;
    }
    for key in ["package", "assets"] {
        if let Some(span) = attrs.span_of(key) {
            cx.error_at(span, format!("`{key}` belongs to an image assembled from a binary of the workspace: add `binary = \"...\"` (and no Dockerfile or `image`), or remove `{key}`"));
        }
    }
    if attrs.mentions("image") {
        for (key, span) in build_keys.into_iter().flatten() {
            cx.error_at(span, format!("`{key}` cannot be used together with a prebuilt `image`; remove one of them"));
        }
        return;
    }
    let (dockerfile, span) = match &attrs.dockerfile {
        Some(d) => (d.value.clone(), d.span),
        None => ("Dockerfile".to_string(), Span::call_site()),
    };
    let path = crate_dir.join(&dockerfile);
    if !path.is_file() {
        cx.error_at(
            span,
            format!(
                "Dockerfile `{dockerfile}` not found next to this crate's Cargo.toml (paths are relative to it); add it, set `dockerfile = \"...\"`, use a prebuilt `image = \"...\"`, or assemble the image from a binary of the workspace with `binary = \"...\"`"
            ),
        );
    }
    if let Some(context) = &attrs.context {
        let dir = crate_dir.join(&context.value);
        if !dir.is_dir() {
            cx.error_at(
                context.span,
                format!(
                    "build context `{}` is not a directory (paths are relative to this crate's Cargo.toml)",
                    context.value
                ),
            );
        }
    }
}

/// `assets` must name a directory relative to the crate, as `context` does.
fn check_assets(cx: &Ctxt, attrs: &Attrs, crate_dir: &Path) {
    let Some(assets) = &attrs.assets else { return };
    if !crate_dir.join(&assets.value).is_dir() {
        cx.error_at(
            assets.span,
            format!(
                "assets directory `{}` not found (paths are relative to this crate's Cargo.toml); create it or fix the path",
                assets.value
            ),
        );
    }
}
