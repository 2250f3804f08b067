//! Command-line arguments, in cargo's conventions.

pub mod usage;

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};

use crate::compile::BuildRequest;
use crate::deploy::ContainersRollout;
use crate::ops::logs::TailStatus;
use crate::output::{MessageFormat, Verbosity};
use crate::project::Project;
use crate::scaffold::ContainerKind;
use crate::Error;

/// `--message-format`'s values.
const MESSAGE_FORMATS: &[(&str, &str, MessageFormat)] = &[
    ("human", "Text for people", MessageFormat::Human),
    ("json", "One JSON object per line on stdout, each with a `reason`", MessageFormat::Json),
];

/// `new --container`'s values.
const CONTAINER_KINDS: &[(&str, &str, ContainerKind)] = &[
    ("server", "A web server on port 8080, one instance per name", ContainerKind::Server),
    ("job", "A job: no port, started from code, runs once per start and exits", ContainerKind::Job),
    ("rust", "A Rust web server of the same workspace on port 8080: no Dockerfile", ContainerKind::Rust),
];

/// `deploy --containers-rollout`'s values, as the official CLI 4.164 names them.
const CONTAINERS_ROLLOUTS: &[(&str, &str, ContainersRollout)] = &[
    ("gradual", "In the configured `rollout` steps (default: 10 %, then the rest)", ContainersRollout::Gradual),
    ("immediate", "Every instance in one step, whatever the configured steps", ContainersRollout::Immediate),
    (
        "none",
        "The Worker only: no image built or pushed, no application changed (no Docker engine needed)",
        ContainersRollout::Skip,
    ),
];

/// `logs --status`'s values.
const TAIL_STATUSES: &[(&str, &str, TailStatus)] = &[
    ("ok", "Answered", TailStatus::Ok),
    ("error", "Threw, or ran out of CPU or memory", TailStatus::Error),
    ("canceled", "Cancelled by the client", TailStatus::Canceled),
];

/// A parser for one of the library's plain enums, by the names (and help)
/// given here: the arguments' words stay in this file, and the library's
/// types know nothing of the parser.
fn one_of<T: Copy + Send + Sync + 'static>(
    values: &'static [(&'static str, &'static str, T)],
) -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(values.iter().map(|(name, help, _)| PossibleValue::new(*name).help(*help))).map(
        move |chosen| {
            values.iter().find(|(name, ..)| *name == chosen).map(|(.., value)| *value).expect("a listed value")
        },
    )
}

/// `cargo` passes the subcommand name first; this enum takes it.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo", styles = clap::builder::Styles::plain())]
pub enum Cargo {
    /// Build, push, deploy and run workers-rs crates with Cloudflare containers.
    #[command(name = "cfcontainer", version, propagate_version = true)]
    Cfcontainer(Cli),
}

/// `cargo cfcontainer [OPTIONS] <COMMAND>`.
#[derive(Debug, Args)]
pub struct Cli {
    /// Options every verb takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The verb.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a worker crate with one container in a new directory; `dev` runs it as it is.
    New(NewArgs),
    /// Make a worker crate with one container in an existing directory.
    Init(InitArgs),
    /// Build the crate if needed and print the containers its artifact declares.
    Inspect(InspectArgs),
    /// Build each container's image through the Docker engine, tagged by content.
    Build(BuildArgs),
    /// Build what is missing and push every image to Cloudflare's registry; prints digest-pinned references.
    Push(PushArgs),
    /// Show what a deploy would change, per resource; changes nothing.
    Plan(PlanArgs),
    /// Deploy the worker, its Durable Objects and container applications; a rerun with no change writes nothing.
    Deploy(DeployArgs),
    /// Delete the worker's container applications, then the worker.
    Destroy(DestroyArgs),
    /// Write the containers, Durable Object bindings and migrations into a wrangler config (merging).
    Wrangler(WranglerArgs),
    /// Run the worker and its containers locally in workerd; rebuild on change.
    Dev(DevArgs),
    /// Check what dev, push and deploy need on this machine, with the fix for each missing piece.
    Doctor,
    /// Show the live Worker (version, images, instances, routes) and whether the crate is in sync with it.
    Status,
    /// List the instances of a container class's application (without a class: the classes).
    Instances(InstancesArgs),
    /// Follow the Worker's live logs (requests, console lines, exceptions) until Ctrl-C.
    Logs(LogsArgs),
    /// List the Worker's versions, the live one marked, with the image each container class ran.
    Versions,
    /// List the registry's images with their sizes, and which of the Worker's versions and live applications use each.
    Images(ImagesArgs),
    /// Move the Worker to an earlier version and each container application back to that version's image.
    Rollback(RollbackArgs),
    /// Configure, list and delete the registries of other providers (Amazon ECR, Docker Hub, Google Artifact Registry) containers pull from.
    Registries(RegistriesArgs),
}

/// Options every verb takes, before or after the verb.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to Cargo.toml of the worker crate or its workspace.
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// The worker package, when the workspace has several.
    #[arg(short = 'p', long = "package", global = true, value_name = "SPEC")]
    pub package: Option<String>,
    /// The wrangler file's environment (`[env.NAME]`), as the official
    /// CLI's `--env`: the Worker `<name>-<NAME>` unless the section names
    /// it, the section's bindings and vars, the top level's other settings.
    #[arg(short = 'e', long = "env", global = true, value_name = "NAME", env = "CLOUDFLARE_ENV")]
    pub env: Option<String>,
    /// Build in release mode (as deploys do).
    #[arg(long, global = true)]
    pub release: bool,
    /// Space or comma separated features to enable.
    #[arg(short = 'F', long, global = true, value_name = "FEATURES")]
    pub features: Vec<String>,
    /// Enable all features.
    #[arg(long, global = true)]
    pub all_features: bool,
    /// Do not enable the default feature.
    #[arg(long, global = true)]
    pub no_default_features: bool,
    /// Output format: human-readable text or JSON lines.
    #[arg(long, global = true, value_parser = one_of(MESSAGE_FORMATS), default_value = "human")]
    pub message_format: MessageFormat,
    /// More output (the commands run).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// No progress or build output.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

impl GlobalArgs {
    /// The package `--manifest-path` and `-p` select, after warning of
    /// the keys of its wrangler file that nothing reads.
    pub fn project(&self) -> Result<Project, Error> {
        let project = Project::load(self.manifest_path.as_deref(), self.package.as_deref(), self.env.as_deref())?;
        project.warn_unknown_keys(&crate::output::Output::new(self.message_format, self.verbosity()));
        Ok(project)
    }

    /// What to build for `target`: this invocation's profile and features.
    pub fn build_request<'a>(&self, target: &'a str) -> BuildRequest<'a> {
        BuildRequest { target, release: self.release, feature_args: self.feature_args() }
    }

    /// The feature flags to hand to cargo.
    pub fn feature_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for f in &self.features {
            args.extend(["--features".to_string(), f.clone()]);
        }
        if self.all_features {
            args.push("--all-features".into());
        }
        if self.no_default_features {
            args.push("--no-default-features".into());
        }
        args
    }

    /// The effective verbosity.
    pub fn verbosity(&self) -> Verbosity {
        match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, _) => Verbosity::Verbose,
        }
    }
}

/// `cargo cfcontainer new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The directory to make (its name is the package's, unless --name).
    #[arg(value_name = "PATH")]
    pub path: PathBuf,
    /// What the crate holds.
    #[command(flatten)]
    pub crate_args: CrateArgs,
}

/// `cargo cfcontainer init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory to make the crate in.
    #[arg(value_name = "PATH", default_value = ".")]
    pub path: PathBuf,
    /// What the crate holds.
    #[command(flatten)]
    pub crate_args: CrateArgs,
}

/// What `new` and `init` make.
#[derive(Debug, Args)]
pub struct CrateArgs {
    /// The package name (default: the directory's name); the Worker's is
    /// the same, lowercase with dashes.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The container the crate starts with: a web server on a port, a job
    /// that runs once per start and exits, or a Rust server of the same
    /// workspace (no Dockerfile).
    #[arg(long, value_parser = one_of(CONTAINER_KINDS), default_value = "server")]
    pub container: ContainerKind,
}

/// `cargo cfcontainer inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Target triple to build and read; the host's triple reads a native build.
    #[arg(long, default_value = crate::compile::WASM_TARGET, value_name = "TRIPLE")]
    pub target: String,
}

/// `cargo cfcontainer build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Tag the images `cloudflare-dev/<name>:<tag>` for local dev, and
    /// have the networking sidecar's image ready as dev does.
    #[arg(long)]
    pub dev: bool,
    /// The image of the networking sidecar workerd starts beside each
    /// container (default: cargo cfcontainer's own, built on first use;
    /// also CFCONTAINER_EGRESS_IMAGE, then the official tools'
    /// MINIFLARE_CONTAINER_EGRESS_IMAGE), e.g. the official
    /// `cloudflare/proxy-everything`.
    #[arg(long, requires = "dev", value_name = "REF")]
    pub egress_image: Option<String>,
}

/// How Dockerfile images reach the registry.
#[derive(Debug, Clone, Args)]
pub struct EnginePushArgs {
    /// Push Dockerfile images through the registry API ourselves (the
    /// image exported from the engine, its layers uploaded by this tool,
    /// as images assembled from a binary always are) instead of by the
    /// engine.
    #[arg(long)]
    pub no_engine_push: bool,
}

impl EnginePushArgs {
    /// Who pushes.
    pub fn push_with(&self) -> crate::image::PushWith {
        match self.no_engine_push {
            true => crate::image::PushWith::RegistryApi,
            false => crate::image::PushWith::Engine,
        }
    }
}

/// `cargo cfcontainer push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// Who pushes Dockerfile images.
    #[command(flatten)]
    pub engine: EnginePushArgs,
}

/// `cargo cfcontainer deploy`.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Who pushes Dockerfile images.
    #[command(flatten)]
    pub engine: EnginePushArgs,
    /// Allow deleting Durable Object classes (and their data) that the crate no longer declares.
    #[arg(long)]
    pub allow_delete_classes: bool,
    /// Take over an existing Worker of this name that cargo cfcontainer did not deploy.
    #[arg(long)]
    pub adopt: bool,
    /// How changed container applications are rolled out.
    #[arg(long, value_parser = one_of(CONTAINERS_ROLLOUTS), default_value = "gradual", value_name = "HOW")]
    pub containers_rollout: ContainersRollout,
}

/// `cargo cfcontainer plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// How the deploy being planned would roll out changed container applications.
    #[arg(long, value_parser = one_of(CONTAINERS_ROLLOUTS), default_value = "gradual", value_name = "HOW")]
    pub containers_rollout: ContainersRollout,
}

/// `cargo cfcontainer destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Delete the Worker even if cargo cfcontainer did not deploy it.
    #[arg(long)]
    pub force: bool,
}

/// `cargo cfcontainer wrangler`.
#[derive(Debug, Args)]
pub struct WranglerArgs {
    /// The config to write; default: the crate's wrangler.json, wrangler.jsonc or wrangler.toml, else a new wrangler.toml.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// `cargo cfcontainer dev`.
#[derive(Debug, Args)]
pub struct DevArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub ip: String,
    /// Port to listen on.
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Where local KV, R2 and D1 data is kept (as the official CLI's
    /// `--persist-to`; default `.wrangler/state` next to the wrangler file).
    #[arg(long, value_name = "DIR")]
    pub persist_to: Option<std::path::PathBuf>,
    /// Look at the inputs every 400 ms instead of following filesystem
    /// events (for file systems that send none: network mounts, some VM
    /// shares).
    #[arg(long)]
    pub poll: bool,
    /// The image of the networking sidecar workerd starts beside each
    /// container (default: cargo cfcontainer's own, built on first use;
    /// also CFCONTAINER_EGRESS_IMAGE, then the official tools'
    /// MINIFLARE_CONTAINER_EGRESS_IMAGE), e.g. the official
    /// `cloudflare/proxy-everything`.
    #[arg(long, value_name = "REF")]
    pub egress_image: Option<String>,
}

/// `cargo cfcontainer instances`.
#[derive(Debug, Args)]
pub struct InstancesArgs {
    /// The container class (its `class` name); without one, the Worker's
    /// classes are listed.
    pub class: Option<String>,
}

/// `cargo cfcontainer logs`: the official CLI's `wrangler tail` filters.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Only events with this outcome (repeatable).
    #[arg(long, value_parser = one_of(TAIL_STATUSES), value_name = "STATUS")]
    pub status: Vec<TailStatus>,
    /// Only requests with this method (repeatable).
    #[arg(long, value_name = "METHOD")]
    pub method: Vec<String>,
    /// Only events whose console lines or exceptions contain this text.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only this share of the events, above 0 and below 1.
    #[arg(long, value_name = "RATE")]
    pub sampling_rate: Option<f64>,
    /// Only requests with this header: `name` or `name:value`.
    #[arg(long, value_name = "NAME[:VALUE]")]
    pub header: Option<String>,
    /// Only requests from this address (repeatable; `self` is this machine's).
    #[arg(long, value_name = "IP")]
    pub ip: Vec<String>,
}

/// `cargo cfcontainer images`.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// What to do with them (without: list them).
    #[command(subcommand)]
    pub action: Option<ImagesAction>,
}

/// `images`' actions.
#[derive(Debug, Subcommand)]
pub enum ImagesAction {
    /// Delete the tags of the Worker's repositories that no live application and no kept version uses.
    Prune(PruneArgs),
    /// Delete one tag (IMAGE:TAG, as `images` lists it); never one a live application or version runs.
    Delete(DeleteImageArgs),
}

/// `cargo cfcontainer images delete`.
#[derive(Debug, Args)]
pub struct DeleteImageArgs {
    /// The tag, as `images` lists it: `<repository>:<tag>`.
    #[arg(value_name = "IMAGE:TAG")]
    pub image: String,
    /// Delete it even if a version that is not live recorded it (a rollback to that version would fail).
    #[arg(long)]
    pub force: bool,
    /// Delete without asking (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `cargo cfcontainer images prune`.
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Keep the images of this many newest versions (and the live one's);
    /// default: of every version the API keeps.
    #[arg(long, value_name = "N")]
    pub keep_versions: Option<usize>,
    /// Show the plan only; delete nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete without asking (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `cargo cfcontainer registries`.
#[derive(Debug, Args)]
pub struct RegistriesArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: RegistriesAction,
}

/// `registries`' actions.
#[derive(Debug, Subcommand)]
pub enum RegistriesAction {
    /// Keep a registry's private credential (read from stdin or --secret-file) in the Secrets Store and configure the registry with it.
    Configure(RegistryConfigureArgs),
    /// List the registries configured on the account.
    List,
    /// Delete a registry's configuration (and, asked or with --yes, the secret it leaves).
    Delete(RegistryDeleteArgs),
}

/// `cargo cfcontainer registries configure`.
#[derive(Debug, Args)]
pub struct RegistryConfigureArgs {
    /// The registry's host: <account>.dkr.ecr.<region>.amazonaws.com,
    /// docker.io or <location>-docker.pkg.dev.
    #[arg(value_name = "DOMAIN")]
    pub domain: String,
    /// The access key id of an Amazon ECR registry (its secret access key
    /// is the private credential).
    #[arg(long, value_name = "ID", conflicts_with_all = ["dockerhub_username", "gar_email"])]
    pub aws_access_key_id: Option<String>,
    /// The user of Docker Hub (a personal access token is the private
    /// credential).
    #[arg(long, value_name = "USER", conflicts_with = "gar_email")]
    pub dockerhub_username: Option<String>,
    /// The service account email of a Google Artifact Registry (its JSON
    /// key, or the key's base64, is the private credential).
    #[arg(long, value_name = "EMAIL")]
    pub gar_email: Option<String>,
    /// The Secrets Store to keep the credential in (default: the account's
    /// only one, made when it has none).
    #[arg(long, value_name = "ID")]
    pub secret_store_id: Option<String>,
    /// The secret's name in the store (default: after the kind of
    /// credential, e.g. `DockerHub_PAT_Token`).
    #[arg(long, value_name = "NAME")]
    pub secret_name: Option<String>,
    /// Read the private credential from this file instead of stdin (it is
    /// never taken from the command line or the environment).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
    /// Use a secret of --secret-name that exists already, without asking
    /// (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `cargo cfcontainer registries delete`.
#[derive(Debug, Args)]
pub struct RegistryDeleteArgs {
    /// The registry's host, as `registries list` shows it.
    #[arg(value_name = "DOMAIN")]
    pub domain: String,
    /// Delete without asking (needed without a terminal), and delete the
    /// secret the registry leaves in the Secrets Store.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `cargo cfcontainer rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The version to go back to (see `versions`); default: the one
    /// deployed before the live one.
    #[arg(value_name = "VERSION")]
    pub to: Option<String>,
    /// The deployment's message.
    #[arg(long, short = 'm', value_name = "TEXT")]
    pub message: Option<String>,
    /// Apply the plan without asking (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Go back even when the version's secrets differ from the live ones
    /// (their old values come back).
    #[arg(long)]
    pub restore_secrets: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn every_verbs_arguments_are_well_formed() {
        super::Cargo::command().debug_assert();
    }
}
