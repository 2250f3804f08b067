//! What the account holds now, read by name: the account is the source of
//! truth, nothing is remembered between deploys.

use crate::api::{
    Application, Client, DomainRecord, Namespace, Queue, Schedules, ScriptEntry, ScriptRoute, ScriptSettings,
    ScriptSubdomain, ScriptTags,
};
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
        let scripts: Vec<ScriptEntry> = client.get_all("/workers/scripts", out).await?;
        let script = scripts.into_iter().find(|s| s.id == worker);
        let (settings, tags, subdomain, crons, routes, domains) = match &script {
            Some(_) => {
                let settings = client.get(&format!("/workers/scripts/{worker}/settings"), out).await?;
                let tags: ScriptTags = client.get(&format!("/workers/scripts/{worker}/script-settings"), out).await?;
                let subdomain: ScriptSubdomain =
                    client.get(&format!("/workers/scripts/{worker}/subdomain"), out).await?;
                let schedules: Schedules = client.get(&format!("/workers/scripts/{worker}/schedules"), out).await?;
                let mut crons: Vec<String> = schedules.schedules.into_iter().map(|s| s.cron).collect();
                crons.sort();
                let routes: Vec<ScriptRoute> = client.get(&format!("/workers/scripts/{worker}/routes"), out).await?;
                let mut routes: Vec<String> = routes.into_iter().map(|r| r.pattern).collect();
                routes.sort();
                let domains: Vec<DomainRecord> =
                    client.get_all(&format!("/workers/domains?service={worker}"), out).await?;
                let mut domains: Vec<String> =
                    domains.into_iter().filter(|d| d.service == worker).map(|d| d.hostname).collect();
                domains.sort();
                (Some(settings), tags.tags, Some(subdomain), Some(crons), routes, domains)
            }
            None => (None, Vec::new(), None, None, Vec::new(), Vec::new()),
        };
        let namespaces = Remote::namespaces_of(client, worker, out).await?;
        let applications = client.get_all("/containers/applications", out).await?;
        let queues = super::consumers::read(client, queues, out).await?;
        Ok(Remote { script, settings, tags, subdomain, crons, routes, domains, queues, namespaces, applications })
    }

    /// The tags of `worker`, or `None` if there is no such Worker.
    pub async fn tags_of(client: &Client, worker: &str, out: &Output) -> Result<Option<Vec<String>>, Error> {
        match client.get::<ScriptTags>(&format!("/workers/scripts/{worker}/script-settings"), out).await {
            Ok(settings) => Ok(Some(settings.tags)),
            Err(Error::Api { status: 404, .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The Durable Object namespaces `worker` defines.
    pub async fn namespaces_of(client: &Client, worker: &str, out: &Output) -> Result<Vec<Namespace>, Error> {
        let all: Vec<Namespace> = client.get_all("/workers/durable_objects/namespaces", out).await?;
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

    /// The migration tag the script is at.
    pub fn migration_tag(&self) -> Option<&str> {
        self.script.as_ref().and_then(|s| s.migration_tag.as_deref())
    }
}
