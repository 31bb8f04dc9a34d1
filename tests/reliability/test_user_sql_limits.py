"""User SQL (issue 28 items 4, 9 and 11): what a query keeps is bounded by bytes as well as rows, the
server's paths are not shown, and spill folders of killed processes are removed by the next query."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from rexlib.query import user_sql

WIDE = "SELECT repeat('x', 10000) AS s, i FROM range(5000) t(i)"     # 10 kB rows, 50 MB in all


def test_wide_rows_are_kept_up_to_the_byte_cap_and_counted(db):
    """Item 4: before, every row up to 50,000 was kept in Python (10 kB rows: 500 MB outside
    DuckDB's 512 MB limit); now about MAX_BYTES are kept and the rest only counted."""
    result = user_sql.Query(WIDE).run()
    assert result.total_rows == 5000 and result.truncated
    assert result.capped_by == "bytes"
    kept_chars = int(result.frame["s"].str.len().sum())
    assert 0 < kept_chars <= user_sql.MAX_BYTES
    assert len(result.frame) < 5000
    assert result.frame["i"].tolist() == list(range(len(result.frame)))   # the first rows, in order


def test_one_row_wider_than_the_cap_is_still_shown(db):
    result = user_sql.Query("SELECT repeat('y', 100000) AS s", max_bytes=1000).run()
    assert len(result.frame) == 1 and result.total_rows == 1 and not result.truncated


def test_narrow_rows_stop_at_the_row_cap(db):
    result = user_sql.Query("SELECT * FROM production", max_rows=100).run()
    assert len(result.frame) == 100 and result.total_rows > 9000 and result.capped_by == "rows"


@pytest.mark.parametrize("sql", [
    "SELECT path FROM duckdb_databases()",
    "SELECT * FROM DuckDB_Databases ()",
    'SELECT * FROM "duckdb_databases"()',
    "SELECT current_setting('temp_directory')",
    "SELECT value FROM duckdb_settings() WHERE name = 'temp_directory'",
    "SELECT * FROM query('SELECT * FROM duckdb_' || 'databases()')",
    "SELECT * FROM duckdb_temporary_files()",
])
def test_the_server_paths_are_not_shown(db, sql):
    """Item 11: these showed the database file's full path and the spill folder."""
    with pytest.raises(user_sql.Refused, match="where the server keeps its files"):
        user_sql.Query(sql).run()


def test_names_in_strings_and_ordinary_catalog_queries_still_run(db):
    assert user_sql.Query("SELECT 'duckdb_databases()' AS text").run().frame["text"][0] == "duckdb_databases()"
    tables = user_sql.Query("SELECT table_name FROM duckdb_tables() ORDER BY 1").run().frame
    assert "production" in set(tables["table_name"])


def test_spill_folders_of_killed_processes_are_removed(db, tmp_path, monkeypatch):
    """Item 9: `rex sql` killed while spilling left /tmp/rex-sql-* behind for good."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    stale = tmp_path / f"rex-sql-{dead.stdout.strip()}-abcd"
    (stale / "spill").mkdir(parents=True)
    (stale / "spill" / "block.tmp").write_bytes(b"\0" * 4096)
    alive = tmp_path / f"rex-sql-{os.getpid()}-efgh"        # a query of this process, running
    alive.mkdir()
    unrelated = tmp_path / "rex-sql-notes"                   # not ours by name: too new to be stale
    unrelated.mkdir()
    user_sql.Query("SELECT 1 AS one").run()
    assert not stale.exists()
    assert alive.exists() and unrelated.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(f"rex-sql-{os.getpid()}-") and p != alive]
