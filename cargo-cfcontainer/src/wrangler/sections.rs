//! The wrangler sections one crate's containers need, as JSON values that
//! both the TOML and the JSON writers turn into their own syntax.

use std::path::{Component, Path, PathBuf};

use cfcontainer_meta::{ContainerMeta, ImageSource, InstanceType};
use serde_json::{json, Value};

use crate::migrations::{next_tag, Migrations};
use crate::Project;

/// Top-level keys set only when the file lacks them, the containers and
/// Durable Object bindings of the crate's classes, and its classes for
/// migrations.
pub struct Sections {
    /// `name`, `main`, `compatibility_date`, `compatibility_flags`, `build`.
    pub defaults: Vec<(String, Value)>,
    /// One `containers` entry per class.
    pub containers: Vec<Value>,
    /// One `durable_objects.bindings` entry per class.
    pub bindings: Vec<Value>,
    /// `(class, renamed_from)`.
    pub classes: Vec<(String, Option<String>)>,
    /// Worker vars from `[package.metadata.cfcontainer]`, set where absent.
    pub vars: Vec<(String, String)>,
}

impl Sections {
    /// The sections for `project`'s containers, with paths relative to
    /// `config_dir` (where the wrangler config lives).
    pub fn new(project: &Project, containers: &[ContainerMeta], config_dir: &Path) -> Sections {
        let settings = &project.settings;
        let crate_dir = relative(config_dir, &project.dir);
        let in_crate = |p: &str| dotted(&crate_dir.join(p));
        let mut build = json!({ "command": "worker-build --release" });
        if crate_dir != Path::new("") {
            build["cwd"] = json!(dotted(&crate_dir));
        }
        let mut defaults = vec![
            ("name".to_string(), json!(settings.name)),
            ("main".to_string(), json!(in_crate("build/index.js"))),
            ("compatibility_date".to_string(), json!(settings.compatibility_date)),
        ];
        if !settings.compatibility_flags.is_empty() {
            defaults.push(("compatibility_flags".to_string(), json!(settings.compatibility_flags)));
        }
        defaults.push(("build".to_string(), build));
        Sections {
            defaults,
            containers: containers.iter().map(|c| container(&settings.name, c, &in_crate)).collect(),
            bindings: containers.iter().map(|c| json!({ "name": c.binding, "class_name": c.class })).collect(),
            classes: containers.iter().map(|c| (c.class.clone(), c.renamed_from.clone())).collect(),
            vars: settings.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        }
    }

    /// True if `entry` (a container or binding) is for one of our classes.
    pub fn owns(&self, entry: &Value) -> bool {
        let class = entry.get("class_name").and_then(Value::as_str);
        self.classes.iter().any(|(c, _)| Some(c.as_str()) == class)
    }

    /// The migration to append to `existing` (wrangler's `migrations`
    /// array), if the crate's classes are not all defined by it, and the
    /// classes it defines that the crate no longer declares (never deleted
    /// here: that loses data, so it is the user's call).
    pub fn migration(&self, existing: &[Value]) -> (Option<Value>, Vec<String>) {
        let mut defined: Vec<String> = Vec::new();
        let mut last_tag = None;
        let names = |v: &Value, key: &str| -> Vec<String> {
            v.get(key)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                .unwrap_or_default()
        };
        for step in existing {
            defined.extend(names(step, "new_classes"));
            defined.extend(names(step, "new_sqlite_classes"));
            for rename in step.get("renamed_classes").and_then(Value::as_array).into_iter().flatten() {
                if let (Some(from), Some(to)) = (rename["from"].as_str(), rename["to"].as_str()) {
                    defined.retain(|c| c != from);
                    defined.push(to.to_string());
                }
            }
            let deleted = names(step, "deleted_classes");
            defined.retain(|c| !deleted.contains(c));
            if let Some(tag) = step.get("tag").and_then(Value::as_str) {
                last_tag = Some(tag.to_string());
            }
        }
        let wanted = Migrations::between(&defined, &self.classes);
        let mut step = json!({ "tag": next_tag(last_tag.as_deref()) });
        if !wanted.new.is_empty() {
            step["new_sqlite_classes"] = json!(wanted.new);
        }
        if !wanted.renamed.is_empty() {
            step["renamed_classes"] =
                json!(wanted.renamed.iter().map(|(f, t)| json!({ "from": f, "to": t })).collect::<Vec<_>>());
        }
        let append = (!wanted.new.is_empty() || !wanted.renamed.is_empty()).then_some(step);
        (append, wanted.deleted)
    }
}

fn container(worker: &str, c: &ContainerMeta, in_crate: &dyn Fn(&str) -> String) -> Value {
    let mut entry = json!({ "class_name": c.class, "name": format!("{worker}-{}", c.class).to_lowercase() });
    match &c.image {
        ImageSource::Dockerfile { dockerfile, context, build_args, .. } => {
            entry["image"] = json!(in_crate(dockerfile));
            let default_context = Path::new(dockerfile)
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| ".".into());
            if *context != default_context {
                entry["image_build_context"] = json!(in_crate(context));
            }
            if !build_args.is_empty() {
                entry["image_vars"] = Value::Object(build_args.iter().map(|(k, v)| (k.clone(), json!(v))).collect());
            }
        }
        ImageSource::Prebuilt { reference } => entry["image"] = json!(reference),
    }
    entry["max_instances"] = json!(c.max_instances);
    entry["instance_type"] = match &c.instance_type {
        InstanceType::Named(name) => json!(name),
        InstanceType::Custom { vcpu, memory_mib, disk_mb } => {
            json!({ "vcpu": vcpu, "memory_mib": memory_mib, "disk_mb": disk_mb })
        }
    };
    entry["rollout_step_percentage"] = match c.rollout.steps.as_slice() {
        [single] => json!(single),
        steps => json!(steps),
    };
    entry["rollout_kind"] = json!(c.rollout.kind);
    entry
}

/// `to` relative to `from` (both directories).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (from, to) = (canon(from), canon(to));
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to[common..] {
        out.push(part.as_os_str());
    }
    out
}

/// `./x` for paths below, `../x` as is, with `/` separators.
fn dotted(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.trim_start_matches("./").replace("/./", "/");
    let text = text.trim_end_matches("/.").to_string();
    if text.starts_with("..") {
        text
    } else if text.is_empty() || text == "." {
        ".".into()
    } else {
        format!("./{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(relative(Path::new("/a/b/c"), Path::new("/a/d")), PathBuf::from("../../d"));
        assert_eq!(relative(Path::new("/a"), Path::new("/a")), PathBuf::from(""));
        assert_eq!(dotted(&PathBuf::from("").join("Dockerfile")), "./Dockerfile");
        assert_eq!(dotted(&PathBuf::from("../x").join("./Dockerfile")), "../x/Dockerfile");
        assert_eq!(dotted(&PathBuf::from("").join(".")), ".");
    }

    fn sections(classes: &[(&str, Option<&str>)]) -> Sections {
        Sections {
            defaults: Vec::new(),
            containers: Vec::new(),
            bindings: Vec::new(),
            classes: classes.iter().map(|(c, r)| (c.to_string(), r.map(str::to_string))).collect(),
            vars: Vec::new(),
        }
    }

    #[test]
    fn migrations_append_only_what_history_lacks() {
        let s = sections(&[("Web", None)]);
        let (step, _) = s.migration(&[]);
        assert_eq!(step.unwrap(), json!({ "tag": "v1", "new_sqlite_classes": ["Web"] }));
        let history = [json!({ "tag": "v1", "new_sqlite_classes": ["Web"] })];
        assert_eq!(s.migration(&history), (None, vec![]));
        let renamed = sections(&[("Site", Some("Web")), ("Api", None)]);
        let (step, gone) = renamed.migration(&history);
        assert_eq!(
            step.unwrap(),
            json!({ "tag": "v2", "new_sqlite_classes": ["Api"], "renamed_classes": [{ "from": "Web", "to": "Site" }] })
        );
        assert!(gone.is_empty());
        let (_, gone) = sections(&[]).migration(&history);
        assert_eq!(gone, ["Web"]);
    }
}
