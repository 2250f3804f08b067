//! A Worker's static assets, as the official CLI deploys them: the
//! wrangler file's `assets` (typed, its directory resolved next to the
//! file) and the manifest of the directory: every file not ignored by
//! `.assetsignore` (gitignore syntax; `.assetsignore`, `_redirects` and
//! `_headers` themselves never), by `/`-rooted path, with the hash the API
//! keys uploads by (the first 32 hex digits of blake3 over the base64
//! content and the extension) and its size.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use cfcontainer_meta::wrangler::AssetsSection;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use serde::Serialize;

use crate::api::AssetsConfig;
use crate::Error;

/// The largest file the API takes (25 MiB).
const MAX_ASSET_SIZE: u64 = 25 * 1024 * 1024;

/// Files of the directory that are instructions, not assets.
const META_FILES: [&str; 3] = [".assetsignore", "_redirects", "_headers"];

/// The assets of a Worker, ready to deploy.
#[derive(Debug, Clone, PartialEq)]
pub struct Assets {
    /// The directory (absolute).
    pub directory: PathBuf,
    /// The binding, if the Worker has one.
    pub binding: Option<String>,
    /// The upload's `assets.config`.
    pub config: AssetsConfig,
}

impl Assets {
    /// From the file's section; `base` is the wrangler file's directory.
    /// A directory that is missing or not a directory is an error (`why`).
    pub fn from_section(section: &AssetsSection, base: &Path) -> Result<Assets, String> {
        if section.directory.is_empty() {
            return Err("`assets.directory` is empty; name the directory of your static files".into());
        }
        let directory = base.join(&section.directory);
        if !directory.is_dir() {
            return Err(format!(
                "`assets.directory` {} is not a directory; create it or fix the path (it is relative to the wrangler file)",
                directory.display()
            ));
        }
        let config = AssetsConfig {
            html_handling: section.html_handling,
            not_found_handling: section.not_found_handling,
            run_worker_first: section.run_worker_first.clone(),
            redirects: instruction_file(&directory.join("_redirects"))?,
            headers: instruction_file(&directory.join("_headers"))?,
        };
        Ok(Assets { directory, binding: section.binding.clone(), config })
    }
}

/// The text of `_redirects` or `_headers` at `path`, as the official CLI
/// reads it (as UTF-8, bytes that are not UTF-8 replaced by U+FFFD, so one stray
/// Latin-1 character in a comment loses no rule); `None` without one.
fn instruction_file(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}; make it a readable file or remove it", path.display())),
    }
}

/// One file of the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetFile {
    /// The upload's key for the content.
    pub hash: String,
    /// Bytes.
    pub size: u64,
    /// Where it is.
    #[serde(skip)]
    pub path: PathBuf,
}

impl AssetFile {
    /// The content type the official CLI uploads it with (`text/*` with
    /// `charset=utf-8`; `application/null` when unknown, which the API
    /// reads as none).
    pub fn content_type(&self) -> String {
        match mime_guess::from_path(&self.path).first() {
            Some(mime) if mime.type_() == mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
            Some(mime) => mime.to_string(),
            None => "application/null".into(),
        }
    }
}

/// Every asset by its `/`-rooted path.
pub type Manifest = BTreeMap<String, AssetFile>;

/// The manifest of `directory`.
pub fn manifest(directory: &Path) -> Result<Manifest, Error> {
    let listing = list(directory)?;
    let mut manifest = Manifest::new();
    for (key, path, size) in listing.files {
        let content = std::fs::read(&path).map_err(|e| Error::Read { path: path.clone(), source: e })?;
        manifest.insert(key, AssetFile { hash: hash(&content, &path), size, path });
    }
    Ok(manifest)
}

/// Every file and directory of the assets, not ignored: what `dev` watches
/// (a file added or removed changes its directory). Nothing is read.
pub fn watched(directory: &Path) -> Result<Vec<PathBuf>, Error> {
    let listing = list(directory)?;
    Ok(listing.files.into_iter().map(|(_, path, _)| path).chain(listing.dirs).collect())
}

/// The files (`/`-rooted key, path, size) and directories of the assets,
/// after the ignore rules.
struct Listing {
    files: Vec<(String, PathBuf, u64)>,
    dirs: Vec<PathBuf>,
}

fn list(directory: &Path) -> Result<Listing, Error> {
    let ignore = ignore_rules(directory)?;
    let mut listing = Listing { files: Vec::new(), dirs: Vec::new() };
    walk(directory, directory, &ignore, &mut listing)?;
    Ok(listing)
}

fn ignore_rules(directory: &Path) -> Result<Gitignore, Error> {
    let mut builder = GitignoreBuilder::new(directory);
    for name in META_FILES {
        let _ = builder.add_line(None, &format!("/{name}"));
    }
    let file = directory.join(".assetsignore");
    if file.is_file() {
        if let Some(e) = builder.add(&file) {
            return Err(Error::Unusable { path: file, why: e.to_string() });
        }
    }
    builder.build().map_err(|e| Error::Unusable { path: file, why: e.to_string() })
}

fn walk(root: &Path, dir: &Path, ignore: &Gitignore, listing: &mut Listing) -> Result<(), Error> {
    let read_error = |path: &Path, e: std::io::Error| Error::Read { path: path.to_path_buf(), source: e };
    listing.dirs.push(dir.to_path_buf());
    for entry in std::fs::read_dir(dir).map_err(|e| read_error(dir, e))? {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        // Symbolic links count as what they point to.
        let meta = std::fs::metadata(&path).map_err(|e| read_error(&path, e))?;
        if ignore.matched_path_or_any_parents(&path, meta.is_dir()).is_ignore() {
            continue;
        }
        if meta.is_dir() {
            walk(root, &path, ignore, listing)?;
            continue;
        }
        if meta.len() > MAX_ASSET_SIZE {
            return Err(Error::Unusable {
                path,
                why: format!(
                    "{} bytes; an asset may have at most 25 MiB (list it in .assetsignore to leave it out)",
                    meta.len()
                ),
            });
        }
        let relative = path.strip_prefix(root).unwrap_or(&path);
        let key: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        listing.files.push((format!("/{}", key.join("/")), path, meta.len()));
    }
    Ok(())
}

/// The official CLI's asset hash: blake3 over the base64 of the content
/// followed by the extension (without its dot), first 32 hex digits.
fn hash(content: &[u8], path: &Path) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(base64::engine::general_purpose::STANDARD.encode(content).as_bytes());
    hasher.update(path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default().as_bytes());
    hasher.finalize().to_hex()[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::tree;

    #[test]
    fn the_manifest_leaves_out_what_assetsignore_names_and_the_instruction_files() {
        let dir = tree(&[
            ("index.html", "<h1>hi</h1>"),
            ("js/app.js", "console.log(1)"),
            ("js/app.js.map", "{}"),
            (".assetsignore", "*.map\n"),
            ("_headers", "/*\n  X-Frame-Options: DENY\n"),
            ("_redirects", "/old /new 301\n"),
        ]);
        let manifest = manifest(dir.path()).unwrap();
        let paths: Vec<&str> = manifest.keys().map(String::as_str).collect();
        assert_eq!(paths, ["/index.html", "/js/app.js"]);
        assert_eq!(manifest["/index.html"].size, 11);
        assert_eq!(manifest["/index.html"].content_type(), "text/html; charset=utf-8");
        assert_eq!(manifest["/js/app.js"].content_type(), "text/javascript; charset=utf-8");
    }

    #[test]
    fn an_instruction_file_that_is_not_utf8_keeps_its_rules_and_one_that_cannot_be_read_stops() {
        let dir = tree(&[("index.html", "hi")]);
        std::fs::write(dir.path().join("_headers"), b"# caf\xe9\n/*\n  X-Frame-Options: DENY\n").unwrap();
        std::fs::create_dir(dir.path().join("_redirects")).unwrap();
        let headers = instruction_file(&dir.path().join("_headers")).unwrap().unwrap();
        assert_eq!(headers, "# caf\u{fffd}\n/*\n  X-Frame-Options: DENY\n");
        let error = instruction_file(&dir.path().join("_redirects")).unwrap_err();
        assert!(
            error.starts_with("cannot read ") && error.ends_with("make it a readable file or remove it"),
            "{error}"
        );
        assert_eq!(instruction_file(&dir.path().join("missing")), Ok(None));
    }

    #[test]
    fn the_hash_is_the_official_clis_blake3_of_base64_content_and_extension() {
        // Computed by wrangler 4.86's hashFile for a file `a.txt` holding "hello".
        assert_eq!(hash(b"hello", Path::new("a.txt")), OFFICIAL_HASH_OF_HELLO_TXT);
        assert_ne!(hash(b"hello", Path::new("a.html")), OFFICIAL_HASH_OF_HELLO_TXT, "the extension counts");
    }

    const OFFICIAL_HASH_OF_HELLO_TXT: &str = "f0b3413d4cabb000327fad369003d6a5";
}
