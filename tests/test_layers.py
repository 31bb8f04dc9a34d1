"""Imports inside rexlib go one way: no cycle, at any depth (a function-level import counts)."""
from __future__ import annotations

import ast
from pathlib import Path

import rexlib

PACKAGE = Path(rexlib.__file__).parent


def _graph() -> dict[str, set[str]]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        base = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom):
                root = base[: len(base) - node.level + 1] if node.level else []
                target = root + (node.module.split(".") if node.module else [])
                targets = [".".join(target + [a.name]) if ".".join(target + [a.name]) in mods else ".".join(target)
                           for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                while t and t not in mods and "." in t:
                    t = t.rsplit(".", 1)[0]
                if t in mods and t != mod and t.split(".")[0] == "rexlib":
                    graph[mod].add(t)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
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
    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_inside_rexlib():
    assert _cycles(_graph()) == []


def test_the_checker_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_lower_layers_do_not_import_upper_ones():
    graph = _graph()
    def reach(mod):
        seen, todo = set(), [mod]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen
    assert reach("rexlib.query.db") <= {"rexlib.core.paths"}                     # the connection is a leaf
    for low in ("rexlib.etl.series", "rexlib.core.formulas", "rexlib.etl.build", "rexlib.core.ids"):
        assert not {m for m in reach(low) if m.startswith(("rexlib.query.api", "rexlib.metrics", "rexlib.app.ui",
                                                           "rexlib.charts", "rexlib.reports", "rexlib.query.warehouse"))}, low
    assert not {m for m in reach("rexlib.metrics") if m.startswith(("rexlib.app.ui", "rexlib.charts", "rexlib.reports"))}


def test_the_package_has_a_front_door():
    assert rexlib.__doc__ and "rexlib" in rexlib.__doc__


def test_every_public_name_is_exported_documented_and_typed():
    import inspect
    for name in rexlib.__all__:
        obj = getattr(rexlib, name)
        if callable(obj) and not isinstance(obj, type):
            assert inspect.getdoc(obj), f"rexlib.{name} has no docstring"
    assert (PACKAGE / "py.typed").exists()
    assert callable(rexlib.build) and hasattr(rexlib.build, "collect")    # the function and the module
