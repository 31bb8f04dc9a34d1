"""Concentration and coverage as SQL over any relation with the production table's columns
(mineral_id, stage, country, year, value): the curated ``production_latest`` view, or a Parquet
panel of 100M rows that never fits in pandas. The SQL is plain enough to port to Spark SQL and Trino
(see docs/scaling.md and tests/test_panel.py).

Shares are of the sum over countries (ISO3 codes and ``ROW``); the publisher's ``WLD`` row is not
summed. HHI = Σ share² with shares in percent (0–10,000). ``ROW`` is a remainder of unknown split,
so ``hhi_low`` counts it as infinitely many tiny producers (adds 0) and ``hhi_high`` as one producer
(adds its share²); the two are equal when there is no remainder.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

# Per mineral/stage/year/country output, without the publisher's world total; shared by both queries.
BASE_CTE = """WITH base AS (
    SELECT mineral_id, stage, year, country, sum(value) AS v
    FROM src
    WHERE country <> 'WLD' AND value IS NOT NULL AND value > 0
      AND (? IS NULL OR stage = ?) AND (? IS NULL OR year = ?)
    GROUP BY mineral_id, stage, year, country
)"""

CONCENTRATION_SQL = BASE_CTE + """,
totals AS (
    SELECT mineral_id, stage, year, sum(v) AS total FROM base GROUP BY mineral_id, stage, year
),
shares AS (
    SELECT b.mineral_id, b.stage, b.year, b.country, 100.0 * b.v / t.total AS share, t.total,
           row_number() OVER (PARTITION BY b.mineral_id, b.stage, b.year
                              ORDER BY CASE WHEN b.country <> 'ROW' THEN b.v END DESC NULLS LAST) AS rk
    FROM base b JOIN totals t ON b.mineral_id = t.mineral_id AND b.stage = t.stage AND b.year = t.year
)
SELECT mineral_id, stage, year,
       any_value(total) AS total,
       sum(CASE WHEN country <> 'ROW' THEN share * share ELSE 0 END) AS hhi_low,
       sum(share * share) AS hhi_high,
       max(CASE WHEN country <> 'ROW' THEN share END) AS top1_share,
       arg_max(CASE WHEN country <> 'ROW' THEN country END, CASE WHEN country <> 'ROW' THEN share END) AS top1_country,
       sum(CASE WHEN country <> 'ROW' AND rk <= 3 THEN share ELSE 0 END) AS top3_share,
       sum(CASE WHEN country = 'CHN' THEN share ELSE 0 END) AS china_share,
       sum(CASE WHEN country = 'ROW' THEN share ELSE 0 END) AS remainder_share,
       count(*) FILTER (WHERE country <> 'ROW') AS n_countries
FROM shares
GROUP BY mineral_id, stage, year
ORDER BY mineral_id, stage, year
"""

COVERAGE_SQL = BASE_CTE + """
SELECT mineral_id, stage, year,
       100.0 * sum(CASE WHEN list_contains(?, country) THEN v ELSE 0 END) / sum(v) AS coverage_pct,
       count(*) FILTER (WHERE list_contains(?, country)) AS members_producing
FROM base
GROUP BY mineral_id, stage, year
ORDER BY mineral_id, stage, year
"""


def _relation(con: duckdb.DuckDBPyConnection, source) -> duckdb.DuckDBPyRelation:
    """A relation from a table/view name of the workbook, a Parquet path, or a relation."""
    if isinstance(source, duckdb.DuckDBPyRelation):
        return source
    text = str(source)
    if text.endswith(".parquet") or "*" in text:
        return con.read_parquet(text)
    if text in ("production", "production_latest"):
        return con.table(text)
    raise ValueError(f"unknown panel source {source!r}: use 'production', 'production_latest', "
                     "a .parquet path or a DuckDB relation")


def concentration(con: duckdb.DuckDBPyConnection, source="production_latest", *, stage: str | None = None,
                  year: int | None = None) -> pd.DataFrame:
    """Per mineral/stage/year: total, hhi_low/hhi_high (0–10,000), top-1, top-3, China share (%)."""
    rel = _relation(con, source)
    con.register("src", rel)
    try:
        return con.execute(CONCENTRATION_SQL, [stage, stage, year, year]).df()
    finally:
        con.unregister("src")


def coverage(con: duckdb.DuckDBPyConnection, members: list[str], source="production_latest", *,
             stage: str | None = None, year: int | None = None) -> pd.DataFrame:
    """Per mineral/stage/year: the share (%) of output that ``members`` (ISO3 codes) produce.

    ``ROW`` is never a member: a remainder cannot be attributed to any group.
    """
    members = [m for m in members if m != "ROW"]
    rel = _relation(con, source)
    con.register("src", rel)
    try:
        return con.execute(COVERAGE_SQL, [stage, stage, year, year, members, members]).df()
    finally:
        con.unregister("src")


def preaggregate(con: duckdb.DuckDBPyConnection, source, dest: str) -> int:
    """Write the yearly per-country totals of a (monthly, per-product) panel to ``dest`` (Parquet).

    Concentration and coverage only need one value per mineral × stage × country × year, so a
    panel of 100M records becomes a table of at most (minerals × stages × countries × years) rows;
    the queries above then read that instead of the raw panel. Returns the number of rows written.
    """
    rel = _relation(con, source)
    con.register("src", rel)
    try:
        con.execute(f"""COPY (SELECT mineral_id, stage, year, country, sum(value) AS value FROM src
                              WHERE value IS NOT NULL GROUP BY mineral_id, stage, year, country
                              ORDER BY year, stage, mineral_id)
                        TO '{Path(dest)}' (FORMAT PARQUET)""").fetchall()
        return con.execute(f"SELECT count(*) FROM read_parquet('{Path(dest)}')").fetchall()[0][0]
    finally:
        con.unregister("src")
