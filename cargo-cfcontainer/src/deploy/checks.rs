//! Everything that could refuse a deploy, each a check of the desired
//! state against what the account holds: before anything is pushed
//! ([`before_push`]: whose Worker it is, secrets, queues, migrations) and
//! before anything is written ([`before_apply`]: application names,
//! deleted classes). Each failure is one line saying what to do.

use super::migrations::Migrations;
use super::plan::{Action, Plan};
use super::prepare::Prepared;
use super::{deployed_by_us, renames, Remote, WorkerSecret};
use crate::api::Client;
use crate::output::Output;
use crate::Error;

/// The checks a deploy makes before it pushes an image; with `adopt`, a
/// Worker this tool did not deploy may be deployed over.
pub async fn before_push(
    client: &Client,
    prepared: &Prepared,
    remote: &Remote,
    adopt: bool,
    out: &Output,
) -> Result<(), Error> {
    if !adopt && !may_deploy_over(client, prepared, remote, out).await? {
        let worker = prepared.project.settings.name.clone();
        let (verb, effect, flag) = ("deploy", "replace its code and bindings", "--adopt");
        return Err(Error::NotOurs { worker, verb, effect, flag });
    }
    secrets(&prepared.script.secrets, remote)?;
    queues(prepared, remote)?;
    migrations(prepared, remote)
}

/// The checks a deploy makes of its plan before it writes anything; with
/// `allow_delete_classes`, classes the crate no longer declares may go.
pub fn before_apply(
    prepared: &Prepared,
    remote: &Remote,
    plan: &Plan,
    allow_delete_classes: bool,
) -> Result<(), Error> {
    // A new application's name must be free (it is unique per account).
    for app in plan.applications.iter().filter(|a| a.action() == Action::Create) {
        if let Some(other) = remote.applications.iter().find(|o| o.name == app.name) {
            return Err(Error::AppConflict {
                name: app.name.clone(),
                class: app.class.clone(),
                other: other.id.clone(),
            });
        }
    }
    // With migrations in the wrangler file, a deletion is one the file
    // asks for (checked by [`migrations`]); otherwise it needs the flag.
    let file_migrates = prepared.project.settings.wrangler.as_ref().is_some_and(|w| !w.migrations.is_empty());
    if !plan.script.migrations.deleted.is_empty() && !allow_delete_classes && !file_migrates {
        let migrations = &plan.script.migrations;
        let fix = instead_of_deleting(prepared, migrations, remote);
        return Err(Error::WouldDelete { classes: migrations.deleted.join(", "), fix });
    }
    Ok(())
}

/// True if the Worker in the account may be deployed over: none exists,
/// or the account marks it as this tool's ([`deployed_by_us`]).
async fn may_deploy_over(client: &Client, prepared: &Prepared, remote: &Remote, out: &Output) -> Result<bool, Error> {
    match remote.script {
        None => Ok(true),
        Some(_) => deployed_by_us(client, &prepared.project.settings.name, &remote.tags, out).await,
    }
}

/// Every secret needs a value now or already in the account.
fn secrets(secrets: &[WorkerSecret], remote: &Remote) -> Result<(), Error> {
    let in_account = |name: &str| remote.settings.as_ref().is_some_and(|s| s.has_secret(name));
    match secrets.iter().find(|s| matches!(s, WorkerSecret::Kept { name } if !in_account(name))) {
        Some(secret) => Err(Error::MissingSecret { name: secret.name().to_string() }),
        None => Ok(()),
    }
}

/// Every queue the wrangler file names exists in the account.
pub fn queues(prepared: &Prepared, remote: &Remote) -> Result<(), Error> {
    match prepared.queue_names().into_iter().find(|n| !remote.queues.iter().any(|q| &q.queue_name == n)) {
        Some(name) => Err(Error::NoQueue { name }),
        None => Ok(()),
    }
}

/// With a wrangler file that has `migrations`, both tools must agree on
/// the classes: a class the account has that the file neither defines nor
/// deletes, or classes to migrate when the account is at the file's last
/// tag already, stop the deploy (saying what to add to the file) before
/// anything is written.
pub fn migrations(prepared: &Prepared, remote: &Remote) -> Result<(), Error> {
    let Some(source) = prepared.project.settings.wrangler.as_ref().filter(|w| !w.migrations.is_empty()) else {
        return Ok(());
    };
    let migrations = &Migrations::between(&remote.classes(), &prepared.script.classes);
    let deleted_by_file = |class: &String| source.migrations.iter().any(|m| m.deleted_classes.contains(class));
    if let Some(class) = migrations.deleted.iter().find(|c| !deleted_by_file(c)) {
        return Err(Error::MigrationsLackClass {
            path: source.path.clone(),
            worker: prepared.project.settings.name.clone(),
            class: class.clone(),
        });
    }
    let last = source.migrations.last().map(|m| m.tag.as_str());
    if let (Some(tag), false) = (last.filter(|t| Some(*t) == remote.migration_tag()), migrations.is_empty()) {
        let classes: Vec<&str> = migrations.new.iter().chain(&migrations.new_kv).map(String::as_str).collect();
        return Err(Error::MigrationsUpToDate {
            path: source.path.clone(),
            tag: tag.to_string(),
            classes: classes.join(", "),
        });
    }
    Ok(())
}

/// What to do instead of deleting the classes `migrations` delete from
/// the Worker in `remote` (see [`renames::instead_of_deleting`]).
fn instead_of_deleting(prepared: &Prepared, migrations: &Migrations, remote: &Remote) -> String {
    let classes: Vec<(String, bool)> =
        remote.namespaces.iter().filter_map(|n| Some((n.class.clone()?, n.use_sqlite.unwrap_or(true)))).collect();
    let file = prepared.project.settings.wrangler.as_ref().map(|w| w.path.as_path());
    renames::instead_of_deleting(migrations, &prepared.containers, &classes, remote.migration_tag(), file)
}
