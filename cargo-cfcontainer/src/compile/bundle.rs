//! The worker bundled to JS and wasm by worker-build.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{BuildRequest, RustFlags};
use crate::child::WithoutCredentials;
use crate::error::one_line;
use crate::output::Output;
use crate::project::Project;
use crate::tools::BuildTools;
use crate::Error;

/// Runs `worker-build` in the crate's directory with `tools`, and returns
/// the directory holding `index.js` and `index_bg.wasm`. Its own cargo
/// build gets what `request` gave the first one (profile, features, the
/// target directory, the rustc flags), so it finds that artifact fresh
/// instead of rebuilding the wasm without them.
pub fn worker_build(
    project: &Project,
    request: &BuildRequest,
    tools: &BuildTools,
    out: &Output,
) -> Result<PathBuf, Error> {
    let failed = |why: String| Error::WorkerBuild { package: project.package.clone(), why };
    let mut cmd = Command::new(std::env::var_os("WORKER_BUILD_BIN").unwrap_or_else(|| "worker-build".into()));
    cmd.without_credentials().arg(if request.release { "--release" } else { "--dev" }).current_dir(&project.dir);
    // The crate, then what worker-build passes on to `cargo build`.
    cmd.arg(&project.dir).args(&request.feature_args).arg("--target-dir").arg(&project.target_dir);
    RustFlags::new(&project.target_dir).apply(&mut cmd);
    tools.apply(&mut cmd);
    project.set_bindings_env(&mut cmd);
    out.verbose(&format!("running {cmd:?}"));
    let progress = out.progress(&format!("Building worker {}", project.settings.name));
    let output = cmd.stdin(Stdio::null()).output().map_err(|e| {
        failed(format!(
            "cannot run worker-build ({e}); install it with `cargo install worker-build` or set WORKER_BUILD_BIN"
        ))
    })?;
    if !output.status.success() {
        progress.fail();
        let stderr = String::from_utf8_lossy(&output.stderr);
        eprint!("{stderr}");
        let why = stderr
            .lines()
            .find(|l| l.contains("error"))
            .map(one_line)
            .unwrap_or_else(|| format!("worker-build exited with {}", output.status));
        return Err(failed(why));
    }
    progress.done(&format!("{:>12} worker {}", "Built", project.settings.name));
    let dir = project.dir.join("build");
    for module in ["index.js", "index_bg.wasm"] {
        if !dir.join(module).is_file() {
            return Err(failed(format!("worker-build left no build/{module}")));
        }
    }
    super::entrypoints::add(&dir.join("index.js"))?;
    Ok(dir)
}

/// Like [`worker_build`], but skipped when the crate's compiled
/// `artifact` and the bundle are exactly as the last run left them (a
/// stamp beside the bundle records their sizes and times), so an
/// unchanged redeploy does not pay for wasm-bindgen again.
pub fn worker_build_if_stale(
    project: &Project,
    request: &BuildRequest,
    artifact: &Path,
    tools: impl FnOnce() -> Result<BuildTools, Error>,
    out: &Output,
) -> Result<PathBuf, Error> {
    let dir = project.dir.join("build");
    let stamp = dir.join(".cfcontainer-stamp");
    let current = || fingerprint(&[artifact.to_path_buf(), dir.join("index.js"), dir.join("index_bg.wasm")]);
    if current().is_some() && std::fs::read_to_string(&stamp).ok() == current() {
        out.verbose("worker bundle is up to date; skipping worker-build");
        return Ok(dir);
    }
    let dir = worker_build(project, request, &tools()?, out)?;
    if let Some(print) = current() {
        let _ = std::fs::write(&stamp, print);
    }
    Ok(dir)
}

/// Size and modification time of each file; `None` if one is missing.
fn fingerprint(files: &[PathBuf]) -> Option<String> {
    let mut print = String::new();
    for file in files {
        let meta = std::fs::metadata(file).ok()?;
        let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
        print.push_str(&format!("{} {} {}\n", file.display(), meta.len(), modified.as_nanos()));
    }
    Some(print)
}
