#!/usr/bin/env python3
"""Checks the module layering of every crate in the workspace.

Fails (exit 1, one line per finding) when
- two top-level modules of a crate import each other, directly or through
  others (an import cycle), or
- a file of cargo-cfcontainer's library outside `src/cmd/` (and the crate
  root, which dispatches to the verbs) imports from `cmd`: verbs depend on
  the library, never the reverse.

A module's imports are the `crate::` paths its files name, resolved at the
first segment; names the crate root re-exports (`pub use m::Name`) count as
imports of `m`. Run from anywhere: `python3 scripts/check-layering.py`.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES = ["meta", "macros", "runtime", "cargo-cfcontainer", "testsupport/cf-api-emulator", "testsupport/container-server"]
USE_GROUP = re.compile(r"crate::\{([^}]*)\}")
USE_PATH = re.compile(r"crate::([A-Za-z_][A-Za-z0-9_]*)")
REEXPORT = re.compile(r"pub use ([a-z_][a-z0-9_]*)::(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*)")


def strip_comments(text):
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def module_of(src, path):
    """The top-level module a file belongs to; None for the crate root."""
    rel = path.relative_to(src)
    if rel.parts[0] in ("lib.rs", "main.rs"):
        return None
    return rel.parts[0].removesuffix(".rs")


def reexports(root_file):
    names = {}
    for module, items in REEXPORT.findall(strip_comments(root_file.read_text())):
        for item in re.split(r"[,\s{}]+", items):
            if item and item != "*":
                names[item.split(" as ")[-1]] = module
    return names


def imports(text, modules, names):
    found = set()
    for group in USE_GROUP.findall(text):
        for item in re.split(r",", group):
            head = item.strip().split("::")[0].strip()
            if head:
                found.add(head)
    found.update(USE_PATH.findall(text))
    resolved = set()
    for name in found:
        if name in modules:
            resolved.add(name)
        elif name in names:
            resolved.add(names[name])
    return resolved


def cycles(graph):
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def main():
    problems = []
    for crate in CRATES:
        src = ROOT / crate / "src"
        files = sorted(src.rglob("*.rs"))
        modules = {m for m in (module_of(src, f) for f in files) if m}
        root_file = src / "lib.rs" if (src / "lib.rs").exists() else src / "main.rs"
        names = reexports(root_file)
        graph = {m: set() for m in modules}
        for f in files:
            module = module_of(src, f)
            text = strip_comments(f.read_text())
            used = imports(text, modules, names)
            if crate == "cargo-cfcontainer" and module not in (None, "cmd") and "cmd" in used:
                problems.append(f"{f.relative_to(ROOT)}: the library imports a verb (crate::cmd)")
            if module:
                graph[module].update(used - {module})
        for component in cycles(graph):
            problems.append(f"{crate}: import cycle between modules {', '.join(component)}")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"layering: {len(CRATES)} crates, no import cycles, no library module importing a verb")


if __name__ == "__main__":
    main()
