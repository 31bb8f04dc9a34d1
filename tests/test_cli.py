"""The rex command as a user runs it."""
import subprocess
import sys

import pytest


def rex(*args, **kw):
    return subprocess.run([sys.executable, "-m", "rexlib.cli", *args], capture_output=True, text=True, timeout=300, **kw)


def test_info_lists_tables_vintages_and_sources(db):
    out = rex("info")
    assert out.returncode == 0, out.stderr
    assert "production" in out.stdout and "MCS2023, MCS2024, MCS2025, MCS2026" in out.stdout
    assert "10.5066/P1WKQ63T" in out.stdout


def test_sql_reads(db):
    out = rex("sql", "SELECT value FROM production_latest WHERE mineral_id = 'cobalt' AND country = 'COD' AND year = 2024", "--csv")
    assert out.returncode == 0 and out.stdout.split() == ["value", "226000.0"]


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "COPY production TO '/tmp/rex-should-not-exist.csv'",
    "DROP TABLE production",
    "INSERT INTO minerals (mineral_id, name) VALUES ('x', 'x')",
    "ATTACH '/tmp/other.duckdb' AS other",
])
def test_sql_refuses_writes_and_file_access(db, query):
    out = rex("sql", query)
    assert out.returncode == 2
    assert "read-only" in out.stderr


def test_unknown_command_exits_2():
    out = rex("frobnicate")
    assert out.returncode == 2 and "invalid choice" in out.stderr
