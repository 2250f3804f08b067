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
use super::{AccountClass, AccountHistory};
use crate::api::MigrationStep;
use crate::deploy::migrations::{next_tag, Migrations};
use crate::project::own_classes::{besides_containers, OwnClass};
use crate::project::Project;

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
    /// The container classes, `(class, renamed_from)`.
    pub classes: Vec<(String, Option<String>)>,
    /// The Worker's own (non-container) classes, which the file binds or
    /// its migrations define: the migrations must create them too (the
    /// official CLI refuses a binding to a class no migration made).
    pub own_classes: Vec<OwnClass>,
    /// The Worker's history in the account, which the migrations follow.
    pub account: Option<AccountHistory>,
    /// Worker vars from `[package.metadata.cfcontainer]`, set where absent.
    pub vars: Vec<(String, String)>,
    /// The environment (`--env`) whose section gets the containers,
    /// Durable Object bindings and vars, which the official CLI does not
    /// inherit from the top level; `None`: the top level.
    pub env: Option<String>,
}

impl Sections {
    /// The sections for `project`'s containers, with paths relative to
    /// `config_dir` (where the wrangler config lives), and migrations that
    /// follow `account`.
    pub fn new(
        project: &Project,
        containers: &[ContainerMeta],
        account: Option<AccountHistory>,
        config_dir: &Path,
    ) -> Sections {
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
            own_classes: settings
                .wrangler
                .iter()
                .flat_map(|w| besides_containers(&w.own_classes, containers).cloned())
                .collect(),
            account,
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

    /// The migrations to append to `existing` (wrangler's `migrations`
    /// array) so that they define every class of the Worker, container or
    /// not, and end at the tag the account's Worker is at, or after it
    /// with what the crate adds; and the classes they define that the
    /// crate no longer declares (never deleted here: that loses data, so
    /// it is the user's call). A file without migrations gets the
    /// account's classes under the account's tag first: a Worker this
    /// tool deployed from such a file is at its own `vN`, which the
    /// official CLI must find as the file's last tag to apply nothing on
    /// that Worker, while on a new one it creates them all. The file's own
    /// migrations must agree with the account: else the error says how.
    pub fn migration(&self, existing: &[MigrationEntry]) -> Result<(Vec<MigrationEntry>, Vec<String>), String> {
        let mut history = existing.to_vec();
        let mut appended = Vec::new();
        if let Some((account, tag)) = self.account.as_ref().and_then(|a| Some((a, a.tag.as_deref()?))) {
            match existing.iter().position(|m| m.tag == tag) {
                None if existing.is_empty() => {
                    let (sqlite, kv): (Vec<&AccountClass>, Vec<&AccountClass>) =
                        account.classes.iter().partition(|c| c.sqlite);
                    let names = |classes: Vec<&AccountClass>| classes.into_iter().map(|c| c.name.clone()).collect();
                    let step = MigrationStep { new_sqlite_classes: names(sqlite), new_classes: names(kv), ..Default::default() };
                    appended.push(MigrationEntry { tag: tag.to_string(), step });
                    history.extend(appended.clone());
                }
                None => {
                    return Err(format!(
                        "the account's Worker is at migration tag `{tag}`, which the file's `migrations` do not have, so the official CLI would apply them all again; give the entry that made its classes ({}) that tag",
                        account.classes.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                    ))
                }
                Some(at) => {
                    let defined = defined_by(&existing[..=at]);
                    if let Some(class) = account.classes.iter().find(|c| !defined.contains(&c.name)) {
                        let key = if class.sqlite { "new_sqlite_classes" } else { "new_classes" };
                        return Err(format!(
                            "the account's Worker has Durable Object class `{}` at migration tag `{tag}`, which the file's `migrations` up to that tag do not define; add \"{}\" to `{key}` of a `migrations` entry up to `{tag}`",
                            class.name, class.name
                        ));
                    }
                }
            }
        }
        let defined = defined_by(&history);
        let mut wanted = self.classes.clone();
        wanted.extend(self.own_classes.iter().map(|c| (c.name.clone(), c.renamed_from.clone())));
        let kv: Vec<String> = self.own_classes.iter().filter(|c| !c.sqlite).map(|c| c.name.clone()).collect();
        let migrations = Migrations::between(&defined, &wanted).with_kv_backed(&kv);
        if !(migrations.new.is_empty() && migrations.new_kv.is_empty() && migrations.renamed.is_empty()) {
            let step = Migrations { deleted: Vec::new(), ..migrations.clone() }.step();
            appended.push(MigrationEntry { tag: next_tag(history.last().map(|m| m.tag.as_str())), step });
        }
        Ok((appended, migrations.deleted))
    }
}

/// The classes `entries` define, replayed in order.
fn defined_by(entries: &[MigrationEntry]) -> Vec<String> {
    let mut defined: Vec<String> = Vec::new();
    for entry in entries {
        let step = &entry.step;
        defined.extend(step.new_classes.iter().chain(&step.new_sqlite_classes).cloned());
        for rename in &step.renamed_classes {
            defined.retain(|c| *c != rename.from);
            defined.push(rename.to.clone());
        }
        defined.retain(|c| !step.deleted_classes.contains(c));
    }
    defined
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
        ImageSource::Binary { .. } => {
            unreachable!("the wrangler verb names an image assembled from a binary by its registry reference")
        }
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
        account: None,
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

    fn json(entries: Vec<MigrationEntry>) -> Value {
        serde_json::to_value(entries).unwrap()
    }

    #[test]
    fn migrations_append_only_what_history_lacks() {
        let s = for_classes(&[("Web", None)]);
        let (steps, _) = s.migration(&[]).unwrap();
        assert_eq!(json(steps), json!([{ "tag": "v1", "new_sqlite_classes": ["Web"] }]));
        let history = entries(json!([{ "tag": "v1", "new_sqlite_classes": ["Web"] }]));
        assert_eq!(s.migration(&history).unwrap(), (vec![], vec![]));
        let renamed = for_classes(&[("Site", Some("Web")), ("Api", None)]);
        let (steps, gone) = renamed.migration(&history).unwrap();
        assert_eq!(
            json(steps),
            json!([{ "tag": "v2", "new_sqlite_classes": ["Api"], "renamed_classes": [{ "from": "Web", "to": "Site" }] }])
        );
        assert!(gone.is_empty());
        let (_, gone) = for_classes(&[]).migration(&history).unwrap();
        assert_eq!(gone, ["Web"]);
    }

    fn account(tag: &str, classes: &[(&str, bool)]) -> Option<AccountHistory> {
        let classes = classes.iter().map(|(name, sqlite)| AccountClass { name: name.to_string(), sqlite: *sqlite });
        Some(AccountHistory { tag: Some(tag.into()), classes: classes.collect() })
    }

    fn own(name: &str, sqlite: bool) -> OwnClass {
        OwnClass { name: name.into(), renamed_from: None, sqlite }
    }

    #[test]
    fn without_migrations_in_the_file_the_export_starts_at_the_accounts_tag_with_every_class_it_has() {
        // This tool deployed v1 (Jobs, and the Worker's own Room) and v2
        // (Web) from a file without migrations.
        let mut s = for_classes(&[("Jobs", None), ("Web", None)]);
        s.own_classes = vec![own("Room", false)];
        s.account = account("v2", &[("Jobs", true), ("Room", false), ("Web", true)]);
        let (steps, gone) = s.migration(&[]).unwrap();
        let expected = json!([{ "tag": "v2", "new_classes": ["Room"], "new_sqlite_classes": ["Jobs", "Web"] }]);
        assert_eq!(json(steps), expected);
        assert!(gone.is_empty());
        // A class the crate adds since comes after, under the tag this
        // tool's next deploy would give it.
        s.classes.push(("Api".into(), None));
        let (steps, _) = s.migration(&[]).unwrap();
        assert_eq!(json(steps)[1], json!({ "tag": "v3", "new_sqlite_classes": ["Api"] }));
        // Not deployed yet: every class, the Worker's own too, from v1.
        s.account = None;
        let (steps, _) = s.migration(&[]).unwrap();
        assert_eq!(
            json(steps),
            json!([{ "tag": "v1", "new_classes": ["Room"], "new_sqlite_classes": ["Jobs", "Web", "Api"] }])
        );
    }

    #[test]
    fn a_file_whose_migrations_disagree_with_the_account_is_refused_saying_what_to_add() {
        let mut s = for_classes(&[("Web", None)]);
        s.own_classes = vec![own("Room", true)];
        s.account = account("v1", &[("Room", true), ("Web", true)]);
        let history = entries(json!([{ "tag": "v1", "new_sqlite_classes": ["Web"] }]));
        let why = s.migration(&history).unwrap_err();
        assert!(
            why.contains("class `Room` at migration tag `v1`") && why.contains("\"Room\" to `new_sqlite_classes`"),
            "{why}"
        );
        s.account = account("v7", &[("Web", true)]);
        let why = s.migration(&history).unwrap_err();
        assert!(why.contains("at migration tag `v7`, which the file's `migrations` do not have"), "{why}");
        // Agreeing: the file's last tag, nothing to add.
        s.account = account("v1", &[("Web", true)]);
        let (steps, _) = s.migration(&history).unwrap();
        assert_eq!(json(steps), json!([{ "tag": "v2", "new_sqlite_classes": ["Room"] }]));
    }
}
