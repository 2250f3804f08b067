//! The wrangler sections one crate's containers need, as typed entries
//! that both the TOML and the JSON writers turn into their own syntax.

use std::path::{Component, Path, PathBuf};

use cfcontainer_meta::wrangler::{InstanceTypeEntry, StepPercentage};
use cfcontainer_meta::{Constraints, ContainerMeta, ImageSource, InstanceType, SchedulingPolicy};
use serde::Deserialize;
use serde_json::Value;

use super::entries::{
    BuildEntry, ClassOf, ConstraintsEntry, ContainerEntry, DurableObjectEntry, MigrationEntry, WorkerDefaults,
};
use crate::deploy::migrations::{next_tag, Migrations};
use crate::Project;

/// Top-level keys set only when the file lacks them, the containers and
/// Durable Object bindings of the crate's classes, and its classes for
/// migrations.
pub struct Sections {
    /// `name`, `main`, `compatibility_date`, `compatibility_flags`, `build`.
    pub defaults: WorkerDefaults,
    /// One `containers` entry per class.
    pub containers: Vec<ContainerEntry>,
    /// One `durable_objects.bindings` entry per class.
    pub bindings: Vec<DurableObjectEntry>,
    /// `(class, renamed_from)`.
    pub classes: Vec<(String, Option<String>)>,
    /// The Worker's own (non-container) classes: the file's migrations
    /// define them, and they are not reported as undeclared.
    pub own_classes: Vec<String>,
    /// Worker vars from `[package.metadata.cfcontainer]`, set where absent.
    pub vars: Vec<(String, String)>,
    /// The environment (`--env`) whose section gets the containers,
    /// Durable Object bindings and vars, which the official CLI does not
    /// inherit from the top level; `None`: the top level.
    pub env: Option<String>,
}

impl Sections {
    /// The sections for `project`'s containers, with paths relative to
    /// `config_dir` (where the wrangler config lives).
    pub fn new(project: &Project, containers: &[ContainerMeta], config_dir: &Path) -> Sections {
        let settings = &project.settings;
        let crate_dir = relative(config_dir, &project.dir);
        let in_crate = |p: &str| dotted(&crate_dir.join(p));
        let cwd = (crate_dir != Path::new("")).then(|| dotted(&crate_dir));
        // An environment's name and compatibility are its section's or
        // derive from the top level's: only the top-level export sets them.
        let top = project.env.is_none();
        let defaults = WorkerDefaults {
            name: top.then(|| settings.name.clone()),
            main: in_crate("build/index.js"),
            compatibility_date: top.then(|| settings.compatibility_date.clone()),
            compatibility_flags: if top { settings.compatibility_flags.clone() } else { Vec::new() },
            build: BuildEntry { command: "worker-build --release".into(), cwd },
        };
        Sections {
            defaults,
            containers: containers.iter().map(|c| container(&settings.name, c, &in_crate)).collect(),
            bindings: containers
                .iter()
                .map(|c| DurableObjectEntry { name: c.binding.clone(), class_name: c.class.clone() })
                .collect(),
            classes: containers.iter().map(|c| (c.class.clone(), c.renamed_from.clone())).collect(),
            own_classes: settings.wrangler.iter().flat_map(|w| w.own_classes.iter().map(|c| c.name.clone())).collect(),
            vars: settings.vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            env: project.env.clone(),
        }
    }

    /// True if `entry` (a container or binding of the file) is for one of
    /// our classes.
    pub fn owns(&self, entry: &Value) -> bool {
        let class = ClassOf::deserialize(entry).ok().and_then(|c| c.class_name);
        self.classes.iter().any(|(c, _)| Some(c) == class.as_ref())
    }

    /// The migration to append to `existing` (wrangler's `migrations`
    /// array), if the crate's classes are not all defined by it, and the
    /// classes it defines that the crate no longer declares (never deleted
    /// here: that loses data, so it is the user's call).
    pub fn migration(&self, existing: &[MigrationEntry]) -> (Option<MigrationEntry>, Vec<String>) {
        let mut defined: Vec<String> = Vec::new();
        for entry in existing {
            let step = &entry.step;
            defined.extend(step.new_classes.iter().chain(&step.new_sqlite_classes).cloned());
            for rename in &step.renamed_classes {
                defined.retain(|c| *c != rename.from);
                defined.push(rename.to.clone());
            }
            defined.retain(|c| !step.deleted_classes.contains(c));
        }
        let wanted = Migrations::between(&defined, &self.classes);
        let last_tag = existing.last().map(|m| m.tag.as_str());
        let append = (!wanted.new.is_empty() || !wanted.renamed.is_empty()).then(|| {
            let step = Migrations { deleted: Vec::new(), ..wanted.clone() }.step();
            MigrationEntry { tag: next_tag(last_tag), step }
        });
        let undeclared = wanted.deleted.into_iter().filter(|c| !self.own_classes.contains(c)).collect();
        (append, undeclared)
    }
}

fn container(worker: &str, c: &ContainerMeta, in_crate: &dyn Fn(&str) -> String) -> ContainerEntry {
    let (image, image_build_context, image_vars) = match &c.image {
        ImageSource::Dockerfile { dockerfile, context, build_args, .. } => {
            let default_context = Path::new(dockerfile)
                .parent()
                .map(|p| p.to_string_lossy().into_owned())
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| ".".into());
            let context = (*context != default_context).then(|| in_crate(context));
            (in_crate(dockerfile), context, build_args.clone())
        }
        ImageSource::Prebuilt { reference } => (reference.clone(), None, Vec::new()),
    };
    ContainerEntry {
        class_name: c.class.clone(),
        name: format!("{worker}-{}", c.class).to_lowercase(),
        image,
        image_build_context,
        image_vars,
        max_instances: c.max_instances,
        instance_type: match &c.instance_type {
            InstanceType::Named(name) => InstanceTypeEntry::Named(name.clone()),
            InstanceType::Custom { vcpu, memory_mib, disk_mb } => {
                InstanceTypeEntry::Custom { vcpu: *vcpu, memory_mib: *memory_mib, disk_mb: *disk_mb }
            }
        },
        rollout_step_percentage: match c.rollout.steps.as_slice() {
            [single] => StepPercentage::Single(u64::from(*single)),
            steps => StepPercentage::Steps(steps.to_vec()),
        },
        rollout_kind: c.rollout.kind,
        rollout_active_grace_period: c.rollout_active_grace_period_secs,
        scheduling_policy: (c.scheduling_policy != SchedulingPolicy::Default).then(|| c.scheduling_policy.name()),
        constraints: (c.constraints != Constraints::default()).then(|| ConstraintsEntry {
            regions: c.constraints.regions.clone(),
            tiers: c.constraints.tiers.clone(),
            jurisdiction: c.constraints.jurisdiction.clone(),
        }),
    }
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

/// Sections for `classes` with placeholder defaults, for tests.
#[cfg(test)]
pub(super) fn for_classes(classes: &[(&str, Option<&str>)]) -> Sections {
    Sections {
        defaults: WorkerDefaults {
            name: Some("w".into()),
            main: "./build/index.js".into(),
            compatibility_date: Some("2026-03-05".into()),
            compatibility_flags: Vec::new(),
            build: BuildEntry { command: "worker-build --release".into(), cwd: None },
        },
        containers: Vec::new(),
        bindings: Vec::new(),
        classes: classes.iter().map(|(c, r)| (c.to_string(), r.map(str::to_string))).collect(),
        own_classes: Vec::new(),
        vars: Vec::new(),
        env: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn relative_paths_climb_and_descend() {
        assert_eq!(relative(Path::new("/a/b/c"), Path::new("/a/d")), PathBuf::from("../../d"));
        assert_eq!(relative(Path::new("/a"), Path::new("/a")), PathBuf::from(""));
        assert_eq!(dotted(&PathBuf::from("").join("Dockerfile")), "./Dockerfile");
        assert_eq!(dotted(&PathBuf::from("../x").join("./Dockerfile")), "../x/Dockerfile");
        assert_eq!(dotted(&PathBuf::from("").join(".")), ".");
    }

    fn entries(json: Value) -> Vec<MigrationEntry> {
        serde_json::from_value(json).unwrap()
    }

    fn json(entry: Option<MigrationEntry>) -> Value {
        serde_json::to_value(entry.unwrap()).unwrap()
    }

    #[test]
    fn migrations_append_only_what_history_lacks() {
        let s = for_classes(&[("Web", None)]);
        let (step, _) = s.migration(&[]);
        assert_eq!(json(step), json!({ "tag": "v1", "new_sqlite_classes": ["Web"] }));
        let history = entries(json!([{ "tag": "v1", "new_sqlite_classes": ["Web"] }]));
        assert_eq!(s.migration(&history), (None, vec![]));
        let renamed = for_classes(&[("Site", Some("Web")), ("Api", None)]);
        let (step, gone) = renamed.migration(&history);
        assert_eq!(
            json(step),
            json!({ "tag": "v2", "new_sqlite_classes": ["Api"], "renamed_classes": [{ "from": "Web", "to": "Site" }] })
        );
        assert!(gone.is_empty());
        let (_, gone) = for_classes(&[]).migration(&history);
        assert_eq!(gone, ["Web"]);
    }
}
