//! `registries delete DOMAIN`: the registry off the account, then the
//! secret it leaves in the Secrets Store (asked for, or with `--yes`), as
//! the official CLI 4.164 does it.

use serde::Serialize;

use crate::api::{Client, SecretsStoreRef};
use crate::output::{confirm, Output};
use crate::Error;

/// What to do with the secret a deleted registry leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteSecret {
    /// Delete it (`--yes`).
    Yes,
    /// Ask on the terminal; without one, keep it.
    Ask,
}

/// What became of the registry's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DanglingSecret {
    /// The registry kept its credential outside the Secrets Store.
    None,
    /// Deleted.
    Deleted {
        /// Where it was.
        #[serde(flatten)]
        secret: SecretsStoreRef,
    },
    /// Left in the store, as asked.
    Kept {
        /// Where it is.
        #[serde(flatten)]
        secret: SecretsStoreRef,
    },
    /// Gone already.
    Missing {
        /// Where it was.
        #[serde(flatten)]
        secret: SecretsStoreRef,
    },
}

/// A registry deleted.
#[derive(Debug, Serialize)]
pub struct Deleted {
    /// Its host.
    pub domain: String,
    /// Its secret.
    pub secret: DanglingSecret,
}

/// Deletes the registry `domain` of `account`, and its secret as `policy` says.
pub fn delete(account: Option<&str>, domain: &str, policy: DeleteSecret, out: &Output) -> Result<Deleted, Error> {
    super::checked_host(domain)?;
    let client = Client::from_env(account)?;
    crate::runtime()?.block_on(async {
        let Some(deleted) = client.delete_registry(domain, out).await? else {
            return Err(Error::RegistryNotConfigured { domain: domain.to_string() });
        };
        out.note(&format!("Deleted registry {domain}"));
        let secret = match deleted.dangling_secret() {
            None => DanglingSecret::None,
            Some(secret) => delete_secret(&client, secret, policy, out).await?,
        };
        Ok(Deleted { domain: domain.to_string(), secret })
    })
}

async fn delete_secret(
    client: &Client,
    secret: SecretsStoreRef,
    policy: DeleteSecret,
    out: &Output,
) -> Result<DanglingSecret, Error> {
    let SecretsStoreRef { store_id, secret_name } = &secret;
    if policy == DeleteSecret::Ask {
        let question = format!("Registry's secret `{secret_name}` stays in Secrets Store {store_id}; delete it?");
        if confirm(&question) != Some(true) {
            return Ok(DanglingSecret::Kept { secret });
        }
    }
    let Some(found) = client.store_secret(store_id, secret_name, out).await? else {
        return Ok(DanglingSecret::Missing { secret });
    };
    match client.delete_store_secret(store_id, &found.id, out).await? {
        true => Ok(DanglingSecret::Deleted { secret }),
        false => Ok(DanglingSecret::Missing { secret }),
    }
}
