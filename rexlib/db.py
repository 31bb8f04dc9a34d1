"""The DuckDB connection. Apps, reports and user SQL get read-only connections with external file
access disabled; only the build writes (into a temporary file that is then renamed into place)."""
from __future__ import annotations

import fcntl
import threading
from pathlib import Path

import duckdb
import pandas as pd

from .paths import db_path

_lock = threading.Lock()          # guards the shared-connection cache
_build_lock = threading.Lock()    # one build at a time in this process (shared_connection may hold _lock)
_shared: dict[str, duckdb.DuckDBPyConnection] = {}
# One thread per query: the database is small (the largest table ~10,000 rows) and the apps run
# many tiny queries, where scheduling work across threads costs more than it saves (~30 % of a
# per-mineral query on 2 cores). Large panels are queried through rexlib.panel's own connection.
READ_THREADS = 1


def ensure_built(path: Path | None = None) -> Path:
    """Build the database when it is missing or stale (inputs or code changed)."""
    from .build import build, is_fresh
    path = Path(path or db_path())
    if not is_fresh(path):
        with _build_lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One build at a time across processes (several app kernels may start together).
            with open(path.parent / ".build.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    if not is_fresh(path):
                        build(out_dir=path.parent)
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)
    return path


def connect(path: str | Path | None = None, *, build_if_needed: bool = True) -> duckdb.DuckDBPyConnection:
    """A new read-only connection that cannot read or write files outside the database."""
    path = Path(path) if path else db_path()
    if build_if_needed and path == db_path():
        ensure_built(path)
    if not path.exists():
        raise FileNotFoundError(f"no database at {path}: run `rex build`")
    con = duckdb.connect(str(path), read_only=True, config={"enable_external_access": "false", "threads": READ_THREADS})
    try:
        con.execute("SET lock_configuration = true")
    except duckdb.InvalidInputException:
        pass  # DuckDB shares one instance per file in a process: already locked by an earlier connect
    return con


def shared_connection() -> duckdb.DuckDBPyConnection:
    """One cached connection per process for the query API (cursor per call, thread-safe)."""
    key = str(db_path())
    con = _shared.get(key)
    if con is None:
        with _lock:
            con = _shared.get(key)
            if con is None:
                con = connect()
                _shared[key] = con
    return con


def reset_shared() -> None:
    """Drop cached connections (after a rebuild or when REX_DATA_DIR changes)."""
    with _lock:
        for con in _shared.values():
            try:
                con.close()
            except duckdb.Error:
                pass
        _shared.clear()


def query(sql: str, params: list | tuple | dict | None = None) -> pd.DataFrame:
    """Run a parameterized query on the shared read-only connection and return a DataFrame."""
    cur = shared_connection().cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def read_only_sql(sql: str, path: str | Path | None = None) -> pd.DataFrame:
    """Run user-typed SQL on a fresh read-only, no-external-access connection."""
    con = connect(path)
    try:
        return con.execute(sql).df()
    finally:
        con.close()
