//! The image of the networking sidecar workerd starts beside each
//! container (`containerEgressInterceptorImage`): ours, laid out here
//! `FROM scratch` around the static `cfcontainer-sidecar` binary and
//! tagged by the binary's digest, or one the user names.
//!
//! workerd never pulls it: it must be in the engine before the first
//! container starts.

use bollard::query_parameters::{BuildImageOptionsBuilder, CreateImageOptionsBuilder};
use bollard::Docker;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::engine::engine_error;
use crate::output::Output;
use crate::tools;
use crate::Error;

/// Repository of our sidecar image in the local engine.
const REPOSITORY: &str = "cfcontainer-sidecar";

/// Environment variable naming the egress image (as `--egress-image` does).
pub const EGRESS_IMAGE_ENV: &str = "CFCONTAINER_EGRESS_IMAGE";

/// The official tools' variable for the same choice; read after ours.
const MINIFLARE_EGRESS_IMAGE_ENV: &str = "MINIFLARE_CONTAINER_EGRESS_IMAGE";

/// The image layout: the binary is both the entrypoint (workerd passes
/// only flags, as `Cmd`) and `/bin/cp`, which workerd runs the image as to
/// clone snapshot volumes (`cp -a /src/. /dst/`).
const DOCKERFILE: &str = "FROM scratch\n\
COPY cfcontainer-sidecar /cfcontainer-sidecar\n\
COPY cfcontainer-sidecar /bin/cp\n\
ENTRYPOINT [\"/cfcontainer-sidecar\"]\n";

/// The egress image a `dev` session's workerd is to use, ready in the
/// engine: `chosen` (the flag), else the variables, else ours.
pub async fn ensure(docker: &Docker, chosen: Option<&str>, out: &Output) -> Result<String, Error> {
    let named = chosen.map(str::to_string).or_else(|| {
        [EGRESS_IMAGE_ENV, MINIFLARE_EGRESS_IMAGE_ENV]
            .into_iter()
            .find_map(|v| std::env::var(v).ok().filter(|i| !i.trim().is_empty()))
    });
    match named {
        Some(reference) => ensure_named(docker, &reference, out).await.map(|()| reference),
        None => ensure_ours(docker, out).await,
    }
}

/// A named image: used from the engine, else pulled once.
async fn ensure_named(docker: &Docker, reference: &str, out: &Output) -> Result<(), Error> {
    if docker.inspect_image(reference).await.is_ok() {
        return Ok(());
    }
    let progress = out.progress(&format!("Pulling egress image {reference}"));
    let options = CreateImageOptionsBuilder::default().from_image(reference).build();
    let mut stream = docker.create_image(Some(options), None, None);
    while let Some(item) = stream.next().await {
        if let Err(err) = item {
            progress.fail();
            let why = match err {
                bollard::errors::Error::DockerStreamError { error } => error,
                other => other.to_string(),
            };
            return Err(Error::EgressImage {
                reference: reference.to_string(),
                why,
                fix: format!("pull or build it into the engine yourself, or leave out --egress-image and {EGRESS_IMAGE_ENV} to use the sidecar built by cargo cfcontainer"),
            });
        }
    }
    progress.clear();
    Ok(())
}

/// Our image, laid out around the sidecar binary unless the engine has
/// the one of this binary already.
async fn ensure_ours(docker: &Docker, out: &Output) -> Result<String, Error> {
    let binary = tools::sidecar(out)?;
    let bytes = std::fs::read(&binary.path).map_err(|e| Error::Read { path: binary.path.clone(), source: e })?;
    let reference = format!("{REPOSITORY}:{}", &hex::encode(Sha256::digest(&bytes))[..16]);
    if docker.inspect_image(&reference).await.is_ok() {
        return Ok(reference);
    }
    let context = context(&bytes).map_err(|e| Error::Io { what: "pack the sidecar image".into(), source: e })?;
    let progress = out.progress(&format!("Building egress image {reference}"));
    let options = BuildImageOptionsBuilder::default().t(&reference).rm(true).forcerm(true).build();
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(item) = stream.next().await {
        if let Err(err) = item {
            progress.fail();
            let why = match err {
                bollard::errors::Error::DockerStreamError { error } => error,
                other => engine_error(other).to_string(),
            };
            return Err(Error::EgressImage {
                reference,
                why,
                fix: format!(
                    "check the engine's log, or pass --egress-image (or {EGRESS_IMAGE_ENV}) with an image you have"
                ),
            });
        }
    }
    progress.done(&format!("{:>12} {reference}", "Built"));
    Ok(reference)
}

/// The build context: the Dockerfile and the binary, with fixed times and
/// modes so the same binary always packs the same bytes.
fn context(binary: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut archive = tar::Builder::new(Vec::new());
    for (name, data, mode) in [("Dockerfile", DOCKERFILE.as_bytes(), 0o644), ("cfcontainer-sidecar", binary, 0o755)] {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(mode);
        header.set_mtime(0);
        header.set_cksum();
        archive.append_data(&mut header, name, data)?;
    }
    archive.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sidecar_context_holds_the_dockerfile_and_the_binary_as_an_executable() {
        let packed = context(b"\x7fELF binary").unwrap();
        let mut archive = tar::Archive::new(packed.as_slice());
        let entries: Vec<(String, u32, Vec<u8>)> = archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let mut data = Vec::new();
                std::io::Read::read_to_end(&mut e, &mut data).unwrap();
                (e.path().unwrap().display().to_string(), e.header().mode().unwrap(), data)
            })
            .collect();
        assert_eq!(entries[0].0, "Dockerfile");
        assert!(String::from_utf8_lossy(&entries[0].2).contains("ENTRYPOINT [\"/cfcontainer-sidecar\"]"));
        assert_eq!(
            (entries[1].0.as_str(), entries[1].1, entries[1].2.as_slice()),
            ("cfcontainer-sidecar", 0o755, &b"\x7fELF binary"[..])
        );
        assert_eq!(context(b"\x7fELF binary").unwrap(), packed, "the same binary packs the same bytes");
    }
}
