#!/usr/bin/env python3
"""Checks the module layering of every crate in the workspace.

Fails (exit 1, one line per finding) when
- modules that share a parent import each other, directly or through
  others (an import cycle), at any depth: `dev::workerd` and
  `dev::simulator` as much as the top-level `api` and `project`;
- a module of cargo-cfcontainer imports one of a higher layer (see
  LAYERS: the project model imports nothing above it, the verbs sit on
  top, and no library module imports a verb).

A module's imports are the paths its files name: `crate::`, `super::`
(repeated too), `self::`, and a `mod.rs`'s own children, resolved through
the modules and the names each module re-exports (`pub use m::Name`), so
`super::Name` counts as an import of the sibling that defines `Name`.
Inline modules (`mod tests { use super::*; }`) resolve `super::` from
where they are. An import of an ancestor (a child using its parent's own
items) is no edge; an import between two modules counts as one between
their ancestors that are siblings. Run from anywhere:
`python3 scripts/check-layering.py`.
"""

import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
CRATES = ["meta", "macros", "runtime", "cargo-cfcontainer", "sidecar", "testsupport/cf-api-emulator", "testsupport/container-server"]

# cargo-cfcontainer's top-level modules, lowest first. A module may import
# its own layer (no cycle) and the ones below, never one above.
LAYERS = [
    {"error", "output", "child", "private", "testing", "engine"},
    {"project"},
    {"api", "tools"},
    {"build", "image"},
    {"deploy", "dev", "wrangler", "doctor", "scaffold"},
    {"ops", "preflight"},
    {"cli", "cmd", "usage"},
]

PATH = re.compile(r"\b((?:crate|self|super)(?:::[A-Za-z_][A-Za-z0-9_]*|::\{[^;]*?\})+)", re.S)
USE = re.compile(r"\b(pub(?:\([a-z]+\))?\s+)?use\s+([^;]+);", re.S)
INLINE_MOD = re.compile(r"\bmod\s+([a-z_][a-z0-9_]*)\s*\{")
MOD_DECL = re.compile(r"^\s*(?:pub(?:\([a-z]+\))?\s+)?mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)


def strip_comments_and_strings(text):
    text = re.sub(r'r#*"(?:.|\n)*?"#*', '""', text)
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', text)
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def module_path(src, path):
    rel = path.relative_to(src).with_suffix("")
    parts = list(rel.parts)
    if parts in (["lib"], ["main"]):
        return ()
    if parts[-1] == "mod":
        parts = parts[:-1]
    return tuple(parts)


def expand(path_text):
    """`a::{b, c::{d}}` -> [a::b, a::c::d] (segments)."""
    path_text = re.sub(r"\s+as\s+[A-Za-z_][A-Za-z0-9_]*", "", path_text)
    path_text = re.sub(r"\s+", "", path_text)
    out = []

    def go(prefix, rest):
        if not rest:
            out.append(prefix)
            return
        if rest.startswith("{"):
            depth, start, items = 0, 1, []
            for i, ch in enumerate(rest):
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth == 0:
                        items.append(rest[start:i])
                        break
                elif ch == "," and depth == 1:
                    items.append(rest[start:i])
                    start = i + 1
            for item in items:
                if item:
                    go(prefix, item)
            return
        head, sep, tail = rest.partition("::")
        go(prefix + [head], tail if sep else "")

    go([], path_text)
    return [[s for s in p if s and s != "*"] for p in out]


class Crate:
    def __init__(self, src):
        self.src = src
        self.files = sorted(src.rglob("*.rs"))
        self.modules = {module_path(src, f) for f in self.files}
        self.texts = {f: strip_comments_and_strings(f.read_text()) for f in self.files}
        # name re-exported by a module -> the path it names (absolute segments)
        self.reexports = {}
        for f in self.files:
            here = module_path(self.src, f)
            for public, body in USE.findall(self.texts[f]):
                if not public:
                    continue
                for segs in expand(body):
                    target = self.absolute(here, segs)
                    if target:
                        self.reexports[(here, segs[-1])] = target

    def children(self, module):
        return {m[-1] for m in self.modules if len(m) == len(module) + 1 and m[: len(module)] == module}

    def absolute(self, here, segs):
        """Absolute segments of a path written in module `here`, or None if it
        is not this crate's."""
        if not segs:
            return None
        if segs[0] == "crate":
            return segs[1:]
        if segs[0] in ("self", "super"):
            base = list(here)
            rest = list(segs)
            while rest and rest[0] in ("self", "super"):
                if rest.pop(0) == "super":
                    if not base:
                        return None
                    base.pop()
            return base + rest
        if segs[0] in self.children(here):
            return list(here) + list(segs)
        return None

    def resolve(self, segs, seen=None):
        """The deepest module an absolute path reaches, through re-exports."""
        seen = seen or set()
        module = ()
        for seg in segs:
            if module + (seg,) in self.modules:
                module = module + (seg,)
                continue
            key = (module, seg)
            if key in self.reexports and key not in seen:
                seen.add(key)
                return self.resolve(self.reexports[key], seen)
            break
        return module

    def imports(self, f):
        """(importing module, imported module) of file f, with inline modules
        taken into account for `self::`/`super::`."""
        here = module_path(self.src, f)
        text = self.texts[f]
        # Where each inline module starts and ends, by brace depth.
        spans = []
        for m in INLINE_MOD.finditer(text):
            depth, i = 0, m.end() - 1
            while i < len(text):
                if text[i] == "{":
                    depth += 1
                elif text[i] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            spans.append((m.start(), i, m.group(1)))
        found = set()
        candidates = [(m.start(), m.group(1)) for m in PATH.finditer(text)]
        if f.name in ("mod.rs", "lib.rs", "main.rs"):
            for public, body in USE.findall(text):
                for segs in expand(body):
                    if segs and segs[0] in self.children(here):
                        candidates.append((None, "::".join(segs)))
        for pos, path_text in candidates:
            inline = tuple(name for start, end, name in spans if pos is not None and start < pos < end)
            scope = here + inline
            for segs in expand(path_text):
                target = self.absolute(scope, segs)
                if target is None:
                    continue
                module = self.resolve(target)
                found.add(module)
        return here, found


def sibling_edge(a, b):
    """The edge between the sibling ancestors of a and b: (parent, a', b'),
    or None when one contains the other."""
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    if n == len(a) or n == len(b):
        return None
    return a[:n], a[n], b[n]


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
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


def layer_of(module):
    for rank, names in enumerate(LAYERS):
        if module in names:
            return rank
    return None


def main():
    problems = []
    edges_seen = 0
    for name in CRATES:
        crate = Crate(ROOT / name / "src")
        graphs = {}
        for f in crate.files:
            here, found = crate.imports(f)
            for target in found:
                edge = sibling_edge(here, target)
                if edge is None:
                    continue
                parent, a, b = edge
                graphs.setdefault(parent, {}).setdefault(a, set()).add(b)
                edges_seen += 1
                if name == "cargo-cfcontainer" and parent == ():
                    ra, rb = layer_of(a), layer_of(b)
                    if ra is None or rb is None:
                        problems.append(f"{f.relative_to(ROOT)}: module `{a if ra is None else b}` has no layer in scripts/check-layering.py's LAYERS; add it")
                    elif rb > ra:
                        problems.append(f"{f.relative_to(ROOT)}: `{a}` imports `{b}`, a higher layer (crate::{'::'.join(target)})")
        for parent, graph in sorted(graphs.items()):
            for component in cycles(graph):
                prefix = "::".join(parent) + "::" if parent else ""
                names = ", ".join(prefix + c for c in component)
                problems.append(f"{name}: import cycle between modules {names}")
    for problem in sorted(set(problems)):
        print(problem)
    if problems:
        sys.exit(1)
    print(f"layering: {len(CRATES)} crates, {edges_seen} imports between sibling modules at every depth, no cycle, no import of a higher layer")


if __name__ == "__main__":
    main()
