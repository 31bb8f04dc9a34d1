"""raw + curated -> validated Parquet files + one DuckDB database (derived, git-ignored).

The database is built into a temporary folder, validated, then moved into place with an atomic
rename, so readers never see a half-built file and a failed build leaves the last good one in place.

Each build writes a database file of its own name (``rex-<build id>.duckdb``) and points the link
``rex.duckdb`` at it (an atomic replace of the link). DuckDB keeps one instance per file in a
process and resolves links: while a connection to the old file is open (``con = rexlib.connect()``),
opening ``rex.duckdb`` again would hand back the old instance if the new data had the same file
name; with a new name per build it opens the new file. The previous build's file is kept (a process
that resolved the link a moment before the swap still opens it); older ones are removed (held
connections keep reading them: an unlinked file lives until its last reader closes it).

A build that fails records why in ``build_failed.json`` beside the database (with the fingerprint of
the inputs it was given), so readers that would rebuild automatically fall back to the last good
database at once and say so, instead of each trying (and failing) again.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import types
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from rexlib.etl import series, steps
from rexlib.etl.checks.usgs import run_publisher_checks
from rexlib.etl.checks.eu_crm import run_eu_crm_checks
from .corrections import CorrectionError, StaleCorrection
from rexlib.etl.checks.iea_demand import run_iea_demand_checks
from rexlib.etl.checks.iea_conversion import run_iea_conversion_checks
from rexlib.etl.checks.usgs_trends import run_usgs_trends_checks  # issue 27
from rexlib.etl.normalise import CurationError
from rexlib.metadata.fields import comment
from rexlib.core.paths import CURATED, RAW, db_path, derived_dir
from rexlib.core.provenance import ChecksumMismatch, verify_checksums
from .schema import BUILD_TABLES, SCHEMA_VERSION, TABLES, SchemaError, Table, validate
from rexlib.sources import curated as curated_source
from rexlib.sources import iea, usgs_mcs2026
from .unparsed_check import unparsed_regressions
from .row_counts import row_count_problems
from rexlib.core.version import __version__
from rexlib.core.processes import pid_alive


class BuildError(RuntimeError):
    """The build refused to produce a database; the message names the file/table and the problem."""


FAILED = "build_failed.json"         # why the last build from the current inputs failed (see the module)
LINK = "rex.duckdb"


@dataclass
class BuildReport:
    path: Path
    seconds: float
    row_counts: dict[str, int]
    fingerprint: str


def fingerprint(raw_dir: Path = RAW, curated_dir: Path = CURATED) -> str:
    """Identity of the inputs and the code that shapes them; a change triggers a rebuild."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}|{SCHEMA_VERSION}".encode())
    digest.update((raw_dir / "sources.yml").read_bytes())
    for path in sorted((raw_dir.parent / "mappings").glob("*.csv")):   # label mappings (data/mappings)
        digest.update(path.name.encode() + path.read_bytes())
    for path in sorted(curated_dir.glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    package = Path(__file__).resolve().parents[1]            # rexlib/: the layers that shape the data
    metadata = sorted(p for p in (package / "metadata").rglob("*") if p.is_file() and p.suffix in (".yml", ".csv"))
    not_shaping = {package / "core" / "layers.py", package / "core" / "old_paths.py"}   # the layout, not the data
    modules = [p for layer in ("core", "sources", "etl") for p in sorted((package / layer).rglob("*.py"))
               if p not in not_shaping]
    for path in modules + metadata:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _issues_frame(issues: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(issues, columns=["file", "line", "column", "raw_value", "action", "reason"])
    return frame.astype(str)


def collect(raw_dir: Path = RAW, curated_dir: Path = CURATED) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Read every source and shape the schema's tables (no writing): the steps of the registry
    (:data:`rexlib.etl.steps.REGISTRY`, one per source), dependencies first. Returns the tables by name
    and the issues the steps logged (``file, line, column, raw_value, action, reason``)."""
    try:
        return steps.run(raw_dir, curated_dir)
    except steps.StepError as exc:
        raise BuildError(str(exc)) from exc


def validate_tables(tables: dict[str, pd.DataFrame]) -> list[str]:
    minerals = set(tables["minerals"]["mineral_id"])
    countries = set(tables["countries"]["iso3"])
    problems = []
    for name, frame in tables.items():
        if name in TABLES:
            problems += validate(name, frame, mineral_ids=minerals, country_codes=countries)
    return problems


def derive_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The derived tables (schema.DERIVED_TABLES), computed from the written tables by the series
    rules (:mod:`rexlib.etl.series`): the series every figure uses, and their concentration."""
    from rexlib.sources.wgi import ESTIMATES, governance_scores
    out = {}
    for record in ("production", "reserves", "capacity"):
        frame = con.execute(f"SELECT * FROM {record} ORDER BY rowid").df()
        out[f"{record}_latest"] = series.production_latest(frame, strict=record == "production")
    # Every source the step registry declares a supply of (rexlib/etl/steps/__init__.py Supply).
    supplies = steps.supply_frames(lambda name: con.execute(f'SELECT * FROM "{name}" ORDER BY rowid').df(), out)
    iea_blocks = supplies["iea"][1]
    scores = governance_scores(con.execute(WGI_SQL, [WGI_YEAR, *ESTIMATES]).df(), WGI_YEAR)
    out["concentration"], out["concentration_wgi"] = series.concentration_tables(
        out["production_latest"], iea_blocks, scores, WGI_YEAR)
    out["supply_shares"] = series.supply_shares_table(supplies)
    out["supply_concentration"] = series.supply_concentration_table(out["supply_shares"])
    return out


# Governance scores of the stored HHI_WGI: WGI 2022 (the latest year of the 2023 update), the mean
# of the six estimates in a fixed order (rexlib.sources.wgi.governance_scores).
WGI_YEAR = 2022
WGI_SQL = ("SELECT iso3, indicator, year, value FROM governance WHERE year = ? AND indicator IN (?, ?, ?, ?, ?, ?) "
           "ORDER BY iso3, indicator")


def _write_table(con: duckdb.DuckDBPyConnection, parquet_dir: Path, name: str, frame: pd.DataFrame) -> None:
    spec = TABLES[name]
    path = parquet_dir / f"{name}.parquet"
    con.register("frame_view", frame)
    select = ", ".join(f'CAST("{c}" AS {t}) AS "{c}"' for c, t in spec.columns.items())
    con.execute(f"COPY (SELECT {select} FROM frame_view) TO '{path}' (FORMAT PARQUET)")
    con.unregister("frame_view")
    con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM read_parquet(\'{path}\')')
    _declare(con, name, spec)


def _sql_text(value: str) -> str:
    """A SQL string literal (COMMENT ON takes no bound parameters)."""
    return "'" + value.replace("'", "''") + "'"


def _declare(con: duckdb.DuckDBPyConnection, name: str, spec: Table) -> None:
    """Write the declaration into the database: the table's description, each column's description
    and unit (rexlib/metadata/fields.yml) as COMMENT ON COLUMN, and the primary key (Table.key)."""
    # One transaction per table: ~370 catalog changes cost 2.4 s one by one, 0.5 s batched.
    con.begin()
    con.execute(f'COMMENT ON TABLE "{name}" IS {_sql_text(spec.description)}')
    for column in spec.columns:
        con.execute(f'COMMENT ON COLUMN "{name}"."{column}" IS {_sql_text(comment(name, column))}')
    con.commit()
    if not spec.key:
        return
    # A NULL in a key column would make DuckDB refuse the key with an unhelpful message: name it.
    counts = con.execute("SELECT " + ", ".join(f'count(*) FILTER (WHERE "{c}" IS NULL)' for c in spec.key)
                         + f' FROM "{name}"').fetchone()
    nulls = {c: n for c, n in zip(spec.key, counts) if n}
    if nulls:
        raise BuildError(f"{name}: NULL in primary-key column(s) {nulls} (key {spec.key}, rexlib/etl/schema.py)")
    key = ", ".join(f'"{c}"' for c in spec.key)
    try:
        con.execute(f'ALTER TABLE "{name}" ADD PRIMARY KEY ({key})')
    except duckdb.ConstraintException as exc:
        raise BuildError(f"{name}: rows share a primary key {spec.key}: {exc}") from exc


def _write_database(tables: dict[str, pd.DataFrame], out: Path, meta: dict) -> dict[str, pd.DataFrame]:
    """Write the tables, then the derived tables computed from them; returns the derived tables."""
    parquet_dir = out / "parquet"
    parquet_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(out / "rex.duckdb"))
    # A derived table slower than 2 s made DuckDB draw its progress bar on stdout, into the output
    # of whatever called the build (`python -c "import rexlib; print(...)"` on a fresh clone, CI
    # 2026-12-01); the build reports its stages itself.
    con.execute("SET enable_progress_bar = false")
    try:
        for name, frame in tables.items():
            _write_table(con, parquet_dir, name, frame)
        derived = derive_tables(con)
        problems = [p for name, frame in derived.items()
                    for p in validate(name, frame, mineral_ids=set(tables["minerals"]["mineral_id"]),
                                      country_codes=set(tables["countries"]["iso3"]))]
        if problems:
            raise BuildError("derived tables failed validation:\n  " + "\n  ".join(problems[:30]))
        for name, frame in derived.items():
            _write_table(con, parquet_dir, name, frame)
        # The apps look rows up by these columns (one mineral, or one stage and year).
        con.execute("CREATE INDEX concentration_series ON concentration (source, mineral_id, stage, year)")
        con.execute("CREATE TABLE build_info (key VARCHAR, value VARCHAR)")
        con.executemany("INSERT INTO build_info VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
        _declare(con, "build_info", BUILD_TABLES["build_info"])
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return derived


def build(raw_dir: Path = RAW, curated_dir: Path = CURATED, out_dir: Path | None = None, *,
          progress=None) -> BuildReport:
    """Build the database. Raises BuildError (or ChecksumMismatch) naming what is wrong.
    ``progress(step)`` is called with a short description before each stage."""
    out_dir = Path(out_dir or derived_dir())
    try:
        report = _build(raw_dir, curated_dir, out_dir, progress)
    except (BuildError, ChecksumMismatch) as exc:
        try:
            _record_failure(out_dir, fingerprint(raw_dir, curated_dir), exc)
        except OSError:
            pass
        raise
    try:
        (out_dir / FAILED).unlink()
    except FileNotFoundError:
        pass
    return report


def _record_failure(out_dir: Path, fp: str, exc: Exception) -> None:
    try:
        if out_dir.is_dir():
            (out_dir / FAILED).write_text(json.dumps(dict(fingerprint=fp, error=str(exc),
                                                          at=time.strftime("%Y-%m-%dT%H:%M:%S%z")), indent=1))
    except OSError:
        pass                         # a read-only folder: readers then try the build themselves


def last_failure(out_dir: Path, fp: str) -> str | None:
    """Why the last build from inputs with fingerprint ``fp`` failed, or None."""
    try:
        record = json.loads((Path(out_dir) / FAILED).read_text())
    except (OSError, ValueError):
        return None
    return str(record.get("error")) if record.get("fingerprint") == fp else None


def remove_stale(out_dir: Path) -> list[str]:
    """Remove what builds killed mid-way left (``.build-<pid>-*`` staging folders and
    ``.old-parquet-<pid>`` folders of processes that no longer run; unnamed ``.build-*`` folders of
    older versions once an hour old). Returns the names removed."""
    removed = []
    try:
        entries = list(os.scandir(out_dir))
    except OSError:
        return removed
    for entry in entries:
        if not (entry.name.startswith(".build-") or entry.name.startswith(".old-parquet-")):
            continue
        parts = entry.name.split("-")
        pid = parts[2] if entry.name.startswith(".old-") else parts[1]
        try:
            stale = not pid_alive(int(pid))
        except ValueError:
            try:
                stale = time.time() - entry.stat(follow_symlinks=False).st_mtime > 3600
            except OSError:
                continue
        if stale and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


def _build(raw_dir: Path, curated_dir: Path, out_dir: Path, progress) -> BuildReport:
    start = time.perf_counter()
    say = progress or (lambda step: None)
    # A folder that cannot be written (read-only tree, a file in the way) is found now, not after
    # the sources were read; OSError names it.
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, probe = tempfile.mkstemp(prefix=f".build-{os.getpid()}-probe-", dir=out_dir)
    os.close(fd)
    os.unlink(probe)
    say("[1/4] verifying raw-file checksums")
    verify_checksums(raw_dir)
    say("[2/4] reading and curating the sources")
    try:
        tables, issues = collect(raw_dir, curated_dir)       # one step per source (rexlib/etl/steps)
    except (CurationError, SchemaError, series.SeriesRuleError, iea.UnmappedLabel, KeyError, usgs_mcs2026.RawFileError,
            curated_source.CuratedTableError, StaleCorrection, CorrectionError) as exc:
        raise BuildError(str(exc)) from exc
    problems = validate_tables(tables)
    problems += unparsed_regressions(tables, out_dir)   # numeric in the previous build, unparsed now
    problems += row_count_problems(tables)              # rows per table and vintage as declared (issue 29)
    if problems:
        raise BuildError("validation failed:\n  " + "\n  ".join(problems[:30]))
    say("[3/4] checking against the publishers' own figures")
    try:
        checks, allowed = run_publisher_checks(tables, extra=pd.concat(
            [run_eu_crm_checks(tables, raw_dir), run_iea_demand_checks(tables),
             run_iea_conversion_checks(tables),       # IEA2025 conversion (issue 27)
             run_usgs_trends_checks(tables)], ignore_index=True))
    except StaleCorrection as exc:
        raise BuildError(str(exc)) from exc
    issues += allowed
    tables["publisher_checks"] = checks
    failed = checks[checks["status"] == "fail"]
    if len(failed):
        raise BuildError("publisher checks failed (fix the curation, or allow-list with a reason in "
                         "rexlib/metadata/corrections.yml):\n  " + "\n  ".join(
                             f"{r.check} {r.subject}: expected {r.expected}, computed {r.computed}"
                             + (f" ({r.reason})" if r.reason else "") for r in failed.itertuples()))
    tables["quality_issues"] = _issues_frame(issues)
    fp = fingerprint(raw_dir, curated_dir)
    build_id = uuid.uuid4().hex[:16]
    meta = dict(fingerprint=fp, rexlib_version=__version__, schema_version=SCHEMA_VERSION,
                built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), build_id=build_id)
    say("[4/4] writing Parquet and DuckDB, deriving the series tables")
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".build-{os.getpid()}-", dir=out_dir))
    try:
        try:
            tables.update(_write_database(tables, staging, meta))
        except duckdb.IOException as exc:        # a full disk while writing: the last good one stays
            raise OSError(f"could not write the database ({exc})") from exc
        (staging / "build_info.json").write_text(json.dumps(meta, indent=1))
        # Parquet folder first, then the DB file: each os.replace is atomic on one filesystem.
        final_parquet = out_dir / "parquet"
        old = out_dir / f".old-parquet-{os.getpid()}"
        if final_parquet.exists():
            os.replace(final_parquet, old)
        os.replace(staging / "parquet", final_parquet)
        _install_database(staging / "rex.duckdb", out_dir, f"rex-{build_id}.duckdb")
        os.replace(staging / "build_info.json", out_dir / "build_info.json")
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = {name: len(frame) for name, frame in tables.items()}
    return BuildReport(out_dir / LINK, time.perf_counter() - start, counts, fp)


def _install_database(built: Path, out_dir: Path, name: str) -> None:
    """Move the built file to ``out_dir/name`` and point the link ``rex.duckdb`` at it (see the
    module); where links cannot be made, the file replaces ``rex.duckdb`` itself."""
    link = out_dir / LINK
    previous = os.path.basename(os.readlink(link)) if link.is_symlink() else None
    os.replace(built, out_dir / name)
    tmp = out_dir / f".{LINK}-{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(name, tmp)
    except OSError:
        os.replace(out_dir / name, link)
        return
    os.replace(tmp, link)
    for other in out_dir.glob("rex-*.duckdb"):
        if other.name not in (name, previous):
            try:
                other.unlink()
            except OSError:
                pass


def is_fresh(path: Path | None = None) -> bool:
    """True when the database exists and was built from the current inputs and code."""
    path = Path(path or db_path())
    info = path.parent / "build_info.json"
    if not path.exists() or not info.exists():
        return False
    try:
        return json.loads(info.read_text()).get("fingerprint") == fingerprint()
    except (OSError, ValueError):
        return False


class _CallableModule(types.ModuleType):
    """``rexlib.build(...)`` builds (the function :func:`build`), while ``rexlib.build`` stays this
    module for ``rexlib.build.collect`` and friends. Readers see the new database on their next
    query (rexlib.query.warehouse compares the file's identity), so nothing needs resetting."""

    def __call__(self, *args, **kwargs) -> BuildReport:
        return build(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
