"""Synthetic panels of the two shapes, written to Parquet by DuckDB in one streamed pass (bounded
memory at 100M rows): for the tests (DuckDB and Spark read the same file), the benchmarks and for
trying a cluster before real data arrive. Nothing here is data: every value is made up, and the
files are never committed.

* production shape: ``mineral_id, stage, measure, country, year, month, value, unit, flag, vintage``
  (minerals × countries × years × months × product codes);
* trade-flow shape: ``reporter, partner, hs6, year, value_usd, quantity_kg`` (reporters × partners ×
  the HS6 codes of :func:`rexlib.scale.trade.hs_minerals` × years), sparse like real bilateral trade
  (each reporter imports each product from a fraction of partners), with skewed values so that a few
  partners lead each product, ``ROW`` where a flow's origin is unspecified, a few NULL and zero
  values, and optionally the reporters' ``WLD`` totals as customs data publish them.
"""
from __future__ import annotations

import math
from pathlib import Path

import duckdb

from .trade import hs_minerals

# minerals × countries × years × months × products: 100 × 200 × 5 × 10 × products
PRODUCTION_DIMS = dict(minerals=100, countries=200, years=5, months=10)
# The first codes are real exporters so that coalition queries read naturally; the rest are C###.
NAMED = ("CHN", "AUS", "COD", "CHL", "ZAF", "IDN", "BRA", "RUS", "CAN", "USA", "DEU", "JPN", "KOR", "IND", "PER")
TRADE_YEARS = tuple(range(2017, 2024))


def _quiet(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")


def production_panel(path: Path, rows: int, *, threads: int | None = None) -> Path:
    """Write a production-shaped panel of ``rows`` rows to ``path``."""
    dims = PRODUCTION_DIMS
    per_product = dims["minerals"] * dims["countries"] * dims["years"] * dims["months"]
    products = max(1, rows // per_product)
    con = duckdb.connect()
    _quiet(con)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(f"""
        COPY (
            SELECT 'm' || lpad((i % {dims['minerals']})::VARCHAR, 3, '0') AS mineral_id,
                   CASE WHEN (i // {dims['minerals']}) % 3 = 0 THEN 'refinery' ELSE 'mine' END AS stage,
                   'p' || ((i // {per_product}) % {products})::VARCHAR AS measure,
                   CASE WHEN (i // 7) % {dims['countries']} = 0 THEN 'ROW'
                        WHEN (i // 7) % {dims['countries']} = 1 THEN 'CHN'
                        ELSE 'C' || lpad(((i // 7) % {dims['countries']})::VARCHAR, 3, '0') END AS country,
                   -- year is the slowest-varying column, as a year-partitioned pipeline writes it:
                   -- Parquet row-group statistics then let a one-year query skip the other years
                   2021 + (i * {dims['years']} // {rows}) AS year,
                   1 + ((i // 17) % 12) AS month,
                   -- skewed values: a few big producers per mineral, like real markets
                   CAST(1 + 1000.0 / (1 + ((i // 7) % {dims['countries']})) * (1 + hash(i) % 100) AS DOUBLE) AS value,
                   'metric tons' AS unit, '' AS flag, 'SYN' AS vintage
            FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000000)""")
    con.close()
    return Path(path)


def country_codes(n: int) -> list[str]:
    """``n`` distinct country codes: the named exporters first, then ``C015``, ``C016`` ..."""
    return list(NAMED[:n]) + [f"C{i:03d}" for i in range(len(NAMED), n)]


def _coprime_stride(cells: int) -> int:
    """A large odd multiplier coprime with ``cells``: ``j -> j * stride mod cells`` is then a
    permutation, so the first ``k`` rows of a year hit ``k`` distinct cells spread over all of them."""
    stride = 2_654_435_761  # Knuth's multiplicative hash constant (a prime)
    while math.gcd(stride, cells) != 1:
        stride += 2
    return stride


def trade_panel(path: Path, rows: int, *, countries: int = 200, years: tuple[int, ...] = TRADE_YEARS,
                world_rows: bool = True, threads: int | None = None) -> Path:
    """Write a trade-flow panel of ``rows`` partner flows (plus one ``WLD`` row per reporter ×
    product × year when ``world_rows``) to ``path``.

    Cardinalities: ``countries`` reporters × the same ``countries`` partners × the distinct HS6
    codes of the packaged map × ``years``. ``rows`` must fit: at most countries² × codes × years.
    """
    codes = sorted(set(hs_minerals()["hs6"]))
    names = country_codes(countries)
    per_year = countries * countries * len(codes)
    per_year_rows = rows // len(years)
    if rows <= 0 or per_year_rows > per_year or rows % len(years):
        raise ValueError(f"rows must be a positive multiple of {len(years)} years and at most "
                         f"{per_year * len(years):,} ({countries} × {countries} countries × {len(codes)} codes × "
                         f"{len(years)} years); got {rows:,}")
    stride = _coprime_stride(per_year)
    code_list = "[" + ", ".join(f"'{c}'" for c in codes) + "]"
    name_list = "[" + ", ".join(f"'{c}'" for c in names) + "]"
    world = """
            UNION ALL
            SELECT reporter, 'WLD' AS partner, hs6, year, sum(value_usd) AS value_usd, sum(quantity_kg) AS quantity_kg
            FROM flows GROUP BY reporter, hs6, year""" if world_rows else ""
    con = duckdb.connect()
    _quiet(con)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute(f"""
        COPY (
            WITH cells AS (
                SELECT i, {years[0]} + i // {per_year_rows} AS year,
                       ((i % {per_year_rows}) * {stride}) % {per_year} AS c
                FROM range({rows}) t(i)
            ), parts AS (
                SELECT i, year, c % {countries} AS r, (c // {countries}) % {countries} AS p,
                       c // {countries * countries} AS h
                FROM cells
            ), flows AS (
                SELECT {name_list}[r + 1] AS reporter,
                       -- a flow from the reporter itself stands for "areas not elsewhere specified"
                       CASE WHEN p = r THEN 'ROW' ELSE {name_list}[p + 1] END AS partner,
                       {code_list}[h + 1] AS hs6,
                       CAST(year AS INTEGER) AS year,
                       -- skewed: the partner ranked k-th for a product gets ~1/(1+k)^1.6 of the leader's
                       -- value; rounded to thousands of dollars, so small flows tie as in real data
                       CASE WHEN hash(i) % 101 = 0 THEN NULL
                            WHEN hash(i) % 103 = 0 THEN 0
                            ELSE CAST(round(1e9 / pow(1 + (p + 13 * h + 7 * r) % {countries}, 1.6)
                                            * (1 + hash(i + 1) % 100) / 100.0, -3) AS BIGINT) END AS value_usd,
                       CASE WHEN hash(i) % 7 = 0 THEN NULL
                            ELSE CAST(1e9 / pow(1 + (p + 13 * h + 7 * r) % {countries}, 1.6) / (5 + h % 40) AS BIGINT)
                       END AS quantity_kg
                FROM parts
            )
            SELECT * FROM flows{world}
        ) TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000000)""")
    con.close()
    return Path(path)


__all__ = ["production_panel", "trade_panel", "country_codes", "PRODUCTION_DIMS", "TRADE_YEARS"]
