//! The library core of `cargo cfcontainer`: one module per verb, shared
//! modules for the project, the compiled artifact and output.
//!
//! The binary calls [`main_with_args`]; tests can call it too.

pub mod api;
mod artifact;
pub mod assets;
mod child;
pub mod cli;
mod cmd;
pub mod deploy;
pub mod dev;
pub mod doctor;
mod engine;
mod error;
pub mod image;
pub mod migrations;
mod output;
pub mod own_classes;
mod private;
mod project;
mod section;
#[cfg(test)]
mod testing;
pub mod tools;
pub mod upload_settings;
pub mod wrangler;

use std::ffi::OsString;

use clap::Parser;

pub use artifact::{has_target, WASM_TARGET};
pub use error::Error;
pub use output::MessageFormat;
pub use project::{Project, WorkerSettings};

/// Parses `args` (as `cargo` passes them: program, `cfcontainer`, verb, ...),
/// runs the verb and returns the process exit code. Failures are printed
/// as one line on stderr (and as a JSON message with
/// `--message-format json`).
pub fn main_with_args<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    let cli::Cargo::Cfcontainer(cli) = match cli::Cargo::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return code;
        }
    };
    let out = output::Output::new(cli.global.message_format, cli.global.verbosity());
    match run(&cli, &out) {
        Ok(()) => 0,
        Err(err) => {
            out.error(&err);
            1
        }
    }
}

fn run(cli: &cli::Cli, out: &output::Output) -> Result<(), Error> {
    match &cli.command {
        cli::Command::Inspect(args) => cmd::inspect::run(&cli.global, args, out),
        cli::Command::Build(args) => cmd::build::run(&cli.global, args, out),
        cli::Command::Push => cmd::push::run(&cli.global, out),
        cli::Command::Plan => cmd::plan::run(&cli.global, out),
        cli::Command::Deploy(args) => cmd::deploy::run(&cli.global, args, out),
        cli::Command::Destroy(args) => cmd::destroy::run(&cli.global, args, out),
        cli::Command::Wrangler(args) => cmd::wrangler::run(&cli.global, args, out),
        cli::Command::Dev(args) => cmd::dev::run(&cli.global, args, out),
        cli::Command::Doctor => cmd::doctor::run(&cli.global, out),
    }
}

/// The async runtime the engine and API verbs run on.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Local { what: "start the async runtime".into(), why: e.to_string() })
}
