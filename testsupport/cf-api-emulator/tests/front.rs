//! The registry front against the real local registry (CFC_REGISTRY from
//! /opt/cfcontainer-tools/env.sh): what it forwards arrives, what it
//! answers itself is Cloudflare's, and only passwords the API handed out
//! open it. Skipped without the registry, failed under CFCONTAINER_E2E=1.

use std::io::Read;
use std::sync::Arc;

use cf_api_emulator::{Authorization, Config, Emulator, Registry, RegistryCall, RegistryFront, Scheme};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The emulator over the local registry with its front open, or `None`.
fn front() -> Option<(Emulator, RegistryFront, Registry)> {
    front_for(&Config::for_tests().account_id)
}

/// An account id no other run uses.
fn unique_account() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{:016x}{:016x}", nanos as u64, u64::from(std::process::id()))
}

/// [`front`] for the account `account_id`.
fn front_for(account_id: &str) -> Option<(Emulator, RegistryFront, Registry)> {
    let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    let registry = match (var("CFC_REGISTRY"), var("CFC_REGISTRY_USER"), var("CFC_REGISTRY_PASSWORD")) {
        (Some(host), Some(username), Some(password)) => Some(Registry { host, username, password }),
        _ => None,
    };
    let Some(registry) = registry.filter(|r| std::net::TcpStream::connect(&r.host).is_ok()) else {
        assert_ne!(std::env::var("CFCONTAINER_E2E").as_deref(), Ok("1"), "CFCONTAINER_E2E=1 but no local registry");
        eprintln!("skipped: the local registry (CFC_REGISTRY from /opt/cfcontainer-tools/env.sh) is missing");
        return None;
    };
    let config = Config { registry: Some(registry.clone()), account_id: account_id.into(), ..Config::for_tests() };
    let emulator = Emulator::start(config);
    let front = emulator.registry_front();
    Some((emulator, front, registry))
}

/// A password the API hands out for `host` with `permissions`.
fn password(emulator: &Emulator, host: &str, permissions: &[&str]) -> String {
    let url =
        format!("{}/accounts/{}/containers/registries/{host}/credentials", emulator.base_url(), emulator.account_id());
    let answer: Value = ureq::post(&url)
        .set("Authorization", &format!("Bearer {}", emulator.token()))
        .send_json(json!({ "expiration_minutes": 5, "permissions": permissions }))
        .unwrap()
        .into_json()
        .unwrap();
    answer["result"]["password"].as_str().unwrap().to_string()
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
}

/// An agent that trusts the front's CA.
fn tls_agent(front: &RegistryFront) -> ureq::Agent {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(rustls::pki_types::CertificateDer::from_pem_file(&front.ca_file).unwrap()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    ureq::AgentBuilder::new().tls_config(Arc::new(config)).build()
}

/// Status, headers we look at, and body of `method url`.
fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    auth: &str,
    body: Option<(&str, &[u8])>,
) -> (u16, ureq::Response) {
    let request = agent.request(method, url).set("Authorization", auth);
    let result = match body {
        Some((content_type, bytes)) => request.set("Content-Type", content_type).send_bytes(bytes),
        None => request.call(),
    };
    match result {
        Ok(r) => (r.status(), r),
        Err(ureq::Error::Status(status, r)) => (status, r),
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A repository name no other run uses.
fn unique(what: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{what}-{}-{nanos}", std::process::id())
}

/// Pushes a one-layer image whose config says `note` as `repository:tag`
/// through the front's plain port (uploads, then the manifest); its
/// manifest digest.
fn push(emulator: &Emulator, front: &RegistryFront, repository: &str, tag: &str, note: &str) -> String {
    let agent = ureq::Agent::new();
    let auth = basic("v1", &password(emulator, &front.plain_host, &["pull", "push"]));
    let origin = format!("http://{}", front.plain_host);
    let name = format!("{}/{repository}", emulator.account_id());
    let blob = |bytes: &[u8]| {
        let (status, started) = send(&agent, "POST", &format!("{origin}/v2/{name}/blobs/uploads/"), &auth, None);
        assert_eq!(status, 202);
        let location = started.header("location").unwrap().to_string();
        assert!(location.starts_with(&origin), "the upload goes on through the front: {location}");
        let digest = sha256(bytes);
        let url = format!("{location}&digest={digest}");
        let (status, _) = send(&agent, "PUT", &url, &auth, Some(("application/octet-stream", bytes)));
        assert_eq!(status, 201, "PUT {url}");
        (digest, bytes.len())
    };
    let config = json!({ "architecture": "amd64", "os": "linux", "config": { "Labels": { "note": note } },
        "rootfs": { "type": "layers", "diff_ids": [] } })
    .to_string();
    let (config_digest, config_size) = blob(config.as_bytes());
    let (layer_digest, layer_size) = blob(format!("layer of {note}").as_bytes());
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size },
        "layers": [{ "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size }],
    })
    .to_string();
    let url = format!("{origin}/v2/{name}/manifests/{tag}");
    let (status, _) =
        send(&agent, "PUT", &url, &auth, Some(("application/vnd.oci.image.manifest.v1+json", manifest.as_bytes())));
    assert_eq!(status, 201, "PUT {url}");
    sha256(manifest.as_bytes())
}

/// The tags the real registry lists for `repository`, asked directly.
fn real_tags(registry: &Registry, name: &str) -> Vec<String> {
    let url = format!("http://{}/v2/{name}/tags/list", registry.host);
    let (status, answer) = send(&ureq::Agent::new(), "GET", &url, &basic(&registry.username, &registry.password), None);
    assert_eq!(status, 200, "{url}");
    let body: Value = answer.into_json().unwrap();
    let mut tags: Vec<String> = serde_json::from_value(body["tags"].clone()).unwrap_or_default();
    tags.sort();
    tags
}

#[test]
fn the_catalog_through_the_front_pages_the_accounts_repositories_with_the_tags_the_real_registry_holds() {
    // An account of its own: its catalog holds only what this test pushed.
    let Some((emulator, front, registry)) = front_for(&unique_account()) else { return };
    push(&emulator, &front, "app-a", "one", "first");
    push(&emulator, &front, "app-a", "two", "second");
    push(&emulator, &front, "app-b", "one", "third");
    let account = emulator.account_id().to_string();
    let (a, b) = (format!("{account}/app-a"), format!("{account}/app-b"));
    assert_eq!(
        (real_tags(&registry, &a), real_tags(&registry, &b)),
        (vec!["one".into(), "two".into()], vec!["one".into()])
    );

    // Pages of one repository (the emulator's page size), linked as a
    // registry links them (the official CLI 4.164 reads `last` from it),
    // over TLS as the official CLI speaks.
    let auth = basic("v1", &password(&emulator, &front.tls_host, &["pull"]));
    let agent = tls_agent(&front);
    let page = |path: &str| {
        let (status, answer) = send(&agent, "GET", &format!("https://{}{path}", front.tls_host), &auth, None);
        let link = answer.header("link").map(str::to_string);
        (status, link, answer.into_json::<Value>().unwrap())
    };
    let first = page("/v2/_catalog?tags=true");
    let next = format!("/v2/_catalog?tags=true&n=1&last={account}%2Fapp-a");
    assert_eq!(
        first,
        (200, Some(format!("<{next}>; rel=\"next\"")), json!({ "repositories": { &a: ["one", "two"] } }))
    );
    assert_eq!(page(&next), (200, None, json!({ "repositories": { &b: ["one"] } })));
    let all = page("/v2/_catalog?tags=true&n=5");
    assert_eq!(all, (200, None, json!({ "repositories": { &a: ["one", "two"], &b: ["one"] } })));
    assert_eq!(page("/v2/_catalog?tags=true&n=0").0, 400);

    // The same over plain HTTP, with the user the API named.
    let auth = basic("cfc-test", &password(&emulator, &front.plain_host, &["pull"]));
    let url = format!("http://{}/v2/_catalog?tags=true&n=5", front.plain_host);
    let (status, answer) = send(&ureq::Agent::new(), "GET", &url, &auth, None);
    assert_eq!((status, answer.into_json::<Value>().unwrap()), (200, all.2));

    let catalog: Vec<(Scheme, String, Authorization, u16)> = emulator
        .registry_calls()
        .into_iter()
        .filter(|c| c.path.starts_with("/v2/_catalog"))
        .map(|c| (c.scheme, c.path, c.authorization, c.status))
        .collect();
    let v1 = || Authorization::Basic { user: "v1".into() };
    assert_eq!(
        catalog,
        [
            (Scheme::Https, "/v2/_catalog?tags=true".to_string(), v1(), 200),
            (Scheme::Https, next.clone(), v1(), 200),
            (Scheme::Https, "/v2/_catalog?tags=true&n=5".into(), v1(), 200),
            (Scheme::Https, "/v2/_catalog?tags=true&n=0".into(), v1(), 400),
            (Scheme::Http, "/v2/_catalog?tags=true&n=5".into(), Authorization::Basic { user: "cfc-test".into() }, 200),
        ]
    );
}

#[test]
fn only_a_password_the_api_handed_out_for_the_front_opens_it_and_a_pull_only_one_cannot_write() {
    let Some((emulator, front, registry)) = front() else { return };
    let agent = ureq::Agent::new();
    let url = |path: &str| format!("http://{}{path}", front.plain_host);
    let refused = |auth: &str, method: &str, path: &str| {
        let (status, answer) = send(&agent, method, &url(path), auth, None);
        let challenge = answer.header("www-authenticate").map(str::to_string);
        let body: Value = answer.into_json().unwrap();
        (status, challenge, body["errors"][0]["code"].as_str().map(str::to_string))
    };
    let unauthorized = (401, Some("Basic realm=\"Registry Realm\"".to_string()), Some("UNAUTHORIZED".to_string()));
    // The real registry's own password is not one the API handed out.
    assert_eq!(refused(&basic(&registry.username, &registry.password), "GET", "/v2/"), unauthorized);
    assert_eq!(refused("Bearer x", "GET", "/v2/_catalog?tags=true"), unauthorized);
    emulator.hand_out_bad_credentials(1);
    let expired = password(&emulator, &front.plain_host, &["pull"]);
    assert_eq!(refused(&basic("v1", &expired), "GET", "/v2/"), unauthorized);

    let pull = basic("v1", &password(&emulator, &front.plain_host, &["pull"]));
    assert_eq!(send(&agent, "GET", &url("/v2/"), &pull, None).0, 200);
    let denied = (403, None, Some("DENIED".to_string()));
    assert_eq!(refused(&pull, "PUT", "/v2/gc/layers"), denied);
    let manifest = format!("/v2/{}/any/manifests/latest", emulator.account_id());
    assert_eq!(refused(&pull, "DELETE", &manifest), denied);
    // Another account's repositories are not the account's registry.
    assert_eq!(refused(&pull, "GET", "/v2/ffff/any/tags/list"), denied);

    let logged: Vec<(String, Authorization, u16)> =
        emulator.registry_calls().into_iter().map(|c| (c.method, c.authorization, c.status)).collect();
    let v1 = || Authorization::Basic { user: "v1".into() };
    assert_eq!(
        logged,
        [
            ("GET".into(), Authorization::Basic { user: registry.username.clone() }, 401),
            ("GET".into(), Authorization::Other, 401),
            ("GET".into(), v1(), 401),
            ("GET".into(), v1(), 200),
            ("PUT".into(), v1(), 403),
            ("DELETE".into(), v1(), 403),
            ("GET".into(), v1(), 403),
        ]
    );
}

#[test]
fn a_manifest_deleted_through_the_front_by_tag_or_by_digest_is_gone_from_the_real_registry() {
    let Some((emulator, front, registry)) = front() else { return };
    let repository = unique("frontdelete");
    let first = push(&emulator, &front, &repository, "one", "first");
    let second = push(&emulator, &front, &repository, "two", "second");
    let name = format!("{}/{repository}", emulator.account_id());
    let agent = tls_agent(&front);
    let auth = basic("v1", &password(&emulator, &front.tls_host, &["pull", "push"]));
    let manifest = |reference: &str| format!("https://{}/v2/{name}/manifests/{reference}", front.tls_host);
    let accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

    // As the official CLI 4.164 deletes: HEAD for the digest, then DELETE by tag.
    let head = agent.head(&manifest("one")).set("Authorization", &auth).set("Accept", accept).call().unwrap();
    assert_eq!(head.header("docker-content-digest"), Some(first.as_str()));
    let (status, _) = send(&agent, "DELETE", &manifest("one"), &auth, None);
    assert_eq!(status, 202);
    assert_eq!(real_tags(&registry, &name), ["two"]);
    let (status, _) = send(&agent, "DELETE", &manifest("one"), &auth, None);
    assert_eq!(status, 404, "a tag deleted is unknown");

    // By digest, as a registry without deletion by tag needs.
    let (status, _) = send(&agent, "DELETE", &manifest(&second), &auth, None);
    assert_eq!(status, 202);
    assert_eq!(real_tags(&registry, &name), Vec::<String>::new());
    let mut read = String::new();
    let (status, answer) = send(&agent, "GET", &manifest("two"), &auth, None);
    answer.into_reader().read_to_string(&mut read).unwrap();
    assert_eq!(status, 404, "{read}");
}

#[test]
fn gc_of_layers_is_answered_202_to_a_put_only_and_logged() {
    let Some((emulator, front, _)) = front() else { return };
    let agent = tls_agent(&front);
    let auth = basic("v1", &password(&emulator, &front.tls_host, &["pull", "push"]));
    let url = format!("https://{}/v2/gc/layers", front.tls_host);
    let statuses = [
        send(&agent, "PUT", &url, &auth, Some(("application/json", b""))).0,
        send(&agent, "PUT", &url, &auth, Some(("application/json", b"{\"ignored\":true}"))).0,
        send(&agent, "POST", &url, &auth, None).0,
        send(&agent, "PUT", &url, &basic("v1", "guessed"), None).0,
    ];
    let gc: Vec<RegistryCall> = emulator.registry_calls().into_iter().filter(|c| c.path == "/v2/gc/layers").collect();
    assert_eq!(statuses, [202, 202, 405, 401], "{gc:#?}");
    assert_eq!(gc.iter().map(|c| c.status).collect::<Vec<_>>(), statuses, "{gc:#?}");
    assert_eq!(
        gc[0],
        RegistryCall {
            scheme: Scheme::Https,
            method: "PUT".into(),
            path: "/v2/gc/layers".into(),
            accept: Some("*/*".into()), // ureq's own
            content_type: Some("application/json".into()),
            authorization: Authorization::Basic { user: "v1".into() },
            status: 202,
        }
    );
}
