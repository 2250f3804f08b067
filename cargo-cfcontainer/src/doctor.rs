//! What `dev`, `push` and `deploy` need of this machine, checked one by
//! one, each with the fix when it is missing.

use std::path::Path;
use std::process::{Command, Stdio};

use serde::Serialize;

use crate::api::{Client, TokenStatus};
use crate::output::Output;
use crate::project::Project;
use crate::tools::{self, ESBUILD_VERSION, MINIFLARE_VERSION, WORKERD_VERSION};
use crate::{compile, engine};

/// One check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Present and usable.
    Ok,
    /// Missing, but the tool takes care of it (it fetches the program).
    Warn,
    /// Missing or broken: the verbs that need it fail until it is fixed.
    Fail,
    /// Not checked (nothing to check it against).
    Skip,
}

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// What was checked.
    pub name: &'static str,
    /// The outcome.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to do, unless it is fine.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check { name, status: Status::Ok, detail: detail.into(), fix: None }
    }

    fn with(name: &'static str, status: Status, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check { name, status, detail: detail.into(), fix: Some(fix.into()) }
    }
}

/// Every check, in the order a new user meets them. `project` is the crate
/// in the current directory, if there is one.
pub async fn check_all(project: Option<&Project>, out: &Output) -> Vec<Check> {
    let crate_dir = project.map(|p| p.dir.clone()).unwrap_or_else(|| Path::new(".").to_path_buf());
    let mut checks = engine_checks().await;
    checks.push(wasm_target());
    checks.push(musl_target());
    checks.push(worker_build());
    checks.push(wasm_bindgen(project));
    for (name, version) in [("workerd", WORKERD_VERSION), ("esbuild", ESBUILD_VERSION)] {
        checks.push(match tools::find_npm_tool(name, &crate_dir) {
            Some(tool) => Check::ok(name, format!("{} ({:?})", tool.path.display(), tool.source).to_lowercase()),
            None => Check::with(
                name,
                Status::Warn,
                "not found (env, node_modules, PATH, cache)",
                format!("nothing to do: dev fetches {name} {version} from the npm registry into {}", cache()),
            ),
        });
    }
    checks.push(match tools::find_simulator() {
        Some(tool) => Check::ok("miniflare", format!("{} ({:?})", tool.path.display(), tool.source).to_lowercase()),
        None => Check::with(
            "miniflare",
            Status::Warn,
            "no local KV, R2 and D1 storage workers yet (MINIFLARE_DIR, cache)",
            format!(
                "nothing to do: dev fetches them from miniflare {MINIFLARE_VERSION} on the npm registry into {} when the Worker binds KV, R2 or D1",
                cache()
            ),
        ),
    });
    checks.push(egress_sidecar());
    checks.push(registry().await);
    checks.push(token(project, out).await);
    checks
}

/// The networking sidecar workerd starts beside each container: a chosen
/// image, or our binary (built into the cache on first use).
fn egress_sidecar() -> Check {
    let name = "egress sidecar";
    if let Some(image) = std::env::var(crate::dev::EGRESS_IMAGE_ENV).ok().filter(|i| !i.trim().is_empty()) {
        return Check::ok(name, format!("the image {image} ({})", crate::dev::EGRESS_IMAGE_ENV));
    }
    if let Some(set) = std::env::var_os(tools::SIDECAR_ENV).filter(|_| tools::find_sidecar().is_none()) {
        return Check::with(
            name,
            Status::Fail,
            format!("{}={} is not a file", tools::SIDECAR_ENV, std::path::PathBuf::from(set).display()),
            format!("point {} at a static cfcontainer-sidecar binary, or unset it", tools::SIDECAR_ENV),
        );
    }
    match tools::find_sidecar() {
        Some(tool) => Check::ok(name, format!("{} ({:?})", tool.path.display(), tool.source).to_lowercase()),
        None if cfg!(target_os = "linux") => Check::with(
            name,
            Status::Warn,
            format!("not built yet ({}, cache)", tools::SIDECAR_ENV),
            format!("nothing to do: dev builds it into {} (cargo install, about a minute, once)", cache()),
        ),
        None => Check::with(
            name,
            Status::Fail,
            "it is a Linux binary, and this machine cannot link one",
            format!(
                "build it on Linux and set {}, or set {} to an image you have",
                tools::SIDECAR_ENV,
                crate::dev::EGRESS_IMAGE_ENV
            ),
        ),
    }
}

fn cache() -> String {
    tools::cache_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|_| "the cache (set CFCONTAINER_CACHE_DIR)".into())
}

async fn engine_checks() -> Vec<Check> {
    let host = engine::host();
    let docker = match engine::connect().await {
        Ok(docker) => docker,
        Err(err) => {
            let fix = "start dockerd (26 or newer) or point DOCKER_HOST at a running engine";
            let unreachable = Check::with("docker engine", Status::Fail, format!("{host}: {err}"), fix);
            let bridge = Check::with("bridge network", Status::Skip, "no engine to ask", "fix the engine first");
            return vec![unreachable, bridge];
        }
    };
    let engine = match engine::version(&docker).await {
        Ok((version, false)) => Check::ok("docker engine", format!("dockerd {version} at {host}")),
        Ok((version, true)) => Check::with(
            "docker engine",
            Status::Fail,
            format!("dockerd {version} at {host} is older than we test workerd's containers with"),
            format!("run dockerd {} or newer and point DOCKER_HOST at it", engine::MIN_WORKING_MAJOR),
        ),
        Err(err) => Check::with("docker engine", Status::Fail, err.to_string(), "check the engine's log"),
    };
    let bridge = match engine::default_bridge(&docker).await {
        Some(subnet) => {
            Check::ok("bridge network", format!("the default bridge network ({subnet}) for workerd's sidecars"))
        }
        None => {
            Check::with("bridge network", Status::Fail, "the engine has no default bridge network", engine::BRIDGE_FIX)
        }
    };
    vec![engine, bridge]
}

fn wasm_target() -> Check {
    match compile::has_target(compile::WASM_TARGET) {
        true => Check::ok("wasm32 target", format!("{} installed", compile::WASM_TARGET)),
        false => Check::with(
            "wasm32 target",
            Status::Fail,
            format!("{} is not installed", compile::WASM_TARGET),
            format!("rustup target add {}", compile::WASM_TARGET),
        ),
    }
}

/// The target of containers assembled from a binary; the verbs add it
/// through rustup when one needs it, so its absence is a warning.
fn musl_target() -> Check {
    match compile::has_target(compile::MUSL_TARGET) {
        true => {
            Check::ok("musl target", format!("{} installed (containers built from a binary)", compile::MUSL_TARGET))
        }
        false => Check::with(
            "musl target",
            Status::Warn,
            format!(
                "{} is not installed; containers with `binary = ...` add it through rustup on first use",
                compile::MUSL_TARGET
            ),
            format!("rustup target add {}", compile::MUSL_TARGET),
        ),
    }
}

fn worker_build() -> Check {
    let program = std::env::var_os("WORKER_BUILD_BIN").unwrap_or_else(|| "worker-build".into());
    let output = Command::new(&program).arg("--version").stdin(Stdio::null()).output();
    match output {
        Ok(o) if o.status.success() => Check::ok("worker-build", String::from_utf8_lossy(&o.stdout).trim().to_string()),
        _ => Check::with(
            "worker-build",
            Status::Fail,
            format!("{} does not run", program.to_string_lossy()),
            "cargo install worker-build (or set WORKER_BUILD_BIN)",
        ),
    }
}

fn wasm_bindgen(project: Option<&Project>) -> Check {
    let Some(project) = project else {
        return Check::with(
            "wasm-bindgen",
            Status::Skip,
            "no crate here to read Cargo.lock of",
            "run doctor in the worker crate",
        );
    };
    let Some(locked) = tools::locked_version(&project.workspace_manifest, "wasm-bindgen") else {
        return Check::with("wasm-bindgen", Status::Skip, "Cargo.lock pins no wasm-bindgen", "build the crate once");
    };
    if let Some(tool) = tools::find_wasm_bindgen(&locked) {
        return Check::ok("wasm-bindgen", format!("{locked} at {} (matches Cargo.lock)", tool.path.display()));
    }
    match tools::wasm_bindgen_override_mismatch(&locked) {
        Some((why, fix)) => Check::with("wasm-bindgen", Status::Fail, why, fix),
        None => Check::with(
            "wasm-bindgen",
            Status::Warn,
            format!("{locked} (pinned by Cargo.lock) is not installed"),
            format!("nothing to do: dev and deploy install it into {} (cargo install, a few minutes, once)", cache()),
        ),
    }
}

async fn registry() -> Check {
    let host = crate::api::registry_host();
    let loopback = host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
    let url = format!("{}://{host}/v2/", if loopback { "http" } else { "https" });
    let http = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10)).build();
    let answer = match http {
        Ok(http) => http.get(&url).send().await.map(|r| r.status().as_u16()).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match answer {
        Ok(200 | 401) => Check::ok("container registry", format!("{host} answers")),
        Ok(status) => Check::with(
            "container registry",
            Status::Fail,
            format!("{url}: HTTP {status}"),
            "check CLOUDFLARE_CONTAINER_REGISTRY",
        ),
        Err(why) => Check::with(
            "container registry",
            Status::Fail,
            format!("cannot reach {url}: {why}"),
            "check the network (push and deploy need it) or CLOUDFLARE_CONTAINER_REGISTRY",
        ),
    }
}

async fn token(project: Option<&Project>, out: &Output) -> Check {
    let fix = "create an API token with Workers Scripts Edit and Containers Edit and export CLOUDFLARE_API_TOKEN";
    let client = match Client::for_token(project.and_then(|p| p.settings.account_id.clone())) {
        Ok(client) => client,
        Err(err) => return Check::with("api token", Status::Fail, err.to_string(), fix),
    };
    match client.verify_token(out).await {
        Ok(TokenStatus { status, .. }) if status == "active" => {}
        Ok(TokenStatus { status, .. }) => {
            return Check::with("api token", Status::Fail, format!("the token is {status}"), fix)
        }
        Err(err) => return Check::with("api token", Status::Fail, err.to_string(), fix),
    }
    if !client.has_account() {
        return Check::with(
            "api token",
            Status::Warn,
            "active; no account id to check its permissions against",
            "set CLOUDFLARE_ACCOUNT_ID or `account_id` in [package.metadata.cfcontainer]",
        );
    }
    // Listing is what the token's permissions allow at least; deploys need
    // the Edit permissions of the same two groups.
    let scripts = client.scripts(out).await;
    let apps = client.applications(out).await;
    match (scripts, apps) {
        (Ok(_), Ok(_)) => Check::ok(
            "api token",
            format!("active; reads Workers scripts and container applications of {}", client.account()),
        ),
        (scripts, apps) => {
            let missing: Vec<&str> = [(scripts.is_err(), "Workers Scripts"), (apps.is_err(), "Containers")]
                .into_iter()
                .filter_map(|(failed, group)| failed.then_some(group))
                .collect();
            Check::with(
                "api token",
                Status::Fail,
                format!("active, but cannot read {} of {}", missing.join(" or "), client.account()),
                format!("give the token {} Edit permissions on this account", missing.join(" and ")),
            )
        }
    }
}
