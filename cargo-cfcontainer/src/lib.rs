//! The library core of `cargo cfcontainer`: the verbs (`cmd/`, thin) over
//! the stages they share: the project model (`project/`), the build
//! (`build/`), images (`image/`), the Cloudflare API (`api/`), the checks
//! that need no build (`preflight/`), deploys (`deploy/`), local runs
//! (`dev/`), new crates (`scaffold/`) and the crate-wide parts (errors,
//! output, child processes).
//!
//! The binary calls [`main_with_args`]; tests can call it too.

mod api;
mod build;
mod child;
mod cli;
mod cmd;
mod deploy;
mod dev;
mod doctor;
mod engine;
mod error;
mod image;
mod ops;
mod output;
mod preflight;
mod private;
mod project;
mod scaffold;
#[cfg(test)]
mod testing;
mod tools;
mod usage;
mod wrangler;

use std::ffi::OsString;

use clap::Parser;

pub use build::{has_target, WASM_TARGET};
pub use dev::{keep_from_restarting, workerd_socket, WorkerdConfig};
pub use error::Error;
use project::{Project, WorkerSettings};

/// Parses `args` (as `cargo` passes them: program, `cfcontainer`, verb, ...),
/// runs the verb and returns the process exit code. Failures, argument
/// errors included, are printed as one line on stderr (and as a JSON
/// message with `--message-format json`).
pub fn main_with_args<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli::Cargo::Cfcontainer(cli) = match cli::Cargo::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => return usage::report(err, &args),
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
        cli::Command::New(args) => cmd::new::run(&args.path, &args.crate_args, false, out),
        cli::Command::Init(args) => cmd::new::run(&args.path, &args.crate_args, true, out),
        cli::Command::Inspect(args) => cmd::inspect::run(&cli.global, args, out),
        cli::Command::Build(args) => cmd::build::run(&cli.global, args, out),
        cli::Command::Push(args) => cmd::push::run(&cli.global, args, out),
        cli::Command::Plan => cmd::plan::run(&cli.global, out),
        cli::Command::Deploy(args) => cmd::deploy::run(&cli.global, args, out),
        cli::Command::Destroy(args) => cmd::destroy::run(&cli.global, args, out),
        cli::Command::Wrangler(args) => cmd::wrangler::run(&cli.global, args, out),
        cli::Command::Dev(args) => cmd::dev::run(&cli.global, args, out),
        cli::Command::Doctor => cmd::doctor::run(&cli.global, out),
        cli::Command::Status => cmd::status::run(&cli.global, out),
        cli::Command::Instances(args) => cmd::instances::run(&cli.global, args, out),
        cli::Command::Logs(args) => cmd::logs::run(&cli.global, args, out),
        cli::Command::Versions => cmd::versions::run(&cli.global, out),
        cli::Command::Rollback(args) => cmd::rollback::run(&cli.global, args, out),
    }
}

/// The async runtime the engine and API verbs run on.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Io { what: "start the async runtime".into(), source: e })
}
