//! What the account holds of a Worker's Durable Object history: the
//! migration tag it is at and every class it has, container or not, with
//! its storage. An export that follows it deploys with the official CLI on
//! that Worker (no migration applied twice) and on a new one (every class
//! created).

use crate::api::Client;
use crate::deploy::Remote;
use crate::output::Output;
use crate::Error;

/// The Worker's classes as the account holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountHistory {
    /// The migration tag the Worker is at (`None`: never migrated).
    pub tag: Option<String>,
    /// Its classes, by name.
    pub classes: Vec<AccountClass>,
}

/// One Durable Object class of the Worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountClass {
    /// The class name.
    pub name: String,
    /// SQLite-backed, else key-value.
    pub sqlite: bool,
}

/// The history of Worker `worker`; `None` if the account has no such Worker.
pub async fn read(client: &Client, worker: &str, out: &Output) -> Result<Option<AccountHistory>, Error> {
    let Some(script) = client.script(worker, out).await? else { return Ok(None) };
    let namespaces = Remote::namespaces_of(client, worker, out).await?;
    let mut classes: Vec<AccountClass> = namespaces
        .into_iter()
        .filter_map(|n| Some(AccountClass { name: n.class?, sqlite: n.use_sqlite.unwrap_or(true) }))
        .collect();
    classes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some(AccountHistory { tag: script.migration_tag, classes }))
}
