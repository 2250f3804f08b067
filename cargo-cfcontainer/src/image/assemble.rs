//! An image assembled around a static binary, with no engine and no base
//! image: a layer of what the binary needs ([`base_files`]), a layer of
//! the binary, and optionally a layer of assets; a config that runs the
//! binary as a non-root user with the class's ports exposed. Layers are
//! ordered by how often they change (jib's rule): the binary changes with
//! every edit, the base layer with this tool's release only.

use std::path::{Path, PathBuf};

use super::base_files::{base_files, CA_BUNDLE, USER_ID};
use super::documents::{timestamp, Empty, History, ImageConfig, RootFs, RunConfig};
use super::layer::{sha256, Layer, LayerFiles};

/// Where the binary goes.
pub const BINARY_DIR: &str = "/usr/local/bin";

/// The working directory; assets go below it under their directory's name.
pub const WORKING_DIR: &str = "/app";

/// What goes into an image.
#[derive(Debug, Clone)]
pub struct ImageInputs<'a> {
    /// The binary's name (its file name in the image).
    pub name: &'a str,
    /// The binary.
    pub binary: Vec<u8>,
    /// The ports to expose.
    pub ports: &'a [u16],
    /// A directory whose files make the assets layer.
    pub assets: Option<&'a Path>,
    /// The fixed times ([`Times::from_env`]).
    pub times: Times,
}

/// The fixed times of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// Every file's modification time.
    pub files: u64,
    /// The image's creation time.
    pub created: u64,
}

impl Times {
    /// `SOURCE_DATE_EPOCH` for both when set (the reproducible-builds
    /// convention ko follows), else jib's: files at the epoch plus one
    /// second (some tools take a zero time for "unset"), the image at the
    /// epoch.
    pub fn from_env() -> Times {
        let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|v| v.trim().parse::<u64>().ok());
        match epoch {
            Some(seconds) => Times { files: seconds, created: seconds },
            None => Times { files: 1, created: 0 },
        }
    }
}

/// An assembled image: its layers and config.
#[derive(Debug, Clone)]
pub struct AssembledImage {
    /// The layers, bottom first.
    pub layers: Vec<Layer>,
    /// The config document.
    pub config: Vec<u8>,
    /// `sha256:` of `config`: the image's id, which names the binary,
    /// every other file and every setting.
    pub config_digest: String,
}

impl AssembledImage {
    /// The content tag: the first 16 hex digits of the image's id.
    pub fn content_tag(&self) -> String {
        self.config_digest.trim_start_matches("sha256:")[..16].to_string()
    }
}

/// Assembles the image of `inputs`.
pub fn assemble(inputs: ImageInputs) -> Result<AssembledImage, (PathBuf, std::io::Error)> {
    let created = timestamp(inputs.times.created);
    let made_by = |what: String| History { created: created.clone(), created_by: format!("cargo cfcontainer: {what}") };
    let mut base = base_files();
    base.directory(WORKING_DIR, 0o755, 0);
    let mut layers = vec![base.into_layer(inputs.times.files)];
    let mut history = vec![made_by(format!("CA certificates, user {USER_ID}, /tmp"))];
    let mut binary = LayerFiles::new();
    let entrypoint = format!("{BINARY_DIR}/{}", inputs.name);
    binary.file(&entrypoint, inputs.binary, 0o755);
    layers.push(binary.into_layer(inputs.times.files));
    history.push(made_by(format!("binary {}", inputs.name)));
    if let Some(dir) = inputs.assets {
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "assets".into());
        let mut assets = LayerFiles::new();
        add_tree(&mut assets, dir, &format!("{WORKING_DIR}/{name}"))?;
        layers.push(assets.into_layer(inputs.times.files));
        history.push(made_by(format!("assets {name}")));
    }
    let config = ImageConfig {
        architecture: "amd64",
        os: "linux",
        created,
        config: RunConfig {
            user: format!("{USER_ID}:{USER_ID}"),
            exposed_ports: inputs.ports.iter().map(|p| (format!("{p}/tcp"), Empty {})).collect(),
            env: vec![
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string(),
                format!("SSL_CERT_FILE={CA_BUNDLE}"),
            ],
            entrypoint: vec![entrypoint],
            working_dir: WORKING_DIR.to_string(),
        },
        rootfs: RootFs { kind: "layers", diff_ids: layers.iter().map(|l| l.diff_id.clone()).collect() },
        history,
    };
    let config = serde_json::to_vec(&config).expect("a config serializes");
    Ok(AssembledImage { config_digest: sha256(&config), config, layers })
}

/// Adds the files below `dir` at `at`: regular files (a symlink to one is
/// read as the file), `0755` when executable on disk, else `0644`;
/// directories `0755`, empty ones too.
fn add_tree(files: &mut LayerFiles, dir: &Path, at: &str) -> Result<(), (PathBuf, std::io::Error)> {
    use std::os::unix::fs::PermissionsExt;
    files.directory(at, 0o755, 0);
    let entries = std::fs::read_dir(dir).map_err(|e| (dir.to_path_buf(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| (dir.to_path_buf(), e))?;
        let path = entry.path();
        let meta = std::fs::metadata(&path).map_err(|e| (path.clone(), e))?;
        let inside = format!("{at}/{}", entry.file_name().to_string_lossy());
        if meta.is_dir() {
            add_tree(files, &path, &inside)?;
        } else if meta.is_file() {
            let data = std::fs::read(&path).map_err(|e| (path.clone(), e))?;
            let mode = if meta.permissions().mode() & 0o111 != 0 { 0o755 } else { 0o644 };
            files.file(&inside, data, mode);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs<'a>(binary: &[u8], assets: Option<&'a Path>, times: Times) -> ImageInputs<'a> {
        ImageInputs { name: "api-server", binary: binary.to_vec(), ports: &[8080, 9090], assets, times }
    }

    #[test]
    fn the_image_runs_the_binary_as_non_root_with_the_ports_and_certificates() {
        let image = assemble(inputs(b"\x7fELF one", None, Times { files: 1, created: 0 })).unwrap();
        assert_eq!(image.layers.len(), 2, "base files, then the binary");
        let config: serde_json::Value = serde_json::from_slice(&image.config).unwrap();
        assert_eq!(config["config"]["Entrypoint"], serde_json::json!(["/usr/local/bin/api-server"]));
        assert_eq!(config["config"]["User"], "65532:65532");
        assert_eq!(config["config"]["ExposedPorts"], serde_json::json!({ "8080/tcp": {}, "9090/tcp": {} }));
        assert!(config["config"]["Env"]
            .as_array()
            .unwrap()
            .contains(&"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt".into()));
        assert_eq!(config["created"], "1970-01-01T00:00:00Z");
        assert_eq!(config["rootfs"]["diff_ids"][1], image.layers[1].diff_id.as_str());
        assert_eq!(config["history"].as_array().unwrap().len(), 2);
        assert_eq!(image.config_digest, sha256(&image.config));
        assert_eq!(image.content_tag().len(), 16);
    }

    #[test]
    fn the_same_binary_gives_the_same_image_and_another_binary_another_tag_on_top_of_the_same_base() {
        let times = Times { files: 1, created: 0 };
        let (a, b) = (assemble(inputs(b"one", None, times)).unwrap(), assemble(inputs(b"one", None, times)).unwrap());
        assert_eq!((&a.config_digest, a.content_tag()), (&b.config_digest, b.content_tag()));
        let other = assemble(inputs(b"two", None, times)).unwrap();
        assert_ne!(other.content_tag(), a.content_tag());
        assert_eq!(other.layers[0].diff_id, a.layers[0].diff_id, "the base layer is shared");
        let dated = assemble(inputs(b"one", None, Times { files: 1_700_000_000, created: 1_700_000_000 })).unwrap();
        assert_ne!(dated.config_digest, a.config_digest);
    }

    #[test]
    fn assets_are_a_layer_of_their_own_under_their_name_in_the_working_directory() {
        use std::os::unix::fs::PermissionsExt;
        let dir = crate::testing::tree(&[
            ("static/index.html", "<p>hi"),
            ("static/css/site.css", "p{}"),
            ("static/run.sh", "#!/bin/sh"),
        ]);
        let static_dir = dir.path().join("static");
        std::fs::set_permissions(static_dir.join("run.sh"), std::fs::Permissions::from_mode(0o775)).unwrap();
        let image = assemble(inputs(b"one", Some(&static_dir), Times { files: 1, created: 0 })).unwrap();
        assert_eq!(image.layers.len(), 3);
        let mut archive = tar::Archive::new(image.layers[2].tar.as_slice());
        let listed: Vec<(String, u32)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.path().unwrap().to_string_lossy().into_owned(), e.header().mode().unwrap())
            })
            .collect();
        let expected = [
            ("app/", 0o755),
            ("app/static/", 0o755),
            ("app/static/css/", 0o755),
            ("app/static/css/site.css", 0o644),
            ("app/static/index.html", 0o644),
            ("app/static/run.sh", 0o755),
        ];
        assert_eq!(listed, expected.map(|(p, m)| (p.to_string(), m)));
    }
}
