#!/usr/bin/env python3
"""Benchmark: a newcomer's first answer. From `cargo cfcontainer new` to
the first answer of the new crate's container under `cargo cfcontainer
dev` (tools present: what setup or a first `dev` installs), for each
kind `new` makes (a busybox web server, a Rust server of the same
workspace), side by side:

- with a fresh target directory (every dependency compiled: a newcomer's
  first crate);
- with a target directory a first crate filled (a second crate).

The crate is pointed at this checkout's runtime, as crates.io will serve
it, with the repository's locked versions (nothing else is resolved).

Usage: python3 bench/new.py   (after scripts/setup.sh; source its env.sh)
"""
import json, os, signal, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

from paths import ROOT, TOOL

# What each kind's container answers at /container/alice/.
KINDS = [
    ("server", "Hello from the container (you asked for /container/alice/)"),
    ("rust", "Hello from the Rust server (you asked for /container/alice/)"),
]


def first_answer(parent, name, kind, expect, target_dir, port):
    """Seconds from `new` to `expect` from /container/alice/ under dev."""
    start = time.time()
    subprocess.run([str(TOOL), "cfcontainer", "new", name, "--container", kind, "-q"], cwd=parent, check=True)
    app = parent / name
    # The workspace root's manifest (the crate's, or the workspace's for a
    # Rust container) takes the patch.
    manifest = app / "Cargo.toml"
    patch = f'\n[patch.crates-io]\ncfcontainer = {{ path = "{ROOT / "runtime"}" }}\n'
    manifest.write_text(manifest.read_text() + patch)
    (app / "Cargo.lock").write_bytes((ROOT / "Cargo.lock").read_bytes())
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir))
    args = [str(TOOL), "cfcontainer", "dev", "--port", str(port), "-q"]
    proc = subprocess.Popen(args, cwd=app, env=env)
    url = f"http://127.0.0.1:{port}/container/alice/"
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"dev of the {kind} crate exited with {proc.returncode} before answering")
            try:
                with urllib.request.urlopen(url, timeout=30) as answer:
                    if expect in answer.read().decode():
                        return time.time() - start
            except Exception:
                pass  # not up yet
            if time.time() - start > 1800:
                raise SystemExit(f"no answer from the {kind} crate's container in 30 minutes")
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)


def main():
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "cargo-cfcontainer"], cwd=ROOT, check=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cfc-bench-new-") as tmp:
        tmp = Path(tmp)
        for i, (kind, expect) in enumerate(KINDS):
            target = tmp / f"target-{kind}"
            print(f"{kind}: a first crate, fresh target directory", file=sys.stderr)
            cold = first_answer(tmp, f"first-{kind}", kind, expect, target, 8795 + i)
            print(f"{kind}: a second crate, same target directory", file=sys.stderr)
            warm = first_answer(tmp, f"second-{kind}", kind, expect, target, 8795 + i)
            rows.append((f"new --container {kind}", f"{cold:.1f} s", f"{warm:.1f} s", f"{warm / cold:.2f}x"))
    header = ("new -> first answer under dev", "fresh target dir", "target dir filled", "filled / fresh")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
    for row in [header] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


if __name__ == "__main__":
    main()
