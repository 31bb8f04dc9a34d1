"""The catalogue: one declaration per table (columns and types, primary key, allowed values, foreign
keys), assembled from where each is written.

A table a source's step makes is declared in that step's module (``TABLES`` in
``rexlib/etl/steps/<source>.py``, with :mod:`rexlib.etl.tablespec`); the tables the build makes itself
(derived series, concentration, quality issues, checks, the build record) and the hand-curated
tables are declared here. :data:`TABLES` is every step's tables in run order, then this module's.
The build validates every table against this before anything is written; a violation fails the
build with the table, column and offending values named.
"""
from __future__ import annotations

import pandas as pd

from rexlib.metadata.fields import describe_columns
from rexlib.sources.values import FLAGS
from .steps import REGISTRY, StepError, ordered
from .steps.curated import CURATED_TABLES, curated_spec  # noqa: F401 (their home is the curated step)
from .tablespec import Table, world_table
from rexlib.core.validate import InvalidArgument

SCHEMA_VERSION = "3"
# rexlib.etl.series.BASES (kept here as data: the schema imports nothing above ids/metadata and the steps).
SHARE_BASES = ("world_published", "world_sum_of_listed", "us_only", "no_world")


def _latest(name: str, description: str) -> Table:
    base = world_table(name, description)
    return Table(name, description,
                 {**base.columns, "series_measure": "VARCHAR", "series_qualifier": "VARCHAR",
                  "world_reported": "DOUBLE", "world_value": "DOUBLE", "share_pct": "DOUBLE",
                  "share_flag": "VARCHAR", "share_basis": "VARCHAR", "product": "VARCHAR",
                  "is_default_measure": "BOOLEAN"},
                 key=tuple(k for k in base.key if k != "vintage"), required=base.required + ("share_basis",),
                 allowed={**base.allowed, "share_basis": SHARE_BASES},
                 mineral_columns=base.mineral_columns, country_columns=base.country_columns,
                 flag_columns=base.flag_columns)


# Declared here: the tables the build makes itself (derived series and concentration, quality issues,
# publisher checks); every step's tables are declared in its module (rexlib/etl/steps/<source>.py).
_OWN: dict[str, Table] = {t.name: t for t in [
    Table("concentration", "Derived: shares, HHI bounds, top producers and China's share of every production "
          "series (rexlib.metrics.concentration, computed once by the build).",
          {"source": "VARCHAR", "mineral_id": "VARCHAR", "stage": "VARCHAR", "year": "INTEGER",
           "measure": "VARCHAR", "qualifier": "VARCHAR", "is_default_measure": "BOOLEAN", "share_basis": "VARCHAR",
           "vintage": "VARCHAR", "unit": "VARCHAR", "world_total": "DOUBLE", "world_reported": "DOUBLE", "hhi": "DOUBLE", "hhi_low": "DOUBLE",
           "hhi_high": "DOUBLE", "top1_country": "VARCHAR", "top1_share": "DOUBLE", "top3_share": "DOUBLE",
           "china_share": "DOUBLE", "n_countries": "INTEGER", "has_listed_producer": "BOOLEAN",
           "remainder_share": "DOUBLE", "unallocated_share": "DOUBLE", "withheld_countries": "VARCHAR",
           "flags": "VARCHAR", "coverage_note": "VARCHAR", "source_label": "VARCHAR"},
          key=("source", "mineral_id", "stage", "year", "measure", "qualifier", "vintage"),
          required=("source", "mineral_id", "stage", "year", "measure", "vintage", "unit", "share_basis"),
          allowed={"source": ("usgs", "iea"), "share_basis": SHARE_BASES}, mineral_columns=("mineral_id",),
          country_columns=("top1_country", "withheld_countries")),
    Table("concentration_wgi", "Derived: governance-weighted HHI (EU 2017 method, WGI 2022, missing scores = "
          "median) of every default-measure series in concentration (rexlib.metrics.governance).",
          {"source": "VARCHAR", "mineral_id": "VARCHAR", "stage": "VARCHAR", "year": "INTEGER",
           "vintage": "VARCHAR", "hhi_wgi": "DOUBLE", "hhi_wgi_high": "DOUBLE", "hhi": "DOUBLE",
           "hhi_high": "DOUBLE", "wgi_weighted_mean": "DOUBLE", "share_without_wgi": "DOUBLE",
           "countries_without_wgi": "VARCHAR", "withheld": "VARCHAR", "missing_rule": "VARCHAR",
           "wgi_fill": "DOUBLE", "wgi_year": "INTEGER", "source_label": "VARCHAR"},
          key=("source", "mineral_id", "stage", "year"),
          required=("source", "mineral_id", "stage", "year", "hhi_wgi", "wgi_year"),
          allowed={"source": ("usgs", "iea")}, mineral_columns=("mineral_id",),
          country_columns=("countries_without_wgi", "withheld")),
    Table("supply_shares", "Derived: one supply-chain model across sources (rexlib.etl.series, stage_families in "
          "series.yml): every country's share of world mining and of processing per mineral, from the latest "
          "USGS series, the IEA observed block and the EU 2023 study's Appendix 7 averages, each with its "
          "period, unit and provenance; is_best marks the source the declared order picks.",
          {"mineral_id": "VARCHAR", "stage_family": "VARCHAR", "source": "VARCHAR", "source_stage": "VARCHAR",
           "source_mineral_id": "VARCHAR", "period": "VARCHAR", "period_kind": "VARCHAR", "year": "INTEGER",
           "is_best": "BOOLEAN", "country": "VARCHAR", "value": "DOUBLE", "unit": "VARCHAR", "share_pct": "DOUBLE",
           "share_published_pct": "DOUBLE", "share_flag": "VARCHAR", "share_basis": "VARCHAR", "world_value": "DOUBLE",
           "measure": "VARCHAR", "product": "VARCHAR", "vintage": "VARCHAR", "provenance": "VARCHAR", "source_label": "VARCHAR", "note": "VARCHAR",
           "source_file": "VARCHAR", "source_line": "INTEGER", "source_cell": "VARCHAR"},
          key=("mineral_id", "stage_family", "source", "source_stage", "period", "country", "measure"),
          required=("mineral_id", "stage_family", "source", "source_stage", "period", "period_kind", "country",
                    "unit", "provenance", "source_label"),
          allowed={"stage_family": ("mining", "processing"), "source": ("usgs", "iea", "eu_crm"),
                   "period_kind": ("year", "average"), "share_basis": SHARE_BASES},
          mineral_columns=("mineral_id", "source_mineral_id"), country_columns=("country",)),
    Table("supply_concentration", "Derived: HHI bounds, top-1, top-3 and China's share of every series in "
          "supply_shares (rexlib.core.formulas.concentration_summary on the stored shares).",
          {"mineral_id": "VARCHAR", "stage_family": "VARCHAR", "source": "VARCHAR", "source_stage": "VARCHAR",
           "source_mineral_id": "VARCHAR", "period": "VARCHAR", "period_kind": "VARCHAR", "year": "INTEGER",
           "is_best": "BOOLEAN", "share_basis": "VARCHAR", "hhi": "DOUBLE", "hhi_low": "DOUBLE", "hhi_high": "DOUBLE", "top1_country": "VARCHAR",
           "top1_share": "DOUBLE", "top3_share": "DOUBLE", "china_share": "DOUBLE", "n_countries": "INTEGER",
           "remainder_share": "DOUBLE", "unallocated_share": "DOUBLE", "withheld_countries": "VARCHAR",
           "flags": "VARCHAR", "unit": "VARCHAR", "provenance": "VARCHAR", "source_label": "VARCHAR", "note": "VARCHAR"},
          key=("mineral_id", "stage_family", "source", "source_stage", "period"),
          required=("mineral_id", "stage_family", "source", "source_stage", "period", "provenance", "source_label"),
          allowed={"stage_family": ("mining", "processing"), "source": ("usgs", "iea", "eu_crm"),
                   "period_kind": ("year", "average"), "share_basis": SHARE_BASES},
          mineral_columns=("mineral_id", "source_mineral_id"), country_columns=("top1_country", "withheld_countries")),
    _latest("production_latest", "Derived: the production series figures use (rexlib.etl.series): each mineral x "
            "stage x year whole from one edition, with the share rule applied (share_pct of world_value)."),
    _latest("reserves_latest", "Derived: reserves by country, each mineral x year from one edition, share rule applied."),
    _latest("capacity_latest", "Derived: capacity by country, each mineral x stage x year from one edition."),
    Table("quality_issues", "Every raw value the build could not parse or had to fix, what it did and why.",
          {"file": "VARCHAR", "line": "VARCHAR", "column": "VARCHAR", "raw_value": "VARCHAR",
           "action": "VARCHAR", "reason": "VARCHAR"}, required=("file", "action", "reason")),
    Table("publisher_checks", "Results of the checks against the publishers' own totals and shares.",
          {"check": "VARCHAR", "subject": "VARCHAR", "expected": "DOUBLE", "computed": "DOUBLE",
           "difference": "DOUBLE", "tolerance": "DOUBLE", "status": "VARCHAR", "reason": "VARCHAR"},
          required=("check", "subject", "status"),
          allowed={"status": ("pass", "allowed", "fail", "not_comparable")}),
]}

# Tables the build computes from the validated tables above (after they are written).
DERIVED_TABLES = ("production_latest", "reserves_latest", "capacity_latest", "concentration", "concentration_wgi",
                  "supply_shares", "supply_concentration")



def catalogue(registry=REGISTRY) -> dict[str, Table]:
    """Every validated table by name: each step's (in run order, as its ``produces`` lists them; a
    step's own ``TABLES``, else a declaration of this module such as the curated tables'), then the
    tables the build makes itself. Raises StepError naming the step and its module when it
    produces a table nobody declares, declares a table it does not produce, or one declaration
    is written twice."""
    out: dict[str, Table] = {}
    for step in ordered(registry):
        where = f"rexlib/etl/steps/{step.source}.py"
        own = {t.name: t for t in step.tables}
        for name in own:
            if name not in step.produces or name in step.revises:
                raise StepError(f"step {step.source!r} declares table {name!r} in its TABLES but does not produce "
                                f"it: add it to its STEP's `produces` ({where}) or remove the declaration")
            if name in _OWN or name in out:
                raise StepError(f"table {name!r} is declared twice: in {where} and in "
                                f"{'rexlib/etl/schema.py' if name in _OWN else 'another step'}; keep one")
        for name in step.produces:
            if name in step.revises:
                continue
            spec = own.get(name) or _OWN.get(name)
            if spec is None:
                raise StepError(f"step {step.source!r} produces table {name!r}, which no declaration describes: "
                                f"declare it in {where}, e.g. TABLES = (world_table({name!r}, \"<what a row is>\"),) "
                                f"(rexlib/etl/tablespec.py has Table and the shared shapes)")
            out[name] = spec
    for name, spec in _OWN.items():
        out.setdefault(name, spec)
    return out


TABLES: dict[str, Table] = catalogue()


class SchemaError(ValueError):
    """A table does not satisfy its declaration."""


def _split(values: pd.Series) -> set[str]:
    out: set[str] = set()
    for v in values.dropna().astype(str):
        out.update(p.strip() for p in v.split(";") if p.strip())
    return out


def validate(name: str, frame: pd.DataFrame, *, mineral_ids: set[str] | None = None,
             country_codes: set[str] | None = None, tables: dict[str, Table] | None = None) -> list[str]:
    """Return a list of problems (empty when the table is valid) against ``tables`` (default: TABLES)."""
    table = (TABLES if tables is None else tables)[name]
    problems: list[str] = []
    missing = [c for c in table.columns if c not in frame.columns]
    if missing:
        return [f"{name}: missing columns {missing}"]
    extra = [c for c in frame.columns if c not in table.columns]
    if extra:
        problems.append(f"{name}: undeclared columns {extra}")
    for col in table.required:
        empty = frame[col].isna() | (frame[col].astype(str).str.strip() == "")
        if empty.any():
            rows = frame.index[empty][:5].tolist()
            problems.append(f"{name}.{col}: {int(empty.sum())} empty value(s) in a required column (rows {rows})")
    if table.key:
        dup = frame.duplicated(list(table.key), keep=False)
        if dup.any():
            sample = frame.loc[dup, list(table.key)].head(4).to_dict("records")
            problems.append(f"{name}: {int(dup.sum())} rows share a key {table.key}: {sample}")
    for col, allowed in table.allowed.items():
        bad = set(frame[col].dropna().astype(str)) - {str(a) for a in allowed}
        if bad:
            problems.append(f"{name}.{col}: values {sorted(bad)[:10]} not in {list(allowed)}")
    for col in table.flag_columns:
        bad = _split(frame[col]) - set(FLAGS)
        if bad:
            problems.append(f"{name}.{col}: unknown flags {sorted(bad)}")
    if mineral_ids is not None:
        for col in table.mineral_columns:
            bad = _split(frame[col]) - mineral_ids
            if bad:
                problems.append(f"{name}.{col}: unknown mineral ids {sorted(bad)}")
    if country_codes is not None:
        for col in table.country_columns:
            bad = _split(frame[col]) - country_codes
            if bad:
                problems.append(f"{name}.{col}: unknown country codes {sorted(bad)}")
    return problems



# Stored beside the validated tables, created by rexlib/etl/build.py in SQL: the build record.
BUILD_TABLES: dict[str, Table] = {
    "build_info": Table("build_info", "Identity of the build: input fingerprint, rexlib and schema versions, "
                        "build time.", {"key": "VARCHAR", "value": "VARCHAR"}, key=("key",)),
}


def declared_tables() -> dict[str, Table]:
    """Every table of the database: the validated ones (TABLES) and those the build creates in SQL."""
    return {**TABLES, **BUILD_TABLES}


def describe_table(name: str) -> pd.DataFrame:
    """The data dictionary of one table: column, type, primary_key, description, unit (one row per
    column, in table order). Raises InvalidArgument listing the tables for an unknown name."""
    tables = declared_tables()
    if name not in tables:
        raise InvalidArgument("table", name, tables)
    spec = tables[name]
    return describe_columns(name, spec.columns, spec.key)


