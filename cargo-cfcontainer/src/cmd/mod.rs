//! One module per verb, and the dispatch to them from the parsed arguments.

mod build;
mod deploy;
mod destroy;
mod dev;
mod doctor;
mod images;
mod inspect;
mod instances;
mod logs;
mod new;
mod plan;
mod push;
mod registries;
mod rollback;
mod status;
mod versions;
mod wrangler;

use std::ffi::OsString;

use clap::Parser;

use crate::api::Client;
use crate::cli::{self, GlobalArgs};
use crate::compile::Loaded;
use crate::output::Output;
use crate::project::Project;
use crate::Error;

/// Parses `args` (as `cargo` passes them: program, `cfcontainer`, verb, ...),
/// runs the verb and returns the process exit code. Failures, argument
/// errors included, are printed as one line on stderr (and as a JSON
/// message with `--message-format json`).
pub fn main_with_args<I: IntoIterator<Item = OsString>>(args: I) -> i32 {
    let args: Vec<OsString> = args.into_iter().collect();
    let cli::Cargo::Cfcontainer(cli) = match cli::Cargo::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => return cli::usage::report(err, &args),
    };
    let out = Output::new(cli.global.message_format, cli.global.verbosity());
    match run(&cli, &out) {
        Ok(()) => 0,
        Err(err) => {
            out.error(&err);
            1
        }
    }
}

/// The API client for the account `project` deploys to (its settings'
/// `account_id`, else the environment's).
fn client_for(project: &Project) -> Result<Client, Error> {
    Client::from_env(project.settings.account_id.as_deref())
}

fn run(cli: &cli::Cli, out: &Output) -> Result<(), Error> {
    match &cli.command {
        cli::Command::New(args) => new::run(&args.path, &args.crate_args, false, out),
        cli::Command::Init(args) => new::run(&args.path, &args.crate_args, true, out),
        cli::Command::Inspect(args) => inspect::run(&cli.global, args, out),
        cli::Command::Build(args) => build::run(&cli.global, args, out),
        cli::Command::Push(args) => push::run(&cli.global, args, out),
        cli::Command::Plan(args) => plan::run(&cli.global, args, out),
        cli::Command::Deploy(args) => deploy::run(&cli.global, args, out),
        cli::Command::Destroy(args) => destroy::run(&cli.global, args, out),
        cli::Command::Wrangler(args) => wrangler::run(&cli.global, args, out),
        cli::Command::Dev(args) => dev::run(&cli.global, args, out),
        cli::Command::Doctor => doctor::run(&cli.global, out),
        cli::Command::Status => status::run(&cli.global, out),
        cli::Command::Instances(args) => instances::run(&cli.global, args, out),
        cli::Command::Logs(args) => logs::run(&cli.global, args, out),
        cli::Command::Versions => versions::run(&cli.global, out),
        cli::Command::Images(args) => images::run(&cli.global, args, out),
        cli::Command::Rollback(args) => rollback::run(&cli.global, args, out),
        cli::Command::Registries(args) => registries::run(&cli.global, args, out),
    }
}

/// The line a verb prints for a crate that declares no containers (`what`
/// it would have done), instead of an empty one.
fn none_declared(package: &str, what: &str) -> String {
    format!("crate `{package}` declares no containers, so there is {what}; add a `#[container(...)]` struct (see `cargo cfcontainer new` for a crate with one)")
}

/// The selected crate, built for `target` with this invocation's profile
/// and features, and the containers its artifact declares.
fn load(global: &GlobalArgs, target: &str, out: &Output) -> Result<Loaded, Error> {
    crate::compile::load(global.project()?, &global.build_request(target), out)
}
