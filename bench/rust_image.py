#!/usr/bin/env python3
"""Benchmark: a container written in Rust (examples/rust-container's axum
server) as `cargo cfcontainer` assembles it from the binary, against the
same server built by a multi-stage Dockerfile through the engine, the best
practice: dependencies built in a layer of their own (a dummy main.rs
first), so an edit of the server recompiles the server only. One run, side
by side, one table with ratios:

- edit of the server -> the new answer under `cargo cfcontainer dev`: ours
  (the binary rebuilt by cargo and the image assembled and loaded), and the
  Dockerfile's (dev rebuilds its image through the engine), both with the
  release profile, and ours with the dev profile too (what `dev` uses
  unless `--release`);
- a cold build of the image (no compiled dependency anywhere): ours into a
  fresh target directory, the Dockerfile with `--no-cache`;
- the image's size against the binary's.

No image can be pulled here, so the Dockerfile's builder base is made on
this machine: a minimal Debian 12 (`debootstrap --variant=minbase` from
the Debian mirror apt uses, with gcc and libc6-dev for build scripts and
linking), plus this machine's rustup toolchain (its sysroot, with the
x86_64-unknown-linux-musl target), `docker import`ed as
cfc-bench/rust-builder:<rustc version>; it is kept for the next run. The
server's dependency sources are vendored (`cargo vendor`) into a layer
on top of that base (/vendor), untimed, standing in for crates.io, which
builds here cannot reach: the build context holds what a project's does.

Usage: python3 bench/rust_image.py   (after scripts/setup.sh; source its env.sh; as root)
"""
import json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

from example import copy_rust_example
from paths import ROOT, TOOL

MUSL = "x86_64-unknown-linux-musl"
EDIT_FROM = '"{} (uid {})\\n"'
# Each run's edit is its own: the engine's build cache would otherwise
# hold the Dockerfile's edited build from an earlier run, and the edit
# would take no build at all.
EDIT_MARK = f", edited {os.getpid()}-{int(time.time())} (uid"
EDIT_TO = '"{}' + EDIT_MARK + ' {})\\n"'


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def rustc_version():
    return subprocess.run(["rustc", "--version"], capture_output=True, text=True, check=True).stdout.split()[1]


def builder_image():
    """cfc-bench/rust-builder:<rustc version>: minimal Debian + this machine's toolchain."""
    tag = f"cfc-bench/rust-builder:{rustc_version()}"
    if subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0:
        return tag
    if shutil.which("debootstrap") is None:
        sh(["apt-get", "install", "-y", "-q", "debootstrap"], stdout=subprocess.DEVNULL)
    mirror = None
    for sources in Path("/etc/apt/sources.list.d").glob("*.sources"):
        for line in sources.read_text().splitlines():
            if line.startswith("URIs:") and "security" not in line:
                mirror = mirror or line.split()[1]
    mirror = mirror or "http://deb.debian.org/debian"
    sysroot = Path(subprocess.run(["rustc", "--print", "sysroot"], capture_output=True, text=True, check=True).stdout.strip())
    with tempfile.TemporaryDirectory(prefix="cfc-bench-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        print(f"making {tag}: debootstrap bookworm from {mirror} (a few minutes, once)", file=sys.stderr)
        sh(["debootstrap", "--variant=minbase", "--include=gcc,libc6-dev,ca-certificates", "bookworm", str(root), mirror],
           stdout=subprocess.DEVNULL)
        shutil.copytree(sysroot, root / "usr/local/rust", symlinks=True)
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        sh(["docker", "import", "-c", "ENV PATH=/usr/local/rust/bin:/usr/local/bin:/usr/bin:/bin", "-", tag],
           stdin=tar.stdout, stdout=subprocess.DEVNULL)
        tar.wait()
    return tag


def vendored_builder(builder, vendor):
    """The builder with the server's dependency sources at /vendor, as if
    crates.io were reachable from a build (it is not here): the context
    then holds what a project's does, and the dependency layer compiles
    them. Made untimed; `vendor` is moved into it."""
    tag = "cfc-bench/rust-builder-vendored:latest"
    with tempfile.TemporaryDirectory(prefix="cfc-bench-vendor-") as ctx:
        shutil.move(str(vendor), Path(ctx) / "vendor")
        (Path(ctx) / "Dockerfile").write_text(f"FROM {builder}\nCOPY vendor /vendor\n")
        sh(["docker", "build", "-q", "-t", tag, ctx], env=dict(os.environ, DOCKER_BUILDKIT="0"), stdout=subprocess.DEVNULL)
    return tag


def packaged_crates(into):
    """This checkout's crates the server depends on (cfcontainer-protocol
    and what it needs), packaged and unpacked into `into`: manifests that
    stand alone, for a build context that holds no workspace."""
    crates = ["cfcontainer-meta", "cfcontainer-macros", "cfcontainer-protocol"]
    target = ROOT / "target" / "packages"
    sh(["cargo", "package", "-q", "--no-verify", "--allow-dirty"] + [a for c in crates for a in ("-p", c)], cwd=ROOT,
       env=dict(os.environ, CARGO_TARGET_DIR=str(target)))
    into.mkdir(parents=True, exist_ok=True)
    version = re.search(r'^version = "(.+)"', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
    for name in crates:
        sh(["tar", "xzf", str(target / "package" / f"{name}-{version}.crate"), "-C", str(into)])
        (into / f"{name}-{version}").rename(into / name)
    # The packaged manifests ask for each other by version: by path here.
    for name in crates:
        manifest = into / name / "Cargo.toml"
        text = manifest.read_text()
        for dep in crates:
            text = re.sub(rf'(\[dependencies\.{dep}\]\n)version = "=[^"]+"', rf'\1path = "../{dep}"', text)
        manifest.write_text(text)


def copy_example(dest, name, dockerfile_builder=None):
    """A standalone workspace copy of examples/rust-container, its Worker
    named `name`; with `dockerfile_builder`, the Worker's class builds the
    server from server/Dockerfile instead (FROM that builder image), the
    server's context holding the protocol crates it depends on."""
    copy_rust_example(dest, name)
    if dockerfile_builder:
        (dest / "Cargo.toml").write_text((dest / "Cargo.toml").read_text().replace('"worker", "server", "protocol"', '"worker", "protocol"'))
        lib = dest / "worker" / "src" / "lib.rs"
        lib.write_text(lib.read_text().replace('binary = "api-server",\n    assets = "../server/static",',
                                               'dockerfile = "../server/Dockerfile",\n    context = "../server",'))
        server = dest / "server"
        packaged_crates(server / "crates")
        shutil.copytree(dest / "protocol", server / "crates" / "rust-container-protocol")
        protocol = server / "crates" / "rust-container-protocol" / "Cargo.toml"
        protocol.write_text(re.sub(r'cfcontainer-protocol = \{ path = "[^"]+"', 'cfcontainer-protocol = { path = "../cfcontainer-protocol"', protocol.read_text()))
        text = (server / "Cargo.toml").read_text()
        text = re.sub(r'cfcontainer-protocol = \{ path = "[^"]+"', 'cfcontainer-protocol = { path = "crates/cfcontainer-protocol"', text)
        text = text.replace('rust-container-protocol = { path = "../protocol" }', 'rust-container-protocol = { path = "crates/rust-container-protocol" }')
        (server / "Cargo.toml").write_text(text + "\n[workspace]\n")
        shutil.copy(ROOT / "Cargo.lock", server / "Cargo.lock")
        # The copied lockfile pins the whole repository: cargo trims it
        # offline. (`cargo vendor` prints the source replacement on stdout.)
        vendored = subprocess.run(["cargo", "vendor", "--offline", "vendor"], cwd=server, capture_output=True, text=True, check=True)
        assert "replace-with" in vendored.stdout, vendored.stdout + vendored.stderr
        (server / ".cargo").mkdir(exist_ok=True)
        (server / ".cargo" / "config.toml").write_text(vendored.stdout.replace('directory = "vendor"', 'directory = "/vendor"'))
        (server / ".dockerignore").write_text("target\n")
        builder = vendored_builder(dockerfile_builder, server / "vendor")
        (server / "Dockerfile").write_text(f"""FROM {builder} AS build
WORKDIR /src
COPY .cargo .cargo
COPY Cargo.toml Cargo.lock ./
COPY crates crates
# Dependencies first, in a layer of their own: an edit of src/ reuses it.
RUN mkdir src && echo 'fn main() {{}}' > src/main.rs && cargo build --release --offline --target {MUSL} && rm -rf src
COPY src src
RUN touch src/main.rs && cargo build --release --offline --target {MUSL}

FROM scratch
COPY --from=build /src/target/{MUSL}/release/api-server /usr/local/bin/api-server
COPY static /app/static
WORKDIR /app
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/api-server"]
""")
    return dest / "worker"


def answer(url, expect, deadline, proc=None):
    last = None
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"dev exited with {proc.returncode} before {url} answered {expect!r}")
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                body = r.read().decode()
                if expect in body:
                    return body
                last = body
        except Exception as e:  # not up yet, or reloading
            last = e
        time.sleep(0.05)
    raise SystemExit(f"no answer with {expect!r} from {url}: {last}")


def edit_to_answer(worker_dir, port, release, target_dir):
    """Seconds from an edit of the server's main.rs to dev's new answer."""
    # A server left on the port by an earlier run would answer for this
    # one (with its own text, edited or not): the figure would be void.
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is taken: stop what listens there (an earlier run's dev?) and run again")
    env = dict(os.environ, CARGO_TARGET_DIR=str(target_dir))
    args = [str(TOOL), "cfcontainer", "dev", "--port", str(port), "-q"] + (["--release"] if release else [])
    proc = subprocess.Popen(args, cwd=worker_dir, env=env)
    url = f"http://127.0.0.1:{port}/"
    main = worker_dir.parent / "server" / "src" / "main.rs"
    original = main.read_text()
    try:
        first = answer(url, "(uid", time.time() + 1800, proc)
        assert ", edited" not in first, f"the answer before the edit is already the edited one: {first!r}"
        edited = original.replace(EDIT_FROM, EDIT_TO)
        assert edited != original, f"{main} no longer contains {EDIT_FROM!r}"
        main.write_text(edited)
        start = time.time()
        answer(url, EDIT_MARK, start + 1800, proc)
        return time.time() - start
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
        main.write_text(original)


def cold_ours(worker_dir):
    """Seconds for `build --release` of the image into a fresh target
    directory (the Worker's wasm built there first, untimed), the image's
    bytes and the binary's."""
    with tempfile.TemporaryDirectory(prefix="cfc-bench-target-") as target:
        env = dict(os.environ, CARGO_TARGET_DIR=target)
        sh(["cargo", "build", "-q", "--release", "--lib", "--target", "wasm32-unknown-unknown"], cwd=worker_dir, env=env)
        start = time.time()
        out = subprocess.run([str(TOOL), "cfcontainer", "build", "--release", "--message-format", "json"], cwd=worker_dir,
                             env=env, capture_output=True, text=True, check=True)
        seconds = time.time() - start
        assembled = [json.loads(l) for l in out.stdout.splitlines() if '"reason":"image-assembled"' in l][0]
        return seconds, assembled["image_bytes"], assembled["binary_bytes"], assembled["reference"]


def cold_dockerfile(server_dir):
    """Seconds for `docker build --no-cache` of the server, and the image's bytes."""
    tag = "cfc-bench/rust-dockerfile:cold"
    start = time.time()
    sh(["docker", "build", "-q", "--no-cache", "-t", tag, str(server_dir)], env=dict(os.environ, DOCKER_BUILDKIT="0"),
       stdout=subprocess.DEVNULL)
    seconds = time.time() - start
    size = int(subprocess.run(["docker", "image", "inspect", "-f", "{{.Size}}", tag], capture_output=True, text=True, check=True).stdout)
    subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
    return seconds, size


def main():
    sh(["cargo", "build", "-q", "--release", "-p", "cargo-cfcontainer"], cwd=ROOT)
    builder = builder_image()
    fixtures = ROOT / "target" / "fixtures"
    with tempfile.TemporaryDirectory(prefix="cfc-bench-rust-") as tmp:
        ours = copy_example(Path(tmp) / "ours", "rust-bench")
        theirs = copy_example(Path(tmp) / "dockerfile", "rust-bench-dockerfile", dockerfile_builder=builder)
        edit_dev = edit_to_answer(ours, 8793, False, fixtures)
        edit_ours = edit_to_answer(ours, 8793, True, fixtures)
        edit_docker = edit_to_answer(theirs, 8794, True, fixtures)
        cold, image_bytes, binary_bytes, reference = cold_ours(ours)
        subprocess.run(["docker", "rmi", reference], capture_output=True)
        cold_docker, docker_bytes = cold_dockerfile(theirs.parent / "server")

    mb = lambda n: f"{n / 1e6:.2f} MB"
    rows = [
        ("edit -> new answer under dev (release)", f"{edit_ours:.1f} s", f"{edit_docker:.1f} s", f"{edit_ours / edit_docker:.2f}x"),
        ("edit -> new answer under dev (ours: dev profile)", f"{edit_dev:.1f} s", f"{edit_docker:.1f} s", f"{edit_dev / edit_docker:.2f}x"),
        ("cold build of the image (release)", f"{cold:.1f} s", f"{cold_docker:.1f} s", f"{cold / cold_docker:.2f}x"),
        ("image size (binary: " + mb(binary_bytes) + ")", mb(image_bytes), mb(docker_bytes), f"+{mb(image_bytes - binary_bytes)}"),
    ]
    header = ("", "binary = (ours)", "multi-stage Dockerfile", "ratio / over binary")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
    for row in [header] + rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    print(f"\ntargets: edit -> answer <= 0.3x the Dockerfile path ({'met' if edit_ours / edit_docker <= 0.3 else 'NOT met'}); "
          f"image <= binary + 1 MB ({'met' if image_bytes - binary_bytes <= 1_000_000 else 'NOT met'})")


if __name__ == "__main__":
    main()
