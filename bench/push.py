#!/usr/bin/env python3
"""Benchmark for `cargo cfcontainer build` / `push` (issue 4), one run with
figures side by side:

1. no-change rebuild+push time as a ratio of the first build+push;
2. bytes sent to the registry after a one-file change, over the compressed
   size of the layer that file is in (target <= 1.1). Bytes are counted on
   the wire by a TCP proxy between the engine and the registry;
3. our build time against `docker build` of the same context (target ratio
   <= 1.1), both from an empty layer cache, median of 5 alternating runs:
   our packing + engine build (the `elapsed_ms` the build reports) against
   the docker CLI's wall time; the whole run (with `cargo metadata`) too.

Usage: python3 bench/push.py   (after scripts/setup.sh; it sources nothing:
run `. /opt/cfcontainer-tools/env.sh` first)
"""
import base64, json, os, shutil, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from paths import ROOT, TOOL, EMULATOR  # noqa: E402
from worker_crate import write_crate  # noqa: E402

BACKEND = os.environ.get("CFC_REGISTRY", "127.0.0.1:5055")
USER, PASSWORD = os.environ.get("CFC_REGISTRY_USER", "cfc-test"), os.environ.get("CFC_REGISTRY_PASSWORD", "cfc-test-password")
PROXY_PORT = 5057


class CountingProxy:
    """Forwards 127.0.0.1:PROXY_PORT to the registry, counting upload bytes."""

    def __init__(self):
        self.sent = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", PROXY_PORT))
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.server.accept()
            host, port = BACKEND.split(":")
            upstream = socket.create_connection((host, int(port)))
            threading.Thread(target=self.pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self.pipe, args=(upstream, client, False), daemon=True).start()

    def pipe(self, src, dst, count):
        try:
            while data := src.recv(65536):
                if count:
                    with self.lock:
                        self.sent += len(data)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def reset(self):
        with self.lock:
            self.sent = 0


def fixture(dest, name):
    dest.mkdir(parents=True)
    write_crate(dest, name, '#[cfcontainer::container(class = "Web", port = 8080)]\npub struct Web;\n')
    (dest / "Dockerfile").write_text("FROM scratch\nCOPY busybox /bin/busybox\nCOPY data.bin /data.bin\nCOPY note.bin /note.bin\n")
    shutil.copy(ROOT / "examples" / "hello" / "container" / "busybox", dest / "busybox")
    (dest / "data.bin").write_bytes(os.urandom(4_000_000))
    (dest / "note.bin").write_bytes(os.urandom(1_000_000))


def run(args, cwd, env):
    start = time.time()
    out = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{out.stdout}\n{out.stderr}")
    return time.time() - start, out.stdout


def layer_size(repo, digest, layer_index):
    req = urllib.request.Request(f"http://{BACKEND}/v2/{repo}/manifests/{digest}")
    req.add_header("Authorization", "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode())
    req.add_header("Accept", "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")
    manifest = json.load(urllib.request.urlopen(req))
    return manifest["layers"][layer_index]["size"]


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "cargo-cfcontainer", "-p", "cf-api-emulator"], cwd=ROOT, check=True)
    proxy = CountingProxy()
    registry = f"127.0.0.1:{PROXY_PORT}"
    emu_env = dict(os.environ, CFEMU_REGISTRY=registry, CFEMU_REGISTRY_USER=USER, CFEMU_REGISTRY_PASSWORD=PASSWORD)
    emulator = subprocess.Popen([str(EMULATOR)], env=emu_env, stdout=subprocess.PIPE, text=True)
    base_url = emulator.stdout.readline().strip()
    tmp = Path(tempfile.mkdtemp(prefix="cfc-bench-push-"))
    name = f"benchpush-{os.getpid()}"
    app = tmp / name
    fixture(app, name)
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target" / "fixtures"), CLOUDFLARE_API_BASE_URL=base_url,
               CLOUDFLARE_API_TOKEN="test-token", CLOUDFLARE_ACCOUNT_ID="0123456789abcdef0123456789abcdef",
               CLOUDFLARE_CONTAINER_REGISTRY=registry)
    push = [str(TOOL), "cfcontainer", "push", "-q", "--message-format", "json"]
    try:
        run([str(TOOL), "cfcontainer", "inspect", "-q"], app, env)  # the crate itself, built once
        first, _ = run(push, app, env)
        again, _ = run(push, app, env)
        print(f"build+push, first:           {first * 1000:8.0f} ms")
        print(f"build+push, no change:       {again * 1000:8.0f} ms   ratio {again / first:.3f}")

        (app / "note.bin").write_bytes(os.urandom(1_000_000))
        proxy.reset()
        _, out = run(push, app, env)
        sent = proxy.sent
        result = next(json.loads(l) for l in out.splitlines() if '"reason":"push"' in l)
        image = result["images"][0]
        repo, digest = image["reference"].split("/", 1)[1].split("@")
        size = layer_size(repo, digest, 2)
        print(f"one-file change: {image['layers_pushed']} layer sent, {image['layers_present']} present; "
              f"{sent} bytes on the wire / {size} bytes compressed layer = ratio {sent / size:.3f} (target <= 1.1)")

        ours, theirs, totals = [], [], []
        tag = f"{name}-web"
        for i in range(5):
            for label, times in (("ours", ours), ("docker", theirs)):
                subprocess.run(f"docker rmi -f $(docker images -q --filter reference='{tag}*' --filter reference='*/{tag}*') {name}-docker-build 2>/dev/null; docker image prune -f >/dev/null", shell=True, capture_output=True)
                (app / "note.bin").write_bytes(os.urandom(1_000_000))
                if label == "ours":
                    total, out = run([str(TOOL), "cfcontainer", "build", "-q", "--message-format", "json"], app, env)
                    built = next(json.loads(l) for l in out.splitlines() if '"reason":"build"' in l)["images"][0]
                    t = built["elapsed_ms"] / 1000
                    totals.append(total)
                else:
                    t, _ = run(["docker", "build", "-q", "--no-cache", "--platform", "linux/amd64", "-t", f"{name}-docker-build", "."], app, env)
                times.append(t)
        o, d = statistics.median(ours), statistics.median(theirs)
        print(f"image build, empty cache:    ours {o * 1000:.0f} ms (pack+build through the engine API), docker build {d * 1000:.0f} ms "
              f"(CLI wall time), ratio {o / d:.3f} (target <= 1.1)")
        t = statistics.median(totals)
        print(f"  whole `cargo-cfcontainer build` run incl. reading the crate (cargo metadata via rustup): {t * 1000:.0f} ms, ratio {t / d:.3f}")
    finally:
        emulator.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
