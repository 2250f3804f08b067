//! Benchmarks of the container runtime in local workerd (run by
//! `bench/runtime.sh`; ignored by `cargo test`), next to the official JS
//! library (`@cloudflare/containers`) on the same image and workerd:
//! - cold-start overhead: from the moment the container's server logs that
//!   it listens to the first response at the client (target median <= 10 ms),
//!   next to `docker run` of the same image polled every 5 ms;
//! - warm proxy overhead against the container's published port (p50 at
//!   most 0.7x the JS library's);
//! - 50 concurrent requests to one instance, cold and warm (slowest at
//!   most 1.5x a single request), and a server that listens after 2 s
//!   (answered within 2.5 s);
//! - wasm bytes the runtime adds over a bare worker-rs Durable Object (<= 80 KB).

use std::path::Path;
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

/// The JS library's stack beside `ours`, when bench/runtime.sh bundled it.
fn js_library(ours: &Stack) -> Option<Stack> {
    let Ok(bundle) = std::env::var("CFC_BENCH_JS_BUNDLE") else {
        println!("(the JS library is not measured: run bench/runtime.sh, which bundles it)");
        return None;
    };
    Some(Stack::start_js(Path::new(&bundle), "JsPool", "JS_POOL", &ours.image("Pool")))
}

/// One cold start of `instance` on `stack`: (listening -> answer, request -> answer) in ms.
fn cold_start(stack: &Stack, class: &str, instance: &str) -> (f64, f64) {
    let sent = now_ms();
    let response = stack.request("GET", "bench", instance, "/").call().unwrap();
    let answered = now_ms();
    assert_eq!(response.status(), 200);
    // The container of this instance is the one that listened last.
    let listened = newest(stack, class).1;
    (answered - listened, answered - sent)
}

/// The published port and listening time of the container of `class` that listened last.
fn newest(stack: &Stack, class: &str) -> (u16, f64) {
    stack
        .published(class, 8080)
        .iter()
        .map(|(id, port)| (*port, listening_at(&stack.container_logs(id))))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .expect("a running container")
}

fn timed(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1000.0
}

fn warm_get(agent: &ureq::Agent, stack: &Stack) -> f64 {
    timed(|| {
        let response =
            agent.get(&format!("{}/", stack.url)).set("x-container", "bench").set("x-instance", "warm").call();
        response.unwrap().into_string().unwrap();
    })
}

/// A GET with `x-container: kind`, whatever its status.
fn hop_get(agent: &ureq::Agent, stack: &Stack, kind: &str) -> f64 {
    timed(|| {
        let _ = agent.get(&format!("{}/", stack.url)).set("x-container", kind).call().map(|r| r.into_string());
    })
}

fn direct_get(agent: &ureq::Agent, port: u16) -> f64 {
    timed(|| {
        agent.get(&format!("http://127.0.0.1:{port}/")).call().unwrap().into_string().unwrap();
    })
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

#[test]
#[ignore = "benchmark: run bench/runtime.sh"]
fn cold_start_and_warm_proxy_overhead_next_to_the_js_library() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    let js = js_library(&stack);
    let runs = 7;
    let (mut overhead, mut total, mut js_overhead, mut js_total) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        let (o, t) = cold_start(&stack, "Pool", &format!("cold-{i}"));
        overhead.push(o);
        total.push(t);
        if let Some(js) = &js {
            let (o, t) = cold_start(js, "JsPool", &format!("cold-{i}"));
            js_overhead.push(o);
            js_total.push(t);
        }
    }
    let docker_cold = docker_run_cold_starts(&stack, runs);
    println!("cold start, {runs} fresh instances each:");
    let cold = median(overhead.clone());
    println!(
        "  listening -> first response, ours:       median {cold:.1} ms (target <= 10 ms: {})",
        verdict(cold <= 10.0)
    );
    if !js_overhead.is_empty() {
        let js_cold = median(js_overhead.clone());
        println!("  listening -> first response, JS library: median {js_cold:.1} ms -> ours/JS {:.2}", cold / js_cold);
        println!("  request -> first response, JS library:  median {:.1} ms", median(js_total));
    }
    println!("  request -> first response, ours:         median {:.1} ms", median(total.clone()));
    println!(
        "  docker run -> first answer, 5 ms polling: median {:.1} ms -> ours/docker {:.2}",
        median(docker_cold.clone()),
        median(total) / median(docker_cold)
    );

    // Warm: the same container through workerd and on its published port,
    // the requests of both sides interleaved so drift hits both alike.
    let _ = stack.request("GET", "bench", "warm", "/").call().unwrap();
    let ours_port = newest(&stack, "Pool").0;
    let js_port = js.as_ref().map(|js| {
        let _ = js.request("GET", "bench", "warm", "/").call().unwrap();
        newest(js, "JsPool").0
    });
    let agent = ureq::AgentBuilder::new().build();
    let (mut proxied, mut direct, mut js_proxied, mut js_direct) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..300 {
        proxied.push(warm_get(&agent, &stack));
        direct.push(direct_get(&agent, ours_port));
        if let (Some(js), Some(port)) = (&js, js_port) {
            js_proxied.push(warm_get(&agent, js));
            js_direct.push(direct_get(&agent, port));
        }
    }
    let ours = percentile(proxied.clone(), 0.5) - percentile(direct.clone(), 0.5);
    println!("warm, 300 requests each, interleaved:");
    println!(
        "  ours through workerd: p50 {:.2} ms, p99 {:.2} ms; its port directly p50 {:.2} ms -> overhead p50 {ours:.2} ms",
        percentile(proxied.clone(), 0.5),
        percentile(proxied, 0.99),
        percentile(direct, 0.5)
    );
    if !js_proxied.is_empty() {
        let theirs = percentile(js_proxied.clone(), 0.5) - percentile(js_direct.clone(), 0.5);
        println!(
            "  JS library:           p50 {:.2} ms, p99 {:.2} ms; its port directly p50 {:.2} ms -> overhead p50 {theirs:.2} ms",
            percentile(js_proxied.clone(), 0.5),
            percentile(js_proxied, 0.99),
            percentile(js_direct, 0.5)
        );
        println!("  overhead ours/JS: {:.2} (target <= 0.70: {})", ours / theirs, verdict(ours / theirs <= 0.7));
    }

    // Where the time goes: the Worker alone, the Worker and a Durable
    // Object that answers itself, and the whole way into the container.
    if let Some(js) = &js {
        println!("hop costs, p50 of 300 each (ours / JS library):");
        for (what, kind) in [("the Worker alone (400)", "none"), ("Worker -> object answering itself", "echo")] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            for _ in 0..300 {
                a.push(hop_get(&agent, &stack, kind));
                b.push(hop_get(&agent, js, kind));
            }
            println!("  {what}: {:.2} / {:.2} ms", percentile(a, 0.5), percentile(b, 0.5));
        }
    }
}

/// `n` concurrent GETs of `path` on one instance; each one's time in ms.
fn burst(stack: &Stack, instance: &str, n: usize) -> Vec<f64> {
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    timed(|| match stack.request("GET", "bench", instance, "/id").call() {
                        Ok(response) => drop(response.into_string()),
                        Err(error) => panic!("a request of the burst failed: {error}\n{}", stack.log()),
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn slowest(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

#[test]
#[ignore = "benchmark: run bench/runtime.sh"]
fn bursts_of_fifty_and_a_late_listener() {
    if !available() {
        return;
    }
    let stack = Stack::start();
    let js = js_library(&stack);
    let runs = 3;
    println!("50 concurrent requests to one instance ({runs} runs; target: slowest <= 1.5x a single request):");
    let sides: Vec<(&str, &Stack, &str)> =
        std::iter::once(("ours", &stack, "Pool")).chain(js.as_ref().map(|js| ("JS library", js, "JsPool"))).collect();
    for run in 0..runs {
        for (side, stack, class) in &sides {
            let single_cold = cold_start(stack, class, &format!("single-{run}")).1;
            let cold = burst(stack, &format!("burst-{run}"), 50);
            let agent = ureq::AgentBuilder::new().build();
            let single_warm = median((0..20).map(|_| warm_get(&agent, stack)).collect());
            let warm = burst(stack, "warm", 50);
            println!(
                "  run {run}, {side}: cold single {single_cold:.0} ms, burst median {:.0} slowest {:.0} ms -> {:.2}x ({}); \
                 warm single {single_warm:.1} ms, burst median {:.1} slowest {:.1} ms -> {:.2}x ({}), slowest/median {:.2}",
                median(cold.clone()),
                slowest(&cold),
                slowest(&cold) / single_cold,
                verdict(slowest(&cold) <= 1.5 * single_cold),
                median(warm.clone()),
                slowest(&warm),
                slowest(&warm) / single_warm,
                verdict(slowest(&warm) <= 1.5 * single_warm),
                slowest(&warm) / median(warm.clone()),
            );
        }
    }
    // A server that listens two seconds after it starts: the answer
    // should follow the listener within a probe pause.
    let mut totals = Vec::new();
    for run in 0..runs {
        let sent = now_ms();
        let response = stack.request("GET", "slow", &format!("late-{run}"), "/").call().unwrap();
        let answered = now_ms();
        assert_eq!(response.status(), 200);
        let listened = stack
            .published("Slow", 8080)
            .iter()
            .map(|(id, _)| listening_at(&stack.container_logs(id)))
            .fold(f64::MIN, f64::max);
        totals.push(answered - sent);
        println!(
            "  late listener run {run}: request -> answer {:.0} ms (target <= 2500 ms: {}), listening -> answer {:.0} ms",
            answered - sent,
            verdict(answered - sent <= 2500.0),
            answered - listened
        );
    }
    println!("  late listener median {:.0} ms", median(totals));
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
