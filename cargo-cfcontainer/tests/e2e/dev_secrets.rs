//! `env(K = secrets_store("BINDING"))` under `cargo cfcontainer dev`: the
//! value put in the local Secrets Store by the official CLI reaches the
//! container's env, and nothing dev prints (workerd's logs among it) or
//! writes in its config shows it.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::dev::{get, Dev};
use crate::support::{cfcontainer, prerequisite, root, stack, stderr, unique, Fixture};

/// The Worker's name in the edited copy (its containers are named after it).
const WORKER: &str = "secrets-store-dev-e2e";

/// The official CLI (WRANGLER_BIN), else skip (or fail in CI).
fn wrangler() -> Option<PathBuf> {
    let bin = std::env::var("WRANGLER_BIN").map(PathBuf::from).ok().filter(|p| p.is_file());
    prerequisite(bin.is_some(), "the official CLI (WRANGLER_BIN, installed by scripts/setup.sh)").then(|| bin.unwrap())
}

/// `wrangler secrets-store secret create` in `app`, against the local store
/// (the CLI's default); the value goes in on stdin, so in no argv.
fn create_local_secret(wrangler: &Path, app: &Path, store_id: &str, name: &str, value: &str) {
    let mut child = Command::new(wrangler)
        .args(["secrets-store", "secret", "create", store_id, "--name", name, "--scopes", "workers"])
        .current_dir(app)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(value.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// Waits up to 10 s for `text` in dev's output (workerd's log lines pass
/// through dev).
fn wait_for_output(dev: &Dev, text: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dev.output().contains(text) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    dev.output().contains(text)
}

#[test]
fn a_secrets_store_value_put_there_by_the_official_cli_reaches_the_container_under_dev_and_no_output_shows_it() {
    if !stack::available() {
        return;
    }
    let Some(wrangler) = wrangler() else { return };
    let value = unique("cfc-store-value");
    // examples/bindings with its container's MESSAGE read from a Secrets
    // Store binding instead of a var.
    let mut dev = Dev::start_edited("bindings", WORKER, &[], &[], &[], |app| {
        let file = std::fs::read_to_string(app.join("wrangler.toml")).unwrap().replace(
            "name = \"bindings-example\"\n",
            &format!("name = \"{WORKER}\"\nsecrets_store_secrets = [{{ binding = \"API_KEY\", store_id = \"0d1e2f3a\", secret_name = \"api-key\" }}]\n"),
        );
        std::fs::write(app.join("wrangler.toml"), file).unwrap();
        let code = std::fs::read_to_string(app.join("src/lib.rs")).unwrap();
        let code = code.replace("env(MESSAGE = var(\"GREETING\"))", "env(MESSAGE = secrets_store(\"API_KEY\"))");
        assert!(code.contains("secrets_store(\"API_KEY\")"), "the example's attribute changed");
        std::fs::write(app.join("src/lib.rs"), code).unwrap();
    });
    let url = dev.url();

    // Nothing in the store yet: the start fails, and the log names the binding.
    let refused = get(&url).unwrap_err();
    assert!(refused.starts_with("HTTP 503"), "{refused}");
    let why = "Secrets Store binding `API_KEY` (for env var MESSAGE): its secret could not be read";
    assert!(wait_for_output(&dev, why), "no line naming the binding:\n{}", dev.output());
    dev.interrupt(WORKER);

    create_local_secret(&wrangler, &dev.app, "0d1e2f3a", "api-key", &value);
    dev.rerun();
    let url = dev.url();
    let answer = get(&url).unwrap_or_else(|e| panic!("no answer from the container: {e}\n{}", dev.output()));
    assert_eq!(answer.trim(), value, "the container's MESSAGE is the Secrets Store secret");
    let config = root().join("target/fixtures/cfcontainer-dev").join(WORKER).join("config.capnp");
    let config = std::fs::read_to_string(&config).unwrap_or_else(|e| panic!("{}: {e}", config.display()));
    assert!(config.contains("entrypoint = \"SecretsStoreSecret\""), "the binding is the simulator's secret service");
    assert!(!config.contains(&value), "the value is in dev's workerd config");
    dev.interrupt(WORKER);
    assert!(!dev.output().contains(&value), "dev's output shows the value:\n{}", dev.output());
}

#[test]
fn dev_refuses_a_secrets_store_binding_the_wrangler_file_does_not_declare_in_one_line_naming_the_entry_to_add() {
    if !stack::available() {
        return;
    }
    let lib = r#"
#[cfcontainer::container(class = "Payments", port = 8080, env(PAYMENTS_KEY = secrets_store("API_KEY")))]
pub struct Payments;
"#;
    let fixture = Fixture::new("secrets-store-undeclared", lib, "");
    std::fs::write(fixture.path().join("wrangler.toml"), "name = \"secrets-store-undeclared\"\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let out = cfcontainer(fixture.path(), &["dev", "--port", &port, "--manifest-path", &fixture.manifest()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{text}");
    let expected = "container `Payments` reads env var PAYMENTS_KEY from Secrets Store binding `API_KEY`, which is not declared in ";
    assert!(errors[0].contains(expected), "{}", errors[0]);
    assert!(errors[0].ends_with("wrangler.toml; add `secrets_store_secrets = [{ binding = \"API_KEY\", store_id = \"<store id>\", secret_name = \"<secret name>\" }]` there"), "{}", errors[0]);
}
