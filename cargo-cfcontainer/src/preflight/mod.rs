//! The checks that need no build, made before the long one by the verbs
//! that reach the account (`push`, `plan`, `deploy`): the token and the
//! account (and with them whether the API answers at all), the registry
//! host, each named resource the wrangler file binds ([`resources`]) and
//! each route's zone ([`zones`]). Each failure is one line, naming what
//! the account has where that helps. They only read, with the client the
//! verb goes on to use.

mod resources;
mod zones;

use crate::api::{self, Client, CredentialsRequest, RegistryPermission};
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// Which verb checks, and so what it is about to need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Images into the registry.
    Push,
    /// The account read and compared; nothing pushed.
    Plan,
    /// The account read and written, images pushed.
    Deploy,
}

/// Runs the checks `reach` needs for `project` with `client`.
pub fn check(project: &Project, client: &Client, reach: Reach, out: &Output) -> Result<(), Error> {
    let host = api::checked_registry_host()?;
    crate::runtime()?.block_on(async {
        if reach != Reach::Push {
            // The first call of the account: an unreachable API, a token
            // it refuses or an account the token cannot use stop here.
            let scripts = client.scripts(out).await?;
            resources::check(project, client, &scripts, out).await?;
            zones::check(project, client, out).await?;
        }
        if reach != Reach::Plan {
            registry(client, &host, out).await?;
        }
        Ok(())
    })
}

/// The account has the registry images go to: it issues credentials for
/// it (short-lived, pull only; a request that changes nothing).
async fn registry(client: &Client, host: &str, out: &Output) -> Result<(), Error> {
    let request = CredentialsRequest { expiration_minutes: 1, permissions: vec![RegistryPermission::Pull] };
    match client.registry_credentials(host, &request, out).await {
        Ok(_) => Ok(()),
        Err(Error::Api { status: 404, .. }) => Err(Error::NoRegistry {
            host: host.to_string(),
            account: client.account().to_string(),
            chosen: api::registry_chosen(),
        }),
        Err(e) => Err(e),
    }
}
