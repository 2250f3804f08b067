//! Benchmarks of the container runtime in local workerd (run by
//! `bench/runtime.sh`; ignored by `cargo test`):
//! - cold-start overhead: from the moment the container's server logs that
//!   it listens to the first response at the client (target median < 50 ms),
//!   next to `docker run` of the same image polled every 5 ms;
//! - warm proxy overhead against the container's published port (p50 < 2 ms);
//! - wasm bytes the runtime adds over a bare worker-rs Durable Object (< 80 KB).

use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::stack::{available, Stack};
use crate::support::{root, Fixture};

fn now_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs_f64() * 1000.0
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn listening_at(logs: &str) -> f64 {
    logs.lines()
        .find_map(|l| l.trim().strip_prefix("cfc-test-server listening "))
        .and_then(|t| t.trim().parse().ok())
        .expect("listening line")
}

#[test]
#[ignore = "benchmark: run bench/runtime.sh"]
fn cold_start_and_warm_proxy_overhead() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    let runs = 7;
    let (mut overhead, mut total) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let instance = format!("cold-{i}");
        let sent = now_ms();
        let response = stack.request("GET", "pool", &instance, "/").call().unwrap();
        let answered = now_ms();
        assert_eq!(response.status(), 200);
        // The container of this instance is the one that listened last.
        let published = stack.published("Pool", 8080);
        let logs: Vec<f64> = published.iter().map(|(id, _)| listening_at(&stack.container_logs(id))).collect();
        let listened = logs.into_iter().fold(f64::MIN, f64::max);
        overhead.push(answered - listened);
        total.push(answered - sent);
    }
    let docker_cold = docker_run_cold_starts(&stack, runs);
    println!("cold start, {runs} fresh instances:");
    println!(
        "  listening -> first response (runtime overhead): median {:.1} ms (target < 50 ms: {})",
        median(overhead.clone()),
        if median(overhead.clone()) < 50.0 { "met" } else { "MISSED" }
    );
    println!("  request -> first response through workerd:      median {:.1} ms", median(total.clone()));
    println!(
        "  docker run -> first answer, 5 ms polling:        median {:.1} ms  -> workerd/docker ratio {:.2}",
        median(docker_cold.clone()),
        median(total) / median(docker_cold)
    );

    // Warm: the same container through workerd and on its published port.
    let _ = stack.request("GET", "pool", "warm", "/").call().unwrap();
    let published = stack.published("Pool", 8080);
    let newest = published
        .iter()
        .max_by(|a, b| listening_at(&stack.container_logs(&a.0)).total_cmp(&listening_at(&stack.container_logs(&b.0))))
        .unwrap();
    let direct_url = format!("http://127.0.0.1:{}/", newest.1);
    let agent = ureq::AgentBuilder::new().build();
    let (mut proxied, mut direct, mut worker_only) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..300 {
        let t = Instant::now();
        let _ = agent.get(&format!("{}/", stack.url)).set("x-container", "none").call();
        worker_only.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        agent
            .get(&format!("{}/", stack.url))
            .set("x-container", "pool")
            .set("x-instance", "warm")
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        proxied.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        agent.get(&direct_url).call().unwrap().into_string().unwrap();
        direct.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (p50_proxy, p50_direct) = (percentile(proxied.clone(), 0.5), percentile(direct.clone(), 0.5));
    println!("warm, 300 requests each:");
    println!("  through workerd:        p50 {:.2} ms, p99 {:.2} ms", p50_proxy, percentile(proxied, 0.99));
    println!("  published port directly: p50 {:.2} ms, p99 {:.2} ms", p50_direct, percentile(direct, 0.99));
    println!("  the worker alone, no Durable Object (400 answer): p50 {:.2} ms", percentile(worker_only, 0.5));
    println!(
        "  overhead p50 {:.2} ms (target < 2 ms: {}), ratio {:.2}",
        p50_proxy - p50_direct,
        if p50_proxy - p50_direct < 2.0 { "met" } else { "MISSED" },
        p50_proxy / p50_direct
    );
}

/// `docker run` of the e2e image, polled every 5 ms until it answers.
fn docker_run_cold_starts(stack: &Stack, runs: usize) -> Vec<f64> {
    let image = stack.image("Pool");
    (0..runs)
        .map(|i| {
            let name = format!("cfc-bench-direct-{i}-{}", std::process::id());
            let begin = Instant::now();
            // A network of its own: an engine may run without a default bridge.
            let _ = Command::new("docker").args(["network", "create", "cfc-bench-run"]).output();
            let out = Command::new("docker")
                .args([
                    "run",
                    "-d",
                    "--rm",
                    "--network",
                    "cfc-bench-run",
                    "--name",
                    &name,
                    "-p",
                    "127.0.0.1::8080",
                    &image,
                ])
                .output()
                .unwrap();
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            let port = String::from_utf8(Command::new("docker").args(["port", &name, "8080"]).output().unwrap().stdout)
                .unwrap();
            let port = port.lines().next().and_then(|l| l.rsplit(':').next()).unwrap().trim().to_string();
            let url = format!("http://127.0.0.1:{port}/");
            let took = loop {
                if ureq::get(&url).timeout(Duration::from_millis(200)).call().is_ok() {
                    break begin.elapsed().as_secs_f64() * 1000.0;
                }
                std::thread::sleep(Duration::from_millis(5));
                assert!(begin.elapsed() < Duration::from_secs(20));
            };
            let _ = Command::new("docker").args(["rm", "-f", &name]).output();
            took
        })
        .collect()
}

const BARE: &str = r#"
use worker::*;

#[durable_object]
pub struct Bare {
    state: State,
}

impl DurableObject for Bare {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let container = self.state.container().ok_or("no container")?;
        if !container.running() {
            container.start(None)?;
        }
        container.get_tcp_port(8080)?.fetch_request(req).await
    }
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    env.durable_object("BARE")?.id_from_name("x")?.get_stub()?.fetch_with_request(req).await
}
"#;

const WITH_RUNTIME: &str = r#"
use worker::*;

#[cfcontainer::container(port = 8080, image = "registry.cloudflare.com/acct/app:1")]
pub struct Managed;

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Managed::named(&env, "x")?.fetch(req).await
}
"#;

const RELEASE_PROFILE: &str = "[profile.release]\nlto = true\nopt-level = \"s\"\ncodegen-units = 1\n";

fn bindgen_size(fx: &Fixture, name: &str) -> u64 {
    let target_dir = root().join("target/fixtures");
    let status = Command::new("cargo")
        .args(["build", "-q", "--release", "--lib", "--target", "wasm32-unknown-unknown"])
        .env("CARGO_TARGET_DIR", &target_dir)
        .current_dir(fx.path())
        .status()
        .unwrap();
    assert!(status.success());
    let out = fx.path().join("bindgen");
    let wasm = target_dir.join(format!("wasm32-unknown-unknown/release/{name}.wasm"));
    let bindgen = std::env::var("WASM_BINDGEN_BIN").unwrap_or_else(|_| "wasm-bindgen".into());
    let status = Command::new(bindgen).args(["--target", "web", "--out-dir"]).arg(&out).arg(&wasm).status().unwrap();
    assert!(status.success());
    std::fs::metadata(out.join(format!("{name}_bg.wasm"))).unwrap().len()
}

#[test]
#[ignore = "benchmark: run bench/runtime.sh"]
fn wasm_bytes_added_by_the_runtime() {
    if !available() {
        return;
    }
    let bare = Fixture::new("bench_bare_do", BARE, RELEASE_PROFILE);
    let managed = Fixture::new("bench_managed_do", WITH_RUNTIME, RELEASE_PROFILE);
    let (a, b) = (bindgen_size(&bare, "bench_bare_do"), bindgen_size(&managed, "bench_managed_do"));
    let added = b as f64 - a as f64;
    println!("wasm after wasm-bindgen, release (lto, opt-level s):");
    println!("  bare worker-rs Durable Object starting a container: {a} bytes");
    println!("  the same with #[container]:                         {b} bytes");
    println!(
        "  added by the runtime: {:.1} KB (target < 80 KB: {}), ratio {:.2}",
        added / 1024.0,
        if added < 80.0 * 1024.0 { "met" } else { "MISSED" },
        b as f64 / a as f64
    );
}
