"""rexlib's layers, bottom first, declared as data; a module imports only its own layer and those below.

``tests/structure/test_layout.py`` fails on a module outside a declared layer, on an import of a higher
layer and on a docs/architecture.md whose tree is not :func:`tree_markdown` of the package as it is
(``python -m rexlib.core.layers`` prints it). Reads files only; imports nothing of rexlib's.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]

# (layer, what it holds), bottom first. "rexlib" is the front door (rexlib/__init__.py): the functions a
# researcher calls, over the queries and the metrics.
LAYERS: tuple[tuple[str, str], ...] = (
    ("core", "ids and names, formatting, share formulas, paths, argument validation, provenance labels"),
    ("metadata", "declarations as data: series rules, corrections, fields, mappings, row counts"),
    ("sources", "one reader per publisher: raw file -> tidy frame, every quirk a named rule"),
    ("etl", "the build: one step per source, table declarations, series rules, corrections, checks"),
    ("query", "the read-only connection, the warehouse (build on first use, the cache), the API's queries"),
    ("scale", "the same figures over large panels, on DuckDB or Spark"),
    ("metrics", "analytics over what the API returns (no series choices of their own)"),
    ("rexlib", "the front door: rexlib.production(), rexlib.stockpile()…"),
    ("charts", "Vega-Lite specs from frames; rendering and the palette in charts/base.py"),
    ("reports", "papermill reports: parameters, plans, rendering, the index page"),
    ("app", "widget panels per app (ui/), the Voila template, publishing every view, serving"),
    ("cli", "the rex command"),
)
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}


def layer_of(module: str) -> str:
    """``rexlib.query.api`` -> ``query``; ``rexlib`` -> ``rexlib``; ``rexlib.cli`` -> ``cli``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "rexlib"


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (packages by their ``__init__``)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def summary(path: Path) -> str:
    """The first sentence of a module's docstring, on one line."""
    doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    first = " ".join(doc.split("\n\n")[0].split())
    end = re.search(r"(?<!U\.S)(?<!\be\.g)(?<!\bi\.e)(?<!Fig)(?<!\bvs)\.(\s|$)", first)
    first = first if end is None else first[:end.start() + 1]
    return first if len(first) <= 110 else first[:109].rstrip() + "…"


def tree_markdown() -> str:
    """The package tree, layer by layer (bottom first), each package and module with its docstring's first
    sentence: the block docs/architecture.md shows."""
    mods = modules()
    lines = ["```"]
    for layer, purpose in LAYERS:
        if layer == "rexlib":
            lines.append(f"rexlib/__init__.py          [{layer}] {purpose}")
            continue
        if layer == "cli":
            lines.append(f"rexlib/cli.py               [{layer}] {purpose}")
            continue
        lines.append(f"rexlib/{layer}/" + " " * max(1, 21 - len(layer)) + f"[{layer}] {purpose}")
        if layer == "metadata":
            files = sorted(p.relative_to(PACKAGE / layer).as_posix() for p in (PACKAGE / layer).rglob("*")
                           if p.is_file() and p.suffix in (".yml", ".csv", ".py") and "__pycache__" not in p.parts)
            line = "   "
            for name in files:
                if len(line) + len(name) + 2 > 110:
                    lines.append(line.rstrip(",") + ",")
                    line = "   "
                line += f" {name},"
            lines.append(line.rstrip(","))
            continue
        for name, path in mods.items():
            if layer_of(name) != layer or name == f"rexlib.{layer}":
                continue
            rel = path.relative_to(PACKAGE / layer).as_posix()
            rel = rel[: -len("__init__.py")] if rel.endswith("__init__.py") else rel
            lines.append(f"    {rel:<26} {summary(path)}")
    lines.append("```")
    return "\n".join(lines)


TREE_BLOCK = re.compile(r"(<!-- tree:[^\n]*-->\n)(.*?)(\n<!-- /tree -->)", re.S)


def write_tree(page: Path) -> bool:
    """Put :func:`tree_markdown` into ``page`` (docs/architecture.md) between its tree markers; True when
    the page changed. A page without the markers is an error naming them."""
    text = page.read_text(encoding="utf-8")
    if not TREE_BLOCK.search(text):
        raise ValueError(f"{page}: no generated tree block (<!-- tree: ... --> ... <!-- /tree -->) to fill")
    new = TREE_BLOCK.sub(lambda m: m.group(1) + tree_markdown() + m.group(3), text, count=1)
    if new != text:
        page.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":
    print(tree_markdown())
