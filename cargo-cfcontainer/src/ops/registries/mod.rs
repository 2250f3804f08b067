//! `registries`: the registries of other providers (Amazon ECR, Docker
//! Hub, Google Artifact Registry) the account's containers may pull
//! from, configured with a public credential and a private one kept in the
//! Secrets Store, as the official CLI 4.164's `containers registries`
//! does it: [`configure`], [`list`] and [`delete`].

mod configure;
mod delete;
mod gar_key;
mod kind;
mod secret_input;

pub use configure::{
    configure, ConfigureOptions, Configured, ExistingSecret, PublicCredential, SecretOrigin, StoreOrigin,
};
pub use delete::{delete, DanglingSecret, DeleteSecret, Deleted};
pub use kind::display_name;
pub use secret_input::SecretSource;

use serde::Serialize;

use kind::{classify, DomainError};

use crate::api::{Client, ConfiguredRegistry};
use crate::output::Output;
use crate::Error;

/// The registries configured on an account.
#[derive(Debug, Serialize)]
pub struct Registries {
    /// Each, as the API lists them.
    pub registries: Vec<ConfiguredRegistry>,
}

/// Lists the registries configured on `account`.
pub fn list(account: Option<&str>, out: &Output) -> Result<Registries, Error> {
    let client = Client::from_env(account)?;
    let registries = crate::runtime()?.block_on(client.registries(out))?;
    Ok(Registries { registries })
}

/// `domain` as a registry host, or the error saying why it is none (a URL,
/// or no host at all); the kind of registry is left for the API to judge.
fn checked_host(domain: &str) -> Result<(), Error> {
    match classify(domain, &crate::api::registry_host()) {
        Err(DomainError::HasScheme) => Err(Error::RegistryUrl { domain: domain.to_string() }),
        Err(DomainError::Invalid(why)) => Err(Error::RegistryHost { domain: domain.to_string(), why }),
        _ => Ok(()),
    }
}
