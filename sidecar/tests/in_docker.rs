//! End to end, in the real Docker engine through the `docker` CLI: the
//! static sidecar (target/static/<triple>/release/cfcontainer-sidecar, as
//! scripts/setup.sh builds it; rebuild it the same way after a change) in
//! a FROM-scratch image, run exactly as workerd runs it, an app container
//! of static busybox in its network namespace, and a fake workerd egress
//! gateway and DNS resolver in this process on the bridge's gateway
//! address.
//!
//! The app's connections are driven from here: the app runs a busybox `nc`
//! relay on port 7000 that reads "HOST PORT" and then dials it, and this
//! process reaches the relay through the sidecar's ingress (CONNECT on the
//! published port 39001), as workerd reaches app ports.
//!
//! Skips when the engine, the static binary or busybox is missing, and
//! fails then under CFCONTAINER_E2E=1.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;

/// The app's relay port.
const RELAY_PORT: u16 = 7000;
/// Busybox inside the app image.
const BUSYBOX: &str = "/usr/bin/busybox";

// ---------------------------------------------------------------- support

/// True if the test may run. A missing prerequisite skips the test
/// locally and fails it when `CFCONTAINER_E2E=1` (as `.ci/run` sets).
fn prerequisite(ok: bool, what: &str) -> bool {
    if ok {
        return true;
    }
    if std::env::var("CFCONTAINER_E2E").as_deref() == Ok("1") {
        panic!("CFCONTAINER_E2E=1 but {what} is missing; run scripts/setup.sh");
    }
    eprintln!("skipped: {what} is missing (run scripts/setup.sh, or set CFCONTAINER_E2E=1 to make this a failure)");
    false
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn static_sidecar() -> PathBuf {
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    root().join("target/static").join(triple).join("release/cfcontainer-sidecar")
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker").args(args).env("DOCKER_BUILDKIT", "0").output().expect("run the docker CLI")
}

/// `docker <args>`'s stdout; panics with its stderr if it failed.
fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(out.status.success(), "docker {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The default bridge, as workerd reads it.
struct Bridge {
    gateway: Ipv4Addr,
    subnet: String,
    ipv6: bool,
}

#[derive(Deserialize)]
struct NetworkInspect {
    #[serde(rename = "IPAM")]
    ipam: Ipam,
}

#[derive(Deserialize)]
struct Ipam {
    #[serde(rename = "Config")]
    config: Vec<IpamConfig>,
}

#[derive(Deserialize)]
struct IpamConfig {
    #[serde(rename = "Subnet")]
    subnet: String,
    #[serde(rename = "Gateway", default)]
    gateway: Option<String>,
}

fn bridge() -> Option<Bridge> {
    let out = docker(&["network", "inspect", "bridge"]);
    if !out.status.success() {
        return None;
    }
    let networks: Vec<NetworkInspect> = serde_json::from_slice(&out.stdout).ok()?;
    let config = &networks.first()?.ipam.config;
    let v4 = config.iter().find(|c| !c.subnet.contains(':'))?;
    Some(Bridge {
        gateway: v4.gateway.as_deref()?.parse().ok()?,
        subnet: config.first()?.subnet.clone(),
        ipv6: config.iter().any(|c| c.subnet.contains(':')),
    })
}

/// Everything a test needs from the machine, or `None` if it skips.
fn prerequisites() -> Option<Bridge> {
    let engine = docker(&["version", "--format", "{{.Server.Version}}"]).status.success();
    if !prerequisite(engine, "a Docker engine (DOCKER_HOST from /opt/cfcontainer-tools/env.sh)")
        || !prerequisite(static_sidecar().is_file(), "the static sidecar (scripts/setup.sh builds it)")
        || !prerequisite(Path::new(BUSYBOX).is_file(), "a static busybox at /usr/bin/busybox")
    {
        return None;
    }
    let bridge = bridge();
    prerequisite(bridge.is_some(), "the engine's default bridge network with an IPv4 gateway").then_some(())?;
    bridge
}

/// Runs the tests of this file one at a time. The test engine's bridge
/// (cfc0) has no fixed MAC address: it takes one of its ports', so it
/// changes whenever a container comes or goes, and a container that
/// cached the old one cannot reach the gateway address until its ARP
/// entry expires (up to about 30 s). Tests running side by side would
/// start and remove containers under each other's flows.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A name no other test or run uses.
fn unique(what: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("cfc-sidecar-test-{what}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Removes what a test created, however it ends.
#[derive(Default)]
struct Cleanup {
    containers: Vec<String>,
    images: Vec<String>,
    volumes: Vec<String>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in &self.containers {
            docker(&["rm", "-f", "-v", c]);
        }
        for i in &self.images {
            docker(&["rmi", "-f", i]);
        }
        for v in &self.volumes {
            docker(&["volume", "rm", "-f", v]);
        }
    }
}

/// The images of a test: the sidecar as shipped (binary as ENTRYPOINT and
/// at /bin/cp), the sidecar forced to redirect capture, and the app.
struct Images {
    sidecar: String,
    redirect: String,
    app: String,
}

fn build_images(cleanup: &mut Cleanup) -> Images {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(static_sidecar(), dir.path().join("cfcontainer-sidecar")).unwrap();
    std::fs::copy(BUSYBOX, dir.path().join("busybox")).unwrap();
    let images = Images { sidecar: unique("sidecar"), redirect: unique("redirect"), app: unique("app") };
    let dockerfiles = [
        (
            &images.sidecar,
            "FROM scratch\nCOPY cfcontainer-sidecar /cfcontainer-sidecar\nCOPY cfcontainer-sidecar /bin/cp\n\
             ENTRYPOINT [\"/cfcontainer-sidecar\"]\n",
        ),
        (
            &images.redirect,
            "FROM scratch\nCOPY cfcontainer-sidecar /cfcontainer-sidecar\n\
             ENTRYPOINT [\"/cfcontainer-sidecar\", \"--capture\", \"redirect\"]\n",
        ),
        (&images.app, "FROM scratch\nCOPY busybox /bin/busybox\nENTRYPOINT [\"/bin/busybox\"]\n"),
    ];
    for (tag, dockerfile) in dockerfiles {
        let file = dir.path().join(format!("{tag}.Dockerfile"));
        std::fs::write(&file, dockerfile).unwrap();
        cleanup.images.push(tag.clone());
        docker_ok(&["build", "-q", "-t", tag, "-f", file.to_str().unwrap(), dir.path().to_str().unwrap()]);
    }
    images
}

// ---------------------------------------------------------------- the sidecar

/// A running sidecar and its published control port.
struct Sidecar {
    name: String,
    control: SocketAddr,
}

/// Runs `image` as workerd creates the sidecar (container-client.c++
/// `createSidecarContainer`) and waits for readiness as workerd does: a
/// `PUT /egress` that succeeds.
fn start_sidecar(cleanup: &mut Cleanup, image: &str, bridge: &Bridge, gateway_port: u16) -> Sidecar {
    let name = unique("sidecar");
    cleanup.containers.push(name.clone());
    let port = gateway_port.to_string();
    let mut cmd = vec![
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        "bridge",
        "--cap-add",
        "NET_ADMIN",
        "--add-host",
        "host.docker.internal:host-gateway",
        "--dns",
        "1.1.1.1",
        "--dns",
        "8.8.8.8",
        "--expose",
        "39001",
        "--publish-all",
        image,
        "--http-egress-port",
        &port,
        "--http-ingress-address",
        "0.0.0.0:39001",
        "--docker-gateway-cidr",
        &bridge.subnet,
        "--dns-enabled",
        "--tls-intercept",
    ];
    if !bridge.ipv6 {
        cmd.push("--disable-ipv6");
    }
    docker_ok(&cmd);
    let published = docker_ok(&["port", &name, "39001/tcp"]);
    let host_port = published.lines().next().and_then(|l| l.rsplit(':').next()).unwrap().to_string();
    let sidecar = Sidecar { name, control: format!("127.0.0.1:{host_port}").parse().unwrap() };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok((204, _)) = sidecar.request("PUT", "/egress", &format!("{{\"port\":{gateway_port}}}")) {
            return sidecar;
        }
        assert!(Instant::now() < deadline, "the sidecar never became ready; its log:\n{}", sidecar.logs());
        thread::sleep(Duration::from_millis(200));
    }
}

impl Sidecar {
    /// One control request, answered and closed: (status, body).
    fn request(&self, method: &str, path: &str, body: &str) -> io::Result<(u16, String)> {
        let mut conn = TcpStream::connect(self.control)?;
        conn.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(
            conn,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )?;
        let mut answer = String::new();
        conn.read_to_string(&mut answer)?;
        let status = answer.get(9..12).and_then(|s| s.parse().ok()).ok_or(io::ErrorKind::InvalidData)?;
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
        Ok((status, body))
    }

    fn put_egress(&self, json: &str) -> u16 {
        self.request("PUT", "/egress", json).expect("PUT /egress").0
    }

    /// Opens a tunnel into the app's `port` as workerd does; the status
    /// and, on 200, the tunnel.
    fn connect(&self, port: u16) -> (u16, TcpStream) {
        let mut conn = TcpStream::connect(self.control).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(conn, "CONNECT 127.0.0.1:{port} HTTP/1.1\r\nX-Dst-Addr: 127.0.0.1:{port}\r\n\r\n").unwrap();
        let head = read_head(&mut conn).unwrap_or_default();
        let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, conn)
    }

    /// A connection the app makes to `host port`, driven from here.
    fn app_dials(&self, host: &str, port: u16) -> TcpStream {
        let (status, mut relay) = self.connect(RELAY_PORT);
        assert_eq!(status, 200, "the relay in the app answers");
        writeln!(relay, "{host} {port}").unwrap();
        relay
    }

    fn logs(&self) -> String {
        let out = docker(&["logs", &self.name]);
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
    }
}

/// Reads byte by byte up to the end of an HTTP head, so nothing after it is taken.
fn read_head(conn: &mut TcpStream) -> io::Result<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if conn.read(&mut byte)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        head.push(byte[0]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// Everything until the far end closes (or resets, or 10 s pass).
fn read_all(conn: &mut impl Read) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
}

/// The app: busybox in the sidecar's namespace, running the relay.
fn start_app(cleanup: &mut Cleanup, image: &str, sidecar: &Sidecar) -> String {
    let name = unique("app");
    cleanup.containers.push(name.clone());
    let namespace = format!("container:{}", sidecar.name);
    let port = RELAY_PORT.to_string();
    docker_ok(&[
        "run",
        "-d",
        "--name",
        &name,
        "--network",
        &namespace,
        image,
        "nc",
        "-ll",
        "-p",
        &port,
        "-e",
        "/bin/busybox",
        "sh",
        "-c",
        "read host port; exec /bin/busybox nc $host $port",
    ]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while sidecar.connect(RELAY_PORT).0 != 200 {
        assert!(Instant::now() < deadline, "the app's relay never listened");
        thread::sleep(Duration::from_millis(100));
    }
    name
}

/// Runs a busybox command in the app container; its stdout and stderr.
fn in_app(app: &str, script: &str) -> String {
    let out = docker(&["exec", app, "/bin/busybox", "sh", "-c", script]);
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

// ---------------------------------------------------------------- fake workerd

/// A CONNECT the fake gateway received.
#[derive(Clone, Debug)]
struct Seen {
    target: String,
    headers: HashMap<String, String>,
}

/// workerd's egress listener, faked. It answers by the target's port:
/// 80 → 202 and an HTTP answer naming the request it got; 443 → 200 and
/// the same answer (workerd intercepting HTTPS: the sidecar must have
/// terminated TLS); 9 → 400; any other → 202 and a banner before the app
/// says anything.
struct FakeGateway {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeGateway {
    fn start(ip: Ipv4Addr) -> FakeGateway {
        let listener = TcpListener::bind((ip, 0)).expect("listen on the bridge gateway address");
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let record = record.clone();
                thread::spawn(move || serve_tunnel(conn, &record));
            }
        });
        FakeGateway { port, seen }
    }

    /// The CONNECT for `target`, waiting up to 10 s for it.
    fn wait_for(&self, target: &str) -> Seen {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(seen) = self.seen.lock().unwrap().iter().find(|s| s.target == target) {
                return seen.clone();
            }
            assert!(Instant::now() < deadline, "no CONNECT {target}; saw {:?}", self.seen.lock().unwrap());
            thread::sleep(Duration::from_millis(50));
        }
    }
}

fn serve_tunnel(mut conn: TcpStream, record: &Mutex<Vec<Seen>>) {
    conn.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let Ok(head) = read_head(&mut conn) else { return };
    let mut lines = head.lines();
    let target = lines.next().unwrap_or("").split(' ').nth(1).unwrap_or("").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    record.lock().unwrap().push(Seen { target: target.clone(), headers });
    let port = target.rsplit(':').next().unwrap_or("");
    match port {
        "9" => {
            let _ = conn.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
        "80" | "443" => {
            let status = if port == "443" { "200 OK" } else { "202 Accepted" };
            let _ = write!(conn, "HTTP/1.1 {status}\r\n\r\n");
            let Ok(request) = read_head(&mut conn) else { return };
            let line = request.lines().next().unwrap_or("").to_string();
            let body = format!("gateway saw {line}");
            let _ =
                write!(conn, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        }
        _ => {
            let _ = conn.write_all(b"HTTP/1.1 202 Accepted\r\n\r\n220 fake smtp ready\r\n");
            read_all(&mut conn);
        }
    }
}

/// Sends a plain GET with `host` through `conn` and returns the answer.
fn get(conn: &mut TcpStream, path: &str, host: &str) -> String {
    write!(conn, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").unwrap();
    String::from_utf8_lossy(&read_all(conn)).into_owned()
}

/// A TLS client on `conn` that trusts only `ca_pem` and asks for `name`
/// (offering h2 and http/1.1); GETs `path` and returns the answer and the
/// negotiated ALPN.
fn get_over_tls(conn: TcpStream, ca_pem: &str, name: &str, path: &str) -> (String, Option<Vec<u8>>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).expect("a PEM certificate")).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let client =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from(name.to_string()).unwrap()).unwrap();
    let mut tls = rustls::StreamOwned::new(client, conn);
    write!(tls, "GET {path} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n").expect("the TLS handshake");
    let alpn = tls.conn.alpn_protocol().map(|p| p.to_vec());
    (String::from_utf8_lossy(&read_all(&mut tls)).into_owned(), alpn)
}

// ---------------------------------------------------------------- tests

#[test]
fn workerd_reaches_app_ports_and_configures_egress_through_the_control_port() {
    let Some(bridge) = prerequisites() else { return };
    let _serial = one_at_a_time();
    let mut cleanup = Cleanup::default();
    let images = build_images(&mut cleanup);
    let gateway = FakeGateway::start(bridge.gateway);
    let sidecar = start_sidecar(&mut cleanup, &images.sidecar, &bridge, gateway.port);
    start_app(&mut cleanup, &images.app, &sidecar);

    assert_eq!(sidecar.connect(7999).0, 400, "nothing listens on 7999: workerd reads 400 as 'not listening yet'");
    let (status, mut relay) = sidecar.connect(RELAY_PORT);
    assert_eq!(status, 200);
    writeln!(relay, "203.0.113.10 80").unwrap();
    assert!(get(&mut relay, "/through-ingress", "web.example").contains("gateway saw GET /through-ingress"));

    assert_eq!(sidecar.put_egress(r#"{"port":1,"dns":{"allowHostnames":[]},"internet":{"enabled":false}}"#), 204);
    assert_eq!(sidecar.put_egress("{}"), 400);
    assert_eq!(sidecar.put_egress(r#"{"port":0}"#), 400);
    assert_eq!(sidecar.put_egress("not json"), 400);
    assert_eq!(sidecar.request("POST", "/egress", "").unwrap().0, 405);
    assert_eq!(sidecar.request("GET", "/nothing", "").unwrap().0, 404);
    let (status, ca) = sidecar.request("GET", "/ca", "").unwrap();
    assert_eq!(status, 200);
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----") && ca.trim_end().ends_with("-----END CERTIFICATE-----"));

    // The egress port moved to 1 above: a flow now fails at the gateway.
    let mut relay = sidecar.app_dials("203.0.113.10", 80);
    assert_eq!(get(&mut relay, "/", "web.example"), "", "no gateway, no answer");
    assert_eq!(sidecar.put_egress(&format!("{{\"port\":{}}}", gateway.port)), 204);
    let mut relay = sidecar.app_dials("203.0.113.10", 80);
    assert!(
        get(&mut relay, "/back", "web.example").contains("gateway saw GET /back"),
        "the new port is in force at once"
    );
    assert!(sidecar.logs().contains("capture: tproxy"), "auto picks tproxy on this kernel:\n{}", sidecar.logs());
}

#[test]
fn every_app_connection_reaches_the_gateway_as_a_connect_to_its_original_destination() {
    let Some(bridge) = prerequisites() else { return };
    let _serial = one_at_a_time();
    let mut cleanup = Cleanup::default();
    let images = build_images(&mut cleanup);
    let gateway = FakeGateway::start(bridge.gateway);
    let sidecar = start_sidecar(&mut cleanup, &images.sidecar, &bridge, gateway.port);
    let app = start_app(&mut cleanup, &images.app, &sidecar);
    flows_reach_the_gateway(&sidecar, &app, &gateway, &bridge);
}

#[test]
fn redirect_capture_serves_the_same_flows_and_dns_where_tproxy_is_missing() {
    let Some(bridge) = prerequisites() else { return };
    let _serial = one_at_a_time();
    let mut cleanup = Cleanup::default();
    let images = build_images(&mut cleanup);
    let gateway = FakeGateway::start(bridge.gateway);
    let sidecar = start_sidecar(&mut cleanup, &images.redirect, &bridge, gateway.port);
    let app = start_app(&mut cleanup, &images.app, &sidecar);
    assert!(sidecar.logs().contains("capture: redirect"), "{}", sidecar.logs());
    flows_reach_the_gateway(&sidecar, &app, &gateway, &bridge);

    // Redirect mode answers DNS itself the same way (it forwards to
    // resolv.conf's 1.1.1.1, unreachable here, so only the internet-off
    // answers are checked).
    assert_eq!(
        sidecar.put_egress(r#"{"dns":{"allowHostnames":["*.allowed.example"]},"internet":{"enabled":false}}"#),
        204
    );
    let allowed = in_app(&app, "/bin/busybox nslookup -type=a x.allowed.example");
    assert!(allowed.contains("Address: 11.0.0.1"), "{allowed}");
    let other = in_app(&app, "/bin/busybox nslookup -type=a other.example");
    assert!(other.contains("NXDOMAIN"), "{other}");
}

/// The flows both capture modes must carry.
fn flows_reach_the_gateway(sidecar: &Sidecar, app: &str, gateway: &FakeGateway, bridge: &Bridge) {
    // Plain HTTP to port 80 carries its Host as X-Hostname; the bytes the
    // sidecar read to find it are passed on.
    let mut relay = sidecar.app_dials("203.0.113.10", 80);
    assert!(get(&mut relay, "/plain", "web.example").contains("gateway saw GET /plain HTTP/1.1"));
    let seen = gateway.wait_for("203.0.113.10:80");
    assert_eq!(seen.headers.get("x-hostname").map(String::as_str), Some("web.example"));
    assert_eq!(seen.headers.get("x-tls-sni"), None);

    // TLS carries its SNI; on 200 the sidecar terminates it with a leaf its
    // CA signed for that name, without ALPN, and the gateway gets plaintext.
    let (_, ca) = sidecar.request("GET", "/ca", "").unwrap();
    let relay = sidecar.app_dials("203.0.113.20", 443);
    let (answer, alpn) = get_over_tls(relay, &ca, "secure.example", "/tls-path");
    assert!(answer.contains("gateway saw GET /tls-path HTTP/1.1"), "{answer:?}");
    assert_eq!(alpn, None, "HTTP/1.1 only");
    let seen = gateway.wait_for("203.0.113.20:443");
    assert_eq!(seen.headers.get("x-tls-sni").map(String::as_str), Some("secure.example"));

    // A protocol whose server speaks first is not held up by the sniffing.
    let started = Instant::now();
    let mut relay = sidecar.app_dials("203.0.113.40", 25);
    assert_eq!(read_banner(&mut relay, sidecar), "220 fake smtp ready\r\n");
    assert!(started.elapsed() < Duration::from_secs(5));

    // IPv6 destinations are captured too.
    if bridge.ipv6 {
        let mut relay = sidecar.app_dials("2001:db8::10", 80);
        assert!(get(&mut relay, "/v6", "v6.example").contains("gateway saw GET /v6"));
        gateway.wait_for("[2001:db8::10]:80");
    }

    // The bridge's own addresses are not exempt: the gateway host (or any
    // other container) is reached through workerd like anything else.
    let local = format!("{}", bridge.gateway);
    let mut relay = sidecar.app_dials(&local, 2525);
    assert_eq!(read_banner(&mut relay, sidecar), "220 fake smtp ready\r\n");
    gateway.wait_for(&format!("{local}:2525"));

    // A flow workerd refuses is reset.
    let refused = in_app(app, "/bin/busybox wget -O /dev/null http://203.0.113.30:9/ 2>&1; echo exit=$?");
    assert!(refused.contains("reset by peer") && refused.contains("exit=1"), "{refused}");
    gateway.wait_for("203.0.113.30:9");
}

/// The fake gateway's banner, as the app received it.
fn read_banner(relay: &mut TcpStream, sidecar: &Sidecar) -> String {
    let mut banner = [0u8; 21];
    match relay.read_exact(&mut banner) {
        Ok(()) => String::from_utf8_lossy(&banner).into_owned(),
        Err(e) => panic!("no banner ({e}); the sidecar's log:\n{}", sidecar.logs()),
    }
}

#[test]
fn dns_answers_follow_the_allow_list_and_the_internet_setting() {
    let Some(bridge) = prerequisites() else { return };
    let _serial = one_at_a_time();
    // A resolver of our own on the bridge gateway: DNS to it is captured
    // (not exempt) and, with the internet on, forwarded to it.
    let Ok(resolver) = UdpSocket::bind((bridge.gateway, 53)) else {
        prerequisite(false, "port 53 on the bridge gateway address (run as root)");
        return;
    };
    let asked = Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    thread::spawn(move || fake_resolver(resolver, &record));
    let mut cleanup = Cleanup::default();
    let images = build_images(&mut cleanup);
    let sidecar = start_sidecar(&mut cleanup, &images.sidecar, &bridge, 1);
    let app = start_app(&mut cleanup, &images.app, &sidecar);
    let lookup = |name: &str| in_app(&app, &format!("/bin/busybox nslookup -type=a {name} {}", bridge.gateway));

    assert_eq!(
        sidecar.put_egress(r#"{"dns":{"allowHostnames":["*.allowed.example"]},"internet":{"enabled":false}}"#),
        204
    );
    let allowed = lookup("x.allowed.example");
    assert!(allowed.contains("Address: 11.0.0.1"), "{allowed}");
    let other = lookup("real.example");
    assert!(other.contains("NXDOMAIN"), "{other}");
    assert!(asked.lock().unwrap().is_empty(), "with the internet off no query leaves: {:?}", asked.lock().unwrap());

    assert_eq!(sidecar.put_egress(r#"{"internet":{"enabled":true}}"#), 204);
    let real = lookup("real.example");
    assert!(real.contains("Address: 198.51.100.7"), "{real}");
    let virtual_name = lookup("ghost.allowed.example");
    assert!(virtual_name.contains("Address: 11.0.0.1"), "an NXDOMAIN for an allowed name is replaced: {virtual_name}");
    let missing = lookup("ghost.example");
    assert!(missing.contains("NXDOMAIN"), "{missing}");
    let asked = asked.lock().unwrap().clone();
    for name in ["real.example.", "ghost.allowed.example.", "ghost.example."] {
        assert!(asked.iter().any(|n| n == name), "{name} was forwarded: {asked:?}");
    }
}

/// Answers A queries for real.example with 198.51.100.7 and anything else
/// with NXDOMAIN; records the names asked.
fn fake_resolver(socket: UdpSocket, asked: &Mutex<Vec<String>>) {
    use hickory_proto::op::{Message, MessageType, Metadata, ResponseCode};
    use hickory_proto::rr::rdata::A;
    use hickory_proto::rr::{RData, Record, RecordType};
    let mut buf = [0u8; 4096];
    while let Ok((n, from)) = socket.recv_from(&mut buf) {
        let Ok(query) = Message::from_vec(&buf[..n]) else { continue };
        let Some(question) = query.queries.first() else { continue };
        let name = question.name().to_ascii().to_ascii_lowercase();
        asked.lock().unwrap().push(name.clone());
        let mut reply = Message::new(query.metadata.id, MessageType::Response, query.metadata.op_code);
        reply.metadata = Metadata::response_from_request(&query.metadata);
        reply.add_queries(query.queries.clone());
        if name == "real.example." {
            if question.query_type() == RecordType::A {
                let ip = Ipv4Addr::new(198, 51, 100, 7);
                reply.add_answer(Record::from_rdata(question.name().clone(), 30, RData::A(A(ip))));
            }
        } else {
            reply.metadata.response_code = ResponseCode::NXDomain;
        }
        let _ = socket.send_to(&reply.to_vec().unwrap(), from);
    }
}

#[test]
fn the_image_s_cp_clones_a_snapshot_volume_as_workerd_runs_it() {
    let Some(_bridge) = prerequisites() else { return };
    let _serial = one_at_a_time();
    let mut cleanup = Cleanup::default();
    let images = build_images(&mut cleanup);
    let (src, dst) = (unique("snap"), unique("clone"));
    for v in [&src, &dst] {
        docker_ok(&["volume", "create", v]);
        cleanup.volumes.push(v.clone());
    }
    let mount = |volume: &str, at: &str| format!("{volume}:{at}");
    docker_ok(&[
        "run",
        "--rm",
        "-v",
        &mount(&src, "/src"),
        &images.app,
        "sh",
        "-c",
        "cd /src && mkdir -p d/e && echo data > d/f && chown 123:456 d/f && chmod 4750 d/f \
         && ln -s d/f link && ln d/f hard && chmod 700 d/e && touch -t 200001020304.05 d/f d/e d",
    ]);
    // As workerd's cloneSnapshot: Entrypoint ["/bin/cp"], Cmd ["-a", "/src/.", "/dst/"].
    let src_ro = format!("{src}:/src:ro");
    docker_ok(&[
        "run",
        "--rm",
        "--entrypoint",
        "/bin/cp",
        "-v",
        &src_ro,
        "-v",
        &mount(&dst, "/dst"),
        &images.sidecar,
        "-a",
        "/src/.",
        "/dst/",
    ]);
    let describe = |volume: &str| {
        docker_ok(&[
            "run",
            "--rm",
            "-v",
            &mount(volume, "/v"),
            &images.app,
            "sh",
            "-c",
            "cd /v && stat -c '%n %F %u:%g %a %Y %h' d d/e d/f hard link && readlink link && cat d/f",
        ])
    };
    let original = describe(&src);
    assert!(original.contains("d/f regular file 123:456 4750 946782245 2"), "{original}");
    assert_eq!(describe(&dst), original);
}
