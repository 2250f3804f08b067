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
        let mut all = Vec::new();
        let mut add = |name: &str, kind| all.push(NamedBinding { name: name.to_string(), kind });
        for (name, value) in &self.vars {
            add(name, if value.is_string() { BindingKind::TextVar } else { BindingKind::JsonVar });
        }
        self.kv_namespaces.iter().for_each(|b| add(&b.binding, BindingKind::KvNamespace));
        self.r2_buckets.iter().for_each(|b| add(&b.binding, BindingKind::R2Bucket));
        self.d1_databases.iter().for_each(|b| add(&b.binding, BindingKind::D1Database));
        self.services.iter().for_each(|b| add(&b.binding, BindingKind::Service));
        self.queues.producers.iter().for_each(|b| add(&b.binding, BindingKind::QueueProducer));
        self.durable_objects.bindings.iter().for_each(|b| add(&b.name, BindingKind::DurableObject));
        self.analytics_engine_datasets.iter().for_each(|b| add(&b.binding, BindingKind::AnalyticsEngineDataset));
        self.ai.iter().for_each(|b| add(&b.binding, BindingKind::Ai));
        self.vectorize.iter().for_each(|b| add(&b.binding, BindingKind::Vectorize));
        self.hyperdrive.iter().for_each(|b| add(&b.binding, BindingKind::Hyperdrive));
        self.version_metadata.iter().for_each(|b| add(&b.binding, BindingKind::VersionMetadata));
        self.browser.iter().for_each(|b| add(&b.binding, BindingKind::Browser));
        self.send_email.iter().for_each(|b| add(&b.name, BindingKind::SendEmail));
        self.mtls_certificates.iter().for_each(|b| add(&b.binding, BindingKind::MtlsCertificate));
        self.dispatch_namespaces.iter().for_each(|b| add(&b.binding, BindingKind::DispatchNamespace));
        self.workflows.iter().for_each(|b| add(&b.binding, BindingKind::Workflow));
        self.secrets_store_secrets.iter().for_each(|b| add(&b.binding, BindingKind::SecretsStoreSecret));
        all
    }
}
