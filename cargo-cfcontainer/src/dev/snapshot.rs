//! Change detection for `dev`: only the real inputs count. The Worker's
//! are the files cargo's dep-info lists for the compiled crate, its
//! manifests, lockfile and `.dev.vars`; an image's are its Dockerfile and
//! the files its build context packs (so `.dockerignore` applies). Files
//! `dev` writes itself (its own output redirected into the crate) never
//! count. What is watched for events follows the same inputs: the
//! directories that hold them, and every directory of a build context
//! the build would look into.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use cfcontainer_meta::{ContainerMeta, ImageSource};
use sha2::{Digest, Sha256};

use crate::image::{self, BuildContext, DefaultExclusions, IgnoreRules};
use crate::project::Project;

/// What changed since the last build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Nothing.
    None,
    /// Only image inputs: rebuild images, keep the Worker bundle.
    Images,
    /// Worker inputs (maybe images too): rebuild everything.
    Worker,
}

/// The inputs to watch.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Files the Worker is built from.
    pub worker: Vec<PathBuf>,
    /// Files every image is built from.
    pub images: Vec<PathBuf>,
}

/// The inputs of the last build: the Worker's fixed list (cargo's dep-info
/// names every source file), the images' rescanned at each look, so a file
/// added to a context counts.
pub struct Watched {
    worker: Vec<PathBuf>,
    contexts: Vec<Context>,
    /// The other inputs of images: files, and directories whose every
    /// file counts (looked into again at each look, so an added file does).
    image_inputs: Vec<PathBuf>,
    /// Where the running Worker writes its KV, R2 and D1 data: never an
    /// input, even inside a build context that a `.dockerignore` opens.
    data: Option<PathBuf>,
}

/// One image's build context.
struct Context {
    dir: PathBuf,
    dockerfile: PathBuf,
    defaults: DefaultExclusions,
}

impl Watched {
    /// The inputs of `project`'s Worker (built as `artifact`) and of its
    /// containers' images; `data` is the running Worker's own.
    pub fn of(project: &Project, artifact: &Path, containers: &[ContainerMeta], data: Option<PathBuf>) -> Watched {
        let mut worker = dep_info_inputs(&artifact.with_extension("d"));
        let lock = project.workspace_manifest.with_file_name("Cargo.lock");
        worker.extend([
            project.manifest_path.clone(),
            project.workspace_manifest.clone(),
            lock,
            project.dir.join(".dev.vars"),
        ]);
        let contexts = containers
            .iter()
            .filter_map(|meta| match &meta.image {
                ImageSource::Dockerfile { dockerfile, context, .. } => {
                    let base = image::source_dir(meta, project);
                    let defaults = DefaultExclusions::for_crate(&base, &project.target_dir);
                    Some(Context { dir: base.join(context), dockerfile: base.join(dockerfile), defaults })
                }
                ImageSource::Prebuilt { .. } | ImageSource::Binary { .. } => None,
            })
            .collect();
        Watched { worker, contexts, image_inputs: Vec::new(), data }
    }

    /// More inputs of images (an assembled image's binary sources,
    /// manifest and assets directory).
    pub fn add_image_inputs(&mut self, inputs: impl IntoIterator<Item = PathBuf>) {
        self.image_inputs.extend(inputs);
    }

    /// More files (or directories) the Worker's config is made from.
    pub fn add_worker_inputs(&mut self, inputs: impl IntoIterator<Item = PathBuf>) {
        self.worker.extend(inputs);
    }

    /// The inputs as they are now (the build contexts scanned again).
    pub fn inputs(&self) -> Inputs {
        let mut images = Vec::new();
        for context in &self.contexts {
            images.push(context.dockerfile.clone());
            if let Ok(scanned) = BuildContext::scan(&context.dir, &context.dockerfile, &context.defaults) {
                images.extend(scanned.paths().filter(|p| !self.is_data(p)));
            }
        }
        for input in &self.image_inputs {
            files_below(input, &mut images);
        }
        Inputs { worker: self.worker.clone(), images }
    }

    /// The directories where an event may mean that `inputs` changed:
    /// each input's directory (the nearest one that exists, for an input
    /// not created yet), each input that is a directory (the assets': a
    /// file added or removed), and every directory of a build context
    /// that the build looks into (so a file created anywhere an image
    /// would take it from counts), the running Worker's data aside.
    pub fn directories(&self, inputs: &Inputs) -> BTreeSet<PathBuf> {
        let mut dirs = BTreeSet::new();
        for path in inputs.worker.iter().chain(&inputs.images) {
            if path.is_dir() {
                dirs.insert(path.clone());
            }
            if let Some(dir) = path.ancestors().skip(1).find(|a| a.is_dir()) {
                dirs.insert(dir.to_path_buf());
            }
        }
        for context in &self.contexts {
            self.context_directories(context, &context.dir, context_rules(context).as_ref(), &mut dirs);
        }
        dirs
    }

    /// Paths whose events are never an edit: dev's own output files and
    /// the running Worker's data.
    pub fn ignored(&self) -> Vec<PathBuf> {
        own_output_files().into_iter().chain(self.data.clone()).collect()
    }

    /// `dir` and the directories below it that the build of `context`
    /// descends into, as it decides: none below when its rules cannot be
    /// read (the build fails; only a fix of `.dockerignore` matters).
    fn context_directories(
        &self,
        context: &Context,
        dir: &Path,
        rules: Option<&IgnoreRules>,
        out: &mut BTreeSet<PathBuf>,
    ) {
        out.insert(dir.to_path_buf());
        let (Some(rules), Ok(entries)) = (rules, std::fs::read_dir(dir)) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if !entry.file_type().is_ok_and(|t| t.is_dir()) || self.is_data(&path) {
                continue;
            }
            let relative = path.strip_prefix(&context.dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            // The build descends into an excluded directory only when an
            // exception could re-include something below it.
            if !rules.excludes(&relative) || rules.has_exceptions() {
                self.context_directories(context, &path, Some(rules), out);
            }
        }
    }

    fn is_data(&self, path: &Path) -> bool {
        self.data.as_deref().is_some_and(|d| path.starts_with(d))
    }
}

/// `path`, and every file and directory below it when it is a directory.
fn files_below(path: &Path, out: &mut Vec<PathBuf>) {
    out.push(path.to_path_buf());
    if let Ok(entries) = std::fs::read_dir(path) {
        let mut below: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        below.sort();
        for entry in below {
            files_below(&entry, out);
        }
    }
}

/// What the build of `context` leaves out: its `.dockerignore`, else the
/// default exclusions inside it; `None` when the file cannot be read or parsed.
fn context_rules(context: &Context) -> Option<IgnoreRules> {
    let text = match std::fs::read_to_string(context.dir.join(".dockerignore")) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let inside = context.defaults.paths.iter().filter_map(|p| p.strip_prefix(&context.dir).ok());
            inside
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        }
        Err(_) => return None,
    };
    IgnoreRules::parse(&text).ok()
}

/// The state of every input at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    worker: BTreeMap<PathBuf, Stamp>,
    images: BTreeMap<PathBuf, Stamp>,
}

/// When a build read its inputs. The images' contexts are read after the
/// Worker is built, so what that build writes into a context (its
/// `build/`, when a `.dockerignore` lets it in) is older than `images`
/// and no edit.
#[derive(Debug, Clone, Copy)]
pub struct ReadAt {
    /// When the Worker build started.
    pub worker: SystemTime,
    /// When the image builds started reading their contexts.
    pub images: SystemTime,
}

/// A file's state: modification time and size, or for lockfiles (which a
/// build rewrites with the same content) a digest of the content.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stamp {
    Missing,
    Seen(SystemTime, u64),
    Content([u8; 32]),
}

impl Snapshot {
    /// The inputs as they are now. With `read`, the moments the last build
    /// read the Worker's inputs and the images' contexts: an input modified
    /// later (edited while the build ran) is recorded as unseen, so the
    /// next comparison reports it.
    pub fn take(inputs: &Inputs, read: Option<ReadAt>) -> Snapshot {
        let own = own_output_files();
        let take = |files: &[PathBuf], read_at: Option<SystemTime>| {
            files
                .iter()
                .filter(|f| !own.contains(f))
                .map(|f| {
                    let stamp = match stamp(f) {
                        Stamp::Seen(modified, _) if read_at.is_some_and(|at| modified > at) => Stamp::Missing,
                        other => other,
                    };
                    (f.clone(), stamp)
                })
                .collect()
        };
        Snapshot {
            worker: take(&inputs.worker, read.map(|r| r.worker)),
            images: take(&inputs.images, read.map(|r| r.images)),
        }
    }

    /// What differs between `self` (after the last build) and `now`.
    pub fn change(&self, now: &Snapshot) -> Change {
        if self.worker != now.worker {
            Change::Worker
        } else if self.images != now.images {
            Change::Images
        } else {
            Change::None
        }
    }
}

fn stamp(path: &Path) -> Stamp {
    let Ok(meta) = std::fs::metadata(path) else { return Stamp::Missing };
    if path.file_name().is_some_and(|n| n == "Cargo.lock") {
        return match std::fs::read(path) {
            Ok(bytes) => Stamp::Content(Sha256::digest(&bytes).into()),
            Err(_) => Stamp::Missing,
        };
    }
    Stamp::Seen(meta.modified().unwrap_or(SystemTime::UNIX_EPOCH), meta.len())
}

/// Where this process's stdout and stderr go, when those are files (as
/// with `cargo cfcontainer dev > dev.log`): writing them is not an edit.
fn own_output_files() -> Vec<PathBuf> {
    ["/proc/self/fd/1", "/proc/self/fd/2"].iter().filter_map(|fd| std::fs::read_link(fd).ok()).collect()
}

/// The source files cargo's dep-info file `dep_info` lists.
pub fn dep_info_inputs(dep_info: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(dep_info) else { return Vec::new() };
    let Some((_, inputs)) = text.lines().next().and_then(|l| l.split_once(": ")) else { return Vec::new() };
    crate::compile::dep_info_paths(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_lockfile_with_the_same_content_is_no_change_but_a_source_edit_is() {
        let dir = tempfile::tempdir().unwrap();
        let (lock, src, context) =
            (dir.path().join("Cargo.lock"), dir.path().join("lib.rs"), dir.path().join("index.html"));
        for f in [&lock, &src, &context] {
            std::fs::write(f, "v1").unwrap();
        }
        let inputs = Inputs { worker: vec![lock.clone(), src.clone()], images: vec![context.clone()] };
        let before = Snapshot::take(&inputs, None);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&lock, "v1").unwrap();
        assert_eq!(before.change(&Snapshot::take(&inputs, None)), Change::None);
        std::fs::write(&context, "v2").unwrap();
        assert_eq!(before.change(&Snapshot::take(&inputs, None)), Change::Images);
        std::fs::write(&src, "v22").unwrap();
        assert_eq!(before.change(&Snapshot::take(&inputs, None)), Change::Worker);
    }

    #[test]
    fn an_input_edited_while_the_build_ran_is_seen_as_changed() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("lib.rs");
        let started = SystemTime::now() - std::time::Duration::from_secs(5);
        std::fs::write(&src, "edited during the build").unwrap();
        let inputs = Inputs { worker: vec![src], images: Vec::new() };
        let after_build = Snapshot::take(&inputs, Some(ReadAt { worker: started, images: started }));
        assert_eq!(after_build.change(&Snapshot::take(&inputs, None)), Change::Worker);
    }

    #[test]
    fn a_context_file_edited_after_the_image_build_read_it_is_seen_but_one_the_worker_build_wrote_before_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let (bundle, page) = (dir.path().join("build/index.js"), dir.path().join("index.html"));
        std::fs::create_dir_all(bundle.parent().unwrap()).unwrap();
        let worker = SystemTime::now() - std::time::Duration::from_secs(5);
        std::fs::write(&bundle, "written by the Worker build").unwrap();
        std::fs::write(&page, "v1").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(50));
        let read = ReadAt { worker, images: SystemTime::now() };
        std::thread::sleep(std::time::Duration::from_millis(50));
        let inputs = Inputs { worker: Vec::new(), images: vec![bundle, page.clone()] };
        assert_eq!(Snapshot::take(&inputs, Some(read)).change(&Snapshot::take(&inputs, None)), Change::None);
        std::fs::write(&page, "edited while the image built").unwrap();
        assert_eq!(Snapshot::take(&inputs, Some(read)).change(&Snapshot::take(&inputs, None)), Change::Images);
    }

    #[test]
    fn a_binarys_sources_and_a_file_added_to_its_assets_are_image_inputs() {
        let dir = crate::testing::tree(&[
            ("worker/src/lib.rs", ""),
            ("server/src/main.rs", "fn main() {}"),
            ("server/static/index.html", "hi"),
        ]);
        let root = dir.path();
        let mut watched = Watched {
            worker: vec![root.join("worker/src/lib.rs")],
            contexts: Vec::new(),
            image_inputs: Vec::new(),
            data: None,
        };
        watched.add_image_inputs([root.join("server/src/main.rs"), root.join("server/static")]);
        let before = Snapshot::take(&watched.inputs(), None);
        assert!(watched.directories(&watched.inputs()).contains(&root.join("server/static")));
        std::fs::write(root.join("server/static/new.css"), "p{}").unwrap();
        assert_eq!(before.change(&Snapshot::take(&watched.inputs(), None)), Change::Images, "an added asset");
        let before = Snapshot::take(&watched.inputs(), None);
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(root.join("server/src/main.rs"), "fn main() { println!(); }").unwrap();
        assert_eq!(before.change(&Snapshot::take(&watched.inputs(), None)), Change::Images, "an edit of the server");
    }

    /// A crate whose whole directory is its container's build context.
    fn crate_with_context(files: &[(&str, &str)]) -> (tempfile::TempDir, Watched) {
        let dir = crate::testing::tree(files);
        let root = dir.path().to_path_buf();
        let context = Context {
            dir: root.join("."),
            dockerfile: root.join("Dockerfile"),
            defaults: DefaultExclusions::for_crate(&root, &root.join("target")),
        };
        let worker = vec![root.join("src/lib.rs"), root.join("Cargo.toml"), root.join(".dev.vars")];
        let data = Some(root.join(".wrangler/state/v3"));
        let watched = Watched { worker, contexts: vec![context], image_inputs: Vec::new(), data };
        (dir, watched)
    }

    fn relative(dirs: &BTreeSet<PathBuf>, root: &Path) -> Vec<String> {
        dirs.iter().map(|d| d.strip_prefix(root).unwrap().to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn the_watched_directories_hold_the_inputs_and_all_the_context_the_build_looks_into() {
        let (dir, watched) = crate_with_context(&[
            ("Cargo.toml", ""),
            ("src/lib.rs", ""),
            ("Dockerfile", "FROM scratch"),
            ("container/www/index.html", "hi"),
            ("target/debug/notes.wasm", ""),
            ("node_modules/pkg/index.js", ""),
        ]);
        std::fs::create_dir_all(dir.path().join("container/empty")).unwrap();
        let dirs = watched.directories(&watched.inputs());
        // An empty directory of the context is watched: a file created
        // there is an input. Build output and npm packages are not.
        assert_eq!(relative(&dirs, dir.path()), ["", "container", "container/empty", "container/www", "src"]);
    }

    #[test]
    fn a_dockerignore_decides_which_context_directories_are_watched_and_the_data_never_is() {
        let (dir, watched) = crate_with_context(&[
            ("src/lib.rs", ""),
            ("Dockerfile", "FROM scratch"),
            (".dockerignore", "target\nsrc\n"),
            ("node_modules/pkg/index.js", ""),
            (".wrangler/state/v3/kv/blob", ""),
            ("target/debug/notes.wasm", ""),
        ]);
        let dirs = watched.directories(&watched.inputs());
        assert_eq!(
            relative(&dirs, dir.path()),
            ["", ".wrangler", ".wrangler/state", "node_modules", "node_modules/pkg", "src"]
        );
    }
}
