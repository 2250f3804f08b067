//! Every attribute key at once; the compiled-in settings match.

use cfcontainer::{ContainerClass, EnvSource};

#[cfcontainer::container(
    class = "ApiServer",
    binding = "API",
    port = 8080,
    ports = [8080, 9090],
    sleep_after = "1h30m",
    env(MESSAGE = "hello", TOKEN = secret("API_TOKEN"), MODE = var("MODE"), API_KEY = secrets_store("API_KEY")),
    entrypoint = ["/bin/server", "--port", "8080"],
    enable_internet = false,
    readiness_path = "/healthz",
    readiness(timeout = "1m", attempt_timeout = "3s", first_retry_ms = 10, max_retry_ms = 200),
    image = "registry.cloudflare.com/0123abcd/api:1.2.3",
    instance_type(vcpu = 0.5, memory_mib = 2048, disk_mb = 8000),
    max_instances = 5,
    rollout(step_percentage = [10, 50, 100], kind = "full_manual"),
    observability(logs = true),
    dev(remote = true),
    renamed_from = "Api",
    scheduling_policy = "regional",
    constraints(regions = ["enam", "WEUR"], tiers = [1], jurisdiction = "EU"),
    rollout_active_grace_period = "30s",
)]
pub struct Api;

#[cfcontainer::container(port = 3000, sleep_after = 45, image = "localhost:5000/worker:dev")]
pub struct Defaults {
    #[allow(dead_code)]
    calls: u32,
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults { calls: 0 }
    }
}

fn main() {
    assert_eq!(Api::CLASS, "ApiServer");
    assert_eq!(Api::BINDING, "API");
    let c = Api::CONFIG;
    assert_eq!((c.port, c.ports), (Some(8080), &[8080u16, 9090][..]));
    assert_eq!(c.sleep_after_secs, 5400);
    assert!(!c.enable_internet);
    assert_eq!(c.readiness_path, "/healthz");
    assert_eq!((c.readiness.timeout_ms, c.readiness.attempt_timeout_ms), (60_000, 3_000));
    assert_eq!((c.readiness.first_retry_ms, c.readiness.max_retry_ms), (10, 200));
    assert_eq!(Defaults::CONFIG.readiness.timeout_ms, 30_000);
    assert_eq!(c.entrypoint, Some(&["/bin/server", "--port", "8080"][..]));
    assert!(matches!(c.env[1], ("TOKEN", EnvSource::Secret("API_TOKEN"))));
    assert!(matches!(c.env[2], ("MODE", EnvSource::Var("MODE"))));
    assert!(matches!(c.env[3], ("API_KEY", EnvSource::SecretsStore("API_KEY"))));

    assert_eq!(Defaults::CLASS, "Defaults");
    assert_eq!(Defaults::BINDING, "DEFAULTS");
    assert_eq!(Defaults::CONFIG.sleep_after_secs, 45);
    assert_eq!(Defaults::CONFIG.ports, &[3000]);
    assert!(Defaults::CONFIG.enable_internet);
    assert_eq!(Defaults::CONFIG.readiness_path, "/");
}
