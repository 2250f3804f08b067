//! Running a worker and its containers locally in workerd.

mod assemble;
mod asset_rules;
mod capnp;
mod compat_date;
mod egress;
mod front;
mod headers;
mod listen_error;
mod local_assets;
mod local_queues;
mod local_secrets;
mod local_storage;
mod options;
mod process;
mod redirects;
mod restarts;
mod session;
mod shutdown;
mod simulator_config;
mod snapshot;
mod warnings;
mod watcher;
mod workerd;

pub use egress::{ensure as ensure_egress_image, EGRESS_IMAGE_ENV};
pub use options::DevOptions;
// The tests' stack keeps its own containers from restarting as `dev` does.
#[cfg(feature = "test-hooks")]
pub use restarts::keep_from_restarting;
pub use session::serve;
pub use watcher::WakeBy;
pub use workerd::{workerd_socket, OwnObjects, WorkerdConfig};
