//! The Secrets Store, as far as registry credentials use it: its stores,
//! and the secrets of a store (listed by name, created, deleted). Secret
//! values go in and never come back out.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::client::query_value;
use super::{Body, Client, Retry, Secret};
use crate::output::Output;
use crate::Error;

/// A store of the account.
#[derive(Debug, Clone, Deserialize)]
pub struct Store {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// `POST /secrets_store/stores`.
#[derive(Debug, Clone, Serialize)]
pub struct NewStore {
    /// Its name.
    pub name: String,
}

/// A secret of a store (its value is never listed).
#[derive(Debug, Clone, Deserialize)]
pub struct StoreSecret {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// What may read a secret of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretScope {
    /// Container registries' credentials.
    Containers,
}

/// One secret of `POST /secrets_store/stores/{id}/secrets` (the body is a
/// list of them). Its value is only ever serialized into that body.
#[derive(Serialize)]
pub struct NewStoreSecret<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its value.
    #[serde(serialize_with = "exposed")]
    pub value: &'a Secret,
    /// What may read it.
    pub scopes: Vec<SecretScope>,
    /// Why it is there.
    pub comment: String,
}

fn exposed<S: serde::Serializer>(secret: &&Secret, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose())
}

impl Client {
    /// `GET /secrets_store/stores`.
    pub async fn stores(&self, out: &Output) -> Result<Vec<Store>, Error> {
        self.get("/secrets_store/stores", out).await
    }

    /// `POST /secrets_store/stores`; not repeated after an ambiguous
    /// failure ([`Retry::Reconcile`]): a repeat would make a second store.
    pub async fn create_store(&self, store: &NewStore, out: &Output) -> Result<Store, Error> {
        self.call(Method::POST, "/secrets_store/stores", Body::json(store), Retry::Reconcile, out).await
    }

    /// The secret of store `store_id` named exactly `name`, if any
    /// (`GET .../secrets?search=<name>` finds names that contain it).
    pub async fn store_secret(&self, store_id: &str, name: &str, out: &Output) -> Result<Option<StoreSecret>, Error> {
        let path = format!("/secrets_store/stores/{store_id}/secrets?search={}", query_value(name));
        let found: Vec<StoreSecret> = self.get(&path, out).await?;
        Ok(found.into_iter().find(|s| s.name == name))
    }

    /// `POST /secrets_store/stores/{id}/secrets` with one secret; not
    /// repeated after an ambiguous failure ([`Retry::Reconcile`]).
    pub async fn create_store_secret(
        &self,
        store_id: &str,
        secret: &NewStoreSecret<'_>,
        out: &Output,
    ) -> Result<(), Error> {
        let path = format!("/secrets_store/stores/{store_id}/secrets");
        let body = Body::json(&[secret]);
        self.call::<Vec<StoreSecret>>(Method::POST, &path, body, Retry::Reconcile, out).await.map(drop)
    }

    /// `DELETE /secrets_store/stores/{store}/secrets/{id}`; `false` if it was gone.
    pub async fn delete_store_secret(&self, store_id: &str, id: &str, out: &Output) -> Result<bool, Error> {
        self.delete(&format!("/secrets_store/stores/{store_id}/secrets/{id}"), out).await
    }
}
