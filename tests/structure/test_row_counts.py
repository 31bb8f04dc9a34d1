"""Expected row counts per (table, vintage), kept as data (rexlib/metadata/row_counts.csv) and checked
by every build (issue 29): a reader that silently drops a chapter fails the build."""
from __future__ import annotations

import pandas as pd
import pytest

from rexlib.etl.row_counts import NOT_COUNTED, count_rows, expected, row_count_problems
from rexlib.etl.schema import CURATED_TABLES
from rexlib.query.warehouse import query


@pytest.fixture(scope="module")
def built_tables(db):
    # through the process's one read-only connection: a second duckdb.connect of the same file with
    # another configuration is refused once another test has opened it (ConnectionException)
    names = set(query("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'")["table_name"])
    wanted = set(expected()["table"])
    return {name: query(f'SELECT * FROM "{name}"') for name in sorted(names & wanted)}


def test_the_built_database_has_the_declared_counts(built_tables):
    assert row_count_problems(built_tables) == []
    declared = expected()
    # MCS2026_Commodities_Data.csv's world production rows of 2024-2025 and MCS2023-2025's world files
    assert set(declared[declared["table"] == "production"]["vintage"]) == {"MCS2023", "MCS2024", "MCS2025", "MCS2026"}
    assert not set(declared["table"]) & (set(CURATED_TABLES) | NOT_COUNTED)


def test_a_reader_that_drops_a_chapter_fails_naming_table_vintage_and_counts(built_tables):
    production = built_tables["production"]
    # the cobalt chapter of MCS2024 (usgs/mcs2024/world/mcs2024-cobal_world.csv lines 2-15, 28 rows) lost by a reader
    lost = (production["vintage"] == "MCS2024") & (production["mineral_id"] == "cobalt")
    assert lost.sum() > 0
    want = expected()
    n = int(want[(want["table"] == "production") & (want["vintage"] == "MCS2024")]["rows"].iloc[0])
    problems = row_count_problems({**built_tables, "production": production[~lost]})
    assert problems[0] == f"production MCS2024: {n:,} rows expected (row_counts.csv), {n - lost.sum():,} built"
    assert "rex build --write-row-counts" in problems[-1] and len(problems) == 2


def test_a_lost_vintage_a_new_table_and_a_doubled_table_are_each_named(built_tables):
    reliance = built_tables["import_reliance"]
    tables = {**built_tables,
              "import_reliance": reliance[reliance["vintage"] != "MCS2025"],          # Fig. 2 of MCS2025 not read
              "prices": pd.concat([built_tables["prices"]] * 2),                      # a join that fans out
              "new_table": pd.DataFrame({"x": [1, 2]})}
    text = "\n".join(row_count_problems(tables))
    assert "import_reliance MCS2025: 64 rows expected (row_counts.csv), none built" in text
    assert "prices MCS2026: 799 rows expected (row_counts.csv), 1,598 built" in text
    assert "new_table: 2 rows built, none declared in row_counts.csv" in text


def test_counts_are_per_vintage_where_a_table_has_one():
    frame = pd.DataFrame({"vintage": ["A", "A", "B", None]})
    counts = count_rows({"t": frame, "u": pd.DataFrame({"x": [1]}), "deals": frame})
    assert counts.to_dict("records") == [
        {"table": "t", "vintage": "(none)", "rows": 1}, {"table": "t", "vintage": "A", "rows": 2},
        {"table": "t", "vintage": "B", "rows": 1}, {"table": "u", "vintage": "", "rows": 1}]
