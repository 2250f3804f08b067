//! The differential side shared by the deploy and tool-switch tests: what
//! a deploy left in the account in the terms both tools share, a deploy
//! by the official CLI, and Workers uploaded by hand.

use cf_api_emulator::Emulator;
use serde_json::{json, Value};

use super::cloud::{api_env, calls};
use super::*;

pub fn writes(emulator: &Emulator) -> Vec<String> {
    let prefix = format!("/accounts/{}", emulator.account_id());
    emulator
        .write_calls()
        .iter()
        .map(|l| format!("{} {}", l.method, l.path.strip_prefix(&prefix).unwrap_or(&l.path)))
        .collect()
}

/// Uploads a Worker called `name` straight through the API, as another
/// tool would: no cfcontainer tag.
pub fn upload_foreign_worker(emulator: &Emulator, name: &str) {
    upload_foreign_worker_with(
        emulator,
        name,
        json!({ "main_module": "index.js", "compatibility_date": "2026-03-01" }),
    );
}

/// Uploads a Worker of someone else's with this upload metadata.
pub fn upload_foreign_worker_with(emulator: &Emulator, name: &str, metadata: Value) {
    let mut body = Vec::new();
    for (part, content_type, data) in [
        ("metadata", "application/json", metadata.to_string()),
        (
            "index.js",
            "application/javascript+module",
            "export default { fetch() { return new Response('theirs') } }".into(),
        ),
    ] {
        let filename = if part == "metadata" { String::new() } else { format!("; filename=\"{part}\"") };
        body.extend(
            format!("--B\r\nContent-Disposition: form-data; name=\"{part}\"{filename}\r\nContent-Type: {content_type}\r\n\r\n{data}\r\n")
                .into_bytes(),
        );
    }
    body.extend(b"--B--\r\n");
    ureq::put(&format!("{}/accounts/{}/workers/scripts/{name}", emulator.base_url(), emulator.account_id()))
        .set("Authorization", &format!("Bearer {}", emulator.token()))
        .set("Content-Type", "multipart/form-data; boundary=B")
        .send_bytes(&body)
        .unwrap();
}

/// What a deploy left in the account for Worker `name`, in the terms both
/// tools share: bindings (by name), settings, crons, routes, domains,
/// consumers, and the rest of the live version's upload metadata
/// (`keep_bindings`, `code_update_strategy`, `containers`, ...).
pub fn deployed_shape(emulator: &Emulator, name: &str) -> Value {
    let snapshot = emulator.snapshot();
    let script = &snapshot["scripts"][name];
    let mut bindings: Vec<Value> = script["bindings"].as_array().cloned().unwrap_or_default();
    bindings.sort_by_key(|b| b["name"].as_str().unwrap_or_default().to_string());
    let crons: Vec<&Value> =
        script["schedules"].as_array().map(|s| s.iter().map(|c| &c["cron"]).collect()).unwrap_or_default();
    let routes: Vec<&Value> =
        script["routes"].as_array().map(|r| r.iter().map(|r| &r["pattern"]).collect()).unwrap_or_default();
    let domains: Vec<&Value> = snapshot["domains"].as_array().unwrap().iter().map(|d| &d["hostname"]).collect();
    let consumers: Vec<Value> = snapshot["consumers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({ "queue": c["queue_name"], "settings": c["settings"], "dead_letter_queue": c["dead_letter_queue"] }))
        .collect();
    json!({
        "bindings": bindings,
        "compatibility_date": script["compatibility_date"],
        "compatibility_flags": script["compatibility_flags"],
        "logpush": script["logpush"], "limits": script["limits"], "placement": script["placement"],
        "tail_consumers": script["tail_consumers"], "observability": script["observability"],
        "workers_dev": script["workers_dev"], "previews_enabled": script["previews_enabled"],
        "crons": crons, "routes": routes, "domains": domains, "consumers": consumers,
        "upload": script["upload"],
    })
}

/// Deploys `file` (a wrangler config) with the official CLI, as a Worker
/// with a JavaScript main module, to `emulator`; `args` follow `deploy`.
pub fn official_deploy(wrangler: &std::path::Path, emulator: &Emulator, file: &str, args: &[&str]) {
    official_deploy_with(wrangler, emulator, file, args, &[]);
}

/// [`official_deploy`] with `files` (path, content) beside the config.
pub fn official_deploy_with(
    wrangler: &std::path::Path,
    emulator: &Emulator,
    file: &str,
    args: &[&str],
    files: &[(&str, &str)],
) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wrangler.toml"), format!("main = \"index.js\"\n{file}")).unwrap();
    std::fs::write(dir.path().join("index.js"), "export default { fetch() { return new Response('ok') } }\n").unwrap();
    // (An `index.js` among them replaces the default one.)
    write_files(dir.path(), files);
    let env = api_env(emulator);
    // The official CLI builds container images with buildx, which it finds
    // in the Docker CLI's config directory: one of its own, here.
    let docker_config = dir.path().join("docker-config");
    std::fs::create_dir_all(docker_config.join("cli-plugins")).unwrap();
    if let Ok(buildx) = std::env::var("CFC_DOCKER_BUILDX") {
        std::os::unix::fs::symlink(buildx, docker_config.join("cli-plugins/docker-buildx")).unwrap();
    }
    let out = std::process::Command::new(wrangler)
        .arg("deploy")
        .args(args)
        .current_dir(dir.path())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env("DOCKER_CONFIG", &docker_config)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CI", "1")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "wrangler deploy {args:?} failed:\n{}\n{}\ncalls: {:#?}",
        stdout(&out),
        stderr(&out),
        calls(emulator)
    );
}

/// Writes `files` (path, content) under `dir`.
pub fn write_files(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// What either tool left for Worker `script` beyond [`deployed_shape`]:
/// its application (name, size, logs where each tool keeps them, image
/// repository), the query of its upload, and its tags, with this tool's
/// own parts (the images record, the digest tag, the image's digest pin)
/// taken out.
pub fn container_shape(emulator: &Emulator, script: &str) -> Value {
    let mut shape = deployed_shape(emulator, script);
    let bindings = shape["bindings"].as_array_mut().unwrap();
    bindings.retain(|b| b["name"] != "CFCONTAINER_IMAGES");
    let snapshot = emulator.snapshot();
    let namespace = snapshot["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["script"] == script && n["class"] == "Web")
        .cloned();
    let app = snapshot["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| Some(&a["durable_objects"]["namespace_id"]) == namespace.as_ref().map(|n| &n["id"]))
        .cloned()
        .unwrap_or(Value::Null);
    let image = app["configuration"]["image"].as_str().unwrap_or_default();
    // `<registry>/<account>/<repository>` with a tag or a digest after it.
    let without_digest = image.split('@').next().unwrap_or_default();
    let repository = match without_digest.rsplit_once(':') {
        Some((repository, tag)) if !tag.contains('/') => repository,
        _ => without_digest,
    };
    let upload = emulator
        .log()
        .into_iter()
        .rev()
        .find(|l| l.method == "PUT" && l.path.ends_with(&format!("/workers/scripts/{script}")))
        .map(|l| l.query);
    let mut tags: Vec<String> = snapshot["scripts"][script]["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    tags.retain(|t| !t.starts_with("cfcontainer-"));
    shape["application"] = json!({
        "name": app["name"], "max_instances": app["max_instances"], "instance_type": app["configuration"]["instance_type"],
        "observability": app["observability"], "configuration_observability": app["configuration"]["observability"],
        "repository": repository,
    });
    shape["upload_query"] = json!(upload);
    shape["tags"] = json!(tags);
    shape
}
