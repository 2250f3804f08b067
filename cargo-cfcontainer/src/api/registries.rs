//! Image registries the account pulls from besides Cloudflare's own:
//! `POST`/`GET /containers/registries` and `DELETE
//! /containers/registries/{domain}`, with the credential kept in the
//! Secrets Store (see [`super::secrets_store`]).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{Body, Client, Retry};
use crate::output::Output;
use crate::Error;

/// What kind of registry a domain is, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegistryKind {
    /// Amazon Elastic Container Registry.
    #[serde(rename = "ECR")]
    Ecr,
    /// Docker Hub.
    #[serde(rename = "DockerHub")]
    DockerHub,
    /// Google Artifact Registry.
    #[serde(rename = "GAR")]
    Gar,
}

/// Where the Secrets Store keeps a credential: a store and a secret's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretsStoreRef {
    /// The store's id.
    pub store_id: String,
    /// The secret's name in it.
    pub secret_name: String,
}

/// The credentials of a registry: the public half as given, the private
/// half by reference.
#[derive(Debug, Clone, Serialize)]
pub struct RegistryAuth {
    /// The access key id, user name or service account email.
    pub public_credential: String,
    /// The secret that holds the private half.
    pub private_credential: SecretsStoreRef,
}

/// `POST /containers/registries`.
#[derive(Debug, Clone, Serialize)]
pub struct NewRegistry {
    /// The registry's host.
    pub domain: String,
    /// Always false: a registry with credentials is private.
    pub is_public: bool,
    /// How to log in to it.
    pub auth: RegistryAuth,
    /// What kind it is.
    pub kind: RegistryKind,
}

/// A configured registry, as listed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfiguredRegistry {
    /// The registry's host.
    pub domain: String,
    /// What kind it is (absent for registries configured before kinds).
    #[serde(default)]
    pub kind: Option<RegistryKind>,
    /// Where its private credential is kept, when in the Secrets Store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_credential: Option<SecretsStoreRef>,
    /// When it was configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// The answer to `DELETE /containers/registries/{domain}`.
#[derive(Debug, Clone, Deserialize)]
pub struct DeletedRegistry {
    /// `<store id>:<secret name>` of the credential the registry used, which
    /// deleting the registry leaves in the store.
    #[serde(default)]
    pub secrets_store_ref: Option<String>,
}

impl DeletedRegistry {
    /// The secret left behind, from `<store id>:<secret name>`.
    pub fn dangling_secret(&self) -> Option<SecretsStoreRef> {
        let (store_id, secret_name) = self.secrets_store_ref.as_deref()?.split_once(':')?;
        Some(SecretsStoreRef { store_id: store_id.to_string(), secret_name: secret_name.to_string() })
    }
}

impl Client {
    /// `GET /containers/registries`: every registry configured on the account.
    pub async fn registries(&self, out: &Output) -> Result<Vec<ConfiguredRegistry>, Error> {
        self.get("/containers/registries", out).await
    }

    /// `POST /containers/registries`; not repeated after an ambiguous
    /// failure ([`Retry::Reconcile`]): a repeat of one that went through
    /// is refused as a duplicate (409), so the caller looks for it.
    pub async fn create_registry(&self, registry: &NewRegistry, out: &Output) -> Result<ConfiguredRegistry, Error> {
        self.call(Method::POST, "/containers/registries", Body::json(registry), Retry::Reconcile, out).await
    }

    /// `DELETE /containers/registries/{domain}`; `None` if there is none.
    /// Not repeated after an ambiguous failure ([`Retry::Reconcile`]): a
    /// repeat of one that went through answers 404 and loses the
    /// reference to the secret it left.
    pub async fn delete_registry(&self, domain: &str, out: &Output) -> Result<Option<DeletedRegistry>, Error> {
        let path = format!("/containers/registries/{domain}");
        match self.call(Method::DELETE, &path, Body::Empty, Retry::Reconcile, out).await {
            Ok(deleted) => Ok(Some(deleted)),
            Err(Error::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_a_deleted_registry_leaves_is_read_from_store_colon_name() {
        let left = DeletedRegistry { secrets_store_ref: Some("0123abcd:DockerHub_PAT_Token".into()) };
        let secret = SecretsStoreRef { store_id: "0123abcd".into(), secret_name: "DockerHub_PAT_Token".into() };
        assert_eq!(left.dangling_secret(), Some(secret));
        assert_eq!(DeletedRegistry { secrets_store_ref: None }.dangling_secret(), None);
        assert_eq!(DeletedRegistry { secrets_store_ref: Some("no-colon".into()) }.dangling_secret(), None);
    }

    #[test]
    fn a_new_registry_is_sent_with_the_kind_as_the_api_names_it() {
        let registry = NewRegistry {
            domain: "europe-west1-docker.pkg.dev".into(),
            is_public: false,
            auth: RegistryAuth {
                public_credential: "a@b".into(),
                private_credential: SecretsStoreRef { store_id: "s".into(), secret_name: "n".into() },
            },
            kind: RegistryKind::Gar,
        };
        assert_eq!(
            serde_json::to_value(&registry).unwrap(),
            serde_json::json!({
                "domain": "europe-west1-docker.pkg.dev", "is_public": false,
                "auth": { "public_credential": "a@b", "private_credential": { "store_id": "s", "secret_name": "n" } },
                "kind": "GAR",
            })
        );
    }
}
