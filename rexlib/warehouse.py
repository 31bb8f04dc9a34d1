"""The database as the query layer sees it: built on first use, opened read-only, reopened when a
rebuild replaces the file, and the one cache of query results, keyed by the identity of the data
each result was computed from.

``REX_AUTO_BUILD=0`` uses an existing database as it is (never rebuilt from data/raw).

Identity = (path, inode, mtime, size) of ``rex.duckdb`` when its connection was opened. Every query
first compares the file's identity now with the connection's; after ``rex build`` (in this or any
other process) the next query reopens, so no process serves old data, and a cached result is
stored under the identity of the connection that computed it, never under a newer one.
"""
from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
from filelock import FileLock

from . import db
from .build import build, is_fresh
from .paths import db_path

_lock = threading.Lock()
_open: dict[str, tuple[tuple, duckdb.DuckDBPyConnection]] = {}
_checked: set[tuple] = set()          # identities already known to be fresh in this process
_CLEARERS: list[Callable[[], None]] = []


def file_identity(path: Path | None = None) -> tuple:
    path = Path(path or db_path())
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), None, None, None)
    return (str(path), st.st_ino, st.st_mtime_ns, st.st_size)


def ensure_built(path: Path | None = None) -> Path:
    """Build the database when it is missing or stale (inputs or code changed); one build at a
    time across processes. Says so on stderr: a first query in a fresh clone takes a while."""
    path = Path(path or db_path())
    if os.environ.get("REX_AUTO_BUILD", "1") == "0" and path.exists():
        return path     # use the database as it is (one built from other inputs, a read-only install)
    if not is_fresh(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path.parent / ".build.lock")):
            if not is_fresh(path):
                print(f"rex: building the database {path} from data/raw and data/curated (first use or inputs "
                      "changed; about 30 s) ...", file=sys.stderr, flush=True)
                report = build(out_dir=path.parent, progress=lambda step: print(f"rex:   {step}", file=sys.stderr,
                                                                                   flush=True))
                print(f"rex: database built in {report.seconds:.1f} s", file=sys.stderr, flush=True)
    return path


def connection() -> tuple[tuple, duckdb.DuckDBPyConnection]:
    """(identity, connection) of the current database file, reopened when the file changed."""
    path = db_path()
    key = str(path)
    ident = file_identity(path)
    entry = _open.get(key)
    if entry is not None and entry[0] == ident:
        return entry
    with _lock:
        entry = _open.get(key)
        ident = file_identity(path)
        if entry is not None and entry[0] == ident:
            return entry
        if ident not in _checked:
            ensure_built(path)
            ident = file_identity(path)
            _checked.add(ident)
        if entry is not None:
            # Close first: DuckDB keeps one instance per path in a process, so a connection opened
            # while the old one lives would read the replaced file.
            try:
                entry[1].close()
            except duckdb.Error:
                pass
            del _open[key]
        con = db.connect(path)
        _open[key] = (ident, con)
        return ident, con


def identity() -> tuple:
    """Identity of the data the next query reads (reopening first when a rebuild replaced it)."""
    return connection()[0]


def query(sql: str, params: list | tuple | dict | None = None) -> pd.DataFrame:
    """A parameterized query on the read-only connection of the current database."""
    _, con = connection()
    cur = con.cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def connect() -> duckdb.DuckDBPyConnection:
    """A new read-only connection to the current database (built first if needed), no file access."""
    return db.connect(ensure_built())


def read_only_sql(sql: str) -> pd.DataFrame:
    """User-typed SQL on a fresh read-only, no-external-access connection to the current database."""
    return db.read_only_sql(sql, ensure_built())


def reset() -> None:
    """Close every connection and forget every cached result (tests; REX_DATA_DIR changes)."""
    with _lock:
        for _, con in _open.values():
            try:
                con.close()
            except duckdb.Error:
                pass
        _open.clear()
        _checked.clear()
    for clear in _CLEARERS:
        clear()


def _fresh(value):
    """What the cache hands out: frames as shallow copies, containers copied."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, tuple):
        # (frame, facts)-style results are copied element by element; plain tuples of ids are immutable
        if any(isinstance(v, (pd.DataFrame, pd.Series, dict, list, tuple)) for v in value[:4]):
            return tuple(_fresh(v) for v in value)
        return value
    if isinstance(value, (dict, list)):
        return type(value)(value)
    return value


def memo(maxsize: int = 256):
    """THE cache of rex (api, metrics and ui use it): an lru_cache keyed by the identity of the data
    and the (hashable) arguments. A rebuild is a new identity, so never a stale hit."""
    def deco(fn):
        @functools.lru_cache(maxsize=maxsize)
        def inner(_identity, *args, **kwargs):
            return fn(*args, **kwargs)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return _fresh(inner(identity(), *args, **kwargs))
        wrapper.cache_clear = inner.cache_clear
        wrapper.cache_info = inner.cache_info
        wrapper.uncached = fn
        _CLEARERS.append(inner.cache_clear)
        return wrapper
    return deco
