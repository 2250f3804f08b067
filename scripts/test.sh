#!/usr/bin/env bash
# Runs the whole test suite with every end-to-end prerequisite required:
# installs and starts what the tests need (scripts/setup.sh), packages the
# five published crates with verification (each builds from its package
# alone), then `cargo test --workspace` with CFCONTAINER_E2E=1, so a
# missing engine, registry, workerd or wasm target fails the run instead
# of skipping. Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck source=/dev/null
source "${CFC_TOOLS:-/opt/cfcontainer-tools}/env.sh"
export CFCONTAINER_E2E=1
printf '\n== cargo package (verified) of the published crates\n' >&2
# Each package is verified against its siblings as packaged now, served
# from a local registry under target/package. Cargo unpacks those into its
# home once per version and never again (it does not compare checksums),
# so a second run after a change to, say, cfcontainer-meta would build
# against the first run's copy and fail. Only our own crates' unpacked
# copies from such local registries (`registry/src/-<hash>/`) go; nothing
# from crates.io is touched.
for name in cfcontainer-meta cfcontainer-macros cfcontainer cargo-cfcontainer cfcontainer-sidecar; do
  rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$name"-[0-9]*
done
cargo package --allow-dirty -p cfcontainer-meta -p cfcontainer-macros -p cfcontainer -p cargo-cfcontainer -p cfcontainer-sidecar
cargo test --workspace "$@"
