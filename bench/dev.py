#!/usr/bin/env python3
"""Benchmark: `cargo cfcontainer dev` on a copy of examples/hello.
Prints the time from starting `dev` to the first answer (a cold start: fresh
target directory for the crate's own code, images possibly cached), a warm
restart, and the time from editing the container's content to the new answer;
then the CPU time an idle `dev` of a copy of examples/notes takes over 60 s
(dev itself, and with the workerd it runs), as a share of one core, as it is
and with 20,000 more files in its build context; then,
side by side, the first answer with an empty tool cache (workerd and
esbuild fetched from the npm registry, wasm-bindgen installed with cargo) and
with that cache warm, both with no tool on PATH or in the tool variables.

Usage: python3 bench/dev.py   (after scripts/setup.sh; source its env.sh)
"""
import json, os, shutil, signal, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

from paths import ROOT, TOOL


IDLE_SECONDS = 60
# Files added to the notes copy's build context for the second idle run.
BULK_FILES = 20000


def prepare(dest, example="hello"):
    """A standalone copy of examples/<example>, crate and Worker named <example>-bench."""
    shutil.copytree(ROOT / "examples" / example, dest, ignore=shutil.ignore_patterns("build", "target", ".wrangler"))
    manifest = (dest / "Cargo.toml").read_text()
    manifest = manifest.replace(f'name = "{example}"', f'name = "{example}-bench"')
    manifest = manifest.replace("cfcontainer = { workspace = true }", f'cfcontainer = {{ path = "{ROOT / "runtime"}" }}')
    manifest = manifest.replace("worker = { workspace = true }", 'worker = "0.8.7"')
    manifest = manifest.replace("serde = { workspace = true }", 'serde = { version = "1", features = ["derive"] }')
    manifest = manifest.replace("wasm-bindgen = { workspace = true }", 'wasm-bindgen = "=0.2.130"') + "\n[workspace]\n"
    (dest / "Cargo.toml").write_text(manifest)
    wrangler = dest / "wrangler.toml"
    if wrangler.exists():
        wrangler.write_text(wrangler.read_text().replace(f'name = "{example}"', f'name = "{example}-bench"', 1))
    shutil.copy(ROOT / "Cargo.lock", dest / "Cargo.lock")


def add_bulk(dest, count):
    """count small files in 100-file directories under dest: a big build context."""
    for i in range(count):
        path = dest / f"d{i // 100:03}" / f"f{i % 100:02}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(i))


def cpu_seconds(pids):
    """User and system CPU time of these processes so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def descendants(pid):
    """pid and every process below it."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(parents.get(found[-1], []))
    return found


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


def run_dev(app, port, edit=False, idle=False, expect="I was passed in", env_extra=None, unset=()):
    """Seconds from start to the first answer, and then the seconds from an
    edit to the new answer (edit), or the CPU shares of dev alone and with
    its children while idle (idle)."""
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target" / "fixtures"), **(env_extra or {}))
    for var in unset:
        env.pop(var, None)
    start = time.time()
    proc = subprocess.Popen([str(TOOL), "cfcontainer", "dev", "--port", str(port), "-q"], cwd=app, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        answer(url, expect, start + 900)
        first = time.time() - start
        edited = None
        if idle:
            time.sleep(2)
            everything = descendants(proc.pid)
            before = (cpu_seconds([proc.pid]), cpu_seconds(everything))
            time.sleep(IDLE_SECONDS)
            after = (cpu_seconds([proc.pid]), cpu_seconds(everything))
            return first, tuple((a - b) / IDLE_SECONDS for a, b in zip(after, before))
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
    for extra, label in ((0, "examples/notes"), (BULK_FILES, f"notes + {BULK_FILES} files")):
        with tempfile.TemporaryDirectory(prefix="cfc-bench-idle-") as tmp:
            app = Path(tmp) / "notes"
            prepare(app, "notes")
            add_bulk(app / "container" / "www" / "bulk", extra)
            _, (own, with_workerd) = run_dev(app, 8795, idle=True, expect="Team notes")
        print(f"idle dev of {label + ',':<22} CPU over {IDLE_SECONDS} s: {own * 100:.2f} % of one core  ({with_workerd * 100:.2f} % with workerd)")
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
