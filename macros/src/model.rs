//! Builds the shared metadata model from validated attributes.

use std::path::Path;

use cfcontainer_meta::{ContainerMeta, DeclaringPackage, DevSettings, EnvVar, ImageSource, Rollout};

use crate::attr::Attrs;

/// Applies what the attribute sets over [`ContainerMeta::with_defaults`];
/// infallible once validation passed.
pub fn build(attrs: Attrs, item: &syn::ItemStruct) -> ContainerMeta {
    let rust_type = item.ident.to_string();
    let class = attrs.class.map(|c| c.value).unwrap_or_else(|| rust_type.clone());
    let mut meta = ContainerMeta::with_defaults(&rust_type, &class);
    // The macros crate is pinned to the runtime's version: its own is the
    // runtime's, which tells a cargo-cfcontainer of another release what
    // wrote the record.
    meta.runtime = env!("CARGO_PKG_VERSION").to_string();
    if let Some(binding) = attrs.binding {
        meta.binding = binding.value;
    }
    // Neither `port` nor `ports`: a job, which listens on none.
    let mut ports = attrs.ports.map(|p| p.value).unwrap_or_default();
    let port = attrs.port.map(|p| p.value).or_else(|| ports.first().copied());
    if let Some(port) = port.filter(|p| !ports.contains(p)) {
        ports.insert(0, port);
    }
    (meta.port, meta.ports) = (port, ports);
    if let Some(binary) = attrs.binary {
        meta.image = ImageSource::Binary {
            binary: binary.value,
            package: attrs.package.map(|p| p.value),
            assets: attrs.assets.map(|a| a.value),
        };
    } else if let Some(reference) = attrs.image {
        meta.image = ImageSource::Prebuilt { reference };
    } else if let ImageSource::Dockerfile { dockerfile, context, build_args, target } = &mut meta.image {
        if let Some(path) = attrs.dockerfile {
            *dockerfile = path.value;
        }
        *context = match attrs.context {
            Some(c) => c.value,
            None => {
                let parent = Path::new(dockerfile.as_str()).parent().map(|p| p.to_string_lossy().into_owned());
                parent.filter(|p| !p.is_empty()).unwrap_or_else(|| ".".into())
            }
        };
        *build_args = attrs.build_args.map(|b| b.value).unwrap_or_default();
        *target = attrs.target.map(|t| t.value);
    }
    meta.sleep_after_secs = attrs.sleep_after.unwrap_or(meta.sleep_after_secs);
    meta.env = attrs.env.into_iter().map(|(name, value)| EnvVar { name: name.value, value }).collect();
    meta.entrypoint = attrs.entrypoint;
    meta.enable_internet = attrs.enable_internet.unwrap_or(meta.enable_internet);
    meta.readiness_path = attrs.readiness_path.unwrap_or(meta.readiness_path);
    meta.readiness = attrs.readiness.unwrap_or(meta.readiness);
    (meta.image_name, meta.image_tag) = (attrs.name, attrs.tag);
    meta.instance_type = attrs.instance_type.unwrap_or(meta.instance_type);
    meta.max_instances = attrs.max_instances.unwrap_or(meta.max_instances);
    meta.rollout.steps = attrs.rollout_steps.unwrap_or_else(|| Rollout::default_for(meta.max_instances).steps);
    meta.rollout.kind = attrs.rollout_kind.unwrap_or(meta.rollout.kind);
    meta.observability_logs = attrs.observability_logs.unwrap_or(meta.observability_logs);
    meta.scheduling_policy = attrs.scheduling_policy.unwrap_or(meta.scheduling_policy);
    meta.constraints = attrs.constraints.unwrap_or(meta.constraints);
    meta.rollout_active_grace_period_secs = attrs.rollout_active_grace_period.unwrap_or(0);
    meta.dev = DevSettings { remote: attrs.dev_remote.unwrap_or(meta.dev.remote) };
    meta.renamed_from = attrs.renamed_from.map(|r| r.value);
    // The crate being compiled (cargo sets these for it): its paths are
    // found from its package when the CLI runs, so the record holds no
    // path of the machine or the copy it was compiled in.
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    meta.declared_by = var("CARGO_PKG_NAME")
        .map(|name| DeclaringPackage { name, version: var("CARGO_PKG_VERSION").unwrap_or_default() });
    meta
}
