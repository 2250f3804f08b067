//! Builds the shared metadata model from validated attributes.

use std::path::Path;

use cfcontainer_meta::{shouty_snake_case, ContainerMeta, DevSettings, EnvVar, ImageSource, Rollout, SCHEMA_VERSION};

use crate::attr::Attrs;

/// Applies defaults; infallible once validation passed.
pub fn build(attrs: Attrs, item: &syn::ItemStruct) -> ContainerMeta {
    let class = attrs.class.map(|c| c.value).unwrap_or_else(|| item.ident.to_string());
    let binding = attrs.binding.map(|b| b.value).unwrap_or_else(|| shouty_snake_case(&class));
    let mut ports = attrs.ports.map(|p| p.value).unwrap_or_default();
    let port = attrs.port.map(|p| p.value).or_else(|| ports.first().copied()).unwrap_or(8080);
    if !ports.contains(&port) {
        ports.insert(0, port);
    }
    let image = match attrs.image {
        Some(reference) => ImageSource::Prebuilt { reference },
        None => {
            let dockerfile = attrs.dockerfile.map(|d| d.value).unwrap_or_else(|| "Dockerfile".into());
            let context = attrs.context.map(|c| c.value).unwrap_or_else(|| {
                let parent = Path::new(&dockerfile).parent().map(|p| p.to_string_lossy().into_owned());
                parent.filter(|p| !p.is_empty()).unwrap_or_else(|| ".".into())
            });
            ImageSource::Dockerfile {
                dockerfile,
                context,
                build_args: attrs.build_args.map(|b| b.value).unwrap_or_default(),
                target: attrs.target.map(|t| t.value),
            }
        }
    };
    let default_rollout = Rollout::default();
    ContainerMeta {
        schema: SCHEMA_VERSION,
        rust_type: item.ident.to_string(),
        class,
        binding,
        port,
        ports,
        sleep_after_secs: attrs.sleep_after.unwrap_or(600),
        env: attrs.env.into_iter().map(|(name, value)| EnvVar { name: name.value, value }).collect(),
        entrypoint: attrs.entrypoint,
        enable_internet: attrs.enable_internet.unwrap_or(true),
        readiness_path: attrs.readiness_path.unwrap_or_else(|| "/".into()),
        readiness: attrs.readiness.unwrap_or_default(),
        image,
        image_name: attrs.name,
        image_tag: attrs.tag,
        instance_type: attrs.instance_type.unwrap_or_default(),
        max_instances: attrs.max_instances.unwrap_or(20),
        rollout: Rollout {
            steps: attrs.rollout_steps.unwrap_or(default_rollout.steps),
            kind: attrs.rollout_kind.unwrap_or(default_rollout.kind),
        },
        observability_logs: attrs.observability_logs.unwrap_or(false),
        dev: DevSettings { remote: attrs.dev_remote.unwrap_or(false) },
        renamed_from: attrs.renamed_from.map(|r| r.value),
    }
}
