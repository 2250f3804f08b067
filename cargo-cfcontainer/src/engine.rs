//! The Docker engine connection: `DOCKER_HOST` or the local socket.

use bollard::Docker;

use crate::Error;

/// The engine `DOCKER_HOST` names (default `unix:///var/run/docker.sock`).
pub fn host() -> String {
    std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "unix:///var/run/docker.sock".into())
}

/// Connects and checks that the engine answers.
pub async fn connect() -> Result<Docker, Error> {
    let host = host();
    let unreachable = |why: String| Error::Engine { host: host.clone(), why };
    let docker = Docker::connect_with_host(&host).map_err(|e| unreachable(e.to_string()))?;
    docker.ping().await.map_err(|e| unreachable(e.to_string()))?;
    Ok(docker)
}

/// An engine error met after connecting.
pub fn engine_error(error: bollard::errors::Error) -> Error {
    Error::Engine { host: host(), why: error.to_string() }
}

/// The oldest dockerd major version we test workerd's containers with
/// (20.10 broke the workerd releases before 1.20260312, which made an IPv6
/// network of their own).
pub const MIN_WORKING_MAJOR: u32 = 26;

/// The engine's version, and whether it is older than we test with.
pub async fn version(docker: &Docker) -> Result<(String, bool), Error> {
    let version = docker.version().await.map_err(engine_error)?.version.unwrap_or_default();
    let major = version.split('.').next().and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
    Ok((version.clone(), major < MIN_WORKING_MAJOR))
}

/// The default `bridge` network's first subnet, if the engine has one:
/// workerd (since 1.20260312) puts each container's networking sidecar
/// there and listens for its egress on that network's gateway.
pub async fn default_bridge(docker: &Docker) -> Option<String> {
    let network = docker.inspect_network("bridge", None).await.ok()?;
    network.ipam?.config?.into_iter().find_map(|c| c.subnet)
}

/// What `dev` needs of the engine, checked before anything is built: a
/// version we test with and a default bridge network.
pub async fn check_for_workerd(docker: &Docker) -> Result<(), Error> {
    let (version, old) = version(docker).await?;
    if old {
        return Err(Error::EngineUnsuitable {
            host: host(),
            why: format!("dockerd {version} is older than {MIN_WORKING_MAJOR}, the oldest workerd's containers are tested with"),
            fix: format!("run dockerd {MIN_WORKING_MAJOR} or newer and point DOCKER_HOST at it (scripts/setup.sh runs one beside yours)"),
        });
    }
    if default_bridge(docker).await.is_none() {
        return Err(Error::EngineUnsuitable {
            host: host(),
            why: "it has no default bridge network, which workerd puts each container's networking sidecar on".into(),
            fix: BRIDGE_FIX.into(),
        });
    }
    Ok(())
}

/// How to give an engine the default bridge network workerd needs.
pub const BRIDGE_FIX: &str =
    r#"remove `"bridge": "none"` from the engine's daemon.json (or name a bridge interface there) and restart it"#;
