//! The console lines the runtime writes about a container's lifecycle,
//! whatever the class's hooks do: `cargo cfcontainer logs` (and the
//! dashboard's Workers Logs) then show a start, a stop with its exit code
//! and an error next to the Worker's own lines, as the JS library's
//! default hooks print them.

use crate::StopInfo;

/// What starts each line. The same literal as
/// `cfcontainer_meta::LIFECYCLE_PREFIX`, which `logs` matches: the runtime
/// is built for wasm and does not depend on the host-side crate, so the
/// runtime's e2e test reads a line with meta's constant to keep the two
/// equal.
const PREFIX: &str = "[cfcontainer] ";

/// The container answered on every required port.
pub(crate) fn started(class: &str) {
    worker::console_log!("{PREFIX}{class} started");
}

/// The container's process ended, for any reason.
pub(crate) fn stopped(class: &str, stop: &StopInfo) {
    worker::console_log!("{PREFIX}{class} stopped with exit code {} ({})", stop.exit_code, stop.reason);
}

/// Starting or reaching the container failed, or a schedule's hook did.
pub(crate) fn error(class: &str, detail: &str) {
    worker::console_error!("{PREFIX}{class} error: {detail}");
}
