//! The bindings of one section as a flat list of names and kinds.

use super::model::Bindings;

/// What a binding is, as the official CLI's config names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    /// A `vars` entry holding a string.
    TextVar,
    /// A `vars` entry holding any other JSON value.
    JsonVar,
    KvNamespace,
    R2Bucket,
    D1Database,
    Service,
    QueueProducer,
    DurableObject,
    AnalyticsEngineDataset,
    Ai,
    Vectorize,
    Hyperdrive,
    VersionMetadata,
    Browser,
    SendEmail,
    MtlsCertificate,
    DispatchNamespace,
    Workflow,
    SecretsStoreSecret,
    /// `assets.binding`: the Worker's static assets.
    StaticAssets,
}

impl BindingKind {
    /// The config key the binding is declared under.
    pub fn config_key(self) -> &'static str {
        match self {
            BindingKind::TextVar | BindingKind::JsonVar => "vars",
            BindingKind::KvNamespace => "kv_namespaces",
            BindingKind::R2Bucket => "r2_buckets",
            BindingKind::D1Database => "d1_databases",
            BindingKind::Service => "services",
            BindingKind::QueueProducer => "queues.producers",
            BindingKind::DurableObject => "durable_objects.bindings",
            BindingKind::AnalyticsEngineDataset => "analytics_engine_datasets",
            BindingKind::Ai => "ai",
            BindingKind::Vectorize => "vectorize",
            BindingKind::Hyperdrive => "hyperdrive",
            BindingKind::VersionMetadata => "version_metadata",
            BindingKind::Browser => "browser",
            BindingKind::SendEmail => "send_email",
            BindingKind::MtlsCertificate => "mtls_certificates",
            BindingKind::DispatchNamespace => "dispatch_namespaces",
            BindingKind::Workflow => "workflows",
            BindingKind::SecretsStoreSecret => "secrets_store_secrets",
            BindingKind::StaticAssets => "assets.binding",
        }
    }
}

/// One binding: the name the Worker sees and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedBinding {
    /// The name in `env` (`MY_CACHE`).
    pub name: String,
    /// What it is.
    pub kind: BindingKind,
}

impl Bindings {
    /// Every binding, in config order, kind by kind.
    ///
    /// ```
    /// let file = cfcontainer_meta::wrangler::parse(r#"
    ///     vars = { MODE = "production", LIMITS = { max = 3 } }
    ///     kv_namespaces = [{ binding = "MY_CACHE", id = "0f2a" }]
    /// "#, false).unwrap();
    /// let names: Vec<String> = file.top.bindings.named().into_iter().map(|b| b.name).collect();
    /// assert_eq!(names, ["LIMITS", "MODE", "MY_CACHE"]);
    /// ```
    pub fn named(&self) -> Vec<NamedBinding> {
        // Every field named, none left to `..`: a binding kind added to
        // `Bindings` does not compile here until it is listed.
        let Bindings {
            vars,
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
        } = self;
        let mut all = Vec::new();
        let mut add = |name: &str, kind| all.push(NamedBinding { name: name.to_string(), kind });
        for (name, value) in vars {
            add(name, if value.is_string() { BindingKind::TextVar } else { BindingKind::JsonVar });
        }
        kv_namespaces.iter().for_each(|b| add(&b.binding, BindingKind::KvNamespace));
        r2_buckets.iter().for_each(|b| add(&b.binding, BindingKind::R2Bucket));
        d1_databases.iter().for_each(|b| add(&b.binding, BindingKind::D1Database));
        services.iter().for_each(|b| add(&b.binding, BindingKind::Service));
        queues.producers.iter().for_each(|b| add(&b.binding, BindingKind::QueueProducer));
        durable_objects.bindings.iter().for_each(|b| add(&b.name, BindingKind::DurableObject));
        analytics_engine_datasets.iter().for_each(|b| add(&b.binding, BindingKind::AnalyticsEngineDataset));
        ai.iter().for_each(|b| add(&b.binding, BindingKind::Ai));
        vectorize.iter().for_each(|b| add(&b.binding, BindingKind::Vectorize));
        hyperdrive.iter().for_each(|b| add(&b.binding, BindingKind::Hyperdrive));
        version_metadata.iter().for_each(|b| add(&b.binding, BindingKind::VersionMetadata));
        browser.iter().for_each(|b| add(&b.binding, BindingKind::Browser));
        send_email.iter().for_each(|b| add(&b.name, BindingKind::SendEmail));
        mtls_certificates.iter().for_each(|b| add(&b.binding, BindingKind::MtlsCertificate));
        dispatch_namespaces.iter().for_each(|b| add(&b.binding, BindingKind::DispatchNamespace));
        workflows.iter().for_each(|b| add(&b.binding, BindingKind::Workflow));
        secrets_store_secrets.iter().for_each(|b| add(&b.binding, BindingKind::SecretsStoreSecret));
        all
    }
}
