#!/usr/bin/env bash
# Runs examples/hello locally: the worker in workerd, its container in the
# local Docker engine, no Cloudflare account needed. Installs and starts
# what it needs first (scripts/setup.sh). Ctrl-C stops everything.
# Extra arguments go to `cargo cfcontainer dev` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=/dev/null
source "${CFC_TOOLS:-/opt/cfcontainer-tools}/env.sh"
exec cargo run -q -p cargo-cfcontainer -- cfcontainer dev --manifest-path examples/hello/Cargo.toml "$@"
