//! `new` and `init`: a worker crate with one container that `dev` runs
//! and `deploy` deploys as it is made, in a new directory or an existing
//! one, in cargo's conventions (`cargo new`'s name checks, `--name`, a
//! refusal to overwrite anything). The files are in [`templates`]; the
//! container's server is busybox ([`busybox`]), or a Rust server of the
//! same workspace ([`rust`]).

mod busybox;
mod name;
mod rust;
mod templates;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use busybox::{Busybox, PULLED_IMAGE};
use templates::BusyboxContainer;

use crate::Error;

/// The container a new crate starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContainerKind {
    /// A web server on port 8080, one instance per name.
    Server,
    /// A job: no port, started from code, runs once per start and exits.
    Job,
    /// A Rust web server of the same workspace on port 8080: no
    /// Dockerfile, the image assembled from its static binary.
    Rust,
}

/// What to make, and where.
#[derive(Debug, Clone)]
pub struct Request {
    /// The crate's directory.
    pub dir: PathBuf,
    /// The package name (default: the directory's name).
    pub name: Option<String>,
    /// Its container.
    pub kind: ContainerKind,
    /// `init`: the directory may exist (but hold no package).
    pub existing: bool,
    /// The compatibility date to set.
    pub date: &'static str,
}

/// A crate made.
#[derive(Debug, Serialize)]
pub struct Made {
    /// Its directory.
    pub dir: PathBuf,
    /// Its package name.
    pub package: String,
    /// Its Worker's name.
    pub worker: String,
    /// Its container.
    pub container: ContainerKind,
    /// The static busybox copied into it, if one was found (else the image
    /// pulls busybox, or, for a Rust container, needs none).
    pub busybox: Option<PathBuf>,
    /// The files written, relative to `dir`.
    pub files: Vec<String>,
    /// The workspace above it that does not list it, if any.
    pub outside_workspace: Option<PathBuf>,
}

/// Writes the crate `request` asks for; nothing when any of its files
/// exists already.
pub fn make(request: &Request) -> Result<Made, Error> {
    let dir = &request.dir;
    let dir_name = std::path::absolute(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let package = request.name.clone().unwrap_or(dir_name);
    name::check_package(&package)?;
    let worker = name::worker_name(&package)?;
    match (request.existing, dir.exists()) {
        (false, true) => return Err(Error::DestinationExists { dir: dir.clone() }),
        (true, false) => return Err(Error::NoDirectory { dir: dir.clone() }),
        _ => {}
    }
    if request.existing && dir.join("Cargo.toml").exists() {
        return Err(Error::ExistingPackage { manifest: dir.join("Cargo.toml") });
    }
    // A Rust container is built from the server's source: no busybox.
    let busybox = match request.kind {
        ContainerKind::Rust => Busybox::Pulled,
        ContainerKind::Server | ContainerKind::Job => busybox::find(),
    };
    let busybox_crate =
        |kind| templates::Crate { package: &package, worker: &worker, kind, busybox: &busybox, date: request.date };
    let mut files = match request.kind {
        ContainerKind::Server => busybox_crate(BusyboxContainer::Server).files(),
        ContainerKind::Job => busybox_crate(BusyboxContainer::Job).files(),
        ContainerKind::Rust => rust::files(&package, &worker, request.date),
    };
    if let Busybox::Copied(_) = busybox {
        files.push(("container/busybox", String::new(), true));
    }
    let taken: Vec<&str> = files.iter().map(|(path, ..)| *path).filter(|path| dir.join(path).exists()).collect();
    if !taken.is_empty() {
        return Err(Error::WouldOverwrite { dir: dir.clone(), files: taken.join(", ") });
    }
    let written = |e: std::io::Error, path: &Path| Error::Io { what: format!("write {}", path.display()), source: e };
    for (path, text, executable) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| written(e, parent))?;
        }
        match &busybox {
            Busybox::Copied(from) if path.ends_with("container/busybox") => std::fs::copy(from, &path).map(|_| ()),
            _ => std::fs::write(&path, text),
        }
        .map_err(|e| written(e, &path))?;
        if *executable {
            set_executable(&path).map_err(|e| written(e, &path))?;
        }
    }
    let gitignore = dir.join(".gitignore");
    let ignored = match request.kind {
        ContainerKind::Rust => rust::GITIGNORE,
        ContainerKind::Server | ContainerKind::Job => templates::GITIGNORE,
    };
    add_lines(&gitignore, ignored).map_err(|e| written(e, &gitignore))?;
    let mut written: Vec<String> = files.iter().map(|(path, ..)| path.to_string()).collect();
    written.push(".gitignore".into());
    Ok(Made {
        // A workspace of its own is what cargo reads, whatever is above.
        outside_workspace: match request.kind {
            ContainerKind::Rust => None,
            ContainerKind::Server | ContainerKind::Job => workspace_above(dir),
        },
        dir: dir.clone(),
        package,
        worker,
        container: request.kind,
        busybox: match busybox {
            Busybox::Copied(from) => Some(from),
            Busybox::Pulled => None,
        },
        files: written,
    })
}

/// Appends the `lines` a `.gitignore` lacks (creating it), as `cargo
/// init` adds its own to an existing one.
fn add_lines(path: &Path, lines: &[&str]) -> std::io::Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let missing: Vec<&str> = lines.iter().copied().filter(|l| !existing.lines().any(|e| e.trim() == *l)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut text = existing.clone();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for line in missing {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(path, text)
}

#[cfg(unix)]
fn set_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// The manifest of a workspace above `dir`, if one is there: cargo reads
/// the new crate as its member, which it must then list (this tool does
/// not edit that file).
fn workspace_above(dir: &Path) -> Option<PathBuf> {
    let dir = std::path::absolute(dir).ok()?;
    dir.ancestors().skip(1).map(|d| d.join("Cargo.toml")).find(|manifest| {
        std::fs::read_to_string(manifest)
            .ok()
            .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok())
            .is_some_and(|doc| doc.contains_key("workspace"))
    })
}

#[cfg(test)]
mod tests {
    use super::templates::RUNTIME_VERSION;
    use super::*;

    fn request(dir: &Path, existing: bool) -> Request {
        Request { dir: dir.to_path_buf(), name: None, kind: ContainerKind::Server, existing, date: "2026-11-17" }
    }

    #[test]
    fn new_writes_a_worker_crate_and_refuses_an_existing_destination() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("hello-app");
        let made = make(&request(&dir, false)).unwrap();
        assert_eq!((made.package.as_str(), made.worker.as_str()), ("hello-app", "hello-app"));
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("crate-type = [\"cdylib\"]") && manifest.contains("wasm-opt = false"), "{manifest}");
        assert!(manifest.contains(&format!("cfcontainer = \"{RUNTIME_VERSION}\"")), "{manifest}");
        let wrangler = std::fs::read_to_string(dir.join("wrangler.toml")).unwrap();
        assert!(wrangler.contains("name = \"hello-app\"\ncompatibility_date = \"2026-11-17\""), "{wrangler}");
        assert_eq!(
            std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
            "/target\n/build\n/.wrangler\n/.dev.vars\n"
        );
        let again = make(&request(&dir, false)).unwrap_err().to_string();
        assert_eq!(
            again,
            format!(
                "destination {} already exists; make the crate in it with `cargo cfcontainer init {}`, or pick another path",
                dir.display(),
                dir.display()
            )
        );
    }

    #[test]
    fn init_keeps_a_gitignore_and_refuses_to_overwrite_any_file() {
        let dir = tempfile::tempdir().unwrap();
        let named = dir.path().join("app");
        std::fs::create_dir(&named).unwrap();
        std::fs::write(named.join(".gitignore"), "/target\n*.log").unwrap();
        make(&request(&named, true)).unwrap();
        assert_eq!(
            std::fs::read_to_string(named.join(".gitignore")).unwrap(),
            "/target\n*.log\n/build\n/.wrangler\n/.dev.vars\n"
        );
        std::fs::remove_file(named.join("Cargo.toml")).unwrap();
        let error = make(&request(&named, true)).unwrap_err().to_string();
        assert!(error.starts_with(&format!("{} already has src/lib.rs, wrangler.toml", named.display())), "{error}");
        std::fs::write(named.join("Cargo.toml"), "").unwrap();
        let error = make(&request(&named, true)).unwrap_err().to_string();
        assert!(error.contains("is a Cargo package already"), "{error}");
    }

    #[test]
    fn a_job_crate_starts_its_job_from_fetch() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("nightly");
        let made = make(&Request { kind: ContainerKind::Job, ..request(&dir, false) }).unwrap();
        assert!(made.files.contains(&"container/job.sh".to_string()), "{:?}", made.files);
        let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert!(lib.contains("pub struct Job;") && lib.contains("job.start(StartOptions::default())"), "{lib}");
    }

    #[test]
    fn a_rust_container_crate_is_a_workspace_whose_worker_names_the_servers_binary() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("shop");
        let made = make(&Request { kind: ContainerKind::Rust, ..request(&dir, false) }).unwrap();
        assert_eq!(made.busybox, None);
        assert!(!dir.join("container").exists(), "no Dockerfile, no busybox");
        let workspace = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        assert!(workspace.contains("members = [\"worker\", \"server\"]"), "{workspace}");
        let lib = std::fs::read_to_string(dir.join("worker/src/lib.rs")).unwrap();
        assert!(lib.contains("binary = \"shop-server\",") && !lib.contains("dockerfile"), "{lib}");
        let server = std::fs::read_to_string(dir.join("server/Cargo.toml")).unwrap();
        assert!(server.contains("name = \"shop-server\""), "{server}");
        let wrangler = std::fs::read_to_string(dir.join("worker/wrangler.toml")).unwrap();
        assert!(wrangler.contains("name = \"shop\"\ncompatibility_date = \"2026-11-17\""), "{wrangler}");
        assert_eq!(
            std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
            "/target\n/worker/build\n/worker/.wrangler\n/worker/.dev.vars\n"
        );
    }
}
