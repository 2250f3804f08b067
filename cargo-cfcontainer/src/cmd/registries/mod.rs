//! `cargo cfcontainer registries configure|list|delete`: the registries of
//! other providers the account's containers pull from (see
//! [`crate::ops::registries`]). One module per action.

mod configure;
mod delete;
mod list;

use crate::cli::{GlobalArgs, RegistriesAction, RegistriesArgs};
use crate::output::Output;
use crate::Error;

/// Runs the action.
pub fn run(global: &GlobalArgs, args: &RegistriesArgs, out: &Output) -> Result<(), Error> {
    let account = account(global);
    match &args.action {
        RegistriesAction::Configure(configure) => configure::run(account.as_deref(), configure, out),
        RegistriesAction::List => list::run(account.as_deref(), out),
        RegistriesAction::Delete(delete) => delete::run(account.as_deref(), delete, out),
    }
}

/// The account: registries belong to it, not to a crate, so
/// CLOUDFLARE_ACCOUNT_ID is enough; in a worker crate, its settings' own.
fn account(global: &GlobalArgs) -> Option<String> {
    match std::env::var("CLOUDFLARE_ACCOUNT_ID").ok().filter(|a| !a.is_empty()) {
        Some(account) => Some(account),
        // Outside a crate there is none to read: the error for a missing
        // account says where to give it.
        None => global.project().ok().and_then(|p| p.settings.account_id),
    }
}
