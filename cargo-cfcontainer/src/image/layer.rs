//! Reproducible image layers, as jib and ko make them: entries sorted by
//! path, every parent directory present, fixed owners and modes, one
//! fixed modification time, no user or group names, and gzip with a fixed
//! header and level. The same files give the same bytes, so the same
//! digests, on any machine.

use std::collections::BTreeMap;
use std::io::Write;

use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};

/// What one path of a layer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    Directory,
    File(Vec<u8>),
}

/// One entry: its content, mode and owner (the same uid and gid).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    content: Content,
    mode: u32,
    owner: u32,
}

/// The files of one layer, by absolute path, before they become a tar.
#[derive(Debug, Clone, Default)]
pub struct LayerFiles {
    nodes: BTreeMap<String, Node>,
}

/// A layer as the image holds it: its tar, the digest of that tar (the
/// config's `diff_id`) and its compressed blob.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The uncompressed tar.
    pub tar: Vec<u8>,
    /// `sha256:` of `tar`.
    pub diff_id: String,
}

impl LayerFiles {
    /// An empty layer.
    pub fn new() -> LayerFiles {
        LayerFiles::default()
    }

    /// A directory at `path` (absolute, `/tmp`) with `mode` (e.g.
    /// `0o1777`), owned by `owner`; its parents are added as `0755` root.
    pub fn directory(&mut self, path: &str, mode: u32, owner: u32) {
        self.parents(path);
        self.nodes.insert(tar_path(path), Node { content: Content::Directory, mode, owner });
    }

    /// A file at `path` holding `data`, with `mode`, owned by root.
    pub fn file(&mut self, path: &str, data: Vec<u8>, mode: u32) {
        self.parents(path);
        self.nodes.insert(tar_path(path), Node { content: Content::File(data), mode, owner: 0 });
    }

    fn parents(&mut self, path: &str) {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        for depth in 1..parts.len() {
            let parent = parts[..depth].join("/");
            self.nodes.entry(parent).or_insert(Node { content: Content::Directory, mode: 0o755, owner: 0 });
        }
    }

    /// The layer, every entry's modification time `mtime` (seconds since
    /// the epoch).
    pub fn into_layer(self, mtime: u64) -> Layer {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, node) in &self.nodes {
            let mut header = tar::Header::new_ustar();
            header.set_mode(node.mode);
            header.set_uid(u64::from(node.owner));
            header.set_gid(u64::from(node.owner));
            header.set_mtime(mtime);
            let written = match &node.content {
                Content::Directory => {
                    header.set_entry_type(tar::EntryType::Directory);
                    header.set_size(0);
                    builder.append_data(&mut header, format!("{path}/"), std::io::empty())
                }
                Content::File(data) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(data.len() as u64);
                    builder.append_data(&mut header, path, data.as_slice())
                }
            };
            written.expect("a tar in memory cannot fail to be written");
        }
        let tar = builder.into_inner().expect("a tar in memory cannot fail to be finished");
        Layer { diff_id: sha256(&tar), tar }
    }
}

impl Layer {
    /// The gzip of the tar: no file name, no time, "unknown" system, level 6
    /// (what `docker push` and the registries' clients use), so the blob
    /// and its digest depend on the tar alone.
    pub fn compressed(&self) -> Vec<u8> {
        let mut encoder = GzBuilder::new().mtime(0).operating_system(255).write(Vec::new(), Compression::new(6));
        encoder.write_all(&self.tar).expect("compressing in memory cannot fail");
        encoder.finish().expect("compressing in memory cannot fail")
    }
}

/// `path` as tar entries name it: relative to the root, no trailing `/`.
fn tar_path(path: &str) -> String {
    path.trim_matches('/').to_string()
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One tar entry as read back: path, mode, uid, time, file content.
    type Listed = (String, u32, u64, u64, Option<Vec<u8>>);

    fn entries(layer: &Layer) -> Vec<Listed> {
        let mut archive = tar::Archive::new(layer.tar.as_slice());
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let header = e.header().clone();
                let path = e.path().unwrap().to_string_lossy().into_owned();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut e, &mut data).unwrap();
                let data = (header.entry_type() == tar::EntryType::Regular).then_some(data);
                (path, header.mode().unwrap(), header.uid().unwrap(), header.mtime().unwrap(), data)
            })
            .collect()
    }

    #[test]
    fn entries_are_sorted_with_their_parents_fixed_owners_modes_and_one_time() {
        let mut files = LayerFiles::new();
        files.file("/usr/local/bin/server", b"ELF".to_vec(), 0o755);
        files.directory("/home/nonroot", 0o700, 65532);
        files.directory("/tmp", 0o1777, 0);
        let layer = files.into_layer(1);
        let listed = entries(&layer);
        let names: Vec<&str> = listed.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            ["home/", "home/nonroot/", "tmp/", "usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/server"]
        );
        assert_eq!((listed[1].1, listed[1].2), (0o700, 65532), "the user's home is the user's");
        assert_eq!(listed[2].1, 0o1777, "/tmp is sticky and open to all");
        assert!(listed.iter().all(|e| e.3 == 1), "one fixed time");
        assert_eq!(listed[6].4.as_deref(), Some(&b"ELF"[..]));
        let header = tar::Header::from_byte_slice(&layer.tar[..512]);
        assert_eq!((header.username().unwrap(), header.groupname().unwrap()), (Some(""), Some("")));
    }

    #[test]
    fn the_same_files_give_the_same_digests_in_any_order_and_another_time_does_not() {
        let build = |order_reversed: bool, mtime: u64| {
            let mut files = LayerFiles::new();
            let mut all = vec![("/etc/passwd", b"root".to_vec()), ("/app/static/index.html", b"<p>hi".to_vec())];
            if order_reversed {
                all.reverse();
            }
            for (path, data) in all {
                files.file(path, data, 0o644);
            }
            files.into_layer(mtime)
        };
        let (a, b) = (build(false, 1), build(true, 1));
        assert_eq!(a.diff_id, b.diff_id);
        assert_eq!(sha256(&a.compressed()), sha256(&b.compressed()), "gzip adds no time or name");
        assert_eq!(a.diff_id, sha256(&a.tar));
        assert_ne!(build(false, 2).diff_id, a.diff_id);
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(a.compressed().as_slice()), &mut unzipped)
            .unwrap();
        assert_eq!(unzipped, a.tar);
    }
}
