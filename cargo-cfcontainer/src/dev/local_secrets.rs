//! Secrets Store secrets served locally as the official CLI serves them
//! (miniflare 5.20261117.0-beta's `secrets-store` plugin, run by `wrangler
//! dev` 4.164): each binding is a service running the simulator's
//! `SecretsStoreSecret` entrypoint, which reads its secret from its
//! store's KV namespace, a Durable Object whose data lives in
//! `secrets-store/` under the persist root. Same service names, object
//! key and layout, so a value put there by `wrangler secrets-store secret
//! create <store_id> --name <secret_name> --scopes workers --local` is
//! what the Worker reads under `cargo cfcontainer dev`.

use std::fmt::Write as _;
use std::path::PathBuf;

use cfcontainer_meta::wrangler::{Bindings, SecretsStoreSecret};

use super::capnp::quoted;
use super::local_storage::SimulatorObject;
use crate::tools::{KV_NAMESPACE, OBJECT_ENTRY, SECRETS_STORE_SECRET};

/// The simulator's name for the kind: the data directory under the
/// persist root and the prefix of the services.
const PLUGIN: &str = "secrets-store";
/// The Durable Object class of a store (the KV simulator's).
const CLASS: &str = "KVNamespaceObject";
/// The service running [`CLASS`] for every store.
const OBJECT_SERVICE: &str = "secrets-store:ns";
/// The one entry service in front of it; each binding names its store in
/// the props it passes.
const ENTRY_SERVICE: &str = "secrets-store:ns:entry";
const STORAGE_SERVICE: &str = "secrets-store:storage";

/// The Secrets Store secret bindings dev serves, and where their stores live.
#[derive(Debug, Clone)]
pub struct LocalSecrets {
    /// The persist root (`.wrangler/state/v3` next to the wrangler file).
    pub persist_dir: PathBuf,
    /// The wrangler file's `secrets_store_secrets`.
    pub secrets: Vec<SecretsStoreSecret>,
}

impl LocalSecrets {
    /// The file's Secrets Store secrets with their data under
    /// `persist_dir`; `None` without any.
    pub fn of(bindings: &Bindings, persist_dir: PathBuf) -> Option<LocalSecrets> {
        let secrets = bindings.secrets_store_secrets.clone();
        (!secrets.is_empty()).then_some(LocalSecrets { persist_dir, secrets })
    }

    /// The scripts, as paths inside the miniflare package.
    pub fn scripts() -> [&'static str; 2] {
        [KV_NAMESPACE, SECRETS_STORE_SECRET]
    }

    /// The stores' data directory.
    fn data_dir(&self) -> PathBuf {
        self.persist_dir.join(PLUGIN)
    }

    /// Creates the stores' data directory, readable by its owner only (the
    /// simulator refuses any other mode and owner).
    pub fn prepare(&self) -> std::io::Result<()> {
        let dir = self.data_dir();
        std::fs::create_dir_all(&dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    /// One service per secret, the stores' entry and object services and
    /// their data directory; `embedded` names a script as the config
    /// embeds it.
    pub fn services(&self, embedded: &dyn Fn(&str) -> String) -> String {
        let mut out = String::new();
        let mut secrets: Vec<(&str, &str)> =
            self.secrets.iter().map(|s| (s.store_id.as_str(), s.secret_name.as_str())).collect();
        secrets.sort();
        secrets.dedup();
        for (store_id, secret_name) in secrets {
            // The store is the object-entry worker's namespace, passed as props.
            let props = serde_json::json!({ "MINIFLARE_NAMESPACE": store_id }).to_string();
            let name_json = serde_json::Value::from(secret_name).to_string();
            let _ = writeln!(
                out,
                "    (name = {name}, worker = (compatibilityDate = \"2025-01-01\", modules = [(name = \"secret.worker.js\", esModule = embed {script})], \
                 bindings = [(name = \"store\", kvNamespace = (name = {entry}, props = (json = {props}))), (name = \"secret_name\", json = {name_json})])),",
                name = quoted(&service(store_id, secret_name)),
                script = quoted(&embedded(SECRETS_STORE_SECRET)),
                entry = quoted(ENTRY_SERVICE),
                props = quoted(&props),
                name_json = quoted(&name_json),
            );
        }
        let _ = writeln!(
            out,
            "    (name = {entry}, worker = (compatibilityDate = \"2023-07-24\", modules = [(name = \"object-entry.worker.js\", esModule = embed {script})], \
             bindings = [(name = \"MINIFLARE_OBJECT\", durableObjectNamespace = (serviceName = {object}, className = {class}))])),",
            entry = quoted(ENTRY_SERVICE),
            script = quoted(&embedded(OBJECT_ENTRY)),
            object = quoted(OBJECT_SERVICE),
            class = quoted(CLASS),
        );
        let object = SimulatorObject {
            object: OBJECT_SERVICE,
            script: KV_NAMESPACE,
            class: CLASS,
            key: format!("miniflare-secrets-store-{CLASS}"),
            storage: STORAGE_SERVICE.to_string(),
            data: self.data_dir(),
        };
        object.write(&mut out, embedded);
        out
    }

    /// The Worker's bindings: each the `SecretsStoreSecret` entrypoint of
    /// its secret's service, whose `get()` the runtime calls.
    pub fn bindings(&self) -> String {
        let mut out = String::new();
        for secret in &self.secrets {
            let _ = writeln!(
                out,
                "    (name = {}, service = (name = {}, entrypoint = \"SecretsStoreSecret\")),",
                quoted(&secret.binding),
                quoted(&service(&secret.store_id, &secret.secret_name)),
            );
        }
        out
    }
}

/// The service of one secret of one store, as the simulator names it.
fn service(store_id: &str, secret_name: &str) -> String {
    format!("{PLUGIN}:{store_id}:{secret_name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(file: &str) -> LocalSecrets {
        let file = cfcontainer_meta::wrangler::parse(file, false).unwrap();
        LocalSecrets::of(&file.top.bindings, "/state/v3".into()).unwrap()
    }

    #[test]
    fn two_bindings_of_one_secret_share_its_service_and_every_store_shares_one_object() {
        let secrets = local(
            r#"secrets_store_secrets = [
                { binding = "API_KEY", store_id = "store1", secret_name = "api-key" },
                { binding = "SAME_KEY", store_id = "store1", secret_name = "api-key" },
                { binding = "DB_PASSWORD", store_id = "store2", secret_name = "db" },
            ]"#,
        );
        let services = secrets.services(&|script| script.to_string());
        assert_eq!(services.matches("(name = \"secrets-store:store1:api-key\"").count(), 1, "{services}");
        assert_eq!(services.matches("(name = \"secrets-store:store2:db\"").count(), 1, "{services}");
        assert_eq!(services.matches("(name = \"secrets-store:ns\"").count(), 1, "{services}");
        assert!(services.contains(r#"props = (json = "{\"MINIFLARE_NAMESPACE\":\"store2\"}")"#), "{services}");
        assert!(services.contains(r#"(name = "secret_name", json = "\"api-key\"")"#), "{services}");
        assert!(services.contains("disk = (path = \"/state/v3/secrets-store\""), "{services}");
        let bindings = secrets.bindings();
        assert_eq!(
            bindings.matches("(name = \"secrets-store:store1:api-key\", entrypoint = \"SecretsStoreSecret\")").count(),
            2
        );
        assert!(
            bindings.contains("(name = \"DB_PASSWORD\", service = (name = \"secrets-store:store2:db\""),
            "{bindings}"
        );
    }

    #[test]
    fn a_file_without_secrets_store_secrets_runs_no_secrets_store() {
        let file = cfcontainer_meta::wrangler::parse("name = \"plain\"", false).unwrap();
        assert!(LocalSecrets::of(&file.top.bindings, "/state/v3".into()).is_none());
    }

    #[test]
    fn the_stores_directory_is_made_readable_by_its_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut secrets = local(r#"secrets_store_secrets = [{ binding = "K", store_id = "s", secret_name = "k" }]"#);
        secrets.persist_dir = dir.path().join("v3");
        secrets.prepare().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("v3/secrets-store")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }
}
