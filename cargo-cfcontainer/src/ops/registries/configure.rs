//! `registries configure DOMAIN`: the private credential into a secret of
//! the Secrets Store (scope `containers`), then the registry onto the
//! account with its public credential and a reference to that secret. The
//! calls are the official CLI 4.164's; nothing is written before the
//! arguments and the credential are checked.

use serde::Serialize;

use super::gar_key;
use super::kind::{classify, display_name, public_flag, secret_type, DomainError, DomainKind};
use super::secret_input::SecretSource;
use crate::api::{
    self, Client, NewRegistry, NewStore, NewStoreSecret, RegistryAuth, RegistryKind, Secret, SecretScope,
    SecretsStoreRef,
};
use crate::deploy::ambiguous;
use crate::output::{confirm, Output};
use crate::Error;

/// The store made when the account has none, named as the official CLI
/// names it.
const DEFAULT_STORE: &str = "default_secret_store";

/// The public half of a registry's credentials, by the flag that gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicCredential {
    /// `--aws-access-key-id`.
    AwsAccessKeyId(String),
    /// `--dockerhub-username`.
    DockerhubUsername(String),
    /// `--gar-email`.
    GarEmail(String),
}

impl PublicCredential {
    fn kind(&self) -> RegistryKind {
        match self {
            PublicCredential::AwsAccessKeyId(_) => RegistryKind::Ecr,
            PublicCredential::DockerhubUsername(_) => RegistryKind::DockerHub,
            PublicCredential::GarEmail(_) => RegistryKind::Gar,
        }
    }

    fn value(&self) -> &str {
        match self {
            PublicCredential::AwsAccessKeyId(v)
            | PublicCredential::DockerhubUsername(v)
            | PublicCredential::GarEmail(v) => v,
        }
    }
}

/// What to do when the store has a secret of the name already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingSecret {
    /// Use it as the credential (`--yes`).
    Reuse,
    /// Ask on the terminal; without one, refuse.
    Ask,
}

/// What `configure` was asked.
#[derive(Debug, Clone)]
pub struct ConfigureOptions {
    /// The registry's host.
    pub domain: String,
    /// Its public credential.
    pub public_credential: Option<PublicCredential>,
    /// The store to keep the secret in (default: the account's only one,
    /// made when there is none).
    pub store_id: Option<String>,
    /// The secret's name (default: the kind's secret type, `_` for spaces).
    pub secret_name: Option<String>,
    /// What to do with a secret of that name that exists.
    pub existing: ExistingSecret,
    /// Where the private credential is read.
    pub source: SecretSource,
}

/// Whether the store was there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreOrigin {
    /// Named, or the account's only one.
    Existing,
    /// Made for this credential: the account had none.
    Created,
}

/// Whether the secret was there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretOrigin {
    /// Made from the credential read.
    Created,
    /// A secret of that name, used as it is (nothing read).
    Reused,
}

/// A registry configured.
#[derive(Debug, Serialize)]
pub struct Configured {
    /// Its host, as given.
    pub domain: String,
    /// Its kind.
    pub kind: RegistryKind,
    /// Its public credential.
    pub public_credential: String,
    /// The store and secret holding its private credential.
    pub secret: SecretsStoreRef,
    /// Whether the store was made.
    pub store: StoreOrigin,
    /// Whether the secret was made.
    pub secret_origin: SecretOrigin,
}

/// What the arguments say, checked before any call.
#[derive(Debug)]
struct Checked {
    domain: String,
    kind: RegistryKind,
    public_credential: String,
    secret_name: String,
}

/// Configures the registry of `options` on `account`.
pub fn configure(account: Option<&str>, options: &ConfigureOptions, out: &Output) -> Result<Configured, Error> {
    let checked = check(options)?;
    let client = Client::from_env(account)?;
    crate::runtime()?.block_on(run(&client, options, checked, out))
}

/// The arguments' errors, in the official CLI's order: `--yes` without a
/// name, the domain, the flag of another kind, a missing flag, the name.
fn check(options: &ConfigureOptions) -> Result<Checked, Error> {
    if options.existing == ExistingSecret::Reuse && options.secret_name.is_none() {
        return Err(Error::YesNeedsSecretName);
    }
    let domain = options.domain.clone();
    let kind = match classify(&domain, &api::registry_host()) {
        Ok(DomainKind::External(kind)) => kind,
        Ok(DomainKind::Cloudflare) => return Err(Error::RegistryIsCloudflare { host: domain }),
        Err(DomainError::HasScheme) => return Err(Error::RegistryUrl { domain }),
        Err(DomainError::Invalid(why)) => return Err(Error::RegistryHost { domain, why }),
        Err(DomainError::Unsupported(host)) => return Err(Error::RegistryUnsupported { host }),
    };
    let public_credential = match &options.public_credential {
        Some(given) if given.kind() != kind => {
            return Err(Error::RegistryCredentialKind {
                flag: public_flag(given.kind()),
                flag_kind: display_name(given.kind()),
                domain,
                kind: display_name(kind),
                right_flag: public_flag(kind),
            })
        }
        Some(given) if !given.value().is_empty() => given.value().to_string(),
        _ => return Err(Error::RegistryNoCredential { domain, kind: display_name(kind), flag: public_flag(kind) }),
    };
    let secret_name = options.secret_name.clone().unwrap_or_else(|| secret_type(kind).replace(' ', "_"));
    if secret_name.is_empty() || !secret_name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(Error::SecretName { name: secret_name });
    }
    Ok(Checked { domain, kind, public_credential, secret_name })
}

/// The store, the secret, then the registry.
async fn run(client: &Client, options: &ConfigureOptions, checked: Checked, out: &Output) -> Result<Configured, Error> {
    let Checked { domain, kind, public_credential, secret_name } = checked;
    let store_id = match &options.store_id {
        Some(id) => Some(id.clone()),
        None => only_store(client, out).await?,
    };
    let existing = match &store_id {
        Some(store) => client.store_secret(store, &secret_name, out).await?.is_some(),
        None => false,
    };
    let (store_id, store, secret_origin) = match existing {
        true => {
            let store = store_id.expect("a secret was found in a store");
            reuse(&store, &secret_name, options.existing)?;
            out.note(&format!("Using secret `{secret_name}` of Secrets Store {store} as it is"));
            (store, StoreOrigin::Existing, SecretOrigin::Reused)
        }
        false => {
            let value = credential(options, kind, &public_credential)?;
            let (store_id, store) = match store_id {
                Some(id) => (id, StoreOrigin::Existing),
                None => (create_store(client, out).await?, StoreOrigin::Created),
            };
            let secret = NewStoreSecret {
                name: &secret_name,
                value: &value,
                scopes: vec![SecretScope::Containers],
                comment: format!("Created by cargo cfcontainer: credentials for image registry {domain}"),
            };
            client.create_store_secret(&store_id, &secret, out).await?;
            out.note(&format!("Created secret `{secret_name}` in Secrets Store {store_id} (scope containers)"));
            (store_id, store, SecretOrigin::Created)
        }
    };
    let secret = SecretsStoreRef { store_id, secret_name };
    let registry = NewRegistry {
        domain: domain.clone(),
        is_public: false,
        auth: RegistryAuth { public_credential: public_credential.clone(), private_credential: secret.clone() },
        kind,
    };
    match client.create_registry(&registry, out).await {
        Ok(_) => {}
        Err(Error::Api { status: 409, .. }) => return Err(Error::RegistryExists { domain }),
        // The answer was lost: the registry may be there all the same.
        Err(e) if ambiguous(&e) => {
            let listed = client.registries(out).await?;
            if !listed.iter().any(|r| r.domain == domain && r.private_credential.as_ref() == Some(&secret)) {
                return Err(e);
            }
        }
        Err(e) => return Err(e),
    }
    Ok(Configured { domain, kind, public_credential, secret, store, secret_origin })
}

/// The account's only store; `None` when it has none.
async fn only_store(client: &Client, out: &Output) -> Result<Option<String>, Error> {
    let stores = client.stores(out).await?;
    match stores.as_slice() {
        [] => Ok(None),
        [store] => Ok(Some(store.id.clone())),
        several => Err(Error::SeveralStores {
            count: several.len(),
            ids: several.iter().map(|s| format!("{} `{}`", s.id, s.name)).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Makes the account's first store.
async fn create_store(client: &Client, out: &Output) -> Result<String, Error> {
    let store = NewStore { name: DEFAULT_STORE.to_string() };
    let id = match client.create_store(&store, out).await {
        Ok(created) => created.id,
        // The answer was lost: the store may have been made all the same.
        Err(e) if ambiguous(&e) => match only_store(client, out).await? {
            Some(id) => id,
            None => return Err(e),
        },
        Err(e) => return Err(e),
    };
    out.note(&format!("Created Secrets Store {DEFAULT_STORE} ({id}): the account had none"));
    Ok(id)
}

/// Whether the secret `name` that exists in `store` may be used.
fn reuse(store: &str, name: &str, policy: ExistingSecret) -> Result<(), Error> {
    let refused = || Error::SecretExists { name: name.to_string(), store: store.to_string() };
    match policy {
        ExistingSecret::Reuse => Ok(()),
        ExistingSecret::Ask => {
            match confirm(&format!("Secret `{name}` exists in Secrets Store {store}; use it as the credential?")) {
                Some(true) => Ok(()),
                Some(false) | None => Err(refused()),
            }
        }
    }
}

/// The private credential, read and (for Google's) checked and encoded.
fn credential(options: &ConfigureOptions, kind: RegistryKind, public_credential: &str) -> Result<Secret, Error> {
    let value = options.source.read(secret_type(kind))?;
    match kind {
        RegistryKind::Gar => gar_key::encode(value.expose(), public_credential)
            .map(Secret::new)
            .map_err(|e| Error::GarKey { why: e.to_string() }),
        RegistryKind::Ecr | RegistryKind::DockerHub => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(domain: &str, public: Option<PublicCredential>) -> ConfigureOptions {
        ConfigureOptions {
            domain: domain.into(),
            public_credential: public,
            store_id: None,
            secret_name: None,
            existing: ExistingSecret::Ask,
            source: SecretSource::Stdin,
        }
    }

    #[test]
    fn the_secret_is_named_after_the_kind_of_credential_unless_named() {
        let checked = check(&options("docker.io", Some(PublicCredential::DockerhubUsername("me".into())))).unwrap();
        assert_eq!(checked.secret_name, "DockerHub_PAT_Token");
        let ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
        let checked = check(&options(ecr, Some(PublicCredential::AwsAccessKeyId("AKIA".into())))).unwrap();
        assert_eq!((checked.kind, checked.secret_name.as_str()), (RegistryKind::Ecr, "AWS_Secret_Access_Key"));
    }

    #[test]
    fn the_public_credential_of_another_kind_is_refused_naming_the_right_flag() {
        let error = check(&options("docker.io", Some(PublicCredential::GarEmail("a@b".into())))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "--gar-email gives the public credential of Google Artifact Registry, but docker.io is DockerHub; give --dockerhub-username instead"
        );
        let error = check(&options("us-docker.pkg.dev", None)).unwrap_err();
        assert!(matches!(error, Error::RegistryNoCredential { flag: "--gar-email", .. }), "{error}");
    }

    #[test]
    fn yes_needs_a_secret_name_and_a_name_must_be_plain() {
        let public = Some(PublicCredential::DockerhubUsername("me".into()));
        let mut yes = options("docker.io", public.clone());
        yes.existing = ExistingSecret::Reuse;
        assert!(matches!(check(&yes), Err(Error::YesNeedsSecretName)));
        let mut named = options("docker.io", public);
        named.secret_name = Some("has space".into());
        assert!(matches!(check(&named), Err(Error::SecretName { .. })));
    }
}
