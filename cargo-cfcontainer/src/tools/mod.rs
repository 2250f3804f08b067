//! The programs dev and deploy run besides cargo: workerd, the esbuild
//! and wasm-bindgen that worker-build calls, the local simulator's
//! storage workers (see [`simulator`]) and the containers' networking
//! sidecar (see [`sidecar`]). Each is taken from its
//! environment variable, then the crate's `node_modules`, then PATH, then
//! this tool's cache; when none has it (or, for wasm-bindgen, none has the
//! version the crate's `Cargo.lock` pins), the pinned version is fetched
//! into the cache: workerd and esbuild from the npm registry's package
//! tarballs, checked against the registry's integrity hash, wasm-bindgen
//! with `cargo install --root`. No root, nothing outside the cache.

mod cache;
mod miniflare;
mod npm;
mod sidecar;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

pub use cache::cache_dir;
pub use miniflare::{
    find_simulator, simulator, ASSETS_KV, ASSETS_ROUTER, ASSET_WORKER, KV_NAMESPACE, MINIFLARE_VERSION, OBJECT_ENTRY,
    QUEUE_BROKER, SECRETS_STORE_SECRET, SHARED_MODULE, ZOD_MODULE,
};
pub use sidecar::{find_sidecar, sidecar, SIDECAR_ENV};

use crate::child::WithoutCredentials;
use crate::output::{Output, Reason};
use crate::Error;

/// The workerd release local dev runs: the one the newest official CLI
/// (wrangler 4.164.0) pins, so both run a Worker on the same runtime.
pub const WORKERD_VERSION: &str = "1.20261117.1";

/// The esbuild worker-build 0.8.7 bundles with.
pub const ESBUILD_VERSION: &str = "0.28.2";

/// Where a tool was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Its environment variable.
    Env,
    /// A `node_modules/.bin` of the crate or a parent.
    NodeModules,
    /// PATH.
    Path,
    /// This tool's cache, fetched by an earlier run.
    Cache,
    /// Fetched into the cache just now.
    Fetched,
}

/// A tool ready to run.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// Its name.
    pub name: &'static str,
    /// The program.
    pub path: PathBuf,
    /// Where it came from.
    pub source: Source,
}

/// A tool that can be fetched from the npm registry.
struct NpmTool {
    name: &'static str,
    env: &'static str,
    version: &'static str,
    /// The platform package and the binary's path inside its tarball.
    package: fn() -> Option<(String, &'static str)>,
}

const WORKERD: NpmTool =
    NpmTool { name: "workerd", env: "WORKERD_BIN", version: WORKERD_VERSION, package: workerd_package };
const ESBUILD: NpmTool =
    NpmTool { name: "esbuild", env: "ESBUILD_BIN", version: ESBUILD_VERSION, package: esbuild_package };

fn workerd_package() -> Option<(String, &'static str)> {
    let platform = platform(["linux-64", "linux-arm64", "darwin-64", "darwin-arm64"])?;
    Some((format!("@cloudflare/workerd-{platform}"), "package/bin/workerd"))
}

fn esbuild_package() -> Option<(String, &'static str)> {
    let platform = platform(["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"])?;
    Some((format!("@esbuild/{platform}"), "package/bin/esbuild"))
}

/// A package's name for this platform, given its names for Linux x86-64,
/// Linux arm64, macOS x86-64 and macOS arm64.
fn platform(names: [&'static str; 4]) -> Option<&'static str> {
    let index = match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => 0,
        ("linux", "aarch64") => 1,
        ("macos", "x86_64") => 2,
        ("macos", "aarch64") => 3,
        _ => return None,
    };
    Some(names[index])
}

/// workerd for the crate in `crate_dir`, fetched if missing.
pub async fn workerd(crate_dir: &Path, out: &Output) -> Result<Tool, Error> {
    provide_npm(&WORKERD, crate_dir, out).await
}

/// esbuild for worker-build, fetched if missing.
pub async fn esbuild(crate_dir: &Path, out: &Output) -> Result<Tool, Error> {
    provide_npm(&ESBUILD, crate_dir, out).await
}

/// workerd or esbuild without fetching anything: `None` if missing.
pub fn find_npm_tool(name: &str, crate_dir: &Path) -> Option<Tool> {
    [&WORKERD, &ESBUILD].into_iter().find(|t| t.name == name).and_then(|t| find_npm(t, crate_dir))
}

fn find_npm(tool: &NpmTool, crate_dir: &Path) -> Option<Tool> {
    let found = |path: PathBuf, source| Some(Tool { name: tool.name, path, source });
    if let Some(path) = std::env::var_os(tool.env).map(PathBuf::from).filter(|p| p.is_file()) {
        return found(path, Source::Env);
    }
    let bin = format!("node_modules/.bin/{}", tool.name);
    if let Some(path) = crate_dir.ancestors().map(|d| d.join(&bin)).find(|p| p.is_file()) {
        return found(path, Source::NodeModules);
    }
    if let Some(path) = on_path(tool.name) {
        return found(path, Source::Path);
    }
    let cached = cache_dir().ok()?.join(format!("{}-{}", tool.name, tool.version)).join(tool.name);
    cached.is_file().then_some(()).and_then(|_| found(cached, Source::Cache))
}

async fn provide_npm(tool: &NpmTool, crate_dir: &Path, out: &Output) -> Result<Tool, Error> {
    if let Some(found) = find_npm(tool, crate_dir) {
        return Ok(found);
    }
    let (package, inside) = (tool.package)().ok_or_else(|| Error::Tool {
        tool: tool.name,
        why: format!("no prebuilt {} for {}-{}", tool.name, std::env::consts::OS, std::env::consts::ARCH),
        fix: format!("install {} yourself and set {}", tool.name, tool.env),
    })?;
    let dir = cache_dir()?.join(format!("{}-{}", tool.name, tool.version));
    let progress = out.progress(&format!("Fetching {} {} from the npm registry", tool.name, tool.version));
    let path = match npm::fetch_binary(&package, tool.version, inside, &dir.join(tool.name)).await {
        Ok(path) => path,
        Err(why) => {
            progress.fail();
            let fix = format!(
                "check access to the npm registry (NPM_CONFIG_REGISTRY), or install {} and set {}",
                tool.name, tool.env
            );
            return Err(Error::Tool { tool: tool.name, why, fix });
        }
    };
    progress.clear();
    fetched(out, tool.name, tool.version, &path);
    Ok(Tool { name: tool.name, path, source: Source::Fetched })
}

/// Says what was fetched and where it was put.
fn fetched(out: &Output, tool: &str, version: &str, path: &Path) {
    let event = Fetched { tool, version, path };
    out.event(Reason::ToolFetched, &event, || format!("{:>12} {tool} {version} into {}", "Fetched", path.display()));
}

/// wasm-bindgen at `version` (the crate's `Cargo.lock` pins it; worker-build
/// fails on any other): `WASM_BINDGEN_BIN`, PATH or the cache if they have
/// that version, else installed into the cache with cargo.
pub fn wasm_bindgen(version: &str, out: &Output) -> Result<Tool, Error> {
    if let Some(found) = find_wasm_bindgen(version) {
        return Ok(found);
    }
    // An explicit choice is not overridden behind the user's back.
    if let Some((why, fix)) = wasm_bindgen_override_mismatch(version) {
        return Err(Error::Tool { tool: "wasm-bindgen", why, fix });
    }
    let root = cache_dir()?.join(format!("wasm-bindgen-{version}"));
    let progress = out.progress(&format!("Installing wasm-bindgen {version} (cargo install, once)"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .without_credentials()
        // Its own temporary target directory, not the crate's (nor its lock).
        .env_remove("CARGO_TARGET_DIR")
        .args(["install", "--quiet", "wasm-bindgen-cli", "--version", version, "--root"])
        .arg(&root)
        .stdin(Stdio::null())
        .status();
    let installed = root.join("bin/wasm-bindgen");
    match status {
        Ok(status) if status.success() && installed.is_file() => {
            progress.clear();
            fetched(out, "wasm-bindgen", version, &installed);
            Ok(Tool { name: "wasm-bindgen", path: installed, source: Source::Fetched })
        }
        other => {
            progress.fail();
            let why = match other {
                Ok(status) => format!("cargo install wasm-bindgen-cli --version {version} exited with {status}"),
                Err(e) => format!("cannot run cargo: {e}"),
            };
            Err(Error::Tool {
                tool: "wasm-bindgen",
                why,
                fix: format!("run `cargo install wasm-bindgen-cli --version {version}` and set WASM_BINDGEN_BIN"),
            })
        }
    }
}

/// When `WASM_BINDGEN_BIN` is set but is not wasm-bindgen `version`: what
/// it is and what to do, for the error and for `doctor` alike.
pub fn wasm_bindgen_override_mismatch(version: &str) -> Option<(String, String)> {
    let set = std::env::var_os("WASM_BINDGEN_BIN").map(PathBuf::from)?;
    let has = tool_version(&set).unwrap_or_else(|| "not runnable".into());
    (has != version).then(|| {
        let why = format!("WASM_BINDGEN_BIN={} is {has}, but Cargo.lock pins {version}", set.display());
        let fix = format!(
            "unset WASM_BINDGEN_BIN (the right one is then installed into the cache) or point it at wasm-bindgen {version}"
        );
        (why, fix)
    })
}

/// wasm-bindgen at `version` without installing anything.
pub fn find_wasm_bindgen(version: &str) -> Option<Tool> {
    let matches = |path: &Path| tool_version(path).is_some_and(|v| v == version);
    let found = |path: PathBuf, source| Some(Tool { name: "wasm-bindgen", path, source });
    // An explicit choice is the only candidate, right or wrong.
    if let Some(path) = std::env::var_os("WASM_BINDGEN_BIN").map(PathBuf::from) {
        return if matches(&path) { found(path, Source::Env) } else { None };
    }
    if let Some(path) = on_path("wasm-bindgen").filter(|p| matches(p)) {
        return found(path, Source::Path);
    }
    let cached = cache_dir().ok()?.join(format!("wasm-bindgen-{version}/bin/wasm-bindgen"));
    matches(&cached).then_some(()).and_then(|_| found(cached, Source::Cache))
}

/// What worker-build needs besides itself, handed to it through the
/// variables it reads (`ESBUILD_BIN`, `WASM_BINDGEN_BIN`).
#[derive(Debug, Clone)]
pub struct BuildTools {
    /// esbuild.
    pub esbuild: Tool,
    /// wasm-bindgen at the crate's locked version, if it locks one.
    pub wasm_bindgen: Option<Tool>,
}

impl BuildTools {
    /// Finds or fetches them for the crate in `crate_dir` whose workspace's
    /// manifest is `workspace_manifest` (its lock file says which
    /// wasm-bindgen).
    pub async fn provide(crate_dir: &Path, workspace_manifest: &Path, out: &Output) -> Result<BuildTools, Error> {
        let esbuild = esbuild(crate_dir, out).await?;
        let wasm_bindgen = match locked_version(workspace_manifest, "wasm-bindgen") {
            Some(version) => Some(wasm_bindgen(&version, out)?),
            None => None,
        };
        Ok(BuildTools { esbuild, wasm_bindgen })
    }

    /// Points `cmd` (worker-build) at them.
    pub fn apply(&self, cmd: &mut Command) {
        cmd.env("ESBUILD_BIN", &self.esbuild.path);
        if let Some(wasm_bindgen) = &self.wasm_bindgen {
            cmd.env("WASM_BINDGEN_BIN", &wasm_bindgen.path);
        }
    }
}

/// The version a tool prints for `--version` (its last word).
pub fn tool_version(path: &Path) -> Option<String> {
    let output = Command::new(path).arg("--version").stdin(Stdio::null()).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace().last().map(str::to_string).filter(|_| output.status.success())
}

/// The version of `package` that the lockfile next to `workspace_manifest` pins.
pub fn locked_version(workspace_manifest: &Path, package: &str) -> Option<String> {
    let lock = std::fs::read_to_string(workspace_manifest.with_file_name("Cargo.lock")).ok()?;
    let doc: toml_edit::DocumentMut = lock.parse().ok()?;
    let version = doc.get("package")?.as_array_of_tables()?.iter().find_map(|p| {
        (p.get("name")?.as_str()? == package).then(|| p.get("version")?.as_str().map(str::to_string)).flatten()
    });
    version
}

/// `name` in a directory of PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file())
}

/// A tool fetched into the cache (event `tool-fetched`).
#[derive(serde::Serialize)]
struct Fetched<'a> {
    tool: &'a str,
    version: &'a str,
    /// Where it was put.
    path: &'a Path,
}
