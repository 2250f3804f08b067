#!/usr/bin/env python3
"""Checks the module layering of every crate in the workspace.

Fails (exit 1, one line per finding) when
- modules that share a parent import each other, directly or through
  others (an import cycle), at any depth, in any workspace member;
- a module of cargo-cfcontainer imports one of a higher layer (LAYERS:
  the crate-wide parts at the bottom, the API client and tools knowing no
  project, the project model, the stages, the verbs on top);
- a module of cargo-cfcontainer reaches an item through the crate root
  (`crate::Project` where lib.rs only aliases `project::Project`): import
  it from the module that defines it, so the import is seen for what it is;
- a library module of cargo-cfcontainer names the argument parser
  (`clap`): arguments are the verbs' business (cli/ and cmd/).

What a module imports is every path it names: `crate::`, `super::`,
`self::`, a child module, and every `use` (public or private, renamed,
nested, globbed), each followed through the aliases on its way (a `use`
in any module, the crate root included, is an alias others can name)
to the module whose own code defines the item. Code in the crate root
itself (lib.rs, outside its `mod` declarations) counts as a module named
`<root>` at the bottom layer. Test code (`#[cfg(test)] mod ...`) is left
out: tests may use test helpers from anywhere. Comments and strings are
stripped first (`//`, nested `/* */`, raw strings). Run from anywhere:
`python3 scripts/check-layering.py [ROOT]`.
"""

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent

# cargo-cfcontainer's top-level modules, lowest first. A module may import
# its own layer (no cycle) and the ones below, never one above.
LAYERS = [
    {"<root>", "error", "output", "child", "owner_only", "engine"},
    {"api", "tools"},
    {"project", "testing"},
    {"compile", "image", "scaffold"},
    {"deploy", "dev", "wrangler", "doctor", "preflight"},
    {"ops"},
    {"cli", "cmd", "render"},
]
LAYERED_CRATE = "cargo-cfcontainer"
# Where cargo-cfcontainer may name the argument parser.
PARSER_HOMES = {"cli", "cmd"}

ROOT_MODULE = ("<root>",)
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
PATH = re.compile(rf"\b((?:crate|self|super)(?:::{IDENT}|::\{{[^;]*?\}})+)", re.S)
BARE_PATH = re.compile(rf"(?<![:\w])({IDENT}(?:::{IDENT})+)")
USE = re.compile(r"\b(pub(?:\([a-z]+\))?\s+)?use\s+([^;]+);", re.S)
INLINE_MOD = re.compile(rf"((?:#\[cfg\(test\)\]\s*)?)(?:pub(?:\([a-z]+\))?\s+)?mod\s+({IDENT})\s*\{{")
MOD_DECL = re.compile(rf"((?:#\[[^\]]*\]\s*)*)(?:pub(?:\([a-z]+\))?\s+)?mod\s+({IDENT})\s*;")
CLAP = re.compile(r"\bclap::|#\[derive\([^)]*\b(?:Parser|Args|Subcommand|ValueEnum)\b")


def strip(text):
    """The text with comments and string contents removed (lengths kept
    where cheap; positions only need to be consistent within the result)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            out.append(" ")
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            hashes = re.match(r"r(#*)\"", text[i:]).group(1)
            end = text.find('"' + hashes, i + 2 + len(hashes))
            out.append('""')
            i = n if end < 0 else end + 1 + len(hashes)
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "'" and re.match(r"'(?:\\.|[^\\'])'", text[i:]):
            m = re.match(r"'(?:\\.|[^\\'])'", text[i:])
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand(path_text):
    """`a::{b, c::{d as e, f::*}}` -> [([a, b], b), ([a, c, d], e), ([a, c, f, *], None)]:
    each leaf's segments and the name it is known by."""
    path_text = re.sub(r"\s+", " ", path_text).strip()
    out = []

    def go(prefix, rest):
        rest = rest.strip()
        if not rest:
            if prefix:
                out.append((prefix, prefix[-1]))
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
                if item.strip():
                    go(prefix, item)
            return
        m = re.match(rf"({IDENT}|\*)\s*(?:as\s+({IDENT}))?\s*(::)?\s*(.*)$", rest, re.S)
        if not m:
            return
        head, alias, sep, tail = m.groups()
        if head == "*":
            out.append((prefix + ["*"], None))
            return
        if sep:
            go(prefix + [head], tail)
        else:
            name = alias or head
            out.append((prefix + [head], None if name == "_" else name))

    go([], path_text)
    return out


class Crate:
    """One crate tree (a lib.rs or a main.rs and the modules it declares)."""

    def __init__(self, name, root_file, root_is_sibling):
        self.name = name
        # The root's own code as a module beside the others (the layered
        # crate's rule), or as their parent (an ancestor: no edge).
        self.root_is_sibling = root_is_sibling
        self.modules = {(): root_file}
        self.test_modules = set()
        self._collect(root_file, ())
        self.texts = {m: strip(f.read_text()) for m, f in self.modules.items()}
        # (module, name) -> (absolute target segments, public)
        self.aliases = {}
        self.globs = {}
        self.spans = {m: self._inline_spans(t) for m, t in self.texts.items()}
        for module, text in self.texts.items():
            for pos, public, body in [(m.start(), m.group(1), m.group(2)) for m in USE.finditer(text)]:
                scope = self.scope(module, pos)
                if scope is None:
                    continue
                for segs, name in expand(body):
                    target = self.absolute(scope, segs)
                    if target is None:
                        continue
                    if target[-1:] == ["*"]:
                        self.globs.setdefault(scope, []).append(target[:-1])
                    elif name:
                        self.aliases[(scope, name)] = (target, bool(public))

    def _collect(self, file, module):
        text = strip(file.read_text())
        base = file.parent if file.name in ("lib.rs", "main.rs", "mod.rs") else file.with_suffix("")
        for attrs, child in MOD_DECL.findall(text):
            for candidate in (base / f"{child}.rs", base / child / "mod.rs"):
                if candidate.is_file():
                    path = module + (child,)
                    self.modules[path] = candidate
                    if "cfg(test)" in attrs:
                        self.test_modules.add(path)
                    self._collect(candidate, path)
                    break

    @staticmethod
    def _inline_spans(text):
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
            spans.append((m.start(), i, m.group(2), bool(m.group(1))))
        return spans

    def is_test(self, module):
        return any(module[:k] in self.test_modules for k in range(1, len(module) + 1))

    def scope(self, module, pos):
        """The module a position of `module`'s file is in (inline modules
        included), or None inside test code."""
        if self.is_test(module):
            return None
        inline = []
        for start, end, name, test in self.spans[module]:
            if start < pos < end:
                if test:
                    return None
                inline.append((start, name))
        return module + tuple(name for _, name in sorted(inline))

    def children(self, module):
        return {m[-1] for m in self.modules if len(m) == len(module) + 1 and m[: len(module)] == module}

    def absolute(self, here, segs):
        if not segs:
            return None
        if segs[0] == "crate":
            return list(segs[1:])
        if segs[0] in ("self", "super"):
            base, rest = list(here), list(segs)
            while rest and rest[0] in ("self", "super"):
                if rest.pop(0) == "super":
                    if not base:
                        return None
                    base.pop()
            return base + rest
        if segs[0] in self.children(here) or (tuple(here), segs[0]) in self.aliases:
            return list(here) + list(segs)
        return None

    def resolve(self, segs, seen=None):
        """(defining module, whether the way there passed a private alias
        of the crate root)."""
        seen = set() if seen is None else seen
        module = ()
        for i, seg in enumerate(segs):
            if module + (seg,) in self.modules:
                module = module + (seg,)
                continue
            for key in [(module, seg)] + [(tuple(g), seg) for g in self.globs.get(module, [])]:
                if key in self.aliases and key not in seen:
                    seen.add(key)
                    target, public = self.aliases[key]
                    found, deeper = self.resolve(list(target) + list(segs[i + 1 :]), seen)
                    return found, deeper or (key[0] == () and not public)
                if key[0] != module and key[0] + (seg,) in self.modules:
                    return self.resolve(list(key[0]) + list(segs[i:]), seen)
            break
        return (ROOT_MODULE if module == () else module), False

    def imports(self):
        """(from module, to module, via root alias, what) for every path."""
        for module, text in self.texts.items():
            candidates = [(m.start(), m.group(1)) for m in PATH.finditer(text)]
            # Paths that start at a child module (`cmd::inspect::run(..)`
            # in lib.rs); those that start at an alias are its `use`'s.
            for m in BARE_PATH.finditer(text):
                scope = self.scope(module, m.start())
                head = m.group(1).split("::")[0]
                if scope is not None and head in self.children(scope):
                    candidates.append((m.start(), m.group(1)))
            for m in USE.finditer(text):
                for segs, _ in expand(m.group(2)):
                    if segs and segs[0] not in ("crate", "self", "super"):
                        candidates.append((m.start(), "::".join(segs)))
            for pos, path_text in candidates:
                scope = self.scope(module, pos)
                if scope is None:
                    continue
                for segs, _ in expand(path_text):
                    target = self.absolute(scope, segs)
                    if target is None:
                        continue
                    target = [s for s in target if s != "*"]
                    found, via_root = self.resolve(target)
                    origin = ROOT_MODULE if scope == () else scope
                    if not self.root_is_sibling:
                        found = () if found == ROOT_MODULE else found
                        origin = () if origin == ROOT_MODULE else origin
                    yield origin, found, via_root, "::".join(target)


def sibling_edge(a, b):
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    if n == len(a) or n == len(b):
        return None
    return a[:n], a[n], b[n]


def cycles(graph):
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

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layer_of(module):
    for rank, names in enumerate(LAYERS):
        if module in names:
            return rank
    return None


def crates():
    """(member name, crate label, root file) of every workspace member."""
    manifest = tomllib.loads((ROOT / "Cargo.toml").read_text())
    for member in manifest["workspace"]["members"]:
        for root_file in ("src/lib.rs", "src/main.rs"):
            path = ROOT / member / root_file
            if path.is_file():
                yield member, f"{member} ({Path(root_file).name})", path


def main():
    problems, edges_seen, crates_seen = [], 0, 0
    # One line per file and arrow (the first path that shows it).
    findings = {}
    for member, label, root_file in crates():
        layered = member == LAYERED_CRATE and root_file.name == "lib.rs"
        crate = Crate(label, root_file, layered)
        crates_seen += 1
        graphs = {}
        for origin, found, via_root, what in crate.imports():
            file = crate.modules.get(origin if origin != ROOT_MODULE else (), root_file)
            where = file.relative_to(ROOT)
            if layered and via_root and origin != ROOT_MODULE:
                key = (str(where), "root-alias", "::".join(found))
                findings.setdefault(key, f"{where}: `{'::'.join(origin)}` reaches crate::{what} through an alias in lib.rs; import it from `{'::'.join(found)}`")
            edge = sibling_edge(origin, found)
            if edge is None:
                continue
            parent, a, b = edge
            graphs.setdefault(parent, {}).setdefault(a, set()).add(b)
            edges_seen += 1
            if layered and parent == ():
                ra, rb = layer_of(a), layer_of(b)
                if ra is None or rb is None:
                    problems.append(f"{where}: module `{a if ra is None else b}` has no layer in scripts/check-layering.py's LAYERS; add it")
                elif rb > ra:
                    key = (str(where), a, b)
                    findings.setdefault(key, f"{where}: `{a}` imports `{b}`, a higher layer (crate::{what}, ...)")
        if layered:
            for module, text in crate.texts.items():
                top = module[0] if module else "<root>"
                if top in PARSER_HOMES or crate.is_test(module):
                    continue
                for m in CLAP.finditer(text):
                    if crate.scope(module, m.start()) is not None:
                        problems.append(f"{crate.modules[module].relative_to(ROOT)}: `{top}` names the argument parser (clap); arguments belong in cli/ and cmd/")
                        break
        for parent, graph in sorted(graphs.items()):
            for component in cycles(graph):
                prefix = "::".join(parent) + "::" if parent else ""
                names = ", ".join(prefix + c for c in component)
                problems.append(f"{label}: import cycle between modules {names}")
    problems.extend(findings.values())
    for problem in sorted(set(problems)):
        print(problem)
    if problems:
        sys.exit(1)
    print(f"layering: {crates_seen} crates of the workspace, {edges_seen} imports between sibling modules at every depth, aliases followed; no cycle, no import of a higher layer, nothing through the crate root, no parser outside the verbs")


if __name__ == "__main__":
    main()
