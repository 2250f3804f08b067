//! Running a worker and its containers locally in workerd.

mod front;
mod local_assets;
mod local_queues;
mod local_storage;
mod session;
mod watch;
mod worker_build;
mod workerd;

pub use local_storage::Simulator;
pub use session::{serve, DevOptions};
pub use worker_build::{worker_build, worker_build_if_stale};
pub use workerd::{workerd_socket, OwnObjects, WorkerdConfig};
