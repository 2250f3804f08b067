//! Every `reason` a JSON line of `--message-format json` carries, in one
//! place (as cargo's `machine_message`): a verb's result, the progress
//! events on the way, and the error that ended a run. The README's
//! "Machine output" section lists them with their fields.

use serde::Serialize;

/// What a JSON line is. Serialized in kebab-case: `Reason::DevReady` is
/// `"dev-ready"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    // The result of each verb: one line, the last on success.
    /// `build`'s images.
    Build,
    /// `deploy`'s changes and applications.
    Deploy,
    /// `destroy`'s deletions.
    Destroy,
    /// `doctor`'s checks.
    Doctor,
    /// `images`' repositories, tags and their uses.
    Images,
    /// `images prune`'s plan (with `--dry-run` or nothing to delete) or
    /// deletions.
    ImagesPrune,
    /// `images delete`'s deletion.
    ImagesDelete,
    /// `inspect`'s classes.
    Inspect,
    /// `instances`' classes or instances.
    Instances,
    /// One event of `logs`, as the tail sent it.
    Log,
    /// `new`/`init`'s crate.
    New,
    /// `registries list`' registries.
    Registries,
    /// `registries configure`'s registry and secret.
    RegistriesConfigure,
    /// `registries delete`'s registry and what became of its secret.
    RegistriesDelete,
    /// `plan`'s changes.
    Plan,
    /// `push`'s images.
    Push,
    /// `rollback`'s plan (with `--dry-run` or nothing to do) or result.
    Rollback,
    /// `status`'s Worker, applications and sync.
    Status,
    /// `versions`' list.
    Versions,
    /// `wrangler`'s export.
    Wrangler,

    // Progress on the way.
    /// Something to know that stops nothing.
    Warning,
    /// A tool fetched into the cache.
    ToolFetched,
    /// A line of the engine's build log.
    BuildLog,
    /// An image whose content tag the engine has already.
    ImageFresh,
    /// An image assembled from a binary.
    ImageAssembled,
    /// An assembled image loaded into the engine.
    ImageLoaded,
    /// An image the registry has already.
    ImagePresent,
    /// A layer or status line of a push.
    PushProgress,
    /// A Worker an earlier, interrupted run uploaded.
    WorkerFound,
    /// An application created, updated or rolled back.
    Application,
    /// An application deleted.
    ApplicationDeleted,
    /// The rollback about to be made, before it is confirmed.
    RollbackPlan,
    /// The prune (or the one delete) about to be made, before it is
    /// confirmed.
    ImagesPrunePlan,
    /// A tag `images prune` deleted (or found gone).
    ImageDeleted,
    /// A Worker rolled back to an earlier version.
    WorkerRolledBack,
    /// A live log connected.
    Tail,
    /// `dev` listens (first start or reload).
    DevReady,
    /// `dev` saw an edit and rebuilds.
    DevChange,
    /// `dev` stopped workerd and removed its containers.
    DevStopped,
    /// `dev` looks at its inputs by polling.
    DevPolling,
    /// A binding `dev` does not provide locally.
    DevUnprovidedBinding,
    /// A `_redirects` line `dev` leaves out.
    DevRedirectSkipped,
    /// A `_headers` line `dev` leaves out.
    DevHeaderSkipped,
    /// The engine's restart policy could not be kept off a container.
    DevRestartPolicy,

    /// The failure that ended the run (its one line as `message`).
    Error,
}

#[cfg(test)]
mod tests {
    use super::Reason;

    #[test]
    fn a_reason_is_written_in_kebab_case() {
        let written = |r: Reason| serde_json::to_value(r).unwrap();
        assert_eq!(written(Reason::DevUnprovidedBinding), "dev-unprovided-binding");
        assert_eq!(written(Reason::Error), "error");
    }
}
