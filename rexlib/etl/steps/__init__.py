"""The build as one step per source, and THE registry of steps (assembled from the step modules).

Each source has one module here, ``rexlib/etl/steps/<source>.py``, holding everything the build knows
of it: its ``collect_<source>(ctx) -> StepResult`` (reads its publisher's raw files through the
readers of :mod:`rexlib.sources`, shapes its tables, returns them with the issues it logged and the
country labels it mapped), its ``TABLES`` (the declarations of the tables it makes, with
:mod:`rexlib.etl.tablespec`) and its ``STEP = Step(...)``: the tables it makes (``produces``), the
tables of other steps it reads (``needs``; a table it rewrites is also in ``revises``) and the
frame it gives the supply families of ``rexlib/metadata/series.yml`` (``supplies``).

:data:`REGISTRY` is every module of this package that declares a ``STEP``, by module name
(:func:`discover`); :func:`run` (what ``rexlib.build.collect`` calls) runs them in that order,
each moved after the steps making what it ``needs``, label-gathering steps (``reference``) last.
A new source: a reader in ``rexlib/sources/``, a step module here (collect, TABLES, STEP), its raw
file and ``data/raw/sources.yml``; then ``rex build --write-row-counts`` writes the generated files.
Nothing else lists the steps.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import replace
from pathlib import Path

import pandas as pd

from rexlib.etl import series
from ..tablespec import Table
from .context import Context, Read, Step, StepError, StepResult, Supply

__all__ = ["Context", "REGISTRY", "Step", "StepError", "StepResult", "Supply", "discover", "ordered", "run",
           "supply_frames", "supply_sources"]


def _names(value) -> bool:
    return isinstance(value, tuple) and all(isinstance(v, str) and v for v in value)


def _checked(module, name: str) -> Step | None:
    """The module's STEP with its TABLES attached; None for a helper module (no STEP, no collect_).
    Raises StepError naming the module and what is malformed."""
    where = f"{module.__name__.replace('.', '/')}.py"
    step = getattr(module, "STEP", None)
    collects = sorted(n for n, v in vars(module).items()
                      if n.startswith("collect_") and callable(v) and getattr(v, "__module__", None) == module.__name__)
    if step is None:
        if collects:
            raise StepError(f"{where} defines {collects[0]} but no STEP: add "
                            f"STEP = Step({name!r}, {collects[0]}, produces=(<its tables>,)) to register it")
        return None
    if not isinstance(step, Step):
        raise StepError(f"{where}: STEP must be a rexlib.etl.steps.Step, not {type(step).__name__}")
    if step.source != name:
        raise StepError(f"{where}: STEP's source is {step.source!r}; a step is named after its module: use {name!r}")
    if not callable(step.collect):
        raise StepError(f"{where}: STEP's collect is {step.collect!r}, not a function (collect_{name}(ctx))")
    for field in ("produces", "needs", "revises"):
        if not _names(getattr(step, field)):
            raise StepError(f"{where}: STEP's `{field}` must be a tuple of table names, e.g. ('{name}_table',); "
                            f"got {getattr(step, field)!r}")
    if not step.produces:
        raise StepError(f"{where}: STEP produces no table")
    tables = getattr(module, "TABLES", step.tables)
    if not (isinstance(tables, tuple) and all(isinstance(t, Table) for t in tables)):
        raise StepError(f"{where}: TABLES must be a tuple of rexlib.etl.tablespec.Table (e.g. "
                        f"TABLES = (world_table('{name}_production', '...'),)); got {tables!r}")
    return replace(step, tables=tables)


def discover(package: str = __name__) -> tuple[Step, ...]:
    """The steps of ``package``: the ``STEP`` of every module that declares one, with its ``TABLES``,
    in the order of the modules' names (:func:`ordered` then respects ``needs``). Raises StepError
    naming the module for a malformed registration."""
    pkg = importlib.import_module(package)
    found: list[Step] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.ispkg:
            continue
        try:
            module = importlib.import_module(f"{package}.{info.name}")
        except ImportError as exc:
            if "partially initialized" not in str(exc):
                raise
            raise StepError(f"{package.replace('.', '/')}/{info.name}.py imports a module that imports the steps "
                            f"(rexlib.etl.schema, the catalogue, is assembled from them): declare its tables with "
                            f"rexlib.etl.tablespec (Table, world_table) and use its own TABLES ({exc})") from exc
        step = _checked(module, info.name)
        if step is not None:
            found.append(step)
    return tuple(found)


REGISTRY: tuple[Step, ...] = discover()


def _producers(registry) -> dict[str, Step]:
    """table -> the step that first makes it (a revising step does not count)."""
    out: dict[str, Step] = {}
    for step in registry:
        for name in step.produces:
            if name in step.revises:
                continue
            if name in out:
                raise StepError(f"table {name!r} is produced by two steps, {out[name].source!r} and "
                                f"{step.source!r} (rexlib/etl/steps/<source>.py): one must `revises` it")
            out[name] = step
    return out


def ordered(registry=REGISTRY) -> list[Step]:
    """The steps in registry order, each moved after the steps making the tables it ``needs`` (and
    after the steps revising them first); label-gathering steps last. Raises StepError naming a
    needed table no step makes, or a cycle."""
    producers = _producers(registry)
    after: dict[str, set[str]] = {}
    for step in registry:
        deps = set()
        for name in step.needs:
            if name not in producers:
                raise StepError(f"step {step.source!r} needs table {name!r}, which no step produces; "
                                f"produced: {sorted(producers)}")
            deps.add(producers[name].source)
            # a reader of a table also waits for the steps that revise it (other than itself)
            deps |= {s.source for s in registry if name in s.revises and s is not step}
        if step.gathers_labels:
            deps |= {s.source for s in registry if not s.gathers_labels}
        for name in step.revises:
            if name not in step.needs:
                raise StepError(f"step {step.source!r} revises {name!r} without needing it: add it to `needs`")
        after[step.source] = deps - {step.source}
    done: list[Step] = []
    left = list(registry)
    while left:
        ready = next((s for s in left if after[s.source] <= {d.source for d in done}), None)
        if ready is None:
            raise StepError("the steps' `needs` form a cycle: "
                            + "; ".join(f"{s.source} needs {sorted(after[s.source])}" for s in left))
        done.append(ready)
        left.remove(ready)
    return done


def supply_sources(registry=REGISTRY) -> set[str]:
    """The source names the registry supplies to series.yml ``stage_families``."""
    return {supply.source for step in registry for supply in step.supplies}


def run(raw_dir: Path, curated_dir: Path, registry=REGISTRY) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Run every step of ``registry`` (dependencies first): the tables and the issues logged.
    Raises StepError when a step returns other tables than it declares."""
    ctx = Context(Path(raw_dir), Path(curated_dir))
    issues: list[dict] = []
    for step in ordered(registry):
        result = step.collect(ctx)
        issues += ctx.take_pending_issues() + list(result.issues)
        if set(result.tables) != set(step.produces):
            raise StepError(f"step {step.source!r} returned tables {sorted(result.tables)}, "
                            f"but declares {sorted(step.produces)} (rexlib/etl/steps/{step.source}.py)")
        ctx.tables.update(result.tables)
        ctx.labels += result.labels
    return ctx.tables, issues


def supply_frames(read: Read, derived: dict, registry=REGISTRY) -> dict[str, tuple[str, pd.DataFrame]]:
    """source -> (shape, frame) for every supply the registry declares (series.supply_shares_table's
    input). Raises SeriesRuleError when series.yml names a supply source no step declares."""
    series.check_rules(series.rules(), sources=supply_sources(registry))
    return {supply.source: (supply.shape, supply.frame(read, derived))
            for step in registry for supply in step.supplies}
