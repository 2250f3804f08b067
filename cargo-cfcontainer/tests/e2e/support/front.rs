//! The registry differential: an account of its own whose registry is the
//! emulator's registry front (Cloudflare's registry API in front of the
//! real local registry), and each tool's calls to the API and the registry
//! in terms both share. Our subcommand speaks plain HTTP to the front (a
//! registry on this machine), the official CLI HTTPS (it always does),
//! trusting the front's CA through `NODE_EXTRA_CA_CERTS`.

use cf_api_emulator::{Authorization, Config, Emulator, RegistryFront};
use serde_json::{json, Value};

use super::account::run_official;
use super::cloud::registry;
use super::*;

/// An account no other run uses, behind the registry front; `None` (skip)
/// without the engine, tooling and registry.
pub fn behind_front() -> Option<(Emulator, RegistryFront)> {
    if !super::stack::available() {
        return None;
    }
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    // Its own account: the front's catalog holds only this test's images.
    let account_id = format!("{:016x}{:016x}", nanos as u64, u64::from(std::process::id()));
    let emulator = Emulator::start(Config { registry: Some(registry()?), account_id, ..Config::for_tests() });
    let front = emulator.registry_front();
    Some((emulator, front))
}

/// The variable that points our subcommand at the front (its plain port).
pub fn ours(front: &RegistryFront) -> [(&'static str, &str); 1] {
    [("CLOUDFLARE_CONTAINER_REGISTRY", front.plain_host.as_str())]
}

/// The `Accept` our subcommand reads a manifest with.
pub const MANIFEST_ACCEPT: &str = "application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.index.v1+json";

/// The `Accept` the official CLI 4.164 finds and deletes a manifest with.
pub const OFFICIAL_DELETE_ACCEPT: &str =
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

/// A credentials request as [`sent`] records it: five minutes with
/// `permissions`, as both tools ask.
pub fn credentials(permissions: &[&str]) -> (String, String, Option<String>, Option<Value>) {
    let body = json!({ "expiration_minutes": 5, "permissions": permissions });
    ("POST".into(), "/containers/registries/{registry}/credentials".into(), None, Some(body))
}

/// The registry calls (see [`registry_calls`]) of the official CLI 4.164's
/// `containers images delete <repository>:<tag>` as `user`: the digest by
/// HEAD, the manifest deleted by tag, then the collection of the layers no
/// manifest uses (which Cloudflare's registry does on request). Our
/// `images prune` deletion is compared with this.
pub fn official_deletion(repository: &str, tag: &str, user: &str) -> Vec<String> {
    let manifest = format!("/v2/{{account}}/{repository}/manifests/{tag} accept={OFFICIAL_DELETE_ACCEPT} as {user}");
    vec![
        format!("HEAD {manifest} -> 200"),
        format!("DELETE {manifest} -> 202"),
        format!("PUT /v2/gc/layers accept=*/* content-type=application/json as {user} -> 202"),
    ]
}

/// What one run of a tool sent: to the API (method, path after the
/// account with the registry host as `{registry}`, query, JSON body) and to
/// the registry (see [`registry_calls`]).
#[derive(Debug)]
pub struct Sent {
    /// API calls in order.
    pub api: Vec<(String, String, Option<String>, Option<Value>)>,
    /// Registry calls in order.
    pub registry: Vec<String>,
}

/// What `emulator` logged since its log was last cleared.
pub fn sent(emulator: &Emulator, front: &RegistryFront) -> Sent {
    let prefix = format!("/accounts/{}", emulator.account_id());
    let api = emulator
        .log()
        .into_iter()
        .map(|l| {
            let path = l.path.strip_prefix(&prefix).unwrap_or(&l.path);
            let path = path.replace(&front.plain_host, "{registry}").replace(&front.tls_host, "{registry}");
            (l.method, path, l.query, l.body)
        })
        .collect();
    Sent { api, registry: registry_calls(emulator) }
}

/// The registry calls as `METHOD path-and-query` with the account id as
/// `{account}`, then `accept=`, `content-type=` and `as <user>` when sent,
/// and the status; the port (HTTP or HTTPS) is left out, each tool using
/// its own.
pub fn registry_calls(emulator: &Emulator) -> Vec<String> {
    emulator
        .registry_calls()
        .into_iter()
        .map(|c| {
            let mut line = format!("{} {}", c.method, c.path.replace(emulator.account_id(), "{account}"));
            if let Some(accept) = c.accept {
                line.push_str(&format!(" accept={accept}"));
            }
            if let Some(content_type) = c.content_type {
                line.push_str(&format!(" content-type={content_type}"));
            }
            match c.authorization {
                Authorization::Basic { user } => line.push_str(&format!(" as {user}")),
                Authorization::Other => line.push_str(" as other"),
                Authorization::Missing => {}
            }
            line.push_str(&format!(" -> {}", c.status));
            line
        })
        .collect()
}

/// Runs the official CLI's `args` (in a directory whose wrangler.toml
/// names Worker `name`) with the front's TLS port as its registry; what it
/// sent and its stdout.
pub fn official_through_front(
    wrangler: &std::path::Path,
    emulator: &Emulator,
    front: &RegistryFront,
    name: &str,
    args: &[&str],
) -> (Sent, String) {
    let extra = [
        ("CLOUDFLARE_CONTAINER_REGISTRY", front.tls_host.as_str()),
        ("NODE_EXTRA_CA_CERTS", front.ca_file.to_str().unwrap()),
    ];
    let out = run_official(wrangler, emulator, name, args, &extra);
    (sent(emulator, front), stdout(&out))
}
