//! The build context: a deterministic tar of the context directory minus
//! `.dockerignore`d paths, and the digest that names the image's tag.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::IgnoreRules;

/// Name under which a Dockerfile from outside the context travels in the tar.
const OUTSIDE_DOCKERFILE: &str = ".cfcontainer.Dockerfile";

/// A packed build context.
#[derive(Debug)]
pub struct BuildContext {
    /// The tar, with fixed owners and times so equal inputs give equal bytes.
    pub tar: Vec<u8>,
    /// The Dockerfile's path inside the tar.
    pub dockerfile: String,
    /// Files packed (Dockerfile included).
    pub files: usize,
}

/// Why a context could not be packed.
#[derive(Debug)]
pub enum ContextError {
    /// The Dockerfile is missing.
    NoDockerfile(PathBuf),
    /// The context directory is missing.
    NoContext(PathBuf),
    /// `.dockerignore` has a bad line.
    Ignore(String),
    /// Reading a file failed.
    Io(PathBuf, std::io::Error),
}

impl BuildContext {
    /// Packs `context` with `dockerfile` (which may lie outside it).
    pub fn pack(context: &Path, dockerfile: &Path) -> Result<BuildContext, ContextError> {
        if !dockerfile.is_file() {
            return Err(ContextError::NoDockerfile(dockerfile.to_path_buf()));
        }
        if !context.is_dir() {
            return Err(ContextError::NoContext(context.to_path_buf()));
        }
        let ignore = match std::fs::read_to_string(context.join(".dockerignore")) {
            Ok(text) => IgnoreRules::parse(&text).map_err(ContextError::Ignore)?,
            Err(_) => IgnoreRules::default(),
        };
        let inside = dockerfile
            .canonicalize()
            .ok()
            .zip(context.canonicalize().ok())
            .and_then(|(d, c)| d.strip_prefix(&c).ok().map(|rel| rel.to_string_lossy().replace('\\', "/")));
        let mut files = Vec::new();
        walk(context, context, &ignore, &mut files)?;
        let dockerfile_name = match inside {
            // The Dockerfile always travels, even when .dockerignore lists it.
            Some(rel) => {
                if !files.iter().any(|(p, _)| *p == rel) {
                    files.push((rel.clone(), dockerfile.to_path_buf()));
                }
                rel
            }
            None => {
                files.push((OUTSIDE_DOCKERFILE.to_string(), dockerfile.to_path_buf()));
                OUTSIDE_DOCKERFILE.to_string()
            }
        };
        files.sort();
        let mut builder = tar::Builder::new(Vec::new());
        builder.mode(tar::HeaderMode::Deterministic);
        builder.follow_symlinks(false);
        for (rel, path) in &files {
            builder.append_path_with_name(path, rel).map_err(|e| ContextError::Io(path.clone(), e))?;
        }
        let tar = builder.into_inner().map_err(|e| ContextError::Io(context.to_path_buf(), e))?;
        Ok(BuildContext { tar, dockerfile: dockerfile_name, files: files.len() })
    }

    /// A digest of the context and every build setting: equal inputs give
    /// the same tag, any change a new one.
    pub fn digest(&self, build_args: &[(String, String)], target: Option<&str>, platform: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(&self.tar);
        for part in [self.dockerfile.as_str(), target.unwrap_or(""), platform] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        let mut args = build_args.to_vec();
        args.sort();
        for (k, v) in &args {
            hash.update(format!("{}={k}{}={v}", k.len(), v.len()));
        }
        hex::encode(hash.finalize())
    }
}

/// Collects regular files and symlinks under `dir`, sorted, skipping
/// excluded paths (and whole excluded directories).
fn walk(root: &Path, dir: &Path, ignore: &IgnoreRules, out: &mut Vec<(String, PathBuf)>) -> Result<(), ContextError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| ContextError::Io(dir.to_path_buf(), e))?
        .collect::<Result<_, _>>()
        .map_err(|e| ContextError::Io(dir.to_path_buf(), e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let kind = entry.file_type().map_err(|e| ContextError::Io(path.clone(), e))?;
        if kind.is_dir() {
            // Docker descends into an excluded directory only when an
            // exception could re-include something below it.
            if !ignore.excludes(&rel) || ignore.has_exceptions() {
                walk(root, &path, ignore, out)?;
            }
        } else if !ignore.excludes(&rel) {
            out.push((rel, path));
        }
    }
    Ok(())
}
