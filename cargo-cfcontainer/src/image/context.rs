//! The build context: the files of the context directory minus
//! `.dockerignore`d paths, a deterministic tar of them streamed to the
//! engine (never held in memory whole), and the digest of that tar that
//! names the image's tag.

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::IgnoreRules;

/// Name under which a Dockerfile from outside the context travels in the tar.
const OUTSIDE_DOCKERFILE: &str = ".cfcontainer.Dockerfile";

/// Size of the chunks the tar is streamed in.
const CHUNK: usize = 64 * 1024;

/// Chunks in flight between the thread writing the tar and the engine.
const CHUNKS_IN_FLIGHT: usize = 8;

/// What a context without a `.dockerignore` leaves out, relative to the
/// crate that declares the container: build output (cargo's target
/// directory and worker-build's `build/`), local secrets (`.dev.vars`),
/// local state (`.wrangler`: the KV, R2 and D1 data of `dev` and the
/// official CLI's), version control and npm packages, and the Worker crate's own Rust
/// sources, manifests and wrangler config (they build and configure the
/// Worker, not the image, and would otherwise change the image's tag on
/// every Rust or config edit).
#[derive(Debug, Clone)]
pub struct DefaultExclusions {
    /// Absolute paths to leave out when they lie inside the context.
    pub paths: Vec<PathBuf>,
}

impl DefaultExclusions {
    /// The defaults for a container declared by the crate in `crate_dir`,
    /// whose cargo target directory is `target_dir`.
    pub fn for_crate(crate_dir: &Path, target_dir: &Path) -> DefaultExclusions {
        let mut paths = vec![target_dir.to_path_buf()];
        for name in [
            "target",
            "build",
            ".dev.vars",
            ".wrangler",
            ".git",
            "node_modules",
            "src",
            "Cargo.toml",
            "Cargo.lock",
            "build.rs",
            "wrangler.toml",
            "wrangler.json",
            "wrangler.jsonc",
        ] {
            paths.push(crate_dir.join(name));
        }
        DefaultExclusions { paths }
    }
}

/// A scanned build context, ready to be hashed and streamed.
#[derive(Debug, Clone)]
pub struct BuildContext {
    /// `(path in the tar, path on disk)`, sorted by tar path.
    files: Vec<(String, PathBuf)>,
    /// The Dockerfile's path inside the tar.
    pub dockerfile: String,
    /// What the default exclusions left out (context-relative), when the
    /// context has no `.dockerignore`.
    pub left_out: Vec<String>,
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
    /// Scans `context` with `dockerfile` (which may lie outside it). A
    /// `.dockerignore` decides what is left out; without one, `defaults` do.
    pub fn scan(context: &Path, dockerfile: &Path, defaults: &DefaultExclusions) -> Result<BuildContext, ContextError> {
        if !dockerfile.is_file() {
            return Err(ContextError::NoDockerfile(dockerfile.to_path_buf()));
        }
        if !context.is_dir() {
            return Err(ContextError::NoContext(context.to_path_buf()));
        }
        let canonical_context = context.canonicalize().map_err(|e| ContextError::Io(context.to_path_buf(), e))?;
        let ignore_file = context.join(".dockerignore");
        let (ignore, defaulted) = match std::fs::read_to_string(&ignore_file) {
            Ok(text) => (IgnoreRules::parse(&text).map_err(ContextError::Ignore)?, Vec::new()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let inside = default_patterns(&canonical_context, defaults);
                (IgnoreRules::parse(&inside.join("\n")).map_err(ContextError::Ignore)?, inside)
            }
            // An unreadable file is not "no rules": that could ship secrets.
            Err(e) => return Err(ContextError::Io(ignore_file, e)),
        };
        let inside = dockerfile
            .canonicalize()
            .ok()
            .and_then(|d| d.strip_prefix(&canonical_context).ok().map(|rel| rel.to_string_lossy().replace('\\', "/")));
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
        let left_out = defaulted.into_iter().filter(|p| context.join(p).exists()).collect();
        Ok(BuildContext { files, dockerfile: dockerfile_name, left_out })
    }

    /// The files packed (Dockerfile included), as paths on disk.
    pub fn paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.files.iter().map(|(_, path)| path.clone())
    }

    /// Writes the tar, with fixed owners and times so equal inputs give
    /// equal bytes.
    pub fn write_tar<W: Write>(&self, sink: W) -> Result<W, ContextError> {
        let mut builder = tar::Builder::new(sink);
        builder.mode(tar::HeaderMode::Deterministic);
        builder.follow_symlinks(false);
        for (rel, path) in &self.files {
            builder.append_path_with_name(path, rel).map_err(|e| ContextError::Io(path.clone(), e))?;
        }
        builder.into_inner().map_err(|e| ContextError::Io(PathBuf::from(&self.dockerfile), e))
    }

    /// A digest of the context's tar and every build setting: equal inputs
    /// give the same tag, any change a new one. The tar is hashed as it is
    /// written, never held in memory.
    pub fn digest(
        &self,
        build_args: &[(String, String)],
        target: Option<&str>,
        platform: &str,
    ) -> Result<String, ContextError> {
        let mut hash = self.write_tar(HashWriter(Sha256::new()))?.0;
        for part in [self.dockerfile.as_str(), target.unwrap_or(""), platform] {
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part);
        }
        let mut args = build_args.to_vec();
        args.sort();
        for (k, v) in &args {
            hash.update(format!("{}={k}{}={v}", k.len(), v.len()));
        }
        Ok(hex::encode(hash.finalize()))
    }

    /// The tar as a stream of chunks, written by a thread of its own while
    /// the engine reads: memory stays at a few chunks whatever the size.
    pub fn stream(&self) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
        let (tx, rx) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
        let context = self.clone();
        std::thread::spawn(move || {
            let sink = ChunkSender { tx: tx.clone(), buffer: Vec::with_capacity(CHUNK) };
            let result = context
                .write_tar(sink)
                .and_then(|mut sink| sink.flush().map_err(|e| ContextError::Io(PathBuf::from(&context.dockerfile), e)));
            if let Err(err) = result {
                let _ = tx.blocking_send(Err(std::io::Error::other(describe_io(err))));
            }
        });
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) })
    }
}

/// The default exclusions that lie inside `context`, as patterns relative
/// to it.
fn default_patterns(context: &Path, defaults: &DefaultExclusions) -> Vec<String> {
    let mut patterns = Vec::new();
    for path in &defaults.paths {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
        if let Ok(rel) = canonical.strip_prefix(context) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !rel.is_empty() && !patterns.contains(&rel) {
                patterns.push(rel);
            }
        }
    }
    patterns
}

/// Collects regular files and symlinks under `dir`, sorted, skipping
/// excluded paths (and whole excluded directories). Sockets, fifos and
/// devices are skipped, as Docker skips them (reading a fifo would block).
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
        } else if (kind.is_file() || kind.is_symlink()) && !ignore.excludes(&rel) {
            out.push((rel, path));
        }
    }
    Ok(())
}

/// Feeds written bytes to a hasher.
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.update(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends written bytes on in chunks; blocks while the engine is behind.
struct ChunkSender {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| std::io::Error::other("the engine stopped reading the context"))
    }
}

fn describe_io(error: ContextError) -> String {
    match error {
        ContextError::Io(path, e) => format!("cannot read {}: {e}", path.display()),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::tree;

    fn tar_paths(context: &BuildContext) -> Vec<String> {
        let bytes = context.write_tar(Vec::new()).unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn without_a_dockerignore_build_output_secrets_and_the_worker_sources_stay_out() {
        let dir = tree(&[
            ("Dockerfile", "FROM scratch\n"),
            ("app/server.py", "print(1)\n"),
            ("target/debug/big", "x"),
            ("build/index.js", "js"),
            (".dev.vars", "KEY=secret"),
            (".wrangler/state/v3/kv/blobs/1", "local data"),
            ("src/lib.rs", "fn main() {}"),
            ("Cargo.toml", "[package]"),
            ("wrangler.toml", "name = \"app\""),
        ]);
        let defaults = DefaultExclusions::for_crate(dir.path(), &dir.path().join("target"));
        let context = BuildContext::scan(dir.path(), &dir.path().join("Dockerfile"), &defaults).unwrap();
        assert_eq!(tar_paths(&context), ["Dockerfile", "app/server.py"]);
        let mut left_out = context.left_out.clone();
        left_out.sort();
        assert_eq!(left_out, [".dev.vars", ".wrangler", "Cargo.toml", "build", "src", "target", "wrangler.toml"]);
        let before = context.digest(&[], None, "linux/amd64").unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "fn main() { edited(); }").unwrap();
        std::fs::write(dir.path().join("target/debug/big"), "rebuilt").unwrap();
        let after = BuildContext::scan(dir.path(), &dir.path().join("Dockerfile"), &defaults).unwrap();
        assert_eq!(after.digest(&[], None, "linux/amd64").unwrap(), before, "a Rust edit changed the tag");
    }

    #[test]
    fn a_dockerignore_replaces_the_defaults() {
        let dir = tree(&[
            ("Dockerfile", "FROM scratch\n"),
            (".dockerignore", "*.log\n"),
            ("src/lib.rs", "x"),
            ("a.log", "x"),
        ]);
        let defaults = DefaultExclusions::for_crate(dir.path(), &dir.path().join("target"));
        let context = BuildContext::scan(dir.path(), &dir.path().join("Dockerfile"), &defaults).unwrap();
        assert_eq!(tar_paths(&context), [".dockerignore", "Dockerfile", "src/lib.rs"]);
        assert!(context.left_out.is_empty());
    }

    #[test]
    fn sockets_and_fifos_are_skipped_and_an_unreadable_dockerignore_is_an_error() {
        let dir = tree(&[("Dockerfile", "FROM scratch\n"), ("keep.txt", "x")]);
        let fifo = dir.path().join("pipe");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
        let defaults = DefaultExclusions::for_crate(dir.path(), &dir.path().join("target"));
        let context = BuildContext::scan(dir.path(), &dir.path().join("Dockerfile"), &defaults).unwrap();
        assert_eq!(tar_paths(&context), ["Dockerfile", "keep.txt"]);

        std::fs::create_dir(dir.path().join(".dockerignore")).unwrap();
        let err = BuildContext::scan(dir.path(), &dir.path().join("Dockerfile"), &defaults).unwrap_err();
        assert!(matches!(err, ContextError::Io(ref p, _) if p.ends_with(".dockerignore")), "{err:?}");
    }

    #[test]
    fn the_streamed_tar_is_the_hashed_tar() {
        let dir = tree(&[("Dockerfile", "FROM scratch\n"), ("data.bin", &"z".repeat(300_000))]);
        let defaults = DefaultExclusions::for_crate(dir.path(), &dir.path().join("target"));
        let context = BuildContext::scan(dir.path(), &dir.path().join("Dockerfile"), &defaults).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let streamed: Vec<u8> = runtime.block_on(async {
            use futures_util::StreamExt;
            let chunks: Vec<_> = context.stream().collect().await;
            chunks.into_iter().flat_map(|c| c.unwrap().to_vec()).collect()
        });
        assert_eq!(streamed, context.write_tar(Vec::new()).unwrap());
    }
}
