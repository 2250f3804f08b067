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

/// The oldest dockerd major version known to work with workerd's
/// containers: 20.10 answers workerd's second `networks/create` with an
/// IPv6 pool error, so only the first container of a session ever starts.
pub const MIN_WORKING_MAJOR: u32 = 26;

/// The engine's version, and whether it is known to break workerd.
pub async fn version(docker: &Docker) -> Result<(String, bool), Error> {
    let version = docker.version().await.map_err(engine_error)?.version.unwrap_or_default();
    let major = version.split('.').next().and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
    Ok((version.clone(), major < MIN_WORKING_MAJOR))
}

/// True if workerd can have its IPv6 network on this engine: it has one
/// already (workerd reuses it, and dockerd 26 may have no second IPv6
/// subnet to give a probe), or the engine can create one (a probe network,
/// removed again).
pub async fn has_ipv6_pool(docker: &Docker) -> bool {
    if let Ok(existing) = docker.inspect_network("workerd-network", None).await {
        return existing.enable_ipv6 == Some(true);
    }
    let name = format!("cfcontainer-ipv6-probe-{}", std::process::id());
    let request =
        bollard::models::NetworkCreateRequest { name: name.clone(), enable_ipv6: Some(true), ..Default::default() };
    match docker.create_network(request).await {
        Ok(_) => {
            let _ = docker.remove_network(&name).await;
            true
        }
        Err(_) => false,
    }
}

/// What `dev` needs of the engine, checked before anything is built: a
/// version workerd works with and an IPv6 address pool.
pub async fn check_for_workerd(docker: &Docker) -> Result<(), Error> {
    let (version, broken) = version(docker).await?;
    if broken {
        return Err(Error::EngineUnsuitable {
            host: host(),
            why: format!("dockerd {version} breaks workerd's containers (only the first container of a session starts)"),
            fix: format!("run dockerd {MIN_WORKING_MAJOR} or newer and point DOCKER_HOST at it (scripts/setup.sh runs one beside yours)"),
        });
    }
    if !has_ipv6_pool(docker).await {
        return Err(Error::EngineUnsuitable {
            host: host(),
            why: "it has no IPv6 address pool, and workerd's container network is IPv6".into(),
            fix: IPV6_FIX.into(),
        });
    }
    Ok(())
}

/// How to give an engine the IPv6 pool workerd needs.
pub const IPV6_FIX: &str = r#"add `"ipv6": true, "fixed-cidr-v6": "fd00:dead:beef::/64"` and an IPv6 entry in "default-address-pools" (e.g. {"base": "fd00:cafe::/48", "size": 64}) to the engine's daemon.json and restart it"#;
