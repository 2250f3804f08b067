//! The lists of the account's named resources a Worker binds, read to
//! check a wrangler file's bindings before anything is built: KV
//! namespaces, R2 buckets, D1 databases, queues, Vectorize indexes,
//! Hyperdrive configs and zones (other Workers are the scripts).

use serde::Deserialize;

use super::client::query_value;
use super::{Client, Queue, Zone};
use crate::output::Output;
use crate::Error;

/// An entry of `GET /storage/kv/namespaces`.
#[derive(Debug, Clone, Deserialize)]
pub struct KvNamespace {
    /// Its id (what a binding names).
    pub id: String,
    /// Its title.
    pub title: String,
}

/// An entry of `GET /d1/database`.
#[derive(Debug, Clone, Deserialize)]
pub struct D1Database {
    /// Its id (what a binding names).
    pub uuid: String,
    /// Its name.
    pub name: String,
}

/// An R2 bucket.
#[derive(Debug, Clone, Deserialize)]
pub struct R2Bucket {
    /// Its name (what a binding names).
    pub name: String,
}

/// An entry of `GET /vectorize/v2/indexes`.
#[derive(Debug, Clone, Deserialize)]
pub struct VectorizeIndex {
    /// Its name (what a binding names).
    pub name: String,
}

/// An entry of `GET /hyperdrive/configs`.
#[derive(Debug, Clone, Deserialize)]
pub struct HyperdriveConfig {
    /// Its id (what a binding names).
    pub id: String,
    /// Its name.
    pub name: String,
}

/// `GET /r2/buckets`'s result.
#[derive(Deserialize)]
struct R2Page {
    #[serde(default)]
    buckets: Vec<R2Bucket>,
}

impl Client {
    /// Every KV namespace of the account.
    pub async fn kv_namespaces(&self, out: &Output) -> Result<Vec<KvNamespace>, Error> {
        self.get_all("/storage/kv/namespaces", out).await
    }

    /// Every R2 bucket of the account outside a jurisdiction (the list
    /// comes in pages chained by a cursor).
    pub async fn r2_buckets(&self, out: &Output) -> Result<Vec<R2Bucket>, Error> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(cursor) => format!("/r2/buckets?cursor={}", query_value(cursor)),
                None => "/r2/buckets".to_string(),
            };
            let (page, info): (R2Page, _) = self.get_page(&path, out).await?;
            let fetched = page.buckets.len();
            all.extend(page.buckets);
            cursor = info.and_then(|i| i.cursor).filter(|c| !c.is_empty());
            if cursor.is_none() || fetched == 0 {
                return Ok(all);
            }
        }
    }

    /// Every D1 database of the account.
    pub async fn d1_databases(&self, out: &Output) -> Result<Vec<D1Database>, Error> {
        self.get_all("/d1/database", out).await
    }

    /// Every queue of the account.
    pub async fn queues(&self, out: &Output) -> Result<Vec<Queue>, Error> {
        self.get_all("/queues", out).await
    }

    /// Every Vectorize index of the account.
    pub async fn vectorize_indexes(&self, out: &Output) -> Result<Vec<VectorizeIndex>, Error> {
        self.get("/vectorize/v2/indexes", out).await
    }

    /// Every Hyperdrive config of the account.
    pub async fn hyperdrive_configs(&self, out: &Output) -> Result<Vec<HyperdriveConfig>, Error> {
        self.get("/hyperdrive/configs", out).await
    }

    /// Every zone of the account (`GET /zones?account.id=`, page by page
    /// until one comes back empty).
    pub async fn zones(&self, out: &Output) -> Result<Vec<Zone>, Error> {
        let mut all = Vec::new();
        for page in 1.. {
            let path = format!("/zones?account.id={}&page={page}", query_value(self.account()));
            let zones: Vec<Zone> = self.get_outside(&path, "GET /zones", out).await?;
            if zones.is_empty() {
                break;
            }
            all.extend(zones);
        }
        Ok(all)
    }
}
