#!/usr/bin/env bash
# Runtime benchmarks in local workerd with real Docker, ours side by side
# in one run with the official JS library (@cloudflare/containers, bundled
# with esbuild) and a floor written by hand in JS with no library
# (bench/js-container/floor.js), on the same image and workerd. Prints one
# table of the warm path (Worker alone, Worker -> object answering itself,
# Worker -> object -> container, the container's port directly; p50 and
# p99, ours/JS ratios, each side above the floor), the cold start after the
# container listens, and the wasm bytes the runtime adds, with the targets
# met or missed; then bursts of 50 concurrent requests and a late listener.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source "${CFC_TOOLS:-/opt/cfcontainer-tools}/env.sh"

# The JS library, pinned in bench/js-container/package.json, bundled as
# wrangler would: one ES module, `cloudflare:*` left to the runtime.
JS_DIR=target/bench-js
mkdir -p "$JS_DIR"
cp bench/js-container/worker.js bench/js-container/package.json "$JS_DIR/"
(cd "$JS_DIR" && npm install --silent --no-audit --no-fund)
"$ESBUILD_BIN" "$JS_DIR/worker.js" --bundle --format=esm --platform=neutral --log-level=warning \
  --external:'cloudflare:*' --outfile="$JS_DIR/index.js"
export CFC_BENCH_JS_BUNDLE="$PWD/$JS_DIR/index.js"

export CFCONTAINER_E2E=1
cargo test -q --release -p cargo-cfcontainer --test e2e runtime_bench:: -- --ignored --nocapture --test-threads 1 2>&1 | grep -v "^running\|^test \|^$"
