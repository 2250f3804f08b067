//! The attribute's keys, so that parsing compares against constants.

pub const CLASS: &str = "class";
pub const BINDING: &str = "binding";
pub const PORT: &str = "port";
pub const PORTS: &str = "ports";
pub const SLEEP_AFTER: &str = "sleep_after";
pub const ENV: &str = "env";
pub const ENTRYPOINT: &str = "entrypoint";
pub const ENABLE_INTERNET: &str = "enable_internet";
pub const READINESS_PATH: &str = "readiness_path";
pub const READINESS: &str = "readiness";
pub const DOCKERFILE: &str = "dockerfile";
pub const CONTEXT: &str = "context";
pub const BUILD_ARGS: &str = "build_args";
pub const TARGET: &str = "target";
pub const IMAGE: &str = "image";
pub const BINARY: &str = "binary";
pub const PACKAGE: &str = "package";
pub const ASSETS: &str = "assets";
pub const NAME: &str = "name";
pub const TAG: &str = "tag";
pub const INSTANCE_TYPE: &str = "instance_type";
pub const MAX_INSTANCES: &str = "max_instances";
pub const ROLLOUT: &str = "rollout";
pub const OBSERVABILITY: &str = "observability";
pub const DEV: &str = "dev";
pub const HOOKS: &str = "hooks";
pub const RENAMED_FROM: &str = "renamed_from";
pub const SCHEDULING_POLICY: &str = "scheduling_policy";
pub const CONSTRAINTS: &str = "constraints";
pub const ROLLOUT_ACTIVE_GRACE_PERIOD: &str = "rollout_active_grace_period";
pub const ALLOWED_HOSTS: &str = "allowed_hosts";
pub const DENIED_HOSTS: &str = "denied_hosts";
pub const INTERCEPT_HTTPS: &str = "intercept_https";
pub const OUTBOUND: &str = "outbound";
pub const OUTBOUND_BY_HOST: &str = "outbound_by_host";

/// Every top-level key, for suggestions on a misspelling.
pub const TOP_LEVEL: &[&str] = &[
    CLASS,
    BINDING,
    PORT,
    PORTS,
    SLEEP_AFTER,
    ENV,
    ENTRYPOINT,
    ENABLE_INTERNET,
    READINESS_PATH,
    READINESS,
    DOCKERFILE,
    CONTEXT,
    BUILD_ARGS,
    TARGET,
    IMAGE,
    BINARY,
    PACKAGE,
    ASSETS,
    NAME,
    TAG,
    INSTANCE_TYPE,
    MAX_INSTANCES,
    ROLLOUT,
    OBSERVABILITY,
    DEV,
    HOOKS,
    RENAMED_FROM,
    SCHEDULING_POLICY,
    CONSTRAINTS,
    ROLLOUT_ACTIVE_GRACE_PERIOD,
    ALLOWED_HOSTS,
    DENIED_HOSTS,
    INTERCEPT_HTTPS,
    OUTBOUND,
    OUTBOUND_BY_HOST,
];

pub const VCPU: &str = "vcpu";
pub const MEMORY_MIB: &str = "memory_mib";
pub const DISK_MB: &str = "disk_mb";
pub const INSTANCE_TYPE_KEYS: &[&str] = &[VCPU, MEMORY_MIB, DISK_MB];

pub const STEP_PERCENTAGE: &str = "step_percentage";
pub const KIND: &str = "kind";
pub const ROLLOUT_KEYS: &[&str] = &[STEP_PERCENTAGE, KIND];

pub const TIMEOUT: &str = "timeout";
pub const ATTEMPT_TIMEOUT: &str = "attempt_timeout";
pub const FIRST_RETRY_MS: &str = "first_retry_ms";
pub const MAX_RETRY_MS: &str = "max_retry_ms";
pub const READINESS_KEYS: &[&str] = &[TIMEOUT, ATTEMPT_TIMEOUT, FIRST_RETRY_MS, MAX_RETRY_MS];

pub const LOGS: &str = "logs";
pub const OBSERVABILITY_KEYS: &[&str] = &[LOGS];

pub const REMOTE: &str = "remote";
pub const DEV_KEYS: &[&str] = &[REMOTE];

pub const SECRET: &str = "secret";
pub const VAR: &str = "var";
pub const SECRETS_STORE: &str = "secrets_store";

pub const REGIONS: &str = "regions";
pub const TIERS: &str = "tiers";
pub const JURISDICTION: &str = "jurisdiction";
pub const CONSTRAINTS_KEYS: &[&str] = &[REGIONS, TIERS, JURISDICTION];
