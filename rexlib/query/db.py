"""The DuckDB connection (a leaf: it imports nothing of rexlib but paths). Apps, reports and user
SQL get read-only connections with external file access disabled; only the build writes (into a
temporary file that is then renamed into place). Building on first use, reopening after a rebuild
and caching live one layer up, in :mod:`rexlib.query.warehouse`."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from rexlib.core.paths import db_path

class DatabaseUnavailable(RuntimeError):
    """No database can be used (missing and not buildable, or unreadable); the message says what to do."""


# One thread per query: the database is small (the largest table ~10,000 rows) and the apps run
# many tiny queries, where scheduling work across threads costs more than it saves (~30 % of a
# per-mineral query on 2 cores). Large panels are queried through rexlib.scale's own connection.
READ_THREADS = 1


def connect(path: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """A new read-only connection that cannot read or write files outside the database."""
    path = Path(path) if path else db_path()
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}: run `rex build`")
    con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": "false", "threads": READ_THREADS})
    try:
        # DuckDB draws a progress bar on stdout for a query slower than 2 s: not in a library's
        # output. The setting is per connection and cannot be set globally; a later connection to
        # the same instance (locked by the first) keeps DuckDB's default, but the queries that take
        # that long are the build's (off on its own connection) and a fresh clone's first one.
        con.execute("SET enable_progress_bar = false")
        con.execute("SET lock_configuration = true")
    except duckdb.InvalidInputException:
        pass  # DuckDB shares one instance per file in a process: already locked by an earlier connect
    return con


def read_only_sql(sql: str, path: str | Path | None = None) -> pd.DataFrame:
    """Run user-typed SQL on a fresh read-only, no-external-access connection."""
    con = connect(path)
    try:
        return con.execute(sql).df()
    finally:
        con.close()
