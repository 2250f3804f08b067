//! Running a worker and its containers locally in workerd.

mod front;
mod local_assets;
mod local_queues;
mod local_storage;
mod session;
mod simulator;
mod watch;
mod worker_build;
mod workerd;

pub use session::{serve, DevOptions};
pub use simulator::Simulator;
pub use worker_build::{worker_build, worker_build_if_stale};
pub use workerd::{workerd_socket, OwnObjects, WorkerdConfig};
