"""Queries that scale past pandas and past one machine: concentration (shares, HHI bounds, top-1,
top-3, China share) and coalition coverage over panels of hundreds of millions of rows, in SQL that
runs unchanged on DuckDB and on Apache Spark (see docs/scaling.md).

Pass the engine as the first argument: a DuckDB connection (``rexlib.connect()`` for the workbook's
tables, or ``duckdb.connect()`` for Parquet files), or a ``pyspark.sql.SparkSession`` (local or a
cluster; ``pip install -e '.[spark]'``).

* :mod:`.production` — the production shape (mineral × stage × country × year): ``concentration``,
  ``coverage``, ``preaggregate``;
* :mod:`.trade` — the trade-flow shape (reporter × partner × HS6 × year): ``partner_concentration``,
  ``coalition_share``, and ``hs_minerals`` (the cited HS 2022 → mineral map, ``hs6_minerals.csv``);
* :mod:`.sql` — the two rules as SQL text, written once for both shapes;
* :mod:`.engine` — running that text on DuckDB or Spark (``local_spark_session``);
* :mod:`.synthetic` — made-up panels of both shapes for tests and benchmarks.
"""
from __future__ import annotations

from .engine import is_spark, local_spark_session
from .production import concentration, coverage, preaggregate
from .sql import COVERAGE_SQL, CONCENTRATION_SQL
from .trade import coalition_share, hs_minerals, partner_concentration

__all__ = ["concentration", "coverage", "preaggregate", "partner_concentration", "coalition_share",
           "hs_minerals", "local_spark_session", "is_spark", "CONCENTRATION_SQL", "COVERAGE_SQL"]
