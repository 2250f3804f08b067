#!/usr/bin/env bash
# Installs and starts everything cfcontainer's tests and local dev need.
# Idempotent: a second run only checks and (re)starts what is down.
#
# Installs: Debian's docker.io (CLI, runc, iptables), dockerd 26 + containerd
# from Debian 13 (unpacked, not installed), docker-registry, apache2-utils,
# busybox-static, the wasm32 target, worker-build, wasm-bindgen-cli, and
# workerd + esbuild from npm.
# Starts: dockerd (IPv6 pool, socket /var/run/docker.sock) and a registry on
# 127.0.0.1:$CFC_REGISTRY_PORT with htpasswd auth.
# Writes: $CFC_TOOLS/env.sh, which exports the tool paths; source it.
set -euo pipefail

CFC_TOOLS=${CFC_TOOLS:-/opt/cfcontainer-tools}
CFC_REGISTRY_PORT=${CFC_REGISTRY_PORT:-5055}
WORKERD_VERSION=1.20260305.0
WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=0.2.130
DOCKERD_MAJOR=26

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (installs Debian packages and starts dockerd)"
mkdir -p "$CFC_TOOLS"

apt_ready=$CFC_TOOLS/.apt-updated
need_pkgs=()
for p in docker.io docker-registry apache2-utils busybox-static curl; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing Debian packages: ${need_pkgs[*]}"
  [ -f "$apt_ready" ] || { apt-get update -qq && touch "$apt_ready"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null \
    || die "apt-get install ${need_pkgs[*]} failed; check that Debian's mirror is reachable"
fi
# Debian's package starts its own dockerd 20.10 and registry; we run our own.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl stop docker.service docker.socket docker-registry.service >/dev/null 2>&1 || true
fi

# --- dockerd 26 from Debian 13, unpacked next to Debian 12's runc ----------
D26=$CFC_TOOLS/docker26
if [ ! -x "$D26/root/usr/sbin/dockerd" ]; then
  say "fetching dockerd $DOCKERD_MAJOR and containerd from Debian 13"
  mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)
  [ -n "$mirror" ] || mirror=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1)
  [ -n "$mirror" ] || die "cannot find the Debian mirror in /etc/apt sources"
  rm -rf "$D26"; mkdir -p "$D26/etc" "$D26/state" "$D26/cache" "$D26/root"
  touch "$D26/state/status"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" > "$D26/etc/trixie.sources"
  O=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$D26/etc" -o "Dir::State=$D26/state"
     -o "Dir::State::status=$D26/state/status" -o "Dir::Cache=$D26/cache")
  apt-get "${O[@]}" update -qq || die "apt-get update for Debian 13 failed"
  (cd "$D26" && apt-get "${O[@]}" download docker.io containerd >/dev/null) || die "downloading docker.io/containerd from Debian 13 failed"
  for f in "$D26"/*.deb; do dpkg-deb -x "$f" "$D26/root"; done
  rm -f "$D26"/*.deb
fi

mkdir -p /etc/docker
cat > /etc/docker/daemon.json <<'JSON'
{"ipv6": true, "fixed-cidr-v6": "fd00:dead:beef::/64",
 "default-address-pools": [{"base": "172.30.0.0/16", "size": 24},
                           {"base": "fd00:cafe::/48", "size": 64}]}
JSON

docker_server_major() {
  DOCKER_HOST=unix:///var/run/docker.sock docker version --format '{{.Server.Version}}' 2>/dev/null | cut -d. -f1
}
if [ "$(docker_server_major)" != "$DOCKERD_MAJOR" ]; then
  pkill -x dockerd 2>/dev/null || true; pkill -x containerd 2>/dev/null || true
  for _ in $(seq 50); do pgrep -x dockerd >/dev/null || break; sleep 0.2; done
  rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
  say "starting dockerd $DOCKERD_MAJOR (log: $CFC_TOOLS/dockerd.log)"
  PATH=$D26/root/usr/bin:$D26/root/usr/sbin:$PATH setsid nohup "$D26/root/usr/sbin/dockerd" \
    >"$CFC_TOOLS/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 150); do [ "$(docker_server_major)" = "$DOCKERD_MAJOR" ] && break; sleep 0.2; done
  [ "$(docker_server_major)" = "$DOCKERD_MAJOR" ] || die "dockerd $DOCKERD_MAJOR did not start; see $CFC_TOOLS/dockerd.log"
fi

# --- registry on loopback with bcrypt htpasswd auth ------------------------
REG=$CFC_TOOLS/registry
mkdir -p "$REG/data"
[ -f "$REG/htpasswd" ] || htpasswd -Bbn cfc-test cfc-test-password > "$REG/htpasswd"
cat > "$REG/config.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $REG/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$CFC_REGISTRY_PORT}
auth: {htpasswd: {realm: cfcontainer-test, path: $REG/htpasswd}}
YML
if ! curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CFC_REGISTRY_PORT/v2/" | grep -q 401; then
  say "starting registry on 127.0.0.1:$CFC_REGISTRY_PORT"
  setsid nohup docker-registry serve "$REG/config.yml" >"$CFC_TOOLS/registry.log" 2>&1 </dev/null &
  for _ in $(seq 50); do
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CFC_REGISTRY_PORT/v2/" | grep -q 401 && break; sleep 0.2
  done
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CFC_REGISTRY_PORT/v2/" | grep -q 401 \
    || die "registry did not start; see $CFC_TOOLS/registry.log"
fi

# --- Rust: wasm target, worker-build, wasm-bindgen-cli ---------------------
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
cargo_has() { cargo install --list | grep -q "^$1 v$2:"; }
cargo_has worker-build "$WORKER_BUILD_VERSION" || cargo install -q worker-build --version "$WORKER_BUILD_VERSION"
cargo_has wasm-bindgen-cli "$WASM_BINDGEN_VERSION" || cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"

# --- workerd and esbuild from npm ------------------------------------------
NODE=$CFC_TOOLS/node
if [ "$(cat "$NODE/.installed" 2>/dev/null)" != "workerd@$WORKERD_VERSION" ]; then
  command -v npm >/dev/null || die "npm not found; install Node.js 20 (Debian: apt-get install nodejs npm)"
  say "installing workerd@$WORKERD_VERSION and esbuild from npm"
  mkdir -p "$NODE"; [ -f "$NODE/package.json" ] || echo '{"private": true}' > "$NODE/package.json"
  (cd "$NODE" && npm install --silent --no-audit --no-fund "workerd@$WORKERD_VERSION" esbuild) \
    || die "npm install workerd esbuild failed"
  echo "workerd@$WORKERD_VERSION" > "$NODE/.installed"
fi
"$NODE/node_modules/.bin/workerd" --version >/dev/null 2>&1 || die "workerd does not run: $NODE/node_modules/.bin/workerd"

# --- example images: FROM scratch, so each needs a static busybox in its context
repo=$(cd "$(dirname "$0")/.." && pwd)
for ctx in "$repo"/examples/*/container; do
  grep -q busybox "$ctx/../Dockerfile" 2>/dev/null || continue
  cmp -s /usr/bin/busybox "$ctx/busybox" || cp /usr/bin/busybox "$ctx/busybox"
done
# ... and the websocket example a static echo server (testsupport/container-server).
host_triple=$(rustc -vV | sed -n 's/^host: //p')
(cd "$repo" && RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR="$repo/target/static" \
  cargo build -q --release -p cfc-test-server --target "$host_triple") || die "building the static echo server failed"
echo_server="$repo/target/static/$host_triple/release/cfc-test-server"
mkdir -p "$repo/examples/websocket/container"
cmp -s "$echo_server" "$repo/examples/websocket/container/echo-server" || cp "$echo_server" "$repo/examples/websocket/container/echo-server"

# --- the official CLI, for the wrangler-export acceptance test -------------
# 4.86.0: the newest release that runs on Debian 12's Node.js 20.
WRANGLER_VERSION=4.86.0
WRANGLER_DIR=$CFC_TOOLS/wrangler
if [ "$(cat "$WRANGLER_DIR/.installed" 2>/dev/null)" != "wrangler@$WRANGLER_VERSION" ]; then
  say "installing wrangler@$WRANGLER_VERSION from npm"
  mkdir -p "$WRANGLER_DIR"
  (cd "$WRANGLER_DIR" && npm install --silent --no-audit --no-fund "wrangler@$WRANGLER_VERSION") || die "npm install wrangler failed"
  echo "wrangler@$WRANGLER_VERSION" > "$WRANGLER_DIR/.installed"
fi

cat > "$CFC_TOOLS/env.sh" <<ENV
export WORKERD_BIN=$NODE/node_modules/.bin/workerd
export ESBUILD_BIN=$NODE/node_modules/.bin/esbuild
export WRANGLER_BIN=$WRANGLER_DIR/node_modules/.bin/wrangler
export WASM_BINDGEN_BIN=$HOME/.cargo/bin/wasm-bindgen
export DOCKER_HOST=\${DOCKER_HOST:-unix:///var/run/docker.sock}
export CFC_REGISTRY=127.0.0.1:$CFC_REGISTRY_PORT
export CFC_REGISTRY_USER=cfc-test
export CFC_REGISTRY_PASSWORD=cfc-test-password
ENV
say "ready: dockerd $(docker_server_major), registry 127.0.0.1:$CFC_REGISTRY_PORT, workerd $WORKERD_VERSION (source $CFC_TOOLS/env.sh)"
