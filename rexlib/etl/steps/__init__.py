"""The build as one step per source, and THE registry of steps (read as data).

Each step is a ``collect_<source>(ctx) -> StepResult`` in a module of this package: it reads its
publisher's raw files through the readers of :mod:`rexlib.sources`, shapes the schema's tables and
returns them with the issues it logged and the country labels it mapped. :data:`REGISTRY` says, for
every source: its step function, the tables it makes (``produces``), the tables of other steps it
reads (``needs``; a table it rewrites is also in ``revises``), and the frame it gives the supply
families of ``rexlib/metadata/series.yml`` (``supplies``). :func:`run` (what
``rexlib.build.collect`` calls) runs the steps in an order that respects ``needs``.

A new source: a reader in ``rexlib/sources/``, a step module here, one ``Step`` in ``REGISTRY``,
and its declarations (table schema and fields, row counts; ``series.yml`` to join a stage family).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd

from rexlib.etl import series
from .context import Context, StepError, StepResult
from .curated import collect_curated
from .eu_crm import collect_eu_crm
from .iea_2024 import collect_iea_2024
from .iea_2025 import collect_iea_2025
from .reference import collect_reference
from .source_metadata import collect_source_metadata
from .usgs_salient import collect_usgs_salient
from .usgs_trends import collect_usgs_trends
from .usgs_world import collect_usgs_world
from .wgi import collect_wgi

__all__ = ["Context", "REGISTRY", "Step", "StepError", "StepResult", "Supply", "ordered", "run",
           "supply_frames", "supply_sources"]

Read = Callable[[str], pd.DataFrame]


@dataclass(frozen=True)
class Supply:
    """What a source gives the stage families of series.yml: ``source`` (its name in
    ``stage_families``), the ``shape`` of its frame (a key of :data:`rexlib.etl.series.SUPPLY_SHAPES`)
    and ``frame(read, derived)``: the frame from the written tables (``read(name)``) and the
    derived ones (``derived``: ``production_latest`` ...)."""
    source: str
    shape: str
    frame: Callable[[Read, dict], pd.DataFrame]


@dataclass(frozen=True)
class Step:
    source: str                                  # the publisher / source it reads
    collect: Callable[[Context], StepResult]
    produces: tuple[str, ...]                    # the tables it returns (exactly these)
    needs: tuple[str, ...] = ()                  # tables of other steps it reads
    revises: tuple[str, ...] = ()                # tables of ``needs`` it returns rewritten
    supplies: tuple[Supply, ...] = ()
    gathers_labels: bool = False                 # runs after every other step (reads all their country labels)


def _latest(name: str) -> Callable[[Read, dict], pd.DataFrame]:
    return lambda read, derived: derived[name]


def _iea_blocks(read: Read, derived: dict) -> pd.DataFrame:
    return series.iea_with_shares(read("refining"), read("iea_supply_2025"))


def _table(name: str) -> Callable[[Read, dict], pd.DataFrame]:
    return lambda read, derived: read(name)


REGISTRY: tuple[Step, ...] = (
    Step("usgs_world", collect_usgs_world, ("production", "reserves", "capacity"),
         supplies=(Supply("usgs", "world_series", _latest("production_latest")),)),
    Step("usgs_salient", collect_usgs_salient,
         ("import_reliance", "import_sources", "import_sources_fig3", "us_salient", "prices", "usgs_leading_source")),
    Step("iea_2024", collect_iea_2024,
         ("refining", "refining_totals", "iea_demand", "iea_cleantech_demand", "iea_tech_demand",
          "iea_demand_totals"),
         supplies=(Supply("iea", "iea_blocks", _iea_blocks),)),          # both IEA editions (series.iea_with_shares)
    Step("iea_2025", collect_iea_2025, ("iea_supply_2025", "iea_supply_totals_2025", "iea_demand_2025")),
    Step("wgi", collect_wgi, ("governance",)),
    Step("eu_crm", collect_eu_crm,
         ("eu_crm_global_supply", "eu_crm_eu_sourcing", "eu_crm_criticality", "eu_crm_end_use"),
         supplies=(Supply("eu_crm", "eu_shares", _table("eu_crm_global_supply")),)),
    Step("curated", collect_curated, ("deals", "agreements", "country_groups", "export_controls", "claims", "intensities")),
    Step("usgs_trends", collect_usgs_trends,
         ("export_controls", "agreements", "usgs_end_uses", "usgs_scrap", "usgs_price_growth"),
         needs=("export_controls", "agreements"), revises=("export_controls", "agreements")),
    Step("source_metadata", collect_source_metadata, ("sources", "source_files")),
    Step("reference", collect_reference, ("minerals", "countries", "country_labels"),
         needs=("production", "reserves", "capacity", "import_sources", "refining"), gathers_labels=True),
)


def _producers(registry) -> dict[str, Step]:
    """table -> the step that first makes it (a revising step does not count)."""
    out: dict[str, Step] = {}
    for step in registry:
        for name in step.produces:
            if name in step.revises:
                continue
            if name in out:
                raise StepError(f"table {name!r} is produced by two steps, {out[name].source!r} and "
                                f"{step.source!r} (rexlib/etl/steps/__init__.py): one must `revises` it")
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
                            f"but declares {sorted(step.produces)} (rexlib/etl/steps/__init__.py)")
        ctx.tables.update(result.tables)
        ctx.labels += result.labels
    return ctx.tables, issues


def supply_frames(read: Read, derived: dict, registry=REGISTRY) -> dict[str, tuple[str, pd.DataFrame]]:
    """source -> (shape, frame) for every supply the registry declares (series.supply_shares_table's
    input). Raises SeriesRuleError when series.yml names a supply source no step declares."""
    series.check_rules(series.rules(), sources=supply_sources(registry))
    return {supply.source: (supply.shape, supply.frame(read, derived))
            for step in registry for supply in step.supplies}
