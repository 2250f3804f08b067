//! The wrangler file's bindings as upload metadata, shaped as the official
//! CLI sends them (wrangler 4.86, `createWorkerUploadForm`): the same
//! `type` names and fields, optional ones left out when unset.

use cfcontainer_meta::wrangler::Bindings;
use cfcontainer_meta::ContainerMeta;

use crate::api::{Binding, DispatchOutbound, OutboundParam, OutboundWorker};
use crate::project::WranglerSource;
use crate::Error;

/// Every binding of the file except its vars (those are in the settings)
/// and its `durable_objects` entries for container classes (the attribute
/// binds those; the file must agree).
pub fn of(source: &WranglerSource, containers: &[ContainerMeta]) -> Result<Vec<Binding>, Error> {
    // Every field named, none left to `..`: a binding kind added to
    // `Bindings` does not compile here until it is uploaded (or said not to be).
    let Bindings {
        vars: _, // read into the settings (`vars`, `json_vars`), uploaded from there
        kv_namespaces,
        r2_buckets,
        d1_databases,
        services,
        queues,
        durable_objects,
        analytics_engine_datasets,
        ai,
        vectorize,
        hyperdrive,
        version_metadata,
        browser,
        send_email,
        mtls_certificates,
        dispatch_namespaces,
        workflows,
        secrets_store_secrets,
    } = &source.bindings;
    let mut out = Vec::new();
    for d in &durable_objects.bindings {
        let ours = containers.iter().find(|c| c.class == d.class_name && d.script_name.is_none());
        match ours {
            Some(c) if c.binding != d.name => {
                return Err(Error::ContainerBindingMismatch {
                    path: source.path.clone(),
                    class: c.class.clone(),
                    ours: c.binding.clone(),
                    theirs: d.name.clone(),
                })
            }
            Some(_) => {}
            // Another Worker's class, or one of this Worker's own (its
            // migration comes with the upload).
            None => out.push(Binding::DurableObjectNamespace {
                name: d.name.clone(),
                class_name: d.class_name.clone(),
                script_name: d.script_name.clone(),
                environment: d.environment.clone(),
            }),
        }
    }
    out.extend(
        kv_namespaces.iter().map(|k| Binding::KvNamespace { name: k.binding.clone(), namespace_id: k.id.clone() }),
    );
    out.extend(r2_buckets.iter().map(|r| Binding::R2Bucket {
        name: r.binding.clone(),
        bucket_name: r.bucket_name.clone(),
        jurisdiction: r.jurisdiction.clone(),
    }));
    out.extend(d1_databases.iter().map(|d| Binding::D1 { name: d.binding.clone(), id: d.database_id.clone() }));
    out.extend(services.iter().map(|s| Binding::Service {
        name: s.binding.clone(),
        service: s.service.clone(),
        environment: s.environment.clone(),
        entrypoint: s.entrypoint.clone(),
    }));
    out.extend(queues.producers.iter().map(|q| Binding::Queue {
        name: q.binding.clone(),
        queue_name: q.queue.clone(),
        delivery_delay: q.delivery_delay,
    }));
    out.extend(
        analytics_engine_datasets
            .iter()
            .map(|a| Binding::AnalyticsEngine { name: a.binding.clone(), dataset: a.dataset.clone() }),
    );
    out.extend(ai.iter().map(|a| Binding::Ai { name: a.binding.clone() }));
    out.extend(
        vectorize.iter().map(|v| Binding::Vectorize { name: v.binding.clone(), index_name: v.index_name.clone() }),
    );
    out.extend(hyperdrive.iter().map(|h| Binding::Hyperdrive { name: h.binding.clone(), id: h.id.clone() }));
    out.extend(version_metadata.iter().map(|v| Binding::VersionMetadata { name: v.binding.clone() }));
    out.extend(browser.iter().map(|v| Binding::Browser { name: v.binding.clone() }));
    out.extend(send_email.iter().map(|e| Binding::SendEmail {
        name: e.name.clone(),
        destination_address: e.destination_address.clone(),
        allowed_destination_addresses: e.allowed_destination_addresses.clone(),
        allowed_sender_addresses: e.allowed_sender_addresses.clone(),
    }));
    out.extend(
        mtls_certificates
            .iter()
            .map(|m| Binding::MtlsCertificate { name: m.binding.clone(), certificate_id: m.certificate_id.clone() }),
    );
    out.extend(dispatch_namespaces.iter().map(|d| Binding::DispatchNamespace {
        name: d.binding.clone(),
        namespace: d.namespace.clone(),
        outbound: d.outbound.as_ref().map(|o| DispatchOutbound {
            worker: OutboundWorker { service: o.service.clone(), environment: o.environment.clone() },
            params: o.parameters.as_ref().map(|p| p.iter().map(|name| OutboundParam { name: name.clone() }).collect()),
        }),
    }));
    out.extend(workflows.iter().map(|w| Binding::Workflow {
        name: w.binding.clone(),
        workflow_name: w.name.clone(),
        class_name: w.class_name.clone(),
        script_name: w.script_name.clone(),
    }));
    out.extend(secrets_store_secrets.iter().map(|s| Binding::SecretsStoreSecret {
        name: s.binding.clone(),
        store_id: s.store_id.clone(),
        secret_name: s.secret_name.clone(),
    }));
    Ok(out)
}
