"""A standalone worker crate for the benchmarks: its own workspace, the
runtime of this checkout by path, the repository's locked versions."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_crate(crate, name, lib_rs):
    """Writes crate `name` with `lib_rs` as its library into `crate`."""
    (crate / "src").mkdir(parents=True, exist_ok=True)
    (crate / "Cargo.toml").write_text(f"""[package]
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
    (crate / "Cargo.lock").write_bytes((ROOT / "Cargo.lock").read_bytes())
    (crate / "src/lib.rs").write_text(lib_rs)
    return crate
