//! `registries delete DOMAIN`: asks first (`--yes` does not, and also
//! deletes the secret the registry leaves); see
//! [`crate::ops::registries::delete`].

use crate::cli::RegistryDeleteArgs;
use crate::ops::registries::{self, DanglingSecret, DeleteSecret, Deleted};
use crate::output::{confirm, Output, Reason};
use crate::Error;

/// Confirms and deletes.
pub fn run(account: Option<&str>, args: &RegistryDeleteArgs, out: &Output) -> Result<(), Error> {
    let policy = match args.yes {
        true => DeleteSecret::Yes,
        false => {
            let question =
                format!("Delete the configuration of registry {}? Its images can no longer be pulled.", args.domain);
            match confirm(&question) {
                Some(true) => DeleteSecret::Ask,
                Some(false) => return Err(Error::Declined { verb: "registries delete" }),
                None => return Err(Error::DeleteNeedsYes { domain: args.domain.clone() }),
            }
        }
    };
    let deleted = registries::delete(account, &args.domain, policy, out)?;
    out.result(Reason::RegistriesDelete, &deleted, || human(&deleted));
    Ok(())
}

fn human(d: &Deleted) -> String {
    let secret = match &d.secret {
        DanglingSecret::None => String::new(),
        DanglingSecret::Deleted { secret } => {
            format!(" and its secret `{}` of Secrets Store {}", secret.secret_name, secret.store_id)
        }
        DanglingSecret::Kept { secret } => format!(
            "; its secret `{}` stays in Secrets Store {} (delete it with --yes next time, or in the dashboard)",
            secret.secret_name, secret.store_id
        ),
        DanglingSecret::Missing { secret } => {
            format!("; its secret `{}` was gone from Secrets Store {} already", secret.secret_name, secret.store_id)
        }
    };
    format!("Deleted registry {}{secret}", d.domain)
}
