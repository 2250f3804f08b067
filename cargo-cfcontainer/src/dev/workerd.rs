//! workerd's configuration for running a worker and its containers
//! locally (capnp text).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cfcontainer_meta::ContainerMeta;

use super::capnp::quoted;
use super::simulator_config::Simulator;

/// Everything a local workerd needs to serve one worker.
#[derive(Debug, Clone)]
pub struct WorkerdConfig {
    /// Prefix of each Durable Object's unique key (and so of its container
    /// names, `workerd-<prefix>-<class>-<id>`).
    pub key_prefix: String,
    /// Directory holding `index.js` and `index_bg.wasm` (worker-build's output),
    /// copied next to the config by [`WorkerdConfig::write`].
    pub modules_dir: PathBuf,
    /// Compatibility date.
    pub compatibility_date: String,
    /// Compatibility flags.
    pub compatibility_flags: Vec<String>,
    /// Each container class with the local image it runs.
    pub containers: Vec<(ContainerMeta, String)>,
    /// The Worker's own Durable Object classes that are not containers.
    pub objects: OwnObjects,
    /// Text bindings (vars, and secrets as local text).
    pub text_bindings: Vec<(String, String)>,
    /// JSON bindings (JSON vars), their values as JSON text.
    pub json_bindings: Vec<(String, String)>,
    /// Address to listen on, e.g. `127.0.0.1:8787`.
    pub listen: String,
    /// Durable Object storage directory.
    pub storage_dir: PathBuf,
    /// The engine's socket, `unix:/var/run/docker.sock` style.
    pub docker_socket: String,
    /// The image of the networking sidecar workerd starts beside each
    /// container (in the engine already: workerd never pulls it).
    pub egress_image: String,
    /// Local KV, R2, D1, queues and static assets, when the Worker has any.
    pub simulator: Option<Simulator>,
    /// Put `entry.js` in front of the Worker, so that
    /// `/cdn-cgi/handler/scheduled` runs its scheduled handler (dev does;
    /// benchmarks measure the Worker alone).
    pub trigger_handlers: bool,
}

/// The Worker's own Durable Object classes that are not containers, and
/// the bindings to them.
#[derive(Debug, Clone, Default)]
pub struct OwnObjects {
    /// `(class, SQLite-backed)`.
    pub classes: Vec<(String, bool)>,
    /// `(binding, class)`.
    pub bindings: Vec<(String, String)>,
}

/// workerd's name for the engine behind `DOCKER_HOST`, if it is a unix
/// socket (`unix:///var/run/docker.sock` -> `unix:/var/run/docker.sock`).
pub fn workerd_socket(docker_host: &str) -> Option<String> {
    docker_host.strip_prefix("unix://").map(|path| format!("unix:{path}"))
}

/// The worker-build outputs workerd loads.
const MODULES: [&str; 2] = ["index.js", "index_bg.wasm"];

/// The service in front of the Worker (see `entry.js`): it runs the
/// scheduled handler on `/cdn-cgi/handler/scheduled`, as `wrangler dev` does.
const ENTRY: &str = include_str!("entry.js");

impl WorkerdConfig {
    /// Writes `config.capnp` into `dir` with copies of the modules beside
    /// it (workerd embeds files relative to the config) and returns its path.
    pub fn write(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        for module in MODULES {
            std::fs::copy(self.modules_dir.join(module), dir.join(module))?;
        }
        if self.trigger_handlers {
            std::fs::write(dir.join("entry.js"), ENTRY)?;
        }
        if let Some(simulator) = &self.simulator {
            simulator.prepare(dir).map_err(|e| std::io::Error::other(e.to_string()))?;
        }
        // The config holds the local secrets of `.dev.vars`: owner only.
        let path = dir.join("config.capnp");
        crate::owner_only::write(&path, self.render().as_bytes())?;
        Ok(path)
    }

    /// The capnp text of this configuration; modules are embedded from the
    /// config file's directory.
    pub fn render(&self) -> String {
        let mut namespaces = String::new();
        let mut bindings = String::new();
        for (meta, image) in &self.containers {
            let _ = writeln!(
                namespaces,
                "    (className = {class}, uniqueKey = {key}, enableSql = true, container = (imageName = {image})),",
                class = quoted(&meta.class),
                key = quoted(&format!("{}-{}", self.key_prefix, meta.class)),
                image = quoted(image),
            );
            let _ = writeln!(
                bindings,
                "    (name = {}, durableObjectNamespace = {}),",
                quoted(&meta.binding),
                quoted(&meta.class)
            );
        }
        for (class, sqlite) in &self.objects.classes {
            let _ = writeln!(
                namespaces,
                "    (className = {}, uniqueKey = {}, enableSql = {sqlite}),",
                quoted(class),
                quoted(&format!("{}-{class}", self.key_prefix)),
            );
        }
        for (name, class) in &self.objects.bindings {
            let _ = writeln!(bindings, "    (name = {}, durableObjectNamespace = {}),", quoted(name), quoted(class));
        }
        for (name, value) in &self.text_bindings {
            let _ = writeln!(bindings, "    (name = {}, text = {}),", quoted(name), quoted(value));
        }
        for (name, json) in &self.json_bindings {
            let _ = writeln!(bindings, "    (name = {}, json = {}),", quoted(name), quoted(json));
        }
        let (mut services, mut extensions) = (String::new(), String::new());
        if let Some(simulator) = &self.simulator {
            services = simulator.services();
            bindings.push_str(&simulator.bindings());
            extensions = format!("  extensions = [ {} ],\n", simulator.extension());
        }
        let flags: Vec<String> = self.compatibility_flags.iter().map(|f| quoted(f)).collect();
        // Requests enter by the assets' router when there are assets.
        let worker_front = quoted(self.simulator.as_ref().map(Simulator::front).unwrap_or("main"));
        let (entry, front) = match self.trigger_handlers {
            true => (
                format!("    (name = \"entry\", worker = (modules = [(name = \"entry.js\", esModule = embed \"entry.js\")], compatibilityDate = \"2025-01-01\", compatibilityFlags = [\"service_binding_extra_handlers\"], bindings = [(name = \"WORKER\", service = \"main\"), (name = \"FRONT\", service = {worker_front})])),\n"),
                "\"entry\"".to_string(),
            ),
            false => (String::new(), worker_front),
        };
        format!(
            r#"using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
{entry}    (name = "main", worker = .worker),
    (name = "do-storage", disk = (path = {storage}, writable = true)),
{services}  ],
  sockets = [ (name = "http", address = {listen}, http = (), service = {front}) ],
{extensions});

const worker :Workerd.Worker = (
  modules = [
    (name = "index.js", esModule = embed {index_js}),
    (name = "index_bg.wasm", wasm = embed {index_wasm}),
  ],
  compatibilityDate = {date},
  compatibilityFlags = [{flags}],
  durableObjectNamespaces = [
{namespaces}  ],
  durableObjectStorage = (localDisk = "do-storage"),
  bindings = [
{bindings}  ],
  containerEngine = (localDocker = (socketPath = {socket}, containerEgressInterceptorImage = {egress})),
);
"#,
            storage = quoted(&self.storage_dir.display().to_string()),
            listen = quoted(&self.listen),
            index_js = quoted(MODULES[0]),
            index_wasm = quoted(MODULES[1]),
            date = quoted(&self.compatibility_date),
            flags = flags.join(", "),
            socket = quoted(&self.docker_socket),
            egress = quoted(&self.egress_image),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::workerd_socket;

    #[test]
    fn workerd_names_a_unix_socket_engine_with_one_slash_and_cannot_reach_a_tcp_one() {
        assert_eq!(workerd_socket("unix:///var/run/docker.sock").as_deref(), Some("unix:/var/run/docker.sock"));
        assert_eq!(workerd_socket("tcp://127.0.0.1:2375"), None);
    }
}
