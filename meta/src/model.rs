//! The typed model of one container declaration, as embedded in artifacts.

use serde::{Deserialize, Serialize};

use crate::InstanceType;

/// Version of the embedded record format that this crate writes; bumped
/// on incompatible changes (6: [`ImageSource::Binary`], which a tool that
/// reads up to 5 cannot build, so it stops naming the runtime instead;
/// 7: [`EnvValue::SecretsStore`], likewise for a tool that reads up to 6).
pub const SCHEMA_VERSION: u32 = 7;

/// The oldest record format this crate still reads (records of schema 3
/// have no `runtime`; records of schemas 3 and 4 name the declaring
/// crate's directory, `crate_dir`, instead of its package).
pub const OLDEST_SCHEMA: u32 = 3;

/// Everything one `#[container(...)]` attribute declares, with defaults applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerMeta {
    /// Record format version ([`SCHEMA_VERSION`]).
    pub schema: u32,
    /// The version of the `cfcontainer` runtime whose attribute wrote it
    /// (empty in records of schema 3, which did not say).
    #[serde(default)]
    pub runtime: String,
    /// The Rust type the attribute is on, as written (`MyContainer`).
    pub rust_type: String,
    /// The Durable Object's JavaScript class name.
    pub class: String,
    /// The binding name the Worker sees (`MY_CONTAINER`).
    pub binding: String,
    /// The port `fetch` goes to unless a request picks another; `None` for
    /// a job (a container that listens on no port and runs to its exit).
    pub port: Option<u16>,
    /// Ports that must all answer before the container counts as ready
    /// (contains `port`; empty for a job).
    pub ports: Vec<u16>,
    /// Idle time in seconds after which the container is stopped.
    pub sleep_after_secs: u64,
    /// Environment variables given to the container at start.
    pub env: Vec<EnvVar>,
    /// Overrides the image's entrypoint when set.
    pub entrypoint: Option<Vec<String>>,
    /// Whether the container may reach the internet.
    pub enable_internet: bool,
    /// Path probed on each required port to decide readiness.
    pub readiness_path: String,
    /// How long and how often readiness is probed.
    pub readiness: ReadinessTiming,
    /// Where the image comes from.
    pub image: ImageSource,
    /// Image repository name; `None` means `<worker>-<class in kebab case>`.
    pub image_name: Option<String>,
    /// Image tag; `None` means a tag derived from the build inputs.
    pub image_tag: Option<String>,
    /// Size of each instance.
    pub instance_type: InstanceType,
    /// Upper bound on concurrently running instances.
    pub max_instances: u32,
    /// How a changed application is rolled out.
    pub rollout: Rollout,
    /// Seconds an old instance keeps serving while a rollout replaces it.
    pub rollout_active_grace_period_secs: u64,
    /// How instances are placed.
    pub scheduling_policy: crate::SchedulingPolicy,
    /// Where instances may run.
    pub constraints: crate::Constraints,
    /// Whether container logs are collected.
    pub observability_logs: bool,
    /// Settings for `cargo cfcontainer dev`.
    pub dev: DevSettings,
    /// The class name this class had before a rename; deploys migrate its
    /// Durable Objects (and their container application) to the new name.
    #[serde(default)]
    pub renamed_from: Option<String>,
    /// The package of the crate that declares the container: `dockerfile`
    /// and `context` are relative to its directory (also when a library
    /// declares the container for a worker crate), which the CLI finds
    /// from the manifest it is given, not from where the crate was when
    /// it was compiled (cargo reuses an artifact compiled from another
    /// copy of the crate). Schema 5 on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_by: Option<DeclaringPackage>,
    /// Schemas 3 and 4 only: the directory the declaring crate was
    /// compiled in, read as those runtimes wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crate_dir: Option<String>,
}

/// The package (`[package]` of its Cargo.toml) of a crate that declares
/// containers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclaringPackage {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// One environment variable of the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvVar {
    /// Variable name inside the container.
    pub name: String,
    /// Where its value comes from.
    pub value: EnvValue,
}

/// The source of an environment variable's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EnvValue {
    /// A value fixed at compile time.
    Static(String),
    /// Read from the Worker secret of this name when the container starts.
    Secret(String),
    /// Read from the Worker var of this name when the container starts.
    Var(String),
    /// Read from the Secrets Store secret of this binding (the wrangler
    /// config's `secrets_store_secrets`) at each start of the container.
    SecretsStore(String),
}

/// Timing of the readiness probes, in milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadinessTiming {
    /// Overall limit for all ports to answer.
    pub timeout_ms: u64,
    /// Limit of one probe (a port can accept and then hang).
    pub attempt_timeout_ms: u64,
    /// First pause between probes; it doubles up to `max_retry_ms`.
    pub first_retry_ms: u64,
    /// Longest pause between probes.
    pub max_retry_ms: u64,
}

impl Default for ReadinessTiming {
    fn default() -> Self {
        ReadinessTiming { timeout_ms: 30_000, attempt_timeout_ms: 2_000, first_retry_ms: 5, max_retry_ms: 50 }
    }
}

/// Where a container's image comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ImageSource {
    /// Built from a Dockerfile. Paths are relative to the crate's directory.
    Dockerfile {
        /// The Dockerfile.
        dockerfile: String,
        /// The build context directory (default: the Dockerfile's directory).
        context: String,
        /// `--build-arg` pairs, in declaration order.
        build_args: Vec<(String, String)>,
        /// The multi-stage target, if any.
        target: Option<String>,
    },
    /// A prebuilt image reference, used as is.
    Prebuilt {
        /// The reference, e.g. `registry.cloudflare.com/<account>/app:1.0`.
        reference: String,
    },
    /// Assembled by `cargo cfcontainer` from a binary target of the
    /// workspace, compiled static for Linux: no Dockerfile, no engine
    /// build, no base image. Schema 6 on.
    Binary {
        /// The binary target (`[[bin]] name`, or the package's own name
        /// for `src/main.rs`).
        binary: String,
        /// The package that has it, when two workspace members have a
        /// binary of that name.
        package: Option<String>,
        /// A directory of files for a layer of its own (relative to the
        /// declaring crate, as `dockerfile` is), placed under its own name
        /// in the image's working directory.
        assets: Option<String>,
    },
}

/// Rollout settings for application updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    /// Percentages of instances updated per step; the last is 100.
    pub steps: Vec<u8>,
    /// Whether steps follow each other by themselves.
    pub kind: RolloutKind,
}

impl Rollout {
    /// The rollout of an application of at most `max_instances` whose
    /// attribute sets none, as the official CLI (4.164) picks it: one
    /// step for fewer than two instances, else 10 % first, then the rest.
    ///
    /// ```
    /// use cfcontainer_meta::Rollout;
    /// assert_eq!(Rollout::default_for(20).steps, [10, 100]);
    /// assert_eq!(Rollout::default_for(1).steps, [100]);
    /// ```
    pub fn default_for(max_instances: u32) -> Rollout {
        let steps = if max_instances < 2 { vec![100] } else { vec![10, 100] };
        Rollout { steps, kind: RolloutKind::FullAuto }
    }
}

/// The single step percentages the official CLI (4.164) accepts for
/// `rollout_step_percentage`: equal steps of that size.
pub const STEP_PERCENTAGES: [u8; 6] = [5, 10, 20, 25, 50, 100];

impl Rollout {
    /// True if `steps` is a list of rollout steps the official CLI (4.164)
    /// accepts: each 10 to 100, rising (strictly here: a repeated step
    /// would update no instance), the last 100.
    ///
    /// ```
    /// use cfcontainer_meta::Rollout;
    /// assert!(Rollout::is_step_list(&[10, 50, 100]));
    /// assert!(!Rollout::is_step_list(&[5, 100]));
    /// assert!(!Rollout::is_step_list(&[50, 20, 100]));
    /// ```
    pub fn is_step_list(steps: &[u64]) -> bool {
        steps.iter().all(|s| (10..=100).contains(s))
            && steps.windows(2).all(|w| w[0] < w[1])
            && steps.last() == Some(&100)
    }

    /// Why a list of `steps` steps does not fit an application of at most
    /// `max_instances`: the official CLI (4.164) refuses more steps than
    /// instances, as each step must update at least one.
    pub fn too_many_steps(steps: usize, max_instances: u32) -> Option<String> {
        (steps > max_instances as usize).then(|| {
            format!("{steps} rollout steps for at most {max_instances} instance{}: a rollout cannot have more steps than `max_instances`", if max_instances == 1 { "" } else { "s" })
        })
    }
}

/// How a rollout advances between its steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RolloutKind {
    /// Each step starts when the one before it is healthy.
    #[default]
    FullAuto,
    /// Each step waits to be advanced by hand.
    FullManual,
}

impl RolloutKind {
    /// The name the attribute, the API and wrangler use.
    pub fn as_str(self) -> &'static str {
        match self {
            RolloutKind::FullAuto => "full_auto",
            RolloutKind::FullManual => "full_manual",
        }
    }

    /// The kind called `name`, if any.
    pub fn from_name(name: &str) -> Option<RolloutKind> {
        [RolloutKind::FullAuto, RolloutKind::FullManual].into_iter().find(|k| k.as_str() == name)
    }
}

/// Settings that apply to local development only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevSettings {
    /// Push the image to the registry even in dev mode; such a container
    /// cannot be a local binding.
    pub remote: bool,
}

impl ContainerMeta {
    /// The container `#[container]` on `rust_type` declares when the
    /// attribute sets nothing but `class`: every default, in one place (the
    /// macro starts from this and applies what the attribute sets).
    ///
    /// ```
    /// let meta = cfcontainer_meta::ContainerMeta::with_defaults("MyContainer", "MyContainer");
    /// assert_eq!(meta.binding, "MY_CONTAINER");
    /// assert_eq!(meta.sleep_after_secs, 600);
    /// assert_eq!((meta.port, meta.max_instances), (Some(8080), 20));
    /// ```
    pub fn with_defaults(rust_type: &str, class: &str) -> Self {
        ContainerMeta {
            schema: SCHEMA_VERSION,
            runtime: String::new(),
            rust_type: rust_type.to_string(),
            class: class.to_string(),
            binding: crate::shouty_snake_case(class),
            port: Some(8080),
            ports: vec![8080],
            sleep_after_secs: 600,
            env: Vec::new(),
            entrypoint: None,
            enable_internet: true,
            readiness_path: "/".to_string(),
            readiness: ReadinessTiming::default(),
            image: ImageSource::Dockerfile {
                dockerfile: "Dockerfile".to_string(),
                context: ".".to_string(),
                build_args: Vec::new(),
                target: None,
            },
            image_name: None,
            image_tag: None,
            instance_type: InstanceType::default(),
            max_instances: 20,
            rollout: Rollout::default_for(20),
            rollout_active_grace_period_secs: 0,
            scheduling_policy: crate::SchedulingPolicy::Default,
            constraints: crate::Constraints::default(),
            observability_logs: false,
            dev: DevSettings::default(),
            renamed_from: None,
            declared_by: None,
            crate_dir: None,
        }
    }

    /// A container class `class` with every default, for docs and tests.
    pub fn example(class: &str) -> Self {
        ContainerMeta::with_defaults(class, class)
    }
}
