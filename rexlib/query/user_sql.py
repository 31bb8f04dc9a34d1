"""User-typed SQL (the explore app's SQL box and ``rex sql``), with limits.

``rexlib.query.db.read_only_sql`` runs SQL on the app's own DuckDB instance: read-only, no external file
access, but with DuckDB's defaults for everything else (memory limit 80 % of RAM, spilling up to
90 % of the disk, no time limit). A query typed by a visitor of a shared server must not be able
to take the machine, so here each query gets:

- a **time limit** (``Limits.seconds``): a timer calls DuckDB's ``interrupt()`` on the query's
  connection; ``Query.cancel()`` (the app's Cancel button) does the same at once;
- a **memory limit** and a **temp-space limit** on its own DuckDB instance (an in-memory instance
  that attaches the database file ``READ_ONLY``; DuckDB keeps one configuration per instance, and
  the app's instance is already configured and locked by ``rexlib.query.db.connect``). The defaults are
  sized for a 24 GB machine serving up to 24 visitors' kernels at once (``rex serve
  --max-kernels``): 24 × (512 MB + a ~320 MB kernel) ≈ 20 GB, and 24 × 1 GB of spill space;
- **queries only**: every statement must be a SELECT (WITH, VALUES, FROM, DESCRIBE, SHOW,
  SUMMARIZE) or an EXPLAIN; CREATE (including TEMP tables, views and macros, which DuckDB allows on
  a read-only database), SET, PRAGMA, ATTACH, COPY, INSTALL/LOAD ... are refused before anything
  runs. External file access is disabled and the configuration locked after the ATTACH, as in
  ``rexlib.query.db.connect``; the database is attached read-only;
- a **row cap and a byte cap** on what is kept (``max_rows``, ``max_bytes`` of Arrow data): rows
  are fetched in small batches, so wide rows (``repeat('x', 20000)``) cannot pile up outside
  DuckDB's memory limit; the rest is counted, not kept;
- **no server paths**: functions that show where the database, its temporary folder or the
  server's files are (``duckdb_databases()``, ``current_setting('temp_directory')``,
  ``duckdb_settings()``, ``query('...')`` which could call them) are refused, and the database's
  folder is replaced by ``<database folder>`` in messages;
- spill folders (``/tmp/rex-sql-<pid>-*``) of processes that were killed are removed by the next
  query;
- clear messages: ``NothingToRun`` (empty or comment-only SQL), ``Refused`` (not a query, or a file
  outside the database), ``LimitReached`` (time, memory or temp space, saying which and its
  value), ``QueryError`` (DuckDB's own message: syntax, unknown table or column ...).
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from .db import READ_THREADS
from .warehouse import ensure_built, open_database
from rexlib.core.paths import db_path
from rexlib.core.processes import pid_alive

# The explore app's example queries (id -> (title, SQL)) and the same data from Python.
EXAMPLES = {
    # The stored share (series.with_shares: share_pct of world_value), never recomputed here, and
    # only where the series' basis is a world (series.yml series_basis).
    "china_share": ("China's share of world mine production, 2025",
                    "SELECT mineral_id, round(share_pct, 1) AS china_share_pct, share_flag, unit\n"
                    "FROM production_latest\n"
                    "WHERE country = 'CHN' AND stage = 'mine' AND year = 2025 AND is_default_measure\n"
                    "  AND share_basis = 'world_published' AND share_pct IS NOT NULL\n"
                    "ORDER BY china_share_pct DESC\nLIMIT 25"),
    "nir_bounds": ("Import reliance given only as a bound, 2025",
                   "SELECT mineral_id, nir_text, nir_bound, nir_pct, measure\nFROM import_reliance\n"
                   "WHERE year = 2025 AND table_source = 'salient' AND nir_bound IN ('>', '<')\nORDER BY nir_pct DESC"),
    "deals_by_agency": ("Deal amounts by agency (aggregates dropped)",
                        "SELECT agency, count(*) AS deals, sum(amount_usd) / 1e9 AS usd_bn\nFROM deals\n"
                        "WHERE NOT is_aggregate AND amount_usd IS NOT NULL\nGROUP BY agency ORDER BY usd_bn DESC"),
    "withheld": ("Where USGS withholds numbers (count of withheld cells by mineral)",
                 "SELECT mineral_id, count(*) AS withheld_cells\nFROM production_latest\n"
                 "WHERE flag LIKE '%withheld%'\nGROUP BY mineral_id ORDER BY withheld_cells DESC LIMIT 20"),
    "iea_refining": ("IEA refining shares, 2023",
                     "SELECT mineral_id, country, round(share_pct, 1) AS share_pct\nFROM refining\n"
                     "WHERE stage IN ('refinery', 'chemicals', 'battery_grade') AND year = 2023\n"
                     "  AND scenario = 'observed'\nORDER BY mineral_id, share_pct DESC"),
}

PYTHON_EXAMPLES = """import rexlib
rexlib.production("cobalt", stage="mine", year=2025)      # shares of the USGS world total
rexlib.reserves("lithium")
rexlib.import_reliance(2025)                             # nir_bound: '=', '>', '<', 'E', 'NA', 'W'
rexlib.import_sources("gallium")
rexlib.refining("nickel", stage="refinery", year=2023)   # IEA
rexlib.minerals(critical="2025")
con = rexlib.connect()                                    # read-only DuckDB connection
con.sql("SELECT * FROM deals WHERE NOT is_aggregate").df()"""


@dataclass(frozen=True)
class Limits:
    seconds: float = 30.0
    memory: str = "512MB"
    temp: str = "1GB"
    threads: int = READ_THREADS


LIMITS = Limits()
MAX_ROWS = 50_000                      # rows kept from a result (the rest is counted)
MAX_BYTES = 16 * 2 ** 20               # Arrow bytes kept from a result (the rest is counted)
BATCH_ROWS = 1024                      # rows fetched at a time: 1024 rows of 20 kB are 20 MB
SPILL_PREFIX = "rex-sql-"
# Functions that tell where the server keeps its files (the database, temporary folders, settings),
# and query()/query_table(), which run SQL given as a string and so could call them.
HIDDEN_FUNCTIONS = ("duckdb_databases", "duckdb_settings", "current_setting", "duckdb_temporary_files",
                    "pragma_database_list", "database_list", "duckdb_extensions", "duckdb_secrets",
                    "duckdb_memory", "pragma_database_size", "query", "query_table", "getenv", "getvariable")
_HIDDEN = re.compile(r'(?<![\w.$])"?(' + "|".join(HIDDEN_FUNCTIONS) + r')"?\s*\(', re.I)
ALLOWED = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
HOW_TO_GET_ALL = ("for every row run the same SQL with `rex sql --csv \"...\" > result.csv` on the "
                  "machine that serves the apps, or read the tables from Python (rexlib.connect())")


class UserSqlError(Exception):
    """Base of the messages this module gives; ``str()`` is meant for the user."""


class NothingToRun(UserSqlError):
    def __init__(self):
        super().__init__("Nothing to run: the SQL is empty or only comments.")


class Refused(UserSqlError):
    """Not a query, or an access outside the database: the read-only rules said no."""


class LimitReached(UserSqlError):
    def __init__(self, which: str, message: str):
        self.which = which              # "time" | "memory" | "temp" | "cancelled"
        super().__init__(message)


class QueryError(UserSqlError):
    """DuckDB could not run the query (syntax, unknown table or column, type error ...)."""


@dataclass
class Result:
    frame: pd.DataFrame                # at most ``max_rows`` rows
    total_rows: int | None             # every row of the result; None when counting was stopped
    seconds: float

    capped_by: str | None = None       # "rows" or "bytes" when a cap stopped keeping rows

    @property
    def truncated(self) -> bool:
        return self.total_rows is None or self.total_rows > len(self.frame)


def statements(sql: str) -> list:
    """The statements of ``sql`` (DuckDB's parser); Refused when one is not a query."""
    try:
        found = duckdb.extract_statements(sql or "")
    except duckdb.Error as error:
        raise QueryError(str(error)) from None
    if not found:
        raise NothingToRun()
    for statement in found:
        kind = statement.type.name
        if statement.type == duckdb.StatementType.EXPLAIN:
            inner = _explained(statement.query)     # EXPLAIN ANALYZE runs what it explains
            if inner is not None:
                kind = inner
        if statement.type not in ALLOWED or kind != statement.type.name:
            raise Refused(f"Only queries can run here (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN); "
                          f"this is a {kind} statement: {statement.query.strip()[:80]!r}. The database is "
                          f"read-only and no tables, views or macros can be created, not even TEMP ones.")
    _refuse_hidden(sql)
    return found


def _without_comments_and_strings(sql: str) -> str:
    return re.sub(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", " ", sql, flags=re.S)


def _refuse_hidden(sql: str) -> None:
    match = _HIDDEN.search(_without_comments_and_strings(sql))
    if match:
        raise Refused(f"{match.group(1)}() is not available here: it shows where the server keeps its files. "
                      "The workbook's tables, views and columns are all open (SHOW TABLES, DESCRIBE <table>, "
                      "information_schema, duckdb_tables(), duckdb_columns()).")


def remove_stale_spill(folder: str | None = None) -> list[str]:
    """Remove ``rex-sql-<pid>-*`` spill folders of this user whose process no longer runs (a query
    killed while spilling leaves up to its temp limit behind); folders of older versions, named
    without a pid, once a day old."""
    folder = folder or tempfile.gettempdir()
    removed = []
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(SPILL_PREFIX)]
    except OSError:
        return removed
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
            if st.st_uid != os.getuid() or not entry.is_dir(follow_symlinks=False):
                continue
            pid = entry.name[len(SPILL_PREFIX):].split("-", 1)[0]
            stale = (not pid_alive(int(pid))) if pid.isdigit() and "-" in entry.name[len(SPILL_PREFIX):] \
                else time.time() - st.st_mtime > 86400
        except (OSError, ValueError):
            continue
        if stale:
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


_LEADING = re.compile(r"\A(?:\s+|--[^\n]*(?:\n|\Z)|/\*.*?\*/)*", re.S)
_EXPLAIN = re.compile(r"EXPLAIN\s+(?:ANALY[SZ]E\s+)?(?:\([^)]*\)\s*)?", re.I)


def _explained(text: str) -> str | None:
    """None when the statement an EXPLAIN wraps is a query, else its type (or "EXPLAIN" when it
    cannot be told)."""
    body = _LEADING.sub("", text)
    match = _EXPLAIN.match(body)
    if not match:
        return "EXPLAIN"
    try:
        inner = duckdb.extract_statements(body[match.end():])
    except duckdb.Error:
        return "EXPLAIN"
    if len(inner) == 1 and inner[0].type == duckdb.StatementType.SELECT:
        return None
    return inner[0].type.name if inner else "EXPLAIN"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Query:
    """One user query on its own limited instance. ``run()`` blocks; ``cancel()`` (from any thread)
    stops it. A Query runs once."""

    def __init__(self, sql: str, *, path: str | Path | None = None, limits: Limits | None = None,
                 max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES):
        self.sql = sql
        self.path = Path(path) if path else None
        self.limits = limits or LIMITS
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.capped_by: str | None = None
        self._hide: list[str] = []
        self._hide_temp = ""
        self._con: duckdb.DuckDBPyConnection | None = None
        self._stopped: str | None = None          # "time" | "cancelled"
        self._lock = threading.Lock()

    def cancel(self) -> None:
        self._stop("cancelled")

    def _stop(self, why: str) -> None:
        with self._lock:
            if self._stopped is None:
                self._stopped = why
            if self._con is not None:
                try:
                    self._con.interrupt()
                except duckdb.Error:
                    pass

    def _connect(self, temp_dir: str) -> duckdb.DuckDBPyConnection:
        path = self.path or db_path()
        if self.path is None:
            ensure_built(path)
        if not Path(path).exists():
            raise FileNotFoundError(f"no database at {path}: run `rex build`")
        # The file the link rex.duckdb names now (one per build: rexlib.build), attached as such.
        real = os.path.realpath(path)
        self._hide = sorted({os.path.dirname(real), os.path.dirname(os.path.abspath(path)), temp_dir}, key=len,
                            reverse=True)
        con = duckdb.connect(":memory:", config={
            "threads": self.limits.threads, "memory_limit": self.limits.memory,
            "max_temp_directory_size": self.limits.temp, "temp_directory": temp_dir})
        try:
            try:
                con.execute(f"ATTACH {_literal(real)} AS rex (READ_ONLY)")
            except duckdb.Error:
                if self.path is not None:
                    raise
                # An unreadable file: rebuilt (automatic builds on) or DatabaseUnavailable says to.
                open_database(path)[2].close()
                real = os.path.realpath(path)
                con.execute(f"ATTACH {_literal(real)} AS rex (READ_ONLY)")
            con.execute("USE rex")
            # DuckDB's progress bar is written to the process's stdout: in a kernel, the page.
            con.execute("SET enable_progress_bar = false")
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
        except BaseException:
            con.close()
            raise
        return con

    def _scrub(self, text: str) -> str:
        """``text`` without the server's folders (database, temporary folder)."""
        for folder in self._hide:
            if folder and folder != os.sep:
                text = text.replace(folder, "<database folder>" if folder != self._hide_temp else "<temp folder>")
        return text

    def run(self) -> Result:
        """The first ``max_rows`` rows and the count of all rows."""
        return self._execute(self._fetch)

    def stream(self, write) -> Result:
        """Every row, handed to ``write(frame)`` a batch at a time (nothing kept; ``rex sql --csv``).
        The Result holds the (empty) frame with the result's columns and the row count."""
        def consume(relation):
            reader = relation.to_arrow_reader(8192)
            total = 0
            for batch in reader:
                total += batch.num_rows
                write(batch.to_pandas())
            return reader.schema.empty_table().to_pandas(), total
        return self._execute(consume)

    def _execute(self, consume) -> Result:
        statements(self.sql)                      # refuses before anything is opened
        started = time.monotonic()
        remove_stale_spill()
        temp_dir = tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-")
        self._hide_temp = temp_dir
        timer = threading.Timer(self.limits.seconds, self._stop, args=("time",))
        timer.daemon = True
        try:
            try:
                con = self._connect(temp_dir)
            except duckdb.Error as error:     # e.g. a memory limit DuckDB cannot read
                raise QueryError(self._scrub(str(error))) from None
            with self._lock:
                self._con = con
                stopped = self._stopped
            try:
                if stopped:
                    raise self._limit_error(stopped)
                timer.start()
                try:
                    # con.sql streams the last statement's rows (con.execute would materialise them)
                    kept, total = consume(con.sql(self.sql))
                except duckdb.InterruptException:
                    raise self._limit_error(self._stopped or "cancelled") from None
                except duckdb.OutOfMemoryException as error:
                    raise self._memory_error(str(error)) from None
                except duckdb.PermissionException as error:
                    raise Refused(f"{self._scrub(str(error))}. Files outside the database cannot be read or "
                                  "written.") from None
                except duckdb.Error as error:
                    if "read-only mode" in str(error):
                        raise Refused(self._scrub(str(error))) from None
                    raise QueryError(self._scrub(str(error))) from None
                except OSError as error:             # an error inside DuckDB's Arrow stream
                    text = self._scrub(str(error))
                    if "INTERRUPT" in text:
                        raise self._limit_error(self._stopped or "cancelled") from None
                    if "Out of Memory" in text:
                        raise self._memory_error(text) from None
                    raise QueryError(text) from None
            finally:
                timer.cancel()
                with self._lock:
                    self._con = None
                con.close()
        finally:
            shutil.rmtree(temp_dir, ignore_errors=True)
        return Result(kept, total, time.monotonic() - started, self.capped_by)

    def _fetch(self, relation) -> tuple[pd.DataFrame, int | None]:
        """The first rows (at most ``max_rows`` and about ``max_bytes`` of Arrow data, at least one
        row) as a DataFrame, and the count of all rows (None when the time limit or a cancel stopped
        the counting: the kept rows are still shown). Rows come ``BATCH_ROWS`` at a time, so one
        batch of wide rows is all that is held beyond what is kept."""
        reader = relation.to_arrow_reader(BATCH_ROWS)
        batches, kept, kept_bytes = [], 0, 0
        total = 0
        schema = reader.schema
        try:
            for batch in reader:
                total += batch.num_rows
                if self.capped_by is None:
                    rows = min(batch.num_rows, self.max_rows - kept)
                    size = batch.nbytes
                    if batch.num_rows and kept_bytes + size > self.max_bytes:
                        per_row = size / batch.num_rows
                        rows = min(rows, max(int((self.max_bytes - kept_bytes) // per_row), 0 if kept else 1))
                        self.capped_by = "bytes"
                    if rows < batch.num_rows and self.capped_by is None:
                        self.capped_by = "rows"
                    if rows:
                        part = batch.slice(0, rows)
                        batches.append(part)
                        kept += rows
                        kept_bytes += part.nbytes
                del batch
        except (duckdb.InterruptException, OSError) as error:
            # DuckDB's Arrow stream reports an interrupt as an OSError ("INTERRUPT Error: ...").
            if not batches or not isinstance(error, duckdb.InterruptException) and "INTERRUPT" not in str(error):
                raise
            total = None
        frame = pa.Table.from_batches(batches, schema=schema).to_pandas()
        return frame, total

    def _limit_error(self, why: str) -> LimitReached:
        if why == "time":
            return LimitReached("time", f"Stopped after {self.limits.seconds:g} s: the time limit for one query. "
                                        "Narrow it down (WHERE, LIMIT, fewer joins).")
        return LimitReached("cancelled", "Cancelled.")

    def _memory_error(self, text: str) -> LimitReached:
        if "max_temp_directory_size" in text:
            return LimitReached("temp", f"Stopped: the query needed more than {self.limits.temp} of temporary "
                                        "disk space, the limit for one query. Aggregate or filter before "
                                        "sorting or joining large tables.")
        return LimitReached("memory", f"Stopped: the query needed more than {self.limits.memory} of memory, "
                                      "the limit for one query. Aggregate or filter first, or select fewer "
                                      "columns.")


def run(sql: str, **kwargs) -> Result:
    """Run ``sql`` with the limits (see ``Query``)."""
    return Query(sql, **kwargs).run()
