"""Where the benchmarks find this checkout and what they run: the release
binaries of the CLI and the API emulator, and the test registry
(scripts/setup.sh's, or CFC_REGISTRY)."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "target" / "release" / "cargo-cfcontainer"
EMULATOR = ROOT / "target" / "release" / "cf-api-emulator"
REGISTRY = os.environ.get("CFC_REGISTRY", "127.0.0.1:5055")
