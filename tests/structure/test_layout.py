"""The layers are visible in the tree (issue 29): every module sits in a declared layer's package, imports
only its own layer and those below, docs/architecture.md shows the tree as it is, and the import paths
from before the move still give the same module objects."""
from __future__ import annotations

import importlib
import re
import subprocess
from pathlib import Path

import pytest

from rexlib.core import layers
from rexlib.core.old_paths import MOVED, new_path
from tests.test_layers import _graph

PROJECT = Path(__file__).resolve().parents[2]


def test_every_module_sits_in_a_declared_layer():
    declared = {name for name, _ in layers.LAYERS}
    stray = [m for m in layers.modules() if layers.layer_of(m) not in declared]
    assert stray == []
    # the root holds only the front door and the CLI; everything else is in a layer's package
    root = sorted(p.name for p in layers.PACKAGE.glob("*.py"))
    assert root == ["__init__.py", "cli.py"]


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                  if layers.RANK[layers.layer_of(b)] > layers.RANK[layers.layer_of(a)])


def test_no_module_imports_a_higher_layer():
    assert upward_imports(_graph()) == []


def test_the_layer_check_sees_an_upward_import():
    graph = _graph()
    graph["rexlib.core.ids"] = graph["rexlib.core.ids"] | {"rexlib.query.api"}         # ids asking the queries
    graph["rexlib.etl.series"] = graph["rexlib.etl.series"] | {"rexlib.metrics._common"}
    assert upward_imports(graph) == ["rexlib.core.ids -> rexlib.query.api", "rexlib.etl.series -> rexlib.metrics._common"]


def test_the_architecture_page_shows_the_tree_as_it_is():
    page = (PROJECT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- tree:[^\n]*-->\n(.*?)\n<!-- /tree -->", page, re.S)
    assert block, "docs/architecture.md lost its generated tree block"
    assert block.group(1) == layers.tree_markdown(), \
        "docs/architecture.md's tree differs from the package: regenerate it (rex build --write-row-counts)"


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_import_path_gives_the_same_module(old):
    module = importlib.import_module(old)
    assert module is importlib.import_module(new_path(old))
    assert module.__spec__.name == new_path(old)            # the module keeps its own identity


def test_old_paths_keep_working_the_way_users_wrote_them():
    import rexlib
    import rexlib.query.warehouse
    from rexlib.ui import scenario                                  # a notebook written before the move
    from rexlib.ui.common import App                                # noqa: F401
    from rexlib.api import production
    assert scenario is importlib.import_module("rexlib.app.ui.scenario")
    assert production is rexlib.production
    assert rexlib.warehouse is rexlib.query.warehouse                # attribute access without an import
    assert rexlib.api.stages("gallium") == rexlib.query.api.stages("gallium")
    assert callable(rexlib.build) and rexlib.build.collect           # rexlib.build() and rexlib.build.collect
    with pytest.raises(AttributeError, match="no attribute 'nonesuch'"):
        rexlib.nonesuch  # noqa: B018


def test_nothing_in_the_repository_uses_an_old_path():
    files = subprocess.run(["git", "ls-files", "rexlib", "tests", "notebooks", "benchmarks", "docs", "README.md",
                            ".ci"], cwd=PROJECT, capture_output=True, text=True, check=True).stdout.split()
    # rexlib.build and rexlib.api are the front door's (rexlib/__init__.py), not old paths
    olds = sorted((m for m in MOVED if m not in ("rexlib.build", "rexlib.api")), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(m) for m in olds) + r")(?![\w])")
    found = []
    for name in files:
        path = PROJECT / name
        if path.suffix not in (".py", ".md", ".ipynb", ".toml", ".yml", ".json", ".js") \
                or name in ("rexlib/core/old_paths.py", "tests/structure/test_layout.py",
                            "benchmarks/results.md"):   # a record of past runs, kept as written
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line) and not re.search(r"old path|before the layers|moved into layered", line):
                found.append(f"{name}:{number}: {line.strip()[:100]}")
    assert found == []
