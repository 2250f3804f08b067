#!/usr/bin/env python3
"""Benchmark for `cargo cfcontainer deploy`, against the API emulator and
the local registry:
- examples/hello: the first deploy's time (from an empty account), the
  no-change redeploy's time (median of 5) as a ratio of it, and the
  redeploy's write calls (must be 0);
- a full wrangler file (every binding kind, settings, a cron, a zone
  route, a Custom Domain, a queue consumer, a static site of 60 files):
  the same figures, side by
  side with the official CLI (wrangler 4.86, WRANGLER_BIN) deploying the
  same file to an emulator of its own (target: our redeploy <= 10 % of our
  first deploy).
The first deploy includes bundling the worker with worker-build (the crate
stays compiled); a redeploy with nothing changed skips that.

Usage: . /opt/cfcontainer-tools/env.sh && python3 bench/deploy.py
"""
import json, os, statistics, subprocess, sys, time, urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paths import ROOT, TOOL, EMULATOR, REGISTRY  # noqa: E402
from worker_crate import write_crate  # noqa: E402


def log(base):
    control = base.replace("/client/v4", "/__emulator/log")
    return json.load(urllib.request.urlopen(control))["result"]


def deploy(env, manifest=ROOT / "examples/hello/Cargo.toml"):
    start = time.time()
    out = subprocess.run([str(TOOL), "cfcontainer", "deploy", "-q", "--manifest-path", str(manifest)],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"deploy failed:\n{out.stderr}")
    return time.time() - start


# The full wrangler file (as the differential e2e test's, without the
# binding to another Worker's class).
FULL = """name = "bench-full"
compatibility_date = "2026-03-05"
logpush = true
limits = { cpu_ms = 50 }
placement = { mode = "smart" }
tail_consumers = [{ service = "tail-worker" }]
observability = { enabled = true, head_sampling_rate = 0.5 }
kv_namespaces = [{ binding = "CACHE", id = "0f2ac74b498b48028cb68387c421e279" }]
r2_buckets = [{ binding = "ASSETS", bucket_name = "assets", jurisdiction = "eu" }]
d1_databases = [{ binding = "DB", database_name = "app", database_id = "6f1c5b6e-1d2a-4d5e-9c1b-2f3e4a5b6c7d" }]
services = [{ binding = "AUTH", service = "auth-worker", entrypoint = "Verify" }]
queues = { producers = [{ binding = "JOBS", queue = "jobs" }], consumers = [{ queue = "jobs", max_batch_size = 5, dead_letter_queue = "jobs-dlq" }] }
analytics_engine_datasets = [{ binding = "EVENTS", dataset = "events" }]
ai = { binding = "AI" }
vectorize = [{ binding = "SEARCH", index_name = "docs" }]
hyperdrive = [{ binding = "PG", id = "a76a99bc342644deb02c38d66082262a" }]
version_metadata = { binding = "VERSION" }
secrets_store_secrets = [{ binding = "STRIPE", store_id = "s1", secret_name = "stripe" }]
routes = ["example.com/api/*", { pattern = "app.example.com", custom_domain = true }]
assets = { directory = "./public", binding = "STATIC", not_found_handling = "single-page-application" }

[vars]
MODE = "production"
LIMITS = { max_items = 3 }

[triggers]
crons = ["*/30 * * * *"]
"""


def write_site(dir):
    """A static site: 20 pages, 20 scripts, 20 style sheets."""
    for i in range(20):
        (dir / "public" / "pages").mkdir(parents=True, exist_ok=True)
        (dir / "public" / "pages" / f"page{i}.html").write_text(f"<h1>page {i}</h1>\n" * 50)
        (dir / "public" / f"app{i}.js").write_text(f"console.log({i});\n" * 200)
        (dir / "public" / f"style{i}.css").write_text(f".c{i} {{ color: teal }}\n" * 100)


def start_emulator():
    emu_env = dict(os.environ, CFEMU_REGISTRY=REGISTRY, CFEMU_REGISTRY_USER=os.environ.get("CFC_REGISTRY_USER", "cfc-test"),
                   CFEMU_REGISTRY_PASSWORD=os.environ.get("CFC_REGISTRY_PASSWORD", "cfc-test-password"))
    emulator = subprocess.Popen([str(EMULATOR)], env=emu_env, stdout=subprocess.PIPE, text=True)
    base = emulator.stdout.readline().strip()
    env = dict(os.environ, CLOUDFLARE_API_BASE_URL=base, CLOUDFLARE_API_TOKEN="test-token",
               CLOUDFLARE_ACCOUNT_ID="0123456789abcdef0123456789abcdef", CLOUDFLARE_CONTAINER_REGISTRY=REGISTRY,
               WRANGLER_SEND_METRICS="false", CI="1")
    return emulator, base, env


def timed_runs(run, base):
    """The first run, then 5 more: (first s, median s, writes of the last)."""
    first = run()
    again, writes = [], []
    for _ in range(5):
        before = len(log(base))
        again.append(run())
        writes = [c for c in log(base)[before:] if c["method"] != "GET"]
    return first, statistics.median(again), writes


def full_config():
    """Ours and the official CLI's first deploy and no-change redeploy of
    the full file, each against an emulator of its own."""
    import tempfile
    work = Path(tempfile.mkdtemp(prefix="cfc-bench-full-"))
    crate = work / "crate"
    write_crate(crate, "bench-full", 'use worker::*;\n#[event(fetch)]\nasync fn fetch(_r: Request, _e: Env, _c: Context) -> Result<Response> { Response::ok("ok") }\n')
    (crate / "wrangler.toml").write_text(FULL)
    write_site(crate)
    js = work / "js"
    js.mkdir()
    write_site(js)
    (js / "wrangler.toml").write_text('main = "index.js"\n' + FULL)
    (js / "index.js").write_text("export default { fetch() { return new Response('ok') } }\n")

    emulator, base, env = start_emulator()
    try:
        env = dict(env, CARGO_TARGET_DIR=str(ROOT / "target" / "fixtures"))
        ours = timed_runs(lambda: deploy(env, crate / "Cargo.toml"), base)
    finally:
        emulator.kill()
    wrangler = os.environ.get("WRANGLER_BIN")
    theirs = None
    if wrangler:
        emulator, base, env = start_emulator()
        try:
            def official():
                start = time.time()
                out = subprocess.run([wrangler, "deploy"], cwd=js, env=dict(env, HOME=str(work)), capture_output=True, text=True)
                if out.returncode != 0:
                    sys.exit(f"wrangler deploy failed:\n{out.stdout}\n{out.stderr}")
                return time.time() - start
            theirs = timed_runs(official, base)
        finally:
            emulator.kill()
    print("full wrangler file (every binding kind, settings, cron, route, Custom Domain, queue consumer, 60 static assets):")
    first, median, writes = ours
    verdict = "met" if median <= 0.1 * first else "MISSED"
    print(f"  cargo cfcontainer: first {first * 1000:6.0f} ms, no-change redeploy (median 5) {median * 1000:6.0f} ms, "
          f"ratio {median / first:.3f} (target <= 0.10: {verdict}), {len(writes)} writes")
    if theirs:
        t_first, t_median, t_writes = theirs
        print(f"  official CLI:      first {t_first * 1000:6.0f} ms, redeploy (median 5)           {t_median * 1000:6.0f} ms, "
              f"ratio {t_median / t_first:.3f}, {len(t_writes)} writes")
        print(f"  our redeploy / theirs: {median / t_median:.2f}")
    else:
        print("  (official CLI not measured: set WRANGLER_BIN, e.g. source /opt/cfcontainer-tools/env.sh)")


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "cargo-cfcontainer", "-p", "cf-api-emulator"], cwd=ROOT, check=True)
    emu_env = dict(os.environ, CFEMU_REGISTRY=REGISTRY, CFEMU_REGISTRY_USER=os.environ.get("CFC_REGISTRY_USER", "cfc-test"),
                   CFEMU_REGISTRY_PASSWORD=os.environ.get("CFC_REGISTRY_PASSWORD", "cfc-test-password"))
    emulator = subprocess.Popen([str(EMULATOR)], env=emu_env, stdout=subprocess.PIPE, text=True)
    base = emulator.stdout.readline().strip()
    env = dict(os.environ, CLOUDFLARE_API_BASE_URL=base, CLOUDFLARE_API_TOKEN="test-token",
               CLOUDFLARE_ACCOUNT_ID="0123456789abcdef0123456789abcdef", CLOUDFLARE_CONTAINER_REGISTRY=REGISTRY)
    try:
        # A first deploy bundles the worker (worker-build); the crate itself
        # stays compiled, so the figure is not a cold cargo build.
        (ROOT / "examples/hello/build/.cfcontainer-stamp").unlink(missing_ok=True)
        first = deploy(env)
        first_calls = log(base)
        writes_first = [c for c in first_calls if c["method"] != "GET"]
        again = []
        for _ in range(5):
            before = len(log(base))
            again.append(deploy(env))
            calls = log(base)[before:]
            writes = [c for c in calls if c["method"] != "GET"]
            if writes:
                sys.exit(f"a no-change redeploy wrote: {writes}")
        median = statistics.median(again)
        print(f"first deploy (empty account):  {first * 1000:7.0f} ms, {len(first_calls)} API calls, {len(writes_first)} writes")
        print(f"no-change redeploy (median 5): {median * 1000:7.0f} ms, {len(calls)} API calls, {len(writes)} writes, ratio {median / first:.3f}")
    finally:
        emulator.kill()
    full_config()


if __name__ == "__main__":
    main()
