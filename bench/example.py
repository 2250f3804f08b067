"""A standalone copy of examples/rust-container for the benchmarks: its own
workspace of the Worker, the server and the protocol crate, the
repository's crates by path and its lockfile (what the e2e tests' copy
does)."""
import shutil
from pathlib import Path

from paths import ROOT


def without_workspace(text):
    """A member's manifest with the repository's workspace dependencies
    written out: paths into the repository, the same versions."""
    return (text.replace("cfcontainer = { workspace = true }", f'cfcontainer = {{ path = "{ROOT / "runtime"}" }}')
            .replace("cfcontainer-protocol = { workspace = true", f'cfcontainer-protocol = {{ path = "{ROOT / "protocol"}"')
            .replace("worker = { workspace = true }", 'worker = "0.8.7"')
            .replace("serde = { workspace = true }", 'serde = { version = "1", features = ["derive"] }')
            .replace("serde_json = { workspace = true }", 'serde_json = "1"'))


def copy_rust_example(dest, name):
    """examples/rust-container copied to `dest`, its Worker named `name`;
    returns the Worker's directory."""
    # Copied with new file times: with the checkout's (older than a binary
    # an earlier run built in the shared target directory from an edited
    # copy), cargo would take that binary as up to date.
    shutil.copytree(ROOT / "examples" / "rust-container", dest, ignore=shutil.ignore_patterns("target", "build", ".wrangler"),
                    copy_function=shutil.copy)
    for member in ["worker", "server", "protocol"]:
        manifest = dest / member / "Cargo.toml"
        manifest.write_text(without_workspace(manifest.read_text()).replace('name = "rust-container"', f'name = "{name}"'))
    (dest / "Cargo.toml").write_text('[workspace]\nresolver = "2"\nmembers = ["worker", "server", "protocol"]\n\n'
                                     '[profile.release]\nlto = true\nopt-level = "s"\ncodegen-units = 1\n')
    shutil.copy(ROOT / "Cargo.lock", dest / "Cargo.lock")
    return dest / "worker"
