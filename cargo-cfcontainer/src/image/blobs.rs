//! An image as a registry takes it: its manifest and the blobs it names
//! (the config and each gzipped layer), in memory or spooled to a file.

use std::path::PathBuf;

use bytes::Bytes;

use super::assemble::AssembledImage;
use super::documents::{Descriptor, Manifest, CONFIG_TYPE, LAYER_TYPE};
use super::layer::sha256;

/// Where a blob's bytes are.
#[derive(Debug, Clone)]
pub enum BlobSource {
    /// In memory.
    Memory(Bytes),
    /// In a file (a large layer exported from the engine).
    File(PathBuf),
}

/// A blob and its descriptor.
#[derive(Debug, Clone)]
pub struct Blob {
    /// Its media type, size and digest.
    pub descriptor: Descriptor,
    /// Its bytes.
    pub source: BlobSource,
}

impl Blob {
    /// A blob of `bytes` in memory.
    pub fn in_memory(media_type: &str, bytes: Vec<u8>) -> Blob {
        let descriptor =
            Descriptor { media_type: media_type.to_string(), size: bytes.len() as u64, digest: sha256(&bytes) };
        Blob { descriptor, source: BlobSource::Memory(Bytes::from(bytes)) }
    }
}

/// An image ready to push.
#[derive(Debug, Clone)]
pub struct ImageBlobs {
    /// The config blob.
    pub config: Blob,
    /// The layer blobs, bottom first.
    pub layers: Vec<Blob>,
    /// The manifest document.
    pub manifest: Vec<u8>,
    /// `sha256:` of the manifest: the digest the image is pinned by.
    pub digest: String,
}

impl ImageBlobs {
    /// The blobs of a config and its layers, and their manifest.
    pub fn new(config: Blob, layers: Vec<Blob>) -> ImageBlobs {
        let manifest = Manifest::new(config.descriptor.clone(), layers.iter().map(|l| l.descriptor.clone()).collect());
        let manifest = serde_json::to_vec(&manifest).expect("a manifest serializes");
        ImageBlobs { digest: sha256(&manifest), config, layers, manifest }
    }

    /// The blobs of an assembled image: each layer gzipped.
    pub fn of(image: &AssembledImage) -> ImageBlobs {
        let layers = image.layers.iter().map(|l| Blob::in_memory(LAYER_TYPE, l.compressed())).collect();
        ImageBlobs::new(Blob::in_memory(CONFIG_TYPE, image.config.clone()), layers)
    }
}
