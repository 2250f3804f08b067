#!/usr/bin/env python3
"""Benchmark: `cargo cfcontainer inspect` on an already-built crate with 50
containers (target: under 50 ms), side by side with what reading the same
facts through cargo costs (`cargo build` no-op, `cargo metadata`).

Usage: python3 bench/inspect.py [--runs N]
"""
import argparse, json, os, statistics, subprocess, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paths import ROOT  # noqa: E402
from worker_crate import write_crate  # noqa: E402

CRATE = ROOT / "target" / "bench" / "inspect50"
TARGET_DIR = ROOT / "target" / "fixtures"
COUNT = 50


def lib_rs():
    """The library: COUNT container classes, each with every kind of attribute."""
    return "\n".join(
        f'#[cfcontainer::container(port = {8000 + i}, sleep_after = "{i + 1}m", '
        f'env(INDEX = "{i}", TOKEN = secret("TOKEN_{i}")), instance_type = "basic", '
        f'image = "registry.cloudflare.com/acct/app{i}:1")]\npub struct Container{i};\n'
        for i in range(COUNT))


def timed(cmd, runs):
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET_DIR))
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(cmd, cwd=CRATE, env=env, capture_output=True, text=True)
        samples.append((time.perf_counter() - start) * 1000)
        if out.returncode != 0:
            sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{out.stderr}")
    return statistics.median(samples), out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    runs = ap.parse_args().runs
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "cargo-cfcontainer"], cwd=ROOT, check=True)
    tool = str(ROOT / "target" / "release" / "cargo-cfcontainer")
    write_crate(CRATE, "bench-inspect50", lib_rs())
    inspect = [tool, "cfcontainer", "inspect", "--message-format", "json"]
    timed(inspect, 1)  # builds the crate once
    inspect_ms, stdout = timed(inspect, runs)
    report = json.loads(next(l for l in stdout.splitlines() if '"reason":"inspect"' in l))
    found = len(report["containers"])
    if found != COUNT:
        sys.exit(f"expected {COUNT} containers, inspect reported {found}")
    build_ms, _ = timed(["cargo", "build", "-q", "--lib", "--target", "wasm32-unknown-unknown"], runs)
    metadata_ms, _ = timed(["cargo", "metadata", "-q", "--no-deps", "--format-version", "1"], runs)
    print(f"inspect, {COUNT} containers, already built: median {inspect_ms:.1f} ms over {runs} runs (target < 50 ms: {'met' if inspect_ms < 50 else 'MISSED'})")
    print(f"  cargo build no-op (same crate):  median {build_ms:.1f} ms  -> inspect/build ratio {inspect_ms / build_ms:.2f}")
    print(f"  cargo metadata --no-deps alone:  median {metadata_ms:.1f} ms  -> inspect/metadata ratio {inspect_ms / metadata_ms:.2f}")


if __name__ == "__main__":
    main()
