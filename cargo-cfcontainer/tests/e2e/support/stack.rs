//! A real local stack for end-to-end tests: the e2e worker built to wasm
//! with worker-build, its images built by `cargo cfcontainer build --dev`,
//! served by workerd with containers in the real Docker engine, which does
//! not restart them (as under `dev`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use bollard::query_parameters::{ListContainersOptionsBuilder, RemoveContainerOptionsBuilder};
use cargo_cfcontainer::dev::{keep_from_restarting, workerd_socket, WorkerdConfig};
use cfcontainer_meta::{ContainerMeta, ImageSource};

use super::{cfcontainer_with_env, prerequisite, root, stderr, stdout};

/// What every stack shares: built once per test binary.
struct Prepared {
    modules_dir: PathBuf,
    containers: Vec<(ContainerMeta, String)>,
    /// The networking sidecar's image, as `build --dev` made it ready.
    egress_image: String,
}

static PREPARED: OnceLock<Result<Prepared, String>> = OnceLock::new();
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn e2e_dir() -> PathBuf {
    root().join("testsupport/e2e-worker")
}

/// True when workerd, worker-build and the engine are at hand (else skip,
/// or fail under CFCONTAINER_E2E=1).
pub fn available() -> bool {
    let workerd = std::env::var("WORKERD_BIN").map(PathBuf::from).is_ok_and(|p| p.is_file());
    let worker_build = Command::new("worker-build").arg("--version").output().is_ok_and(|o| o.status.success());
    let engine = docker_available();
    prerequisite(workerd, "workerd (WORKERD_BIN)")
        && prerequisite(worker_build, "worker-build")
        && prerequisite(engine, "the Docker engine socket")
        && prerequisite(super::has_wasm_target(), "the wasm32-unknown-unknown target")
        && prerequisite(Path::new(BUSYBOX).is_file(), "busybox-static (/usr/bin/busybox)")
}

/// Debian's static busybox: the shell in the image of the class that runs
/// commands (`exec` needs `/bin/sh`).
const BUSYBOX: &str = "/usr/bin/busybox";

fn docker_host() -> String {
    std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into())
}

/// True if the engine's socket (`DOCKER_HOST` or the default) exists.
pub fn docker_available() -> bool {
    Path::new(docker_socket_path().as_str()).exists()
}

fn docker_socket_path() -> String {
    docker_host().trim_start_matches("unix://").to_string()
}

fn run(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{what}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn prepare() -> Result<Prepared, String> {
    // The container's server: a static binary for FROM scratch.
    let triple = run(Command::new("rustc").arg("-vV"), "rustc -vV")?
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .ok_or("no host triple")?;
    let static_dir = root().join("target/static");
    run(
        Command::new("cargo")
            .args(["build", "-q", "--release", "-p", "cfc-test-server", "--target", &triple])
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .env("CARGO_TARGET_DIR", &static_dir)
            .current_dir(root()),
        "building the test server",
    )?;
    let server_dir = e2e_dir().join("server");
    std::fs::create_dir_all(&server_dir).map_err(|e| e.to_string())?;
    let binary = static_dir.join(&triple).join("release/cfc-test-server");
    let target = server_dir.join("cfc-test-server");
    let same = std::fs::read(&binary).ok() == std::fs::read(&target).ok();
    if !same {
        std::fs::copy(&binary, &target).map_err(|e| format!("copy test server: {e}"))?;
    }
    let shell = server_dir.join("busybox");
    if std::fs::read(BUSYBOX).ok() != std::fs::read(&shell).ok() {
        std::fs::copy(BUSYBOX, &shell).map_err(|e| format!("copy busybox: {e}"))?;
    }
    // The worker, as deploys build it (worker-build, then the entrypoints
    // egress control goes through).
    run(Command::new("worker-build").arg("--release").current_dir(e2e_dir()), "worker-build")?;
    cargo_cfcontainer::compile::entrypoints::add(&e2e_dir().join("build/index.js")).map_err(|e| e.to_string())?;
    // Its containers and images, through our own CLI.
    let manifest = e2e_dir().join("Cargo.toml");
    let manifest = manifest.to_str().unwrap();
    let inspect =
        cfcontainer_with_env(&root(), &["inspect", "--manifest-path", manifest, "--message-format", "json"], &[]);
    if !inspect.status.success() {
        return Err(format!("inspect failed: {}", stderr(&inspect)));
    }
    let report: serde_json::Value =
        serde_json::from_str(stdout(&inspect).lines().last().unwrap_or("{}")).map_err(|e| e.to_string())?;
    let metas: Vec<ContainerMeta> = serde_json::from_value(report["containers"].clone()).map_err(|e| e.to_string())?;
    let build = cfcontainer_with_env(
        &root(),
        &["build", "--dev", "--manifest-path", manifest, "--message-format", "json"],
        &[],
    );
    if !build.status.success() {
        return Err(format!("build failed: {}", stderr(&build)));
    }
    let built: serde_json::Value =
        serde_json::from_str(stdout(&build).lines().last().unwrap_or("{}")).map_err(|e| e.to_string())?;
    let image_of = |meta: &ContainerMeta| match &meta.image {
        ImageSource::Prebuilt { reference } => Some(reference.clone()),
        ImageSource::Dockerfile { .. } | ImageSource::Binary { .. } => built["images"].as_array().and_then(|images| {
            images.iter().find(|i| i["class"] == meta.class).and_then(|i| i["reference"].as_str()).map(str::to_string)
        }),
    };
    let containers = metas
        .into_iter()
        .map(|m| image_of(&m).map(|image| (m.clone(), image)).ok_or(format!("no image for {}", m.class)))
        .collect::<Result<_, _>>()?;
    let egress_image = built["egress_image"].as_str().ok_or("build --dev named no egress image")?.to_string();
    Ok(Prepared { modules_dir: e2e_dir().join("build"), containers, egress_image })
}

/// One workerd serving the e2e worker; killed, with its containers
/// removed, when dropped.
pub struct Stack {
    pub url: String,
    key: String,
    child: Child,
    log: Arc<Mutex<String>>,
    config_path: PathBuf,
    _dir: tempfile::TempDir,
    _no_restarts: NoRestarts,
    /// Held by the e2e worker's stacks, one at a time; not by a JS stack
    /// or a second one, which run beside one.
    _turn: Option<MutexGuard<'static, ()>>,
}

impl Stack {
    /// Starts a fresh workerd (own storage, own container names).
    pub fn start() -> Stack {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        Stack::launch(Some(turn), None, &[])
    }

    /// Starts a fresh workerd with the Worker's compatibility flags `flags`
    /// (`experimental` unlocks the runtime's experimental container calls).
    pub fn start_with_flags(flags: &[&str]) -> Stack {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        Stack::launch(Some(turn), None, flags)
    }

    /// Starts a fresh workerd whose containers get `egress_image` as their
    /// networking sidecar instead of the one `build --dev` made ready.
    pub fn start_with_egress(egress_image: &str) -> Stack {
        let turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
        Stack::launch(Some(turn), Some(egress_image.to_string()), &[])
    }

    /// Another workerd serving the e2e worker beside this one, which holds
    /// the turn (for the benchmark: each measured side its own process, so
    /// none gets twice the traffic and stays the warmer).
    pub fn beside(&self) -> Stack {
        Stack::launch(None, None, &[])
    }

    fn launch(turn: Option<MutexGuard<'static, ()>>, egress_image: Option<String>, flags: &[&str]) -> Stack {
        let prepared = PREPARED.get_or_init(prepare).as_ref().unwrap_or_else(|e| panic!("preparing the stack: {e}"));
        let dir = tempfile::Builder::new().prefix("cfc-stack-").tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let key = format!("e2e{port}");
        let storage = dir.path().join("storage");
        std::fs::create_dir_all(&storage).unwrap();
        let config = WorkerdConfig {
            key_prefix: key.clone(),
            modules_dir: prepared.modules_dir.clone(),
            compatibility_date: "2026-11-17".into(),
            compatibility_flags: flags.iter().map(|f| f.to_string()).collect(),
            containers: prepared.containers.clone(),
            objects: Default::default(),
            text_bindings: vec![("GREETING".into(), "hello-from-var".into()), ("TOKEN".into(), "s3cret-token".into())],
            json_bindings: vec![],
            listen: format!("127.0.0.1:{port}"),
            storage_dir: storage,
            docker_socket: workerd_socket(&docker_host()).expect("a unix DOCKER_HOST"),
            egress_image: egress_image.unwrap_or_else(|| prepared.egress_image.clone()),
            simulator: None,
            trigger_handlers: false,
        };
        let config_path = config.write(dir.path()).unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let no_restarts = NoRestarts::watch(&key);
        let child = spawn_workerd(&config_path, &log);
        let url = format!("http://127.0.0.1:{port}");
        let stack = Stack { url, key, child, log, config_path, _dir: dir, _no_restarts: no_restarts, _turn: turn };
        stack.wait_listening();
        stack
    }

    /// A workerd serving a bundled JavaScript Worker (for the benchmark:
    /// the JS library's `Container`) whose Durable Object class `class`,
    /// bound as `binding`, runs `image`. Runs beside a [`Stack::start`] one.
    pub fn start_js(bundle: &Path, class: &str, binding: &str, image: &str) -> Stack {
        Stack::start_modules(&[("index.js", bundle)], class, binding, image)
    }

    /// The same for worker-build's output in `build` (`index.js` and
    /// `index_bg.wasm`): a Worker written in Rust without the e2e worker's
    /// setup.
    pub fn start_built(build: &Path, class: &str, binding: &str, image: &str) -> Stack {
        let (js, wasm) = (build.join("index.js"), build.join("index_bg.wasm"));
        Stack::start_modules(&[("index.js", &js), ("index_bg.wasm", &wasm)], class, binding, image)
    }

    /// A workerd serving `modules` (name, file; `.wasm` ones as wasm, the
    /// others as ES modules, the first the main one).
    fn start_modules(modules: &[(&str, &Path)], class: &str, binding: &str, image: &str) -> Stack {
        let dir = tempfile::Builder::new().prefix("cfc-bare-stack-").tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let key = format!("bare{port}");
        let storage = dir.path().join("storage");
        std::fs::create_dir_all(&storage).unwrap();
        let mut listed = Vec::new();
        for (name, file) in modules {
            std::fs::copy(file, dir.path().join(name)).unwrap();
            let kind = if name.ends_with(".wasm") { "wasm" } else { "esModule" };
            listed.push(format!("(name = \"{name}\", {kind} = embed \"{name}\")"));
        }
        let socket = workerd_socket(&docker_host()).expect("a unix DOCKER_HOST");
        let egress = egress_image();
        let config = format!(
            r#"using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker), (name = "do-storage", disk = (path = "{storage}", writable = true)) ],
  sockets = [ (name = "http", address = "127.0.0.1:{port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [ {modules} ],
  compatibilityDate = "2026-11-17",
  durableObjectNamespaces = [
    (className = "{class}", uniqueKey = "{key}-{class}", enableSql = true, container = (imageName = "{image}")),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  bindings = [ (name = "{binding}", durableObjectNamespace = "{class}") ],
  containerEngine = (localDocker = (socketPath = "{socket}", containerEgressInterceptorImage = "{egress}")),
);
"#,
            storage = storage.display(),
            modules = listed.join(", ")
        );
        let config_path = dir.path().join("config.capnp");
        std::fs::write(&config_path, config).unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let no_restarts = NoRestarts::watch(&key);
        let child = spawn_workerd(&config_path, &log);
        let url = format!("http://127.0.0.1:{port}");
        let stack = Stack { url, key, child, log, config_path, _dir: dir, _no_restarts: no_restarts, _turn: None };
        stack.wait_listening();
        stack
    }

    /// Kills workerd and starts it again on the same storage: every
    /// Durable Object is evicted, what they stored stays.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn_workerd(&self.config_path, &self.log);
        self.wait_listening();
    }

    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        // Each probe limited: a Worker that hangs fails here, with its log.
        let listening = || {
            let probe = ureq::get(&self.url).timeout(Duration::from_secs(10)).call();
            !probe.is_err_and(|e| matches!(e, ureq::Error::Transport(_)))
        };
        while !listening() {
            assert!(Instant::now() < deadline, "workerd did not listen; log:\n{}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything workerd printed so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Lines of the log containing `needle`, once there are at least
    /// `expected` or 5 s passed: workerd's log reaches the test through a
    /// pipe, so a line logged before an answer may arrive after it.
    pub fn log_count_settled(&self, needle: &str, expected: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.log_count(needle) < expected && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        self.log_count(needle)
    }

    /// Lines of the log containing `needle`.
    pub fn log_count(&self, needle: &str) -> usize {
        self.log().lines().filter(|l| l.contains(needle)).count()
    }

    /// A request to `container` (the `x-container` value), instance `instance`.
    pub fn request(&self, method: &str, container: &str, instance: &str, path: &str) -> ureq::Request {
        ureq::request(method, &format!("{}{path}", self.url))
            .set("x-container", container)
            .set("x-instance", instance)
            .timeout(Duration::from_secs(60))
    }

    /// Containers of this stack whose name contains `class`, and how many
    /// run (the app containers: not their networking sidecars).
    pub fn containers(&self, class: &str) -> (usize, usize) {
        let prefix = format!("workerd-{}-{class}", self.key);
        let all: Vec<_> = list_containers(&prefix).into_iter().filter(|c| !is_sidecar(c)).collect();
        let running = all
            .iter()
            .filter(|c| c.state.as_ref().is_some_and(|s| format!("{s:?}").to_lowercase().contains("running")))
            .count();
        (all.len(), running)
    }
}

impl Stack {
    /// The local image of container class `class`.
    pub fn image(&self, class: &str) -> String {
        let prepared = PREPARED.get().and_then(|p| p.as_ref().ok()).expect("prepared");
        prepared.containers.iter().find(|(m, _)| m.class == class).map(|(_, image)| image.clone()).expect("class")
    }

    /// Id and address (`ip:container_port`) of each running container of
    /// `class`, as the host reaches it directly: since workerd
    /// 1.20260312 a container publishes no port, it shares the network of
    /// its sidecar (`<name>-proxy`), whose address on the bridge is its own.
    pub fn reachable(&self, class: &str, container_port: u16) -> Vec<(String, String)> {
        let all = list_containers(&format!("workerd-{}-{class}", self.key));
        let address = |sidecar_name: &str| {
            let sidecar = all.iter().find(|c| c.names.iter().flatten().any(|n| n == sidecar_name))?;
            let networks = sidecar.network_settings.as_ref()?.networks.as_ref()?;
            networks.values().find_map(|n| n.ip_address.clone().filter(|ip| !ip.is_empty()))
        };
        all.iter()
            .filter(|c| {
                !is_sidecar(c) && c.state.as_ref().is_some_and(|s| format!("{s:?}").to_lowercase().contains("running"))
            })
            .filter_map(|c| {
                let name = c.names.iter().flatten().next()?;
                let ip = address(&format!("{name}-proxy"))?;
                Some((c.id.clone()?, format!("{ip}:{container_port}")))
            })
            .collect()
    }

    /// Ids of the running networking sidecars of `class`'s containers.
    pub fn sidecars(&self, class: &str) -> Vec<String> {
        list_containers(&format!("workerd-{}-{class}", self.key))
            .into_iter()
            .filter(|c| {
                is_sidecar(c) && c.state.as_ref().is_some_and(|s| format!("{s:?}").to_lowercase().contains("running"))
            })
            .filter_map(|c| c.id)
            .collect()
    }

    /// The engine's view of each container of `class` (running or not).
    pub fn inspect(&self, class: &str) -> Vec<bollard::models::ContainerInspectResponse> {
        let (rt, docker) = engine();
        list_containers(&format!("workerd-{}-{class}", self.key))
            .into_iter()
            .filter(|c| !is_sidecar(c))
            .filter_map(|c| rt.block_on(docker.inspect_container(&c.id?, None)).ok())
            .collect()
    }

    /// A container's stdout and stderr so far.
    pub fn container_logs(&self, id: &str) -> String {
        use futures_util::StreamExt;
        let (rt, docker) = engine();
        let options = bollard::query_parameters::LogsOptionsBuilder::default().stdout(true).stderr(true).build();
        rt.block_on(async {
            let mut text = String::new();
            let mut stream = docker.logs(id, Some(options));
            while let Some(Ok(chunk)) = stream.next().await {
                text.push_str(&chunk.to_string());
            }
            text
        })
    }
}

/// True for a networking sidecar (`<container>-proxy`), which workerd
/// starts beside each container and keeps warm after it stops.
pub fn is_sidecar(container: &bollard::models::ContainerSummary) -> bool {
    container.names.iter().flatten().any(|n| n.ends_with("-proxy"))
}

/// The networking sidecar's image every stack's workerd starts (the one
/// `build --dev` made ready for the e2e worker).
pub fn egress_image() -> String {
    let prepared = PREPARED.get_or_init(prepare).as_ref().unwrap_or_else(|e| panic!("preparing the stack: {e}"));
    prepared.egress_image.clone()
}

/// The engine kept from restarting a stack's containers, as `dev` keeps
/// it, until dropped.
struct NoRestarts {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl NoRestarts {
    /// Watches the containers of the stack `key` created from now on.
    fn watch(key: &str) -> NoRestarts {
        let (prefix, since) = (format!("workerd-{key}-"), SystemTime::now());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let (rt, docker) = engine();
            rt.block_on(async {
                let warn = |name: &str, why: &str| eprintln!("the restart policy of {name} stays: {why}");
                tokio::select! {
                    watched = keep_from_restarting(&docker, &prefix, since, warn) => {
                        if let Err(err) = watched {
                            eprintln!("restart policies are no longer set: {err}");
                        }
                    }
                    _ = stopped => {}
                }
            });
        });
        NoRestarts { stop: Some(stop), thread: Some(thread) }
    }
}

impl Drop for NoRestarts {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|stop| stop.send(()));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs workerd on `config`, its output appended to `log`.
fn spawn_workerd(config: &Path, log: &Arc<Mutex<String>>) -> Child {
    let mut child = Command::new(std::env::var("WORKERD_BIN").unwrap())
        .args(["serve", config.to_str().unwrap(), "--experimental"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start workerd");
    for pipe in [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        child.stderr.take().map(|p| Box::new(p) as _),
    ] {
        let log = Arc::clone(log);
        std::thread::spawn(move || {
            for line in BufReader::new(pipe.unwrap()).lines().map_while(Result::ok) {
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
    }
    child
}

fn engine() -> (tokio::runtime::Runtime, bollard::Docker) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let docker = bollard::Docker::connect_with_host(&docker_host()).unwrap();
    (rt, docker)
}

fn list_containers(prefix: &str) -> Vec<bollard::models::ContainerSummary> {
    let (rt, docker) = engine();
    let filters = std::collections::HashMap::from([("name".to_string(), vec![prefix.to_string()])]);
    let options = ListContainersOptionsBuilder::default().all(true).filters(&filters).build();
    rt.block_on(docker.list_containers(Some(options))).unwrap_or_default()
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (rt, docker) = engine();
        for c in list_containers(&format!("workerd-{}", self.key)) {
            if let Some(id) = c.id {
                let options = RemoveContainerOptionsBuilder::default().force(true).build();
                let _ = rt.block_on(docker.remove_container(&id, Some(options)));
            }
        }
    }
}
