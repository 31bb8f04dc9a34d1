"""The database as the query layer sees it: built on first use, opened read-only, reopened when a
rebuild replaces the file, and the one cache of query results, keyed by the identity of the data
each result was computed from.

``REX_AUTO_BUILD=0`` uses an existing database as it is (never rebuilt from data/raw).

Identity = (path, inode, mtime, size) of the file ``rex.duckdb`` points to when its connection was
opened, plus the build id read from that connection's own ``build_info``. Every query first compares
the file's identity now with the connection's; after ``rex build`` (in this or any other process)
the next query reopens, so no process serves old data. Each build writes a file of its own name
(:mod:`rexlib.build`), so the reopen gets the new data even while a user's ``rexlib.connect()``
holds the old file (DuckDB keeps one instance per file in a process); and because the build id comes
from the opened database itself, a result is never cached under the identity of data it was not
computed from.

When the inputs changed but the automatic rebuild fails (a bad curated edit, a read-only or full
disk), the last good database stays in use and a warning says so, once per process; the failure is
recorded beside the database, so later processes fall back at once instead of trying again. A
database file that cannot be read (corrupt, truncated) is rebuilt automatically.
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
from filelock import FileLock, Timeout

from rexlib.query import db
from rexlib.etl.build import BuildError, build, fingerprint, is_fresh, last_failure
from .db import DatabaseUnavailable
from rexlib.core.paths import db_path
from rexlib.core.provenance import ChecksumMismatch

_lock = threading.Lock()
_open: dict[str, tuple[tuple, tuple, duckdb.DuckDBPyConnection]] = {}   # path -> (file id, identity, con)
_checked: set[tuple] = set()          # file identities already known to be fresh in this process
_CLEARERS: list[Callable[[], None]] = []
_said: set[str] = set()
BUILD_LOCK_SECONDS = 600              # a reader waits this long for another process's build


def file_identity(path: Path | None = None) -> tuple:
    """(path, inode, mtime, size) of the file ``path`` leads to (links followed)."""
    path = Path(path or db_path())
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), None, None, None)
    return (str(path), st.st_ino, st.st_mtime_ns, st.st_size)


def _say_once(message: str) -> None:
    if message not in _said:
        _said.add(message)
        print(f"rex: {message}", file=sys.stderr, flush=True)


def _short(error: BaseException, limit: int = 400) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[:limit] + " ..."


_fallback: list[str] = []             # why this process uses the last good database (empty: it does not)


def fallback_reason() -> str | None:
    """Why this process answers from the last good database instead of a rebuilt one, or None."""
    return _fallback[-1] if _fallback else None


def _fall_back(path: Path, why: str) -> None:
    if why not in _fallback:
        _fallback.append(why)
    _say_once(f"the inputs changed but the database could not be rebuilt ({why}); using the last good "
              f"database {path} as it is. `rex build` shows the whole message.")


def ensure_built(path: Path | None = None, *, force: bool = False) -> Path:
    """Build the database when it is missing or stale (inputs or code changed); one build at a
    time across processes. Says so on stderr: a first query in a fresh clone takes a while.
    ``force`` rebuilds even when it looks fresh (a file that cannot be read). A failed rebuild
    keeps the last good database (with a warning); with none, DatabaseUnavailable says why."""
    path = Path(path or db_path())
    if os.environ.get("REX_AUTO_BUILD", "1") == "0" and path.exists() and not force:
        return path     # use the database as it is (one built from other inputs, a read-only install)
    if not force and is_fresh(path):
        return path
    if not force and path.exists():
        try:
            failed = last_failure(path.parent, fingerprint())
        except OSError:
            failed = None
        if failed:
            _fall_back(path, _short(failed))
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path.parent / ".build.lock"), timeout=BUILD_LOCK_SECONDS):
            if force or not is_fresh(path):
                print(f"rex: building the database {path} from data/raw and data/curated (first use, inputs "
                      "changed or the file unreadable; about 30 s) ...", file=sys.stderr, flush=True)
                report = build(out_dir=path.parent, progress=lambda step: print(f"rex:   {step}", file=sys.stderr,
                                                                                   flush=True))
                print(f"rex: database built in {report.seconds:.1f} s", file=sys.stderr, flush=True)
    except (BuildError, ChecksumMismatch, OSError, Timeout) as error:
        if path.exists() and not force:
            _fall_back(path, _short(error))
            return path
        raise DatabaseUnavailable(f"no usable database at {path}, and building it failed: {_short(error, 2000)}"
                                  ) from None
    return path


def _open_checked(path: Path) -> tuple[tuple, tuple, duckdb.DuckDBPyConnection]:
    """(file identity, identity, connection) of the file ``path`` leads to now. The identity ends with
    the build id read through the connection, so it always names the data the connection reads."""
    real = os.path.realpath(path)
    fid = (str(path), *file_identity(real)[1:])     # what the fast path compares: stat of the link's file
    con = db.connect(real)
    try:
        rows = con.execute("SELECT key, value FROM build_info WHERE key IN ('build_id', 'built_at', 'fingerprint') "
                           "ORDER BY key").fetchall()
    except BaseException:
        con.close()
        raise
    return fid, fid + (";".join(f"{k}={v}" for k, v in rows),), con


def _unreadable(error: BaseException) -> bool:
    """A database file DuckDB cannot read (not a lock or a missing file)."""
    text = str(error)
    return isinstance(error, duckdb.Error) and "lock" not in text.lower()


def open_database(path: Path | None = None) -> tuple[tuple, tuple, duckdb.DuckDBPyConnection]:
    """Build if needed and open; a file that cannot be read is rebuilt once (when automatic builds
    are on), else DatabaseUnavailable says what to do."""
    path = Path(path or db_path())
    ensure_built(path)
    for attempt in range(3):
        try:
            return _open_checked(path)
        except FileNotFoundError:
            if attempt == 2:
                raise DatabaseUnavailable(f"no database at {path}: run `rex build`") from None
            continue                  # a rebuild removed the file the link named a moment ago: again
        except duckdb.Error as error:
            if not os.path.exists(os.path.realpath(path)) and attempt < 2:
                continue
            if not _unreadable(error):
                raise
            if attempt or os.environ.get("REX_AUTO_BUILD", "1") == "0":
                raise DatabaseUnavailable(f"the database {path} cannot be read ({_short(error)}); run `rex build` "
                                          "to rebuild it") from None
            _say_once(f"the database {path} cannot be read ({_short(error, 200)}); rebuilding it")
            ensure_built(path, force=True)
    raise DatabaseUnavailable(f"the database {path} cannot be opened: run `rex build`")


def connection() -> tuple[tuple, duckdb.DuckDBPyConnection]:
    """(identity, connection) of the current database file, reopened when the file changed."""
    path = db_path()
    key = str(path)
    fid = file_identity(path)
    entry = _open.get(key)
    if entry is not None and entry[0] == fid:
        return entry[1], entry[2]
    with _lock:
        entry = _open.get(key)
        fid = file_identity(path)
        if entry is not None and entry[0] == fid:
            return entry[1], entry[2]
        if entry is not None:
            try:
                entry[2].close()
            except duckdb.Error:
                pass
            del _open[key]
        if fid in _checked:
            fid, ident, con = _open_checked(path)
        else:
            fid, ident, con = open_database(path)
            _checked.add(fid)
        _open[key] = (fid, ident, con)
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
    """A new read-only connection to the current database (built first if needed, rebuilt when
    unreadable), no file access."""
    return open_database()[2]


def read_only_sql(sql: str) -> pd.DataFrame:
    """User-typed SQL on a fresh read-only, no-external-access connection to the current database."""
    con = connect()
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def reset() -> None:
    """Close every connection and forget every cached result (tests; REX_DATA_DIR changes)."""
    with _lock:
        for _, _, con in _open.values():
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
            try:
                hash((args, tuple(kwargs.items())))
            except TypeError:
                # A list or dict where an id or a year belongs: not cached; the function's own
                # validation names the argument (InvalidArgument), not "unhashable type".
                return _fresh(fn(*args, **kwargs))
            return _fresh(inner(identity(), *args, **kwargs))
        wrapper.cache_clear = inner.cache_clear
        wrapper.cache_info = inner.cache_info
        wrapper.uncached = fn
        _CLEARERS.append(inner.cache_clear)
        return wrapper
    return deco
