"""A standalone worker crate for the benchmarks: its own workspace, the
runtime of this checkout by path, the repository's locked versions."""
from paths import ROOT


def write_crate(crate, name, lib_rs):
    """Writes crate `name` with `lib_rs` as its library into `crate`. A file
    that already holds the same text is left as it is: its mtime stays, so
    cargo's no-op build of the crate stays a no-op."""
    (crate / "src").mkdir(parents=True, exist_ok=True)
    _write(crate / "Cargo.toml", f"""[package]
name = "{name}"
version = "0.1.0"
edition = "2021"

[workspace]

[lib]
crate-type = ["cdylib"]

[package.metadata.wasm-pack.profile.release]
wasm-opt = false

[dependencies]
cfcontainer = {{ path = "{ROOT / 'runtime'}" }}
worker = "0.8.7"
""")
    _write(crate / "Cargo.lock", (ROOT / "Cargo.lock").read_text())
    _write(crate / "src/lib.rs", lib_rs)
    return crate


def _write(path, text):
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
