//! An assembled image put into the local engine through its API
//! (`POST /images/load` of a `docker save` archive), where `dev`'s workerd
//! runs it from and `docker run` finds it.

use bollard::query_parameters::ImportImageOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;

use super::assemble::AssembledImage;
use super::documents::ArchivedImage;
use crate::engine::engine_error;
use crate::output::Output;
use crate::Error;

/// Loads `image` as `reference` (`repo:tag`); false when the engine had
/// that reference for this very image already.
pub async fn load(docker: &Docker, image: &AssembledImage, reference: &str, out: &Output) -> Result<bool, Error> {
    let known = docker.inspect_image(reference).await.ok().and_then(|i| i.id);
    if known.as_deref() == Some(image.config_digest.as_str()) {
        return Ok(false);
    }
    let archive = archive(image, reference);
    let options = ImportImageOptionsBuilder::default().quiet(true).build();
    let mut stream = docker.import_image(options, bollard::body_full(archive.into()), None);
    while let Some(item) = stream.next().await {
        let info = item.map_err(engine_error)?;
        if let Some(why) = info.error_detail.and_then(|d| d.message) {
            return Err(Error::Engine { host: crate::engine::host(), why: format!("loading {reference}: {why}") });
        }
    }
    out.verbose(&format!("loaded {reference} into the engine"));
    Ok(true)
}

/// The `docker save` archive of `image` tagged `reference`: its config,
/// each layer's tar, and `manifest.json` naming them.
pub fn archive(image: &AssembledImage, reference: &str) -> Vec<u8> {
    let hex = |digest: &str| digest.trim_start_matches("sha256:").to_string();
    let config = format!("{}.json", hex(&image.config_digest));
    let layers: Vec<String> = image.layers.iter().map(|l| format!("{}/layer.tar", hex(&l.diff_id))).collect();
    let manifest = [ArchivedImage {
        config: config.clone(),
        repo_tags: Some(vec![reference.to_string()]),
        layers: layers.clone(),
    }];
    let manifest = serde_json::to_vec(&manifest).expect("an archive manifest serializes");
    let mut builder = tar::Builder::new(Vec::new());
    let mut append = |path: &str, data: &[u8]| {
        let mut header = tar::Header::new_ustar();
        header.set_mode(0o644);
        header.set_size(data.len() as u64);
        builder.append_data(&mut header, path, data).expect("a tar in memory cannot fail to be written");
    };
    append(&config, &image.config);
    for (path, layer) in layers.iter().zip(&image.layers) {
        append(path, &layer.tar);
    }
    append("manifest.json", &manifest);
    builder.into_inner().expect("a tar in memory cannot fail to be finished")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::assemble::{assemble, ImageInputs, Times};

    #[test]
    fn the_archive_names_the_config_and_layers_the_engine_loads() {
        let inputs = ImageInputs {
            name: "api",
            binary: b"one".to_vec(),
            ports: &[8080],
            assets: None,
            times: Times { files: 1, created: 0 },
        };
        let image = assemble(inputs).unwrap();
        let bytes = archive(&image, "cloudflare-dev/app:0123456789abcdef");
        let mut tar = tar::Archive::new(bytes.as_slice());
        let mut files = std::collections::BTreeMap::new();
        for entry in tar.entries().unwrap() {
            let mut entry = entry.unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            files.insert(entry.path().unwrap().to_string_lossy().into_owned(), data);
        }
        let manifest: Vec<ArchivedImage> = serde_json::from_slice(&files["manifest.json"]).unwrap();
        assert_eq!(manifest[0].repo_tags.as_deref(), Some(&["cloudflare-dev/app:0123456789abcdef".to_string()][..]));
        assert_eq!(files[&manifest[0].config], image.config);
        assert_eq!(manifest[0].layers.len(), 2);
        for (path, layer) in manifest[0].layers.iter().zip(&image.layers) {
            assert_eq!(files[path], layer.tar);
        }
    }
}
