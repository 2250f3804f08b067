//! What the account holds now, read by name: the account is the source of
//! truth, nothing is remembered between deploys.

use crate::api::{Application, Client, Namespace, Queue, ScriptEntry, ScriptSettings, ScriptSubdomain};
use crate::output::Output;
use crate::Error;

/// The worker's resources in the account.
#[derive(Debug, Clone, Default)]
pub struct Remote {
    /// The script, if uploaded.
    pub script: Option<ScriptEntry>,
    /// Its settings, if uploaded.
    pub settings: Option<ScriptSettings>,
    /// Its tags (from script-settings), if uploaded.
    pub tags: Vec<String>,
    /// Whether it is served on workers.dev and on Preview URLs, if uploaded.
    pub subdomain: Option<ScriptSubdomain>,
    /// Its Cron Triggers, sorted, if uploaded.
    pub crons: Option<Vec<String>>,
    /// The patterns of its zone routes, sorted.
    pub routes: Vec<String>,
    /// The hostnames of its Custom Domains, sorted.
    pub domains: Vec<String>,
    /// The queues the wrangler file names (one that does not exist is
    /// missing).
    pub queues: Vec<Queue>,
    /// Durable Object namespaces of this script.
    pub namespaces: Vec<Namespace>,
    /// Every container application in the account.
    pub applications: Vec<Application>,
}

impl Remote {
    /// Reads the script, its settings and namespaces, the applications,
    /// and the queues named `queues`.
    pub async fn read(client: &Client, worker: &str, queues: &[String], out: &Output) -> Result<Remote, Error> {
        let script = client.script(worker, out).await?;
        let (settings, tags, subdomain, crons, routes, domains) = match &script {
            Some(_) => {
                let settings = client.script_settings(worker, out).await?;
                let tags = client.script_tags(worker, out).await?.unwrap_or_default();
                let subdomain = client.script_subdomain(worker, out).await?;
                let mut crons = client.schedules(worker, out).await?;
                crons.sort();
                let mut routes: Vec<String> =
                    client.script_routes(worker, out).await?.into_iter().map(|r| r.pattern).collect();
                routes.sort();
                let mut domains: Vec<String> =
                    client.domains_of(worker, out).await?.into_iter().map(|d| d.hostname).collect();
                domains.sort();
                (Some(settings), tags, Some(subdomain), Some(crons), routes, domains)
            }
            None => (None, Vec::new(), None, None, Vec::new(), Vec::new()),
        };
        let namespaces = Remote::namespaces_of(client, worker, out).await?;
        let applications = client.applications(out).await?;
        let queues = super::consumers::read(client, queues, out).await?;
        Ok(Remote { script, settings, tags, subdomain, crons, routes, domains, queues, namespaces, applications })
    }

    /// [`Remote::read`] with every read sent at once (for `status`, where
    /// the round trips add up; a deploy reads one call after the other, so
    /// that a deploy killed after its Nth call is a well-defined state).
    pub async fn read_concurrently(
        client: &Client,
        worker: &str,
        queues: &[String],
        out: &Output,
    ) -> Result<Remote, Error> {
        let (script, settings, tags, subdomain, crons, routes, domains, namespaces, applications, queues) = futures_util::try_join!(
            client.script(worker, out),
            async { client.script_settings(worker, out).await.map(Some).or_else(not_found) },
            client.script_tags(worker, out),
            async { client.script_subdomain(worker, out).await.map(Some).or_else(not_found) },
            async { client.schedules(worker, out).await.map(Some).or_else(not_found) },
            async { client.script_routes(worker, out).await.or_else(|e| not_found(e).map(Option::unwrap_or_default)) },
            client.domains_of(worker, out),
            Remote::namespaces_of(client, worker, out),
            client.applications(out),
            super::consumers::read_concurrently(client, queues, out),
        )?;
        let mut crons = crons;
        if let Some(crons) = &mut crons {
            crons.sort();
        }
        let mut routes: Vec<String> = routes.into_iter().map(|r| r.pattern).collect();
        routes.sort();
        let mut domains: Vec<String> = domains.into_iter().map(|d| d.hostname).collect();
        domains.sort();
        Ok(Remote {
            settings: settings.filter(|_| script.is_some()),
            tags: tags.unwrap_or_default(),
            subdomain,
            crons,
            routes,
            domains,
            queues,
            namespaces,
            applications,
            script,
        })
    }

    /// The Durable Object namespaces `worker` defines.
    pub async fn namespaces_of(client: &Client, worker: &str, out: &Output) -> Result<Vec<Namespace>, Error> {
        let all = client.namespaces(out).await?;
        Ok(all.into_iter().filter(|n| n.script.as_deref() == Some(worker)).collect())
    }

    /// The namespace id of `class`.
    pub fn namespace_id(&self, class: &str) -> Option<&str> {
        self.namespaces.iter().find(|n| n.class.as_deref() == Some(class)).map(|n| n.id.as_str())
    }

    /// The application serving `class`: the one on its namespace, whatever
    /// its name (an application is adopted by the namespace it serves).
    pub fn application(&self, class: &str) -> Option<&Application> {
        let id = self.namespace_id(class)?;
        self.applications.iter().find(|a| a.serves(id))
    }

    /// The script's classes.
    pub fn classes(&self) -> Vec<String> {
        self.namespaces.iter().filter_map(|n| n.class.clone()).collect()
    }

    /// The etag of the script's content (empty for no script).
    pub fn etag(&self) -> &str {
        self.script.as_ref().and_then(|s| s.etag.as_deref()).unwrap_or_default()
    }

    /// The migration tag the script is at.
    pub fn migration_tag(&self) -> Option<&str> {
        self.script.as_ref().and_then(|s| s.migration_tag.as_deref())
    }
}

/// A 404 (no such Worker) as nothing there.
fn not_found<T>(error: Error) -> Result<Option<T>, Error> {
    match error {
        Error::Api { status: 404, .. } => Ok(None),
        e => Err(e),
    }
}
