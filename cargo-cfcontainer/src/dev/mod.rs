//! Running a worker and its containers locally in workerd.

mod front;
mod session;
mod watch;
mod worker_build;
mod workerd;

pub use session::{serve, DevOptions};
pub use worker_build::{worker_build, worker_build_if_stale};
pub use workerd::{workerd_socket, WorkerdConfig};
