#!/usr/bin/env bash
# Runs the whole test suite with every end-to-end prerequisite required:
# installs and starts what the tests need (scripts/setup.sh), packages the
# six published crates with verification (each builds from its package
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
# from a local registry under target/package. Cargo takes a registry
# package of a version it has seen as unchanged: it unpacks it into its
# home once, and fingerprints its build by the version alone. So a second
# run after a change to, say, cfcontainer-meta's API would build the
# subcommand's package against the first run's meta and fail. Before
# packaging, our own crates' unpacked copies from such local registries go
# (`registry/src/-<hash>/`; nothing from crates.io), and so do the
# fingerprints of their builds (found by their dep-info naming those
# copies), so only they are built again; their dependencies stay built.
for name in cfcontainer-meta cfcontainer-macros cfcontainer-protocol cfcontainer cargo-cfcontainer cfcontainer-sidecar; do
  rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$name"-[0-9]*
done
target_dir=${CARGO_TARGET_DIR:-target}
for dep_info in $(grep -l "/registry/src/-" "$target_dir"/*/deps/cfcontainer*.d "$target_dir"/*/deps/cargo_cfcontainer*.d 2>/dev/null); do
  unit=$(basename "$dep_info" .d)
  rm -rf "$(dirname "$(dirname "$dep_info")")"/.fingerprint/*-"${unit##*-}"
done
cargo package --allow-dirty -p cfcontainer-meta -p cfcontainer-macros -p cfcontainer-protocol -p cfcontainer -p cargo-cfcontainer -p cfcontainer-sidecar
cargo test --workspace "$@"
