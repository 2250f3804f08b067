#!/usr/bin/env python3
"""Benchmark for `cargo cfcontainer status`, against the API emulator with
50 ms added to every answer (a far-away API), on a Worker with 10
container applications deployed by `cargo cfcontainer deploy`:
- our status: median of 5, at 0 ms and at 50 ms per answer; the
  difference over 50 ms is the round trips on its critical path (target:
  <= 3, reads in parallel), the rest is local (cargo metadata, the build's
  freshness check, hashing the bundle and the build contexts);
- side by side, the official CLI (wrangler 4.86, WRANGLER_BIN) listing the
  same account's containers and deployments (`containers list` +
  `deployments list`), the two commands it takes for part of the same
  view.

Usage: . /opt/cfcontainer-tools/env.sh && python3 bench/ops.py
"""
import json, os, statistics, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paths import ROOT, TOOL, EMULATOR, REGISTRY  # noqa: E402
from worker_crate import write_crate  # noqa: E402

LATENCY_MS = 50
CLASSES = 10
RUNS = 5


def control(base, what, body=None):
    url = base.replace("/client/v4", f"/__emulator/{what}")
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    return json.load(urllib.request.urlopen(request))["result"]


def crate(work):
    """A worker crate with CLASSES container classes sharing one image."""
    crate = work / "crate"
    classes = "\n".join(f'#[cfcontainer::container(class = "Web{i}", port = 8080)]\npub struct Web{i};' for i in range(CLASSES))
    write_crate(crate, "bench-ops", f'use worker::*;\n{classes}\n#[event(fetch)]\nasync fn fetch(_r: Request, _e: Env, _c: Context) -> Result<Response> {{ Response::ok("ok") }}\n')
    (crate / "Dockerfile").write_text("FROM scratch\nCOPY note.txt /note.txt\nEXPOSE 8080\n")
    (crate / "note.txt").write_text("bench\n")
    (crate / "wrangler.toml").write_text('name = "bench-ops"\n')
    return crate


def timed(args, env, cwd=None):
    start = time.time()
    out = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{args} failed:\n{out.stdout}\n{out.stderr}")
    return time.time() - start


def median_of(run):
    return statistics.median(run() for _ in range(RUNS))


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "cargo-cfcontainer", "-p", "cf-api-emulator"], cwd=ROOT, check=True)
    emu_env = dict(os.environ, CFEMU_REGISTRY=REGISTRY, CFEMU_REGISTRY_USER=os.environ.get("CFC_REGISTRY_USER", "cfc-test"),
                   CFEMU_REGISTRY_PASSWORD=os.environ.get("CFC_REGISTRY_PASSWORD", "cfc-test-password"),
                   CFEMU_MAX_PER_PAGE="100")
    emulator = subprocess.Popen([str(EMULATOR)], env=emu_env, stdout=subprocess.PIPE, text=True)
    base = emulator.stdout.readline().strip()
    work = Path(tempfile.mkdtemp(prefix="cfc-bench-ops-"))
    env = dict(os.environ, CLOUDFLARE_API_BASE_URL=base, CLOUDFLARE_API_TOKEN="test-token",
               CLOUDFLARE_ACCOUNT_ID="0123456789abcdef0123456789abcdef", CLOUDFLARE_CONTAINER_REGISTRY=REGISTRY,
               CARGO_TARGET_DIR=str(ROOT / "target" / "fixtures"), WRANGLER_SEND_METRICS="false", CI="1")
    try:
        manifest = crate(work) / "Cargo.toml"
        subprocess.run([str(TOOL), "cfcontainer", "deploy", "-q", "--manifest-path", str(manifest)], env=env, check=True)
        apps = control(base, "state")["applications"]
        assert len(apps) == CLASSES, f"{len(apps)} applications"
        status = [str(TOOL), "cfcontainer", "status", "-q", "--manifest-path", str(manifest)]
        timed(status, env)  # warm: the build's stamps written
        before = len(control(base, "log"))
        local = median_of(lambda: timed(status, env))
        calls = (len(control(base, "log")) - before) // RUNS
        control(base, "latency", {"ms": LATENCY_MS})
        far = median_of(lambda: timed(status, env))
        trips = (far - local) * 1000 / LATENCY_MS
        print(f"status of a Worker with {CLASSES} container applications, {calls} API calls:")
        print(f"  cargo cfcontainer status: {local * 1000:6.0f} ms at 0 ms per answer, {far * 1000:6.0f} ms at {LATENCY_MS} ms "
              f"(median of {RUNS}); {trips:.1f} round trips on the critical path "
              f"(target <= 3: {'met' if trips <= 3 else 'MISSED'}), {far * 1000 / LATENCY_MS:.1f}x one round trip in all")
        wrangler = os.environ.get("WRANGLER_BIN")
        if wrangler:
            project = work / "js"
            project.mkdir()
            (project / "wrangler.toml").write_text('name = "bench-ops"\n')
            official = dict(env, HOME=str(work))
            containers = median_of(lambda: timed([wrangler, "containers", "list"], official, project))
            deployments = median_of(lambda: timed([wrangler, "deployments", "list"], official, project))
            theirs = containers + deployments
            print(f"  official CLI, containers list + deployments list: {containers * 1000:6.0f} + {deployments * 1000:6.0f} = "
                  f"{theirs * 1000:6.0f} ms at {LATENCY_MS} ms per answer (median of {RUNS} each)")
            print(f"  ours / theirs: {far / theirs:.2f}")
        else:
            print("  (official CLI not measured: set WRANGLER_BIN, e.g. source /opt/cfcontainer-tools/env.sh)")
    finally:
        emulator.kill()


if __name__ == "__main__":
    main()
