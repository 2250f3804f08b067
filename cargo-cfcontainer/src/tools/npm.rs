//! Files out of an npm package tarball: the version's metadata from the
//! registry, the tarball, its sha512 checked against the registry's
//! integrity string, the wanted files unpacked into the cache.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha512};

/// `GET {registry}/{package}/{version}`, as far as it is read.
#[derive(Deserialize)]
struct Version {
    dist: Dist,
}

#[derive(Deserialize)]
struct Dist {
    tarball: String,
    integrity: String,
}

/// The registry npm itself would use: `NPM_CONFIG_REGISTRY` (any case),
/// else `registry=` of `~/.npmrc`, else the public registry.
fn registry() -> String {
    let from_env = ["NPM_CONFIG_REGISTRY", "npm_config_registry"].iter().find_map(|v| std::env::var(v).ok());
    let from_npmrc = || {
        let text = std::fs::read_to_string(dirs::home_dir()?.join(".npmrc")).ok()?;
        text.lines().find_map(|l| l.trim().strip_prefix("registry=").map(|r| r.trim().to_string()))
    };
    let registry =
        from_env.filter(|r| !r.is_empty()).or_else(from_npmrc).unwrap_or_else(|| "https://registry.npmjs.org/".into());
    registry.trim_end_matches('/').to_string()
}

/// Fetches `inside` (a path in the tarball) of `package@version` to `dest`
/// (mode 0755), unless the integrity check fails.
pub async fn fetch_binary(package: &str, version: &str, inside: &str, dest: &Path) -> Result<PathBuf, String> {
    let tarball = fetch_tarball(package, version).await?;
    let binary = unpack(&tarball, &[inside])?.remove(0);
    let dir = dest.parent().ok_or("no cache directory")?;
    std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    // Written beside, then renamed: a half-written binary is never found.
    let partial = dest.with_extension("partial");
    std::fs::write(&partial, &binary).map_err(|e| format!("write {}: {e}", partial.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    }
    std::fs::rename(&partial, dest).map_err(|e| format!("write {}: {e}", dest.display()))?;
    Ok(dest.to_path_buf())
}

/// Fetches `files` (paths inside the package, without the tarball's
/// `package/` prefix) of `package@version` into `dest` at the same
/// relative paths, unless the integrity check fails.
pub async fn fetch_files(package: &str, version: &str, files: &[&str], dest: &Path) -> Result<(), String> {
    let tarball = fetch_tarball(package, version).await?;
    let inside: Vec<String> = files.iter().map(|f| format!("package/{f}")).collect();
    let contents = unpack(&tarball, &inside.iter().map(String::as_str).collect::<Vec<_>>())?;
    // Written into a directory beside, then renamed: a half-written set is never found.
    let partial = dest.with_extension("partial");
    let _ = std::fs::remove_dir_all(&partial);
    for (file, content) in files.iter().zip(contents) {
        let path = partial.join(file);
        let dir = path.parent().ok_or("no cache directory")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        std::fs::write(&path, content).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    // An older, smaller set in its place is replaced.
    let _ = std::fs::remove_dir_all(dest);
    std::fs::rename(&partial, dest).map_err(|e| format!("write {}: {e}", dest.display()))
}

/// The tarball of `package@version`, checked against the registry's integrity string.
async fn fetch_tarball(package: &str, version: &str) -> Result<Vec<u8>, String> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(300))
        .user_agent(concat!("cargo-cfcontainer/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("{}/{}/{version}", registry(), package.replace('/', "%2F"));
    let meta: Version = get(&http, &url).await?.json().await.map_err(|e| format!("{url}: {e}"))?;
    let tarball =
        get(&http, &meta.dist.tarball).await?.bytes().await.map_err(|e| format!("{}: {e}", meta.dist.tarball))?;
    check_integrity(&tarball, &meta.dist.integrity)?;
    Ok(tarball.to_vec())
}

async fn get(http: &reqwest::Client, url: &str) -> Result<reqwest::Response, String> {
    let response = http.get(url).send().await.map_err(|e| format!("{url}: {}", chain(&e)))?;
    match response.status() {
        status if status.is_success() => Ok(response),
        status => Err(format!("{url}: HTTP {status}")),
    }
}

/// An error with its causes, on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// `sha512-<base64>`: the only algorithm the registry publishes for these packages.
fn check_integrity(data: &[u8], integrity: &str) -> Result<(), String> {
    let expected = integrity
        .split_whitespace()
        .find_map(|i| i.strip_prefix("sha512-"))
        .ok_or_else(|| format!("the registry gave no sha512 integrity (`{integrity}`)"))?;
    let actual = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(data));
    if actual != expected {
        return Err(format!("the tarball's sha512 is {actual}, the registry says {expected}; not used"));
    }
    Ok(())
}

/// The contents of `wanted` (paths in the tarball), in that order.
fn unpack(tarball: &[u8], wanted: &[&str]) -> Result<Vec<Vec<u8>>, String> {
    let mut found: Vec<Option<Vec<u8>>> = vec![None; wanted.len()];
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(tarball));
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path().map_err(|e| e.to_string())?.to_string_lossy().into_owned();
        if let Some(i) = wanted.iter().position(|w| *w == path) {
            let mut content = Vec::new();
            entry.read_to_end(&mut content).map_err(|e| e.to_string())?;
            found[i] = Some(content);
        }
    }
    found
        .into_iter()
        .zip(wanted)
        .map(|(content, path)| content.ok_or_else(|| format!("the package has no {path}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tarball_whose_digest_differs_from_the_registrys_is_refused() {
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha512::digest(b"the real tarball"));
        assert!(check_integrity(b"the real tarball", &format!("sha512-{digest}")).is_ok());
        let err = check_integrity(b"a tampered tarball", &format!("sha512-{digest}")).unwrap_err();
        assert!(err.contains("not used"), "{err}");
        assert!(check_integrity(b"x", "sha1-abc").is_err());
    }
}
