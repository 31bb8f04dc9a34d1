"""How a table is declared: the :class:`Table` class and the column groups and table shapes that
declarations share (``world_table``: the shape of a world production, reserves or capacity table).

A step module (``rexlib/etl/steps/<source>.py``) declares the tables it makes with these, in its
``TABLES``, beside its collect function; :mod:`rexlib.etl.schema` assembles every step's declarations
and the tables the build itself makes into the catalogue the build validates and documents. This
module imports nothing above the ids, so every step can use it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rexlib.core.ids import PRODUCTION_STAGES

__all__ = ["PROV", "Table", "VALUE", "world_table"]


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: dict[str, str]                      # column -> DuckDB type
    key: tuple[str, ...] = ()
    required: tuple[str, ...] = ()               # columns that may not be null/empty
    allowed: dict[str, tuple] = field(default_factory=dict)
    mineral_columns: tuple[str, ...] = ()        # must resolve to minerals.mineral_id (';' lists allowed)
    country_columns: tuple[str, ...] = ()        # must resolve to countries.iso3 (';' lists allowed)
    flag_columns: tuple[str, ...] = ()           # ';'-joined subsets of values.FLAGS


# Provenance of a row read from a raw file, and a value as published (flag beside it, never a zero).
PROV = {"vintage": "VARCHAR", "source_file": "VARCHAR", "source_line": "INTEGER"}
VALUE = {"value": "DOUBLE", "value_low": "DOUBLE", "value_high": "DOUBLE", "value_text": "VARCHAR",
         "unit": "VARCHAR", "flag": "VARCHAR", "note": "VARCHAR"}


def world_table(name: str, description: str) -> Table:
    """A world table by country in the shape of USGS's (production, reserves, capacity): one row per
    mineral x stage x measure x qualifier x country x year x vintage, the value as published with its flag."""
    return Table(
        name, description,
        {"mineral_id": "VARCHAR", "stage": "VARCHAR", "measure": "VARCHAR", "qualifier": "VARCHAR",
         "country": "VARCHAR", "year": "INTEGER", **VALUE, "measure_raw": "VARCHAR",
         "country_label": "VARCHAR", **PROV},
        key=("mineral_id", "stage", "measure", "qualifier", "country", "year", "vintage"),
        required=("mineral_id", "stage", "measure", "country", "year", "unit", "vintage", "source_file"),
        allowed={"stage": PRODUCTION_STAGES + ("production",)},
        mineral_columns=("mineral_id",), country_columns=("country",), flag_columns=("flag",))
