//! `registries list`: see [`crate::ops::registries::list`].

use crate::ops::registries::{self, display_name, Registries};
use crate::output::{table, Output, Reason};
use crate::Error;

/// Lists the account's registries.
pub fn run(account: Option<&str>, out: &Output) -> Result<(), Error> {
    let listed = registries::list(account, out)?;
    out.result(Reason::Registries, &listed, || human(&listed));
    Ok(())
}

fn human(listed: &Registries) -> String {
    if listed.registries.is_empty() {
        return "No registries configured for this account; add one with `cargo cfcontainer registries configure <DOMAIN>`"
            .into();
    }
    let rows: Vec<Vec<String>> = listed
        .registries
        .iter()
        .map(|r| {
            let kind = r.kind.map_or("-", display_name).to_string();
            let secret = r
                .private_credential
                .as_ref()
                .map_or("-".to_string(), |s| format!("{} in store {}", s.secret_name, s.store_id));
            vec![r.domain.clone(), kind, secret]
        })
        .collect();
    table(&["DOMAIN", "KIND", "SECRET"], &rows)
}
