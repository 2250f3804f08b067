//! Every named resource the wrangler file binds (KV namespaces, R2
//! buckets, D1 databases, queues, Vectorize indexes, Hyperdrive configs,
//! other Workers) must be in the account: each
//! kind's list is read once, only when something of that kind is bound.
//! A list the token may not read is skipped (the deploy itself needs no
//! such permission, and the upload is refused anyway if one is missing).

use cfcontainer_meta::wrangler::{Bindings, D1Database, KvNamespace, Queues, R2Bucket};

use crate::api::{Client, ScriptEntry};
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// What the file binds of one kind: `(who names it, what it names)`.
type Wanted = Vec<(Namer, String)>;

/// Who in the wrangler file names a resource.
enum Namer {
    /// A binding, by its name.
    Binding(String),
    /// A queue consumer (it has no binding name).
    Consumer,
}

impl Namer {
    fn binding(name: &str) -> Self {
        Namer::Binding(name.to_string())
    }
}

/// One kind of resource as the file and the account name it.
struct Kind {
    /// The file's key.
    key: &'static str,
    /// What one is called.
    what: &'static str,
    /// How to get one.
    fix: &'static str,
}

const KV: Kind = Kind {
    key: "kv_namespaces",
    what: "KV namespace",
    fix: "fix the id, or create the namespace (`wrangler kv namespace create <name>`)",
};
const R2: Kind = Kind {
    key: "r2_buckets",
    what: "R2 bucket",
    fix: "fix the name, or create the bucket (`wrangler r2 bucket create <name>`)",
};
const D1: Kind = Kind {
    key: "d1_databases",
    what: "D1 database",
    fix: "fix the id, or create the database (`wrangler d1 create <name>`)",
};
const QUEUE: Kind =
    Kind { key: "queues", what: "queue", fix: "fix the name, or create the queue (`wrangler queues create <name>`)" };
const VECTORIZE: Kind = Kind {
    key: "vectorize",
    what: "Vectorize index",
    fix: "fix the name, or create the index (`wrangler vectorize create <name>`)",
};
const HYPERDRIVE: Kind = Kind {
    key: "hyperdrive",
    what: "Hyperdrive config",
    fix: "fix the id, or create the config (`wrangler hyperdrive create <name>`)",
};
const SERVICE: Kind = Kind { key: "services", what: "Worker", fix: "fix the name, or deploy that Worker first" };

/// Checks the resources `project`'s wrangler file binds; `scripts` are
/// the account's Workers.
pub async fn check(project: &Project, client: &Client, scripts: &[ScriptEntry], out: &Output) -> Result<(), Error> {
    if let Some(source) = &project.settings.wrangler {
        let place = source.path.display().to_string();
        // Every field named, none left to `..`: a binding kind added to
        // `Bindings` does not compile here until it is checked (or said
        // not to need it).
        let Bindings {
            kv_namespaces,
            r2_buckets,
            d1_databases,
            queues,
            vectorize,
            hyperdrive,
            services,
            // Not resources of the account to look up: values, this or
            // another Worker's classes, datasets made on first write,
            // account-wide services; the rest the upload checks itself.
            vars: _,
            durable_objects: _,
            analytics_engine_datasets: _,
            ai: _,
            version_metadata: _,
            browser: _,
            send_email: _,
            mtls_certificates: _,
            dispatch_namespaces: _,
            workflows: _,
            secrets_store_secrets: _,
        } = &source.bindings;
        let checks = [
            (&KV, kv(kv_namespaces)),
            (&R2, r2(r2_buckets)),
            (&D1, d1(d1_databases)),
            (&QUEUE, queue_names(queues)),
            (&VECTORIZE, vectorize.iter().map(|v| (Namer::binding(&v.binding), v.index_name.clone())).collect()),
            (&HYPERDRIVE, hyperdrive.iter().map(|h| (Namer::binding(&h.binding), h.id.clone())).collect()),
        ];
        for (kind, found) in checks {
            if found.is_empty() {
                continue;
            }
            let Some(held) = held(kind, client, out).await? else { continue };
            for (namer, name) in found {
                if !held.iter().any(|(id, _)| *id == name) {
                    return Err(missing(&place, kind, &namer, &name, client.account(), &held));
                }
            }
        }
        let own = &project.settings.name;
        let held: Vec<(String, String)> = scripts.iter().map(|s| (s.id.clone(), s.id.clone())).collect();
        // A binding to another environment of a Worker names it by its
        // service; the scripts list names each environment's own Worker.
        for service in services.iter().filter(|s| s.environment.is_none() && &s.service != own) {
            if !held.iter().any(|(id, _)| *id == service.service) {
                let namer = Namer::binding(&service.binding);
                return Err(missing(&place, &SERVICE, &namer, &service.service, client.account(), &held));
            }
        }
    }
    Ok(())
}

/// The KV namespaces bound: `(binding, id)`.
fn kv(kv_namespaces: &[KvNamespace]) -> Wanted {
    kv_namespaces.iter().map(|k| (Namer::binding(&k.binding), k.id.clone())).collect()
}

/// The R2 buckets bound outside a jurisdiction (a jurisdiction's buckets
/// are listed only under it).
fn r2(r2_buckets: &[R2Bucket]) -> Wanted {
    r2_buckets
        .iter()
        .filter(|r| r.jurisdiction.is_none())
        .map(|r| (Namer::binding(&r.binding), r.bucket_name.clone()))
        .collect()
}

/// The D1 databases bound: `(binding, database_id)`.
fn d1(d1_databases: &[D1Database]) -> Wanted {
    d1_databases.iter().map(|d| (Namer::binding(&d.binding), d.database_id.clone())).collect()
}

/// The queues produced to and consumed.
fn queue_names(queues: &Queues) -> Wanted {
    let producers = queues.producers.iter().map(|p| (Namer::binding(&p.binding), p.queue.clone()));
    let consumers = queues.consumers.iter().map(|c| (Namer::Consumer, c.queue.clone()));
    producers.chain(consumers).collect()
}

/// What the account holds of `kind`: `(what a binding names, a label)`;
/// `None` when the token may not list them.
async fn held(kind: &Kind, client: &Client, out: &Output) -> Result<Option<Vec<(String, String)>>, Error> {
    let listed = match kind.key {
        "kv_namespaces" => client
            .kv_namespaces(out)
            .await
            .map(|l| l.into_iter().map(|n| (n.id.clone(), format!("{} ({})", n.id, n.title))).collect()),
        "r2_buckets" => client.r2_buckets(out).await.map(|l| l.into_iter().map(|b| (b.name.clone(), b.name)).collect()),
        "d1_databases" => client
            .d1_databases(out)
            .await
            .map(|l| l.into_iter().map(|d| (d.uuid.clone(), format!("{} ({})", d.uuid, d.name))).collect()),
        "queues" => {
            client.queues(out).await.map(|l| l.into_iter().map(|q| (q.queue_name.clone(), q.queue_name)).collect())
        }
        "vectorize" => {
            client.vectorize_indexes(out).await.map(|l| l.into_iter().map(|v| (v.name.clone(), v.name)).collect())
        }
        _ => client
            .hyperdrive_configs(out)
            .await
            .map(|l| l.into_iter().map(|h| (h.id.clone(), format!("{} ({})", h.id, h.name))).collect()),
    };
    match listed {
        Ok(list) => Ok(Some(list)),
        Err(Error::Api { status: 403, .. }) => {
            out.verbose(&format!("the token may not list the account's {}s; the upload checks them", kind.what));
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

fn missing(place: &str, kind: &Kind, namer: &Namer, name: &str, account: &str, held: &[(String, String)]) -> Error {
    let labels: Vec<String> = held.iter().map(|(_, label)| label.clone()).collect();
    let what = match namer {
        Namer::Binding(binding) => format!("{} `{binding}` names {} `{name}`", kind.key, kind.what),
        Namer::Consumer => format!("a consumer in {}.consumers reads {} `{name}`", kind.key, kind.what),
    };
    Error::NoResource {
        place: place.to_string(),
        what,
        account: account.to_string(),
        known: listing(&labels),
        fix: kind.fix,
    }
}

/// `it has: a, b` or `it has none`.
pub fn listing(names: &[String]) -> String {
    match names.is_empty() {
        true => "it has none".into(),
        false => format!("it has: {}", names.join(", ")),
    }
}
