#!/usr/bin/env bash
# Runtime benchmarks in local workerd with real Docker: cold-start and warm
# proxy overhead, and the wasm bytes the runtime adds. Prints figures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
source "${CFC_TOOLS:-/opt/cfcontainer-tools}/env.sh"
export CFCONTAINER_E2E=1
cargo test -q --release -p cargo-cfcontainer --test e2e runtime_bench:: -- --ignored --nocapture --test-threads 1 2>&1 | grep -v "^running\|^test \|^$"
