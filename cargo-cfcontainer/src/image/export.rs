//! A Dockerfile image the engine built, taken out of the engine
//! (`GET /images/{name}/get`) as blobs to push through the registry API
//! ourselves (`--no-engine-push`): its config as the engine wrote it (so
//! the image id stays), each layer gzipped as [`super::layer`] gzips, spooled
//! to files beside the export so a large image is never held in memory.

use std::io::Write;
use std::path::Path;

use bollard::Docker;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::blobs::{Blob, BlobSource, ImageBlobs};
use super::documents::{ArchivedImage, Descriptor, CONFIG_TYPE, LAYER_TYPE};
use crate::engine::engine_error;
use crate::Error;

/// The blobs of the engine's image `reference`, exported into `dir`
/// (emptied first).
pub async fn export(docker: &Docker, reference: &str, dir: &Path) -> Result<ImageBlobs, Error> {
    let io = |what: String| move |e: std::io::Error| Error::Io { what: what.clone(), source: e };
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(io(format!("create {}", dir.display())))?;
    let archive = dir.join("image.tar");
    let mut file = tokio::fs::File::create(&archive).await.map_err(io(format!("create {}", archive.display())))?;
    let mut stream = docker.export_image(reference);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(engine_error)?;
        file.write_all(&chunk).await.map_err(io(format!("write {}", archive.display())))?;
    }
    file.flush().await.map_err(io(format!("write {}", archive.display())))?;
    let unpacked = dir.join("image");
    let opened = std::fs::File::open(&archive).map_err(io(format!("read {}", archive.display())))?;
    tar::Archive::new(opened).unpack(&unpacked).map_err(io(format!("unpack the export of {reference}")))?;
    let manifest = unpacked.join("manifest.json");
    let text = std::fs::read(&manifest).map_err(|e| Error::Read { path: manifest.clone(), source: e })?;
    let listed: Vec<ArchivedImage> = serde_json::from_slice(&text)
        .map_err(|e| Error::Unusable { path: manifest.clone(), why: format!("not a docker save manifest: {e}") })?;
    let image = listed
        .into_iter()
        .next()
        .ok_or_else(|| Error::Unusable { path: manifest.clone(), why: "it lists no image".into() })?;
    let config_path = unpacked.join(&image.config);
    let config = std::fs::read(&config_path).map_err(|e| Error::Read { path: config_path, source: e })?;
    let mut layers = Vec::new();
    for (n, layer) in image.layers.iter().enumerate() {
        let blob = dir.join(format!("layer-{n}.tar.gz"));
        layers.push(compress(&unpacked.join(layer), &blob)?);
    }
    let _ = std::fs::remove_file(&archive);
    Ok(ImageBlobs::new(Blob::in_memory(CONFIG_TYPE, config), layers))
}

/// Gzips the tar at `from` into `to` as image layers are gzipped.
fn compress(from: &Path, to: &Path) -> Result<Blob, Error> {
    let failed =
        |e: std::io::Error| Error::Io { what: format!("compress {} into {}", from.display(), to.display()), source: e };
    let mut input = std::fs::File::open(from).map_err(failed)?;
    let output = std::fs::File::create(to).map_err(failed)?;
    let hashing = Hashing { inner: output, hasher: Sha256::new(), size: 0 };
    let mut encoder =
        flate2::GzBuilder::new().mtime(0).operating_system(255).write(hashing, flate2::Compression::new(6));
    std::io::copy(&mut input, &mut encoder).map_err(failed)?;
    let mut hashing = encoder.finish().map_err(failed)?;
    hashing.flush().map_err(failed)?;
    let digest = format!("sha256:{}", hex::encode(hashing.hasher.finalize()));
    let descriptor = Descriptor { media_type: LAYER_TYPE.to_string(), size: hashing.size, digest };
    Ok(Blob { descriptor, source: BlobSource::File(to.to_path_buf()) })
}

/// A writer that hashes and counts what goes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spooled_layer_is_the_same_blob_as_one_compressed_in_memory() {
        let mut files = crate::image::layer::LayerFiles::new();
        files.file("/data.bin", (0..200_000u32).map(|i| (i % 251) as u8).collect(), 0o644);
        let layer = files.into_layer(1);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("layer.tar"), &layer.tar).unwrap();
        let blob = compress(&dir.path().join("layer.tar"), &dir.path().join("layer.tar.gz")).unwrap();
        let in_memory = Blob::in_memory(LAYER_TYPE, layer.compressed());
        assert_eq!(blob.descriptor, in_memory.descriptor);
        assert_eq!(std::fs::read(dir.path().join("layer.tar.gz")).unwrap().len() as u64, blob.descriptor.size);
    }
}
