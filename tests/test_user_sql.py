"""User SQL with limits (rexlib.query.user_sql): the explore app's SQL box and `rex sql` (issue 20 item 3-5).

Before: user SQL ran on the app's DuckDB instance with DuckDB's defaults: a billion-row count ran
126 s and on after its tab closed, a TEMP table reached 5.2 GB, a recursive CTE ran until killed,
empty SQL raised AttributeError."""
from __future__ import annotations

import threading
import time

import pytest

from rexlib.query import user_sql
from rexlib.query.warehouse import query
from rexlib.query.user_sql import Limits

from .conftest import MCS2026, raw_line


def _finishes(fn, within: float = 120.0):
    """Run ``fn`` in a thread; the result or exception, or a failure if it is still running
    ``within`` seconds later (a limit that does not stop the query would hang the test)."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as error:      # noqa: BLE001 - handed back to the test
            box["error"] = error
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(within)
    assert not thread.is_alive(), f"still running after {within} s"
    return box


def test_a_real_row(db):
    # MCS2026_Commodities_Data.csv line 1854: Cobalt, Congo (Kinshasa), Mine production, 2024, "226,000"
    assert '"226,000"' in raw_line(MCS2026, 1854)
    result = user_sql.run("SELECT value FROM production_latest WHERE mineral_id = 'cobalt' AND stage = 'mine' "
                          "AND country = 'COD' AND year = 2024")
    assert result.frame["value"].tolist() == [226000.0] and result.total_rows == 1 and not result.truncated


@pytest.mark.parametrize("sql", [
    "SELECT count(*) FROM range(1000000000000::BIGINT)",
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
])
def test_time_limit_stops_the_query(db, sql):
    box = _finishes(lambda: user_sql.run(sql, limits=Limits(seconds=2)))
    error = box.get("error")
    assert isinstance(error, user_sql.LimitReached) and error.which == "time", box
    assert "2 s" in str(error) and "time limit" in str(error)


def test_cancel_stops_a_running_query(db):
    q = user_sql.Query("SELECT count(*) FROM range(1000000000000::BIGINT)", limits=Limits(seconds=600))
    box: dict = {}
    thread = threading.Thread(target=lambda: box.update(error=_catch(q.run)), daemon=True)
    thread.start()
    time.sleep(1.5)
    q.cancel()
    thread.join(60)
    assert not thread.is_alive()
    assert isinstance(box["error"], user_sql.LimitReached) and box["error"].which == "cancelled"


def _catch(fn):
    try:
        fn()
    except user_sql.UserSqlError as error:
        return error
    return None


def test_memory_limit(db):
    box = _finishes(lambda: user_sql.run("SELECT list(i) FROM range(200000000) t(i)",
                                         limits=Limits(seconds=120, memory="256MB")))
    error = box.get("error")
    assert isinstance(error, user_sql.LimitReached) and error.which == "memory", box
    assert "256MB" in str(error)


def test_temp_space_limit(db):
    box = _finishes(lambda: user_sql.run("SELECT i, repeat('x', 100) || i AS s FROM range(20000000) t(i) ORDER BY s DESC",
                                         limits=Limits(seconds=120, memory="128MB", temp="200MB")))
    error = box.get("error")
    assert isinstance(error, user_sql.LimitReached) and error.which == "temp", box
    assert "200MB" in str(error)


def test_default_limits_are_not_duckdbs():
    # DuckDB's defaults: 80 % of RAM (18.8 GiB here) and 90 % of the disk for spilling
    assert user_sql.LIMITS.memory == "512MB" and user_sql.LIMITS.temp == "1GB" and user_sql.LIMITS.seconds == 30


@pytest.mark.parametrize("sql", [
    "CREATE TEMP TABLE t AS SELECT * FROM range(100000000)",
    "CREATE TEMP VIEW v AS SELECT 1",
    "CREATE TEMP MACRO m(x) AS x + 1",
    "EXPLAIN ANALYZE CREATE TEMP TABLE t AS SELECT * FROM range(10)",
    "SET memory_limit = '20GB'",
    "PRAGMA version",
    "SELECT 1; DROP TABLE production",
    "ATTACH '/tmp/rex-other.duckdb' AS other",
    "SELECT * FROM read_csv('/etc/passwd')",
    "COPY production TO '/tmp/rex-should-not-exist.csv'",
])
def test_only_queries_and_no_files(db, sql):
    with pytest.raises(user_sql.Refused):
        user_sql.run(sql)


@pytest.mark.parametrize("sql", ["", "   ", "-- only a comment", "/* a block */ ;", ";;"])
def test_empty_or_comment_only_sql_is_nothing_to_run(db, sql):
    with pytest.raises(user_sql.NothingToRun, match="Nothing to run"):
        user_sql.run(sql)


@pytest.mark.parametrize("sql", ["SELEC 1", "SELECT * FROM no_such_table", "SELECT no_such_column FROM minerals"])
def test_errors_in_the_sql_are_query_errors_not_refusals(db, sql):
    with pytest.raises(user_sql.QueryError):
        user_sql.run(sql)


def test_rows_kept_are_capped_and_the_rest_counted(db):
    total = int(query("SELECT count(*) AS n FROM governance")["n"].iloc[0])
    assert total > user_sql.MAX_ROWS
    result = user_sql.run("SELECT * FROM governance")
    assert len(result.frame) == user_sql.MAX_ROWS and result.total_rows == total and result.truncated
    # a cross join larger than any table (the 534,690-row case)
    result = user_sql.run("SELECT a.*, b.iso3 AS b FROM governance a, (SELECT iso3 FROM countries LIMIT 3) b")
    assert len(result.frame) == user_sql.MAX_ROWS and result.total_rows == 3 * total


def test_queries_allowed(db):
    for sql in ["DESCRIBE production", "SHOW TABLES", "SUMMARIZE SELECT * FROM minerals", "EXPLAIN SELECT 1",
                "FROM minerals LIMIT 1", "VALUES (1), (2)", "WITH x AS (SELECT 1 AS a) SELECT * FROM x",
                "SELECT 1 AS a WHERE false"]:
        user_sql.run(sql)
