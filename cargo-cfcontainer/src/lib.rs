//! The library core of `cargo cfcontainer`: the verbs (`cmd/`, thin) over
//! the stages they share: the project model (`project/`), compiling
//! with cargo (`compile/`), images (`image/`), the Cloudflare API (`api/`), the checks
//! that need no build (`preflight/`), deploys (`deploy/`), local runs
//! (`dev/`), new crates (`scaffold/`) and the crate-wide parts (errors,
//! output, child processes).
//!
//! This file only declares the modules: every item lives in the module
//! that owns it, so an import names its real layer. The binary calls
//! [`cmd::main_with_args`]. With the `test-hooks` feature (the tests'),
//! `compile` and `dev` are public too, for the tests that drive workerd
//! and the toolchain as the verbs do.

mod api;
mod child;
mod cli;
pub mod cmd;
#[cfg(feature = "test-hooks")]
pub mod compile;
#[cfg(not(feature = "test-hooks"))]
mod compile;
mod deploy;
#[cfg(feature = "test-hooks")]
pub mod dev;
#[cfg(not(feature = "test-hooks"))]
mod dev;
mod doctor;
mod engine;
mod error;
mod image;
mod ops;
mod output;
mod owner_only;
mod preflight;
mod project;
mod render;
mod scaffold;
#[cfg(test)]
mod testing;
mod tools;
mod wrangler;

pub use error::Error;

/// The async runtime the engine and API verbs run on.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Io { what: "start the async runtime".into(), source: e })
}
