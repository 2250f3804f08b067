#!/usr/bin/env python3
"""Benchmark for `cargo cfcontainer deploy` (issue 5): examples/hello against
the API emulator and the local registry. Prints the first deploy's time
(from an empty account), the no-change redeploy's time (median of 5) as a
ratio of it, and the redeploy's write calls (must be 0), side by side.
The first deploy includes bundling the worker with worker-build (the crate
stays compiled); a redeploy with nothing changed skips that.

Usage: . /opt/cfcontainer-tools/env.sh && python3 bench/deploy.py
"""
import json, os, statistics, subprocess, sys, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "target" / "release" / "cargo-cfcontainer"
EMULATOR = ROOT / "target" / "release" / "cf-api-emulator"
REGISTRY = os.environ.get("CFC_REGISTRY", "127.0.0.1:5055")


def log(base):
    control = base.replace("/client/v4", "/__emulator/log")
    return json.load(urllib.request.urlopen(control))["result"]


def deploy(env):
    start = time.time()
    out = subprocess.run([str(TOOL), "cfcontainer", "deploy", "-q", "--manifest-path", str(ROOT / "examples/hello/Cargo.toml")],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"deploy failed:\n{out.stderr}")
    return time.time() - start


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


if __name__ == "__main__":
    main()
