#!/usr/bin/env python3
"""Fails when the modules of a crate import each other in a circle, or when a crate's core
imports one of its engines.

A module is a source file (`src/a/b.rs` or `src/a/b/mod.rs` is `crate::a::b`). An arrow goes from
a module to every module it names through `crate::…`, `super::…` or `self::…` paths (in `use`
trees, with their braces, and in code). Cycles are looked for at every level: between files, and
between the folders that hold them (`crate::watch` ↔ `crate::surveillance` is a cycle even when no
two files form one).

The rules of each crate (which modules are its core, which are engine slices that the core must
never import) are in `scripts/module-rules.toml`.

    scripts/check-module-cycles.py            checks every crate of the workspace
    scripts/check-module-cycles.py --self-test   proves the check fails on planted cycles
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def module_files(src: Path) -> dict[tuple[str, ...], Path]:
    """Module path (without `crate`) → file, for every .rs file under src (bin/ targets apart)."""
    mods: dict[tuple[str, ...], Path] = {}
    for path in src.rglob("*.rs"):
        rel = path.relative_to(src)
        parts = list(rel.parts)
        if parts[0] == "bin":
            continue
        parts[-1] = parts[-1][:-3]
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        mods[tuple(parts)] = path
    return mods


def strip_comments_and_strings(text: str) -> str:
    """Removes comments, string and char literals (their paths are not imports)."""
    out = []
    i, n = 0, len(text)
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
        elif c == "r" and re.match(r'r#*"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            hashes = m.group(1)
            end = text.find('"' + hashes, i + len(m.group(0)))
            i = n if end < 0 else end + 1 + len(hashes)
            out.append('""')
        elif c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4] + "  "):
            m = re.match(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'", text[i:])
            if m:
                i += len(m.group(0))
                out.append("' '")
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def use_paths(tree: str) -> list[list[str]]:
    """Expands a use tree (`a::{b, c::{d, e}}`) into its paths."""
    tree = re.sub(r"\s+", "", tree)
    paths: list[list[str]] = []

    def walk(s: str, prefix: list[str]) -> None:
        depth, start, items = 0, 0, []
        for k, ch in enumerate(s):
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            elif ch == "," and depth == 0:
                items.append(s[start:k])
                start = k + 1
        items.append(s[start:])
        for item in items:
            if not item:
                continue
            brace = item.find("{")
            if brace >= 0 and item.endswith("}"):
                head = [p for p in item[:brace].split("::") if p]
                walk(item[brace + 1:-1], prefix + head)
            else:
                item = item.split(" as ")[0]
                paths.append(prefix + [p for p in re.split(r"::", re.sub(r"as" + IDENT + "$", "", item)) if p])

    walk(tree, [])
    return paths


def references(text: str, here: tuple[str, ...], is_dir_module: bool) -> list[list[str]]:
    """Absolute module paths (without `crate`) that a file names."""
    text = strip_comments_and_strings(text)
    raw: list[list[str]] = []
    for m in re.finditer(r"\buse\s+((?:crate|super|self)\s*::[^;]*);", text):
        raw.extend(use_paths(m.group(1)))
    for m in re.finditer(r"(?<![A-Za-z0-9_:])((?:crate|super|self)(?:\s*::\s*" + IDENT + ")+)", text):
        raw.append([p.strip() for p in m.group(1).split("::")])
    # `self::` and `super::` are relative to the module's own path; a non-mod.rs file's `self`
    # is itself and its `super` its folder.
    out = []
    for p in raw:
        if not p:
            continue
        base: list[str]
        rest = p
        if rest[0] == "crate":
            base, rest = [], rest[1:]
        else:
            base = list(here)
            while rest and rest[0] in ("self", "super"):
                if rest[0] == "super":
                    base = base[:-1]
                rest = rest[1:]
        out.append(base + rest)
    return out


def resolve(path: list[str], mods: dict[tuple[str, ...], Path]) -> tuple[str, ...] | None:
    """The deepest module that a path names (`crate::a::b::Item` → `a::b` when that is a file)."""
    for k in range(len(path), 0, -1):
        if tuple(path[:k]) in mods:
            return tuple(path[:k])
    return None


def graph(src: Path) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    mods = module_files(src)
    g: dict[tuple[str, ...], set[tuple[str, ...]]] = {m: set() for m in mods if m}
    for m, path in mods.items():
        if not m:
            continue  # the crate root declares everything: it is the composition, not a module
        is_dir = path.name == "mod.rs"
        text = path.read_text(encoding="utf-8")
        for ref in references(text, m, is_dir):
            target = resolve(ref, mods)
            if target and target != m:
                g[m].add(target)
    return g


def sccs(g: dict) -> list[list]:
    """Strongly connected components with more than one node (Tarjan, iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in g:
        if root in index:
            continue
        work = [(root, iter(sorted(g[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in g:
                    continue
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(g[w]))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def folded(g: dict, depth: int) -> dict:
    """The graph between the modules' ancestors at `depth` (arrows inside one ancestor dropped).

    A folder's own file (`mod.rs`) is a module like the others: a child that names an item
    through its parent's re-export (`super::Item`) and a parent that uses the child make a circle.
    Children name the module that defines an item.
    """
    h: dict = {}
    for a, bs in g.items():
        fa = a[:depth]
        h.setdefault(fa, set())
        for b in bs:
            fb = b[:depth]
            h.setdefault(fb, set())
            if fa != fb:
                h[fa].add(fb)
    return h


def name(m: tuple[str, ...]) -> str:
    return "crate::" + "::".join(m)


def check_crate(crate: Path, rules: dict) -> list[str]:
    src = crate / "src"
    if not src.is_dir():
        return []
    g = graph(src)
    problems = []
    depth = max((len(m) for m in g), default=0)
    seen = set()
    for d in range(depth, 0, -1):
        for comp in sccs(folded(g, d)):
            key = tuple(comp)
            if key in seen:
                continue
            seen.add(key)
            # the arrows that close the circle
            arrows = []
            for a, bs in sorted(g.items()):
                for b in sorted(bs):
                    if a[:d] in comp and b[:d] in comp and a[:d] != b[:d]:
                        arrows.append(f"{name(a)} -> {name(b)}")
            problems.append(
                f"{crate.name}: import cycle between {', '.join(name(c) for c in comp)}\n    "
                + "\n    ".join(arrows[:20])
            )
    r = rules.get(crate.name, {})
    core = set(r.get("core", []))
    engines = set(r.get("engines", []))
    for a, bs in sorted(g.items()):
        if a and a[0] in core:
            for b in sorted(bs):
                if b[0] in engines:
                    problems.append(f"{crate.name}: core module {name(a)} imports engine module {name(b)}")
    unknown = [m[0] for m in g if len(m) >= 1 and r and m[0] not in core and m[0] not in engines and m[0] not in r.get("other", [])]
    for u in sorted(set(unknown)):
        problems.append(
            f"{crate.name}: module crate::{u} is neither core, engine nor other in scripts/module-rules.toml"
        )
    return problems


def check_workspace(root: Path) -> list[str]:
    rules_file = root / "scripts" / "module-rules.toml"
    rules = tomllib.loads(rules_file.read_text()) if rules_file.exists() else {}
    problems = []
    for crate in sorted((root / "crates").iterdir()):
        if (crate / "Cargo.toml").exists():
            problems.extend(check_crate(crate, rules))
    return problems


def self_test() -> int:
    """Plants cycles in a throwaway crate and checks that each is found."""
    cases = {
        "file cycle": {"a.rs": "use crate::b::X;", "b.rs": "pub struct X; fn f() { crate::a::g(); }"},
        "use tree cycle": {"a.rs": "use crate::{b::{X}, c};", "b.rs": "use super::a;", "c.rs": ""},
        "folder cycle": {
            "w/mod.rs": "mod x;",
            "w/x.rs": "use crate::s::y::Y;",
            "s/mod.rs": "mod y; mod z;",
            "s/y.rs": "pub struct Y;",
            "s/z.rs": "fn f() { let _ = crate::w::x::X; }",
        },
    }
    clean = {"a.rs": "use crate::b::X; // crate::a::nothing\nconst S: &str = \"crate::a::Y\";", "b.rs": "pub struct X;"}
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for label, files in list(cases.items()) + [("no cycle", clean)]:
            crate = Path(tmp) / label.replace(" ", "-")
            for rel, text in files.items():
                p = crate / "src" / rel
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_text(text)
            (crate / "src" / "lib.rs").write_text("")
            found = check_crate(crate, {})
            want = label != "no cycle"
            if bool(found) != want:
                print(f"self-test {label!r}: expected {'a cycle' if want else 'none'}, got {found}")
                failures += 1
        crate = Path(tmp) / "core-rule"
        for rel, text in {"db.rs": "use crate::watch::X;", "watch.rs": "pub struct X;"}.items():
            p = crate / "src" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        found = check_crate(crate, {"core-rule": {"core": ["db"], "engines": ["watch"]}})
        if not any("core module" in f for f in found):
            print(f"self-test core rule: not found in {found}")
            failures += 1
    print("self-test:", "ok" if not failures else f"{failures} failed")
    return 1 if failures else 0


def main() -> int:
    if "--self-test" in sys.argv:
        return self_test()
    problems = check_workspace(ROOT)
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} problem(s) in the modules' imports")
        return 1
    print("no import cycle between the modules of any crate; no core module imports an engine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
