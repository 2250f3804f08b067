#!/usr/bin/env python3
"""Benchmark: `cargo cfcontainer dev` on a copy of examples/hello.
Prints the time from starting `dev` to the first answer (a cold start: fresh
target directory for the crate's own code, images possibly cached), a warm
restart, and the time from editing the container's content to the new answer;
then, side by side, the first answer with an empty tool cache (workerd and
esbuild fetched from the npm registry, wasm-bindgen installed with cargo) and
with that cache warm, both with no tool on PATH or in the tool variables.

Usage: python3 bench/dev.py   (after scripts/setup.sh; source its env.sh)
"""
import json, os, shutil, signal, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "target" / "release" / "cargo-cfcontainer"


def prepare(dest):
    shutil.copytree(ROOT / "examples" / "hello", dest, ignore=shutil.ignore_patterns("build", "target"))
    manifest = (dest / "Cargo.toml").read_text()
    manifest = manifest.replace('name = "hello"', 'name = "hello-bench"')
    manifest = manifest.replace("cfcontainer = { workspace = true }", f'cfcontainer = {{ path = "{ROOT / "runtime"}" }}')
    manifest = manifest.replace("worker = { workspace = true }", 'worker = "0.8.7"') + "\n[workspace]\n"
    (dest / "Cargo.toml").write_text(manifest)
    shutil.copy(ROOT / "Cargo.lock", dest / "Cargo.lock")


def answer(url, expect, deadline):
    while time.time() < deadline:
        try:
            body = urllib.request.urlopen(url, timeout=30).read().decode()
            if expect in body:
                return
        except Exception:
            pass
        time.sleep(0.02)
    sys.exit(f"no answer containing {expect!r}")


def run_dev(app, port, edit=False, env_extra=None, unset=()):
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target" / "fixtures"), **(env_extra or {}))
    for var in unset:
        env.pop(var, None)
    start = time.time()
    proc = subprocess.Popen([str(TOOL), "cfcontainer", "dev", "--port", str(port), "-q"], cwd=app, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        answer(url, "I was passed in", start + 900)
        first = time.time() - start
        edited = None
        if edit:
            cgi = app / "container" / "www" / "cgi-bin" / "index.cgi"
            cgi.write_text(cgi.read_text().replace('body="${MESSAGE', 'body="edited: ${MESSAGE'))
            t = time.time()
            answer(url, "edited:", t + 900)
            edited = time.time() - t
        return first, edited
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


def main():
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "cargo-cfcontainer"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory(prefix="cfc-bench-dev-") as tmp:
        app = Path(tmp) / "hello"
        prepare(app)
        subprocess.run(["cargo", "clean", "-q", "-p", "hello-bench"], cwd=app,
                       env=dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target" / "fixtures")))
        cold, _ = run_dev(app, 8791)
        warm, edit = run_dev(app, 8792, edit=True)
    print(f"dev start -> first answer, crate rebuilt from clean: {cold:.2f} s")
    print(f"dev start -> first answer, nothing changed:          {warm:.2f} s  (ratio to the clean start {warm / cold:.2f})")
    print(f"edit of the container's content -> new answer:       {edit:.2f} s")
    with tempfile.TemporaryDirectory(prefix="cfc-bench-tools-") as tmp:
        app, bin_dir, cache = Path(tmp) / "hello", Path(tmp) / "bin", Path(tmp) / "cache"
        prepare(app)
        bin_dir.mkdir()
        for program in ("cargo", "rustc", "rustup", "worker-build"):
            os.symlink(shutil.which(program), bin_dir / program)
        path = f"{bin_dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        tools_env = {"PATH": path, "CFCONTAINER_CACHE_DIR": str(cache)}
        unset = ("WORKERD_BIN", "ESBUILD_BIN", "WASM_BINDGEN_BIN")
        empty, _ = run_dev(app, 8793, env_extra=tools_env, unset=unset)
        cached, _ = run_dev(app, 8794, env_extra=tools_env, unset=unset)
    print(f"dev start -> first answer, empty tool cache:         {empty:.2f} s  (fetches workerd, esbuild; installs wasm-bindgen)")
    print(f"dev start -> first answer, warm tool cache:          {cached:.2f} s  (ratio to the empty cache {cached / empty:.3f})")


if __name__ == "__main__":
    main()
