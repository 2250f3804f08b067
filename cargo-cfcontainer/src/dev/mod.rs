//! Running a worker and its containers locally in workerd.

mod workerd;

pub use workerd::{workerd_socket, WorkerdConfig};
