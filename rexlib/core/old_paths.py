"""The import paths rexlib's modules had before they were grouped into layers (issue 29), kept working.

``import rexlib.warehouse``, ``from rexlib.api import production``, ``from rexlib.ui import scenario`` and
``rexlib.series`` still give the module now at its layered home (``rexlib.query.warehouse``…): the same
module object, not a copy, so patching either name patches both. Nothing in rexlib, its tests or its
notebooks uses these names (``tests/structure/test_layout.py``); they are for code written against
earlier versions. ``python -m`` needs the new path.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

# old module (or package prefix) -> where it lives now
MOVED = {
    "rexlib.ids": "rexlib.core.ids", "rexlib.fmt": "rexlib.core.fmt", "rexlib.formulas": "rexlib.core.formulas",
    "rexlib.paths": "rexlib.core.paths", "rexlib.processes": "rexlib.core.processes",
    "rexlib.private_dir": "rexlib.core.private_dir", "rexlib.validate": "rexlib.core.validate",
    "rexlib.version": "rexlib.core.version", "rexlib.provenance": "rexlib.core.provenance",
    "rexlib.build": "rexlib.etl.build", "rexlib.schema": "rexlib.etl.schema", "rexlib.series": "rexlib.etl.series",
    "rexlib.corrections": "rexlib.etl.corrections", "rexlib.curate": "rexlib.etl.normalise",
    "rexlib.reconcile": "rexlib.etl.reconcile", "rexlib.row_counts": "rexlib.etl.row_counts",
    "rexlib.unparsed_check": "rexlib.etl.unparsed_check", "rexlib.steps": "rexlib.etl.steps",
    "rexlib.checks": "rexlib.etl.checks.usgs", "rexlib.checks_eu_crm": "rexlib.etl.checks.eu_crm",
    "rexlib.checks_iea_demand": "rexlib.etl.checks.iea_demand",
    "rexlib.checks_iea_conversion": "rexlib.etl.checks.iea_conversion",
    "rexlib.checks_usgs_trends": "rexlib.etl.checks.usgs_trends",
    "rexlib.metadata.dictionary": "rexlib.etl.dictionary",
    "rexlib.db": "rexlib.query.db", "rexlib.warehouse": "rexlib.query.warehouse", "rexlib.api": "rexlib.query.api",
    "rexlib.user_sql": "rexlib.query.user_sql",
    "rexlib.ui": "rexlib.app.ui", "rexlib.publish": "rexlib.app.publish", "rexlib.site_files": "rexlib.app.site_files",
    "rexlib.serve": "rexlib.app.serve", "rexlib.serve_app": "rexlib.app.serve_app",
    "rexlib.panel": "rexlib.scale",
}


def new_path(name: str) -> str | None:
    """Where the module once importable as ``name`` lives now (None: it did not move)."""
    for old in sorted(MOVED, key=len, reverse=True):
        if name == old or name.startswith(old + "."):
            return MOVED[old] + name[len(old):]
    return None


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        # the import system set __spec__ to the old name's; the module keeps its own
        module.__spec__ = _SPECS[self.target]


_SPECS: dict[str, importlib.machinery.ModuleSpec] = {}


class OldPaths(importlib.abc.MetaPathFinder):
    """Finds an old name and hands back the module at its new home."""

    def find_spec(self, fullname, path=None, target=None):
        new = new_path(fullname)
        if new is None:
            return None
        module = importlib.import_module(new)
        _SPECS[new] = module.__spec__
        return importlib.machinery.ModuleSpec(fullname, _Alias(new), is_package=hasattr(module, "__path__"))


def install() -> None:
    if not any(isinstance(f, OldPaths) for f in sys.meta_path):
        sys.meta_path.insert(0, OldPaths())     # before the path finder, which would load a second copy


def attribute(name: str):
    """``rexlib.<name>`` for a module that moved (``rexlib.warehouse`` without importing it first)."""
    new = new_path(f"rexlib.{name}")
    if new is None or "." in name:
        raise AttributeError(f"module 'rexlib' has no attribute {name!r}")
    return importlib.import_module(f"rexlib.{name}")
