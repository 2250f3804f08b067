//! `registries configure DOMAIN`: see [`crate::ops::registries::configure`].

use crate::api::RegistryKind;
use crate::cli::RegistryConfigureArgs;
use crate::ops::registries::{
    self, display_name, ConfigureOptions, Configured, ExistingSecret, PublicCredential, SecretOrigin, SecretSource,
    StoreOrigin,
};
use crate::output::{Output, Reason};
use crate::Error;

/// Configures the registry.
pub fn run(account: Option<&str>, args: &RegistryConfigureArgs, out: &Output) -> Result<(), Error> {
    let public_credential = match (&args.aws_access_key_id, &args.dockerhub_username, &args.gar_email) {
        (Some(id), _, _) => Some(PublicCredential::AwsAccessKeyId(id.clone())),
        (_, Some(user), _) => Some(PublicCredential::DockerhubUsername(user.clone())),
        (_, _, Some(email)) => Some(PublicCredential::GarEmail(email.clone())),
        _ => None,
    };
    let options = ConfigureOptions {
        domain: args.domain.clone(),
        public_credential,
        store_id: args.secret_store_id.clone(),
        secret_name: args.secret_name.clone(),
        existing: if args.yes { ExistingSecret::Reuse } else { ExistingSecret::Ask },
        source: args.secret_file.clone().map_or(SecretSource::Stdin, SecretSource::File),
    };
    let configured = registries::configure(account, &options, out)?;
    out.result(Reason::RegistriesConfigure, &configured, || human(&configured));
    Ok(())
}

fn human(c: &Configured) -> String {
    let who = match c.kind {
        RegistryKind::Ecr => "access key id",
        RegistryKind::DockerHub => "user",
        RegistryKind::Gar => "service account",
    };
    let secret = match c.secret_origin {
        SecretOrigin::Created => "new",
        SecretOrigin::Reused => "existing",
    };
    let store = match c.store {
        StoreOrigin::Created => " (new)",
        StoreOrigin::Existing => "",
    };
    format!(
        "Configured registry {} ({}) with {who} {}; its private credential is in the {secret} secret `{}` of Secrets Store {}{store}",
        c.domain,
        display_name(c.kind),
        c.public_credential,
        c.secret.secret_name,
        c.secret.store_id
    )
}
