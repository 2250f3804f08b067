//! The container egress interceptor: the program workerd (since
//! 1.20260312) starts in a sidecar container beside each container, which
//! carries the container's ingress and egress (the `cfcontainer-sidecar`
//! crate). `dev` lays it into an image of its own; this module finds the
//! static Linux binary: `CFCONTAINER_SIDECAR_BIN`, else this tool's cache,
//! else `cargo install` of the sidecar release matching this tool into the
//! cache, linked statically so it runs in an image with nothing else in it.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::{cache_dir, fetched, Source, Tool};
use crate::child::WithoutCredentials;
use crate::output::Output;
use crate::Error;

/// The sidecar's crate, released with this tool at the same version.
const CRATE: &str = "cfcontainer-sidecar";

/// Its version: this tool's.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Environment variable naming a sidecar binary to use instead.
pub const SIDECAR_ENV: &str = "CFCONTAINER_SIDECAR_BIN";

/// The Linux target the sidecar is built for: the engine's containers run
/// Linux on this machine's architecture.
fn linux_target() -> Option<&'static str> {
    match std::env::consts::ARCH {
        "x86_64" => Some("x86_64-unknown-linux-gnu"),
        "aarch64" => Some("aarch64-unknown-linux-gnu"),
        _ => None,
    }
}

/// The sidecar binary without building anything: `None` if missing.
pub fn find_sidecar() -> Option<Tool> {
    let found = |path: PathBuf, source| Some(Tool { name: "cfcontainer-sidecar", path, source });
    if let Some(path) = std::env::var_os(SIDECAR_ENV).map(PathBuf::from).filter(|p| p.is_file()) {
        return found(path, Source::Env);
    }
    let cached = cached_binary().ok()?;
    cached.is_file().then_some(()).and_then(|_| found(cached, Source::Cache))
}

fn cached_binary() -> Result<PathBuf, Error> {
    Ok(cache_dir()?.join(format!("{CRATE}-{VERSION}")).join("bin").join(CRATE))
}

/// The sidecar binary, built into the cache with cargo when missing (once:
/// about a minute).
pub fn sidecar(out: &Output) -> Result<Tool, Error> {
    if let Some(found) = find_sidecar() {
        return Ok(found);
    }
    if let Some(set) = std::env::var_os(SIDECAR_ENV) {
        return Err(Error::Tool {
            tool: "cfcontainer-sidecar",
            why: format!("{SIDECAR_ENV}={} is not a file", PathBuf::from(set).display()),
            fix: format!("point {SIDECAR_ENV} at a static cfcontainer-sidecar binary, or unset it"),
        });
    }
    // Only Linux hosts can link a Linux binary without a cross toolchain.
    let target = linux_target().filter(|_| cfg!(target_os = "linux")).ok_or_else(|| Error::Tool {
        tool: "cfcontainer-sidecar",
        why: format!("it is built for Linux, and this machine is {}-{}", std::env::consts::OS, std::env::consts::ARCH),
        fix: format!("build it on Linux (`cargo install {CRATE}`) and set {SIDECAR_ENV}, or pass --egress-image with an image you have"),
    })?;
    let root = cache_dir()?.join(format!("{CRATE}-{VERSION}"));
    let progress = out.progress(&format!("Installing {CRATE} {VERSION} (cargo install, once)"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .without_credentials()
        .env_remove("CARGO_TARGET_DIR")
        // Static: the image holds this one file and no C library.
        .env("CARGO_ENCODED_RUSTFLAGS", "-Ctarget-feature=+crt-static")
        .env_remove("RUSTFLAGS")
        .args(["install", "--quiet", "--locked", CRATE, "--version", &format!("={VERSION}"), "--target", target])
        .arg("--root")
        .arg(&root)
        .stdin(Stdio::null())
        .status();
    let installed = root.join("bin").join(CRATE);
    match status {
        Ok(status) if status.success() && installed.is_file() => {
            progress.clear();
            fetched(out, CRATE, VERSION, &installed);
            Ok(Tool { name: "cfcontainer-sidecar", path: installed, source: Source::Fetched })
        }
        other => {
            progress.fail();
            let why = match other {
                Ok(status) => format!("cargo install {CRATE} --version ={VERSION} exited with {status}"),
                Err(e) => format!("cannot run cargo: {e}"),
            };
            let fix = format!(
                "run `RUSTFLAGS=\"-C target-feature=+crt-static\" cargo install {CRATE} --version ={VERSION} --target {target}` and set {SIDECAR_ENV}, or pass --egress-image"
            );
            Err(Error::Tool { tool: "cfcontainer-sidecar", why, fix })
        }
    }
}
