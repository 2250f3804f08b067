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
