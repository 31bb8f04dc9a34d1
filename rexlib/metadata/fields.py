"""Field metadata, declared once in ``fields.yml``: the description and unit of every column name.

A column name means the same thing in every table that has it, unless ``fields.yml`` overrides it
for one table. This module only reads that file; it imports nothing of rexlib, so the table
declarations (:mod:`rexlib.etl.schema`) can build on it: ``rexlib.etl.schema.describe_table`` joins these
words with each table's types and key, and :mod:`rexlib.etl.dictionary` renders them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources

import pandas as pd
import yaml

FIELDS_FILE = "fields.yml"
NO_UNIT = "none"

__all__ = ["field", "comment", "undescribed", "unused", "describe_columns", "FIELDS_FILE"]


@lru_cache(maxsize=1)
def _declared() -> dict:
    # Package data, read once per process: it only changes with the code.
    text = resources.files(__package__).joinpath(FIELDS_FILE).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(text, Loader=loader) or {}
    declared = {"fields": data.get("fields") or {}, "tables": data.get("tables") or {}}
    entries = [(f"fields: {c}", e) for c, e in declared["fields"].items()]
    entries += [(f"tables: {t}: {c}", e) for t, cols in declared["tables"].items() for c, e in (cols or {}).items()]
    for where, entry in entries:
        # A misspelt key ('descripton') would silently fall back to the field's words: refuse it.
        if not isinstance(entry, dict) or set(entry) - {"description", "unit"}:
            raise ValueError(f"rexlib/metadata/{FIELDS_FILE}, {where}: expected description and/or unit, got {entry!r}")
    return declared


def _entry(table: str, column: str) -> dict:
    declared = _declared()
    merged = dict(declared["fields"].get(column) or {})
    merged.update((declared["tables"].get(table) or {}).get(column) or {})
    return merged


def field(table: str, column: str) -> tuple[str, str]:
    """``(description, unit)`` of ``table.column``: the table's override, else the field's entry.

    Raises KeyError naming ``table.column`` when either part is declared nowhere."""
    entry = _entry(table, column)
    description = str(entry.get("description") or "").strip()
    unit = str(entry.get("unit") or "").strip()
    if not description or not unit:
        missing = " and ".join(p for p, v in (("description", description), ("unit", unit)) if not v)
        raise KeyError(f"{table}.{column} has no {missing} in rexlib/metadata/{FIELDS_FILE}: declare it "
                       f"under fields: {column}: (or tables: {table}: {column}: where it means something else)")
    return description, unit


def comment(table: str, column: str) -> str:
    """The text the build writes as ``COMMENT ON COLUMN``: the description, then the unit."""
    description, unit = field(table, column)
    return description if unit == NO_UNIT else f"{description} Unit: {unit}."


def undescribed(columns: Mapping[str, Iterable[str]]) -> list[str]:
    """``table.column`` for every column (``{table: columns}``) lacking a description or a unit."""
    out = []
    for table, names in columns.items():
        for column in names:
            try:
                field(table, column)
            except KeyError:
                out.append(f"{table}.{column}")
    return out


def unused(columns: Mapping[str, Iterable[str]]) -> list[str]:
    """Entries of fields.yml that no column of ``{table: columns}`` uses (stale declarations)."""
    used = {(t, c) for t, names in columns.items() for c in names}
    names = {c for _, c in used}
    declared = _declared()
    out = [f"fields: {c}" for c in declared["fields"] if c not in names]
    for table, overrides in declared["tables"].items():
        out += [f"tables: {table}: {c}" for c in overrides or {} if (table, c) not in used]
    return out


def describe_columns(table: str, columns: Mapping[str, str], key: Iterable[str] = ()) -> pd.DataFrame:
    """One row per column of ``table``: column, type, primary_key, description, unit.

    ``columns`` maps each column to its DuckDB type and ``key`` lists the primary key, as the table
    declaration (:class:`rexlib.etl.schema.Table`) gives them."""
    key = tuple(key)
    rows = [dict(column=c, type=t, primary_key=c in key, description=field(table, c)[0], unit=field(table, c)[1])
            for c, t in columns.items()]
    return pd.DataFrame(rows, columns=["column", "type", "primary_key", "description", "unit"])
