"""The production shape: concentration and coalition coverage per mineral × stage × year over any
relation with the production table's columns (``mineral_id, stage, country, year, value``): the
workbook's ``production_latest`` table, or a Parquet panel of 100M rows that never fits in pandas,
on DuckDB or on Spark (``con`` is a DuckDB connection or a SparkSession).
"""
from __future__ import annotations

import pandas as pd

from rexlib.core.ids import REST_OF_WORLD
from . import engine
from .sql import COVERAGE_SQL, CONCENTRATION_SQL, PRODUCTION_KEYS, yearly_totals_sql

PREAGGREGATE_SQL = yearly_totals_sql(("mineral_id", "stage", "year"), "country", "value",
                                     order=("year", "stage", "mineral_id"))


def members_frame(members) -> pd.DataFrame:
    """The ``members`` relation of the coverage rule: distinct ISO3 codes, ``ROW`` never one."""
    if isinstance(members, str):
        members = [members]
    codes = sorted({str(m) for m in members} - {REST_OF_WORLD})
    return pd.DataFrame({"country": pd.Series(codes, dtype=object)})


def concentration(con, source="production_latest", *, stage: str | None = None,
                  year: int | None = None) -> pd.DataFrame:
    """Per mineral/stage/year: total, hhi_low/hhi_high (0–10,000), top-1 (share and country; ties
    go to the first ISO3 code), top-3, China and remainder shares (%), number of countries."""
    return engine.run(con, CONCENTRATION_SQL, [stage, stage, year, year], {"src": source})


def coverage(con, members: list[str], source="production_latest", *,
             stage: str | None = None, year: int | None = None) -> pd.DataFrame:
    """Per mineral/stage/year: the share (%) of output that ``members`` (ISO3 codes) produce.

    ``ROW`` is never a member: a remainder cannot be attributed to any group.
    """
    return engine.run(con, COVERAGE_SQL, [stage, stage, year, year],
                      {"src": source, "members": members_frame(members)})


def preaggregate(con, source, dest: str) -> int:
    """Write the yearly per-country totals of a (monthly, per-product) panel to ``dest`` (Parquet;
    a folder of part files on Spark).

    Concentration and coverage only need one value per mineral × stage × country × year, so a
    panel of 100M records becomes a table of at most (minerals × stages × countries × years) rows;
    the queries above then read that instead of the raw panel. Returns the number of rows written.
    """
    return engine.write_parquet(con, PREAGGREGATE_SQL, [], {"src": source}, dest)


__all__ = ["concentration", "coverage", "preaggregate", "members_frame", "CONCENTRATION_SQL", "COVERAGE_SQL",
           "PRODUCTION_KEYS"]
