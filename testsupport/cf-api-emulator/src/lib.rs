//! A strict local emulator of the Cloudflare API endpoints that
//! `cargo cfcontainer` calls: Workers scripts (multipart upload, settings,
//! migrations), Durable Object namespaces, container registry credentials,
//! container applications with rollouts, token verification, and the
//! lists of the named resources a Worker binds (an upload binding one the
//! account does not hold is refused, as the API refuses it).
//!
//! It answers with Cloudflare's envelope and error codes, rejects unknown
//! or missing fields, checks that application images exist in a real
//! registry, and can inject faults (an HTTP status with `Retry-After`, or
//! a dropped connection). Every request is logged for tests to assert on.
//! On demand it also fronts the registry as Cloudflare's does
//! ([`Emulator::registry_front`]), logging those calls too.
//!
//! ```no_run
//! let emulator = cf_api_emulator::Emulator::start(cf_api_emulator::Config::for_tests());
//! println!("CLOUDFLARE_API_BASE_URL={}", emulator.base_url());
//! ```

mod assets;
mod call;
mod code_update;
mod config;
mod containers;
mod dash;
mod envelope;
mod faults;
mod front;
mod grants;
mod image_registries;
mod instances;
mod multipart;
mod queues;
mod registry;
mod registry_calls;
mod resources;
mod routes;
mod schedules;
mod secrets_store;
mod server;
mod shared;
mod state;
mod tails;
mod tokens;
mod versions;
mod websocket;
mod workers;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use config::Config;
pub use faults::{Fault, FaultKind};
pub use front::RegistryFront;
pub use registry::Registry;
pub use registry_calls::{Authorization, RegistryCall, Scheme};
pub use shared::Logged;

use shared::Shared;

/// A running emulator on 127.0.0.1 (its own thread and runtime); it stops
/// when dropped.
pub struct Emulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    runtime: tokio::runtime::Handle,
    /// The registry front once opened, and the directory of its CA file.
    front: Mutex<Option<(RegistryFront, tempfile::TempDir)>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Emulator {
    /// Starts an emulator on a free port.
    pub fn start(config: Config) -> Emulator {
        Emulator::start_on(config, 0)
    }

    /// Starts an emulator on `port` (0 picks a free one).
    pub fn start_on(config: Config, port: u16) -> Emulator {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind the emulator's port");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let addr = listener.local_addr().expect("listener address");
        let shared = Arc::new(Shared {
            config,
            ws_base: format!("ws://{addr}"),
            state: Mutex::new(state::State::default()),
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            registry_calls: Mutex::new(Vec::new()),
            latency_ms: std::sync::atomic::AtomicU64::new(0),
        });
        let (tx, rx) = tokio::sync::oneshot::channel();
        let serving = shared.clone();
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let handle = runtime.handle().clone();
        std::thread::spawn(move || runtime.block_on(server::serve(listener, serving, rx)));
        Emulator { addr, shared, runtime: handle, front: Mutex::new(None), _shutdown: tx }
    }

    /// The API base URL, for `CLOUDFLARE_API_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}/client/v4", self.addr)
    }

    /// The account id.
    pub fn account_id(&self) -> &str {
        &self.shared.config.account_id
    }

    /// The accepted token.
    pub fn token(&self) -> &str {
        &self.shared.config.token
    }

    /// Queues a fault; faults apply in the order injected.
    pub fn inject(&self, fault: Fault) {
        self.shared.faults.lock().unwrap().push(fault);
    }

    /// Makes the next `count` credential requests hand out a wrong
    /// registry password (as expired credentials look to a registry).
    pub fn hand_out_bad_credentials(&self, count: u32) {
        self.shared.state.lock().unwrap().bad_credentials = count;
    }

    /// Every request so far, in order.
    pub fn log(&self) -> Vec<Logged> {
        self.shared.log.lock().unwrap().clone()
    }

    /// Makes every API answer wait `ms` milliseconds from now on.
    pub fn set_latency(&self, ms: u64) {
        self.shared.latency_ms.store(ms, std::sync::atomic::Ordering::SeqCst);
    }

    /// Forgets the request log and the registry front's.
    pub fn clear_log(&self) {
        self.shared.log.lock().unwrap().clear();
        self.shared.registry_calls.lock().unwrap().clear();
    }

    /// Opens (once) the registry front on two ports of 127.0.0.1, one
    /// plain HTTP and one TLS, serving the account's registry as
    /// Cloudflare's does in front of [`Config::registry`] (which it needs):
    /// the credentials endpoint hands out passwords for its hosts, which it
    /// checks, and application images may name them. See the `front`
    /// module for what it answers itself.
    pub fn registry_front(&self) -> RegistryFront {
        let mut front = self.front.lock().unwrap();
        let (hosts, _) = front.get_or_insert_with(|| front::open(self.shared.clone(), &self.runtime));
        hosts.clone()
    }

    /// Every request to the registry front so far, in order.
    pub fn registry_calls(&self) -> Vec<RegistryCall> {
        self.shared.registry_calls.lock().unwrap().clone()
    }

    /// The requests that changed something and succeeded: any method but
    /// GET, besides asking for registry credentials (short-lived, they
    /// change nothing in the account; a deploy asks for them to check its
    /// images in the registry).
    pub fn write_calls(&self) -> Vec<Logged> {
        let issues_credentials = |l: &Logged| l.method == "POST" && l.path.ends_with("/credentials");
        self.log()
            .into_iter()
            .filter(|l| l.method != "GET" && !issues_credentials(l) && (200..300).contains(&l.status))
            .collect()
    }

    /// Calls the emulated Worker `script` (as its workers.dev URL would),
    /// `headers` shaping what it logs (see the `tails` module); the answer's
    /// status and body, or `None` if there is no such Worker.
    pub fn call_worker(
        &self,
        script: &str,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Option<(u16, String)> {
        let invocation = tails::Invocation {
            method: method.to_string(),
            path: path.to_string(),
            headers: headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect(),
            client_ip: "127.0.0.1".into(),
        };
        tails::invoke(&mut self.shared.state.lock().unwrap(), script, &invocation)
    }

    /// Places an instance of the application called `application` in
    /// `state` (`running`, `provisioning`, `failed`, ...), as the platform
    /// does when a Durable Object starts its container; its id.
    pub fn place_instance(&self, application: &str, state: &str, location: &str) -> String {
        self.place(serde_json::json!({ "application": application, "state": state, "location": location }))
    }

    /// [`Emulator::place_instance`] for the Durable Object called `name`
    /// (`idFromName(name)` in the Worker): the platform lists the name
    /// among the application's Durable Objects, not on the instance.
    pub fn place_named_instance(&self, application: &str, state: &str, name: &str) -> String {
        self.place(serde_json::json!({ "application": application, "state": state, "name": name }))
    }

    fn place(&self, body: serde_json::Value) -> String {
        let reply = dash::place(&mut self.shared.state.lock().unwrap(), body.as_object().unwrap());
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["result"].as_str().unwrap().to_string()
    }

    /// A JSON snapshot of the account: scripts, namespaces, applications.
    pub fn snapshot(&self) -> serde_json::Value {
        self.shared.state.lock().unwrap().snapshot(&self.shared.config)
    }
}
