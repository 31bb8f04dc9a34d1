"""The ``rex`` command: build, info, sql, serve, report, publish.

Bad input exits with code 2 and a message that names the bad value and the valid ones; nothing is
written in that case.
"""
from __future__ import annotations

import argparse
import re
import sys

from . import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

BUILD_HELP = """\
Build data/derived/rex.duckdb (and the Parquet files beside it) from the raw publisher files in
data/raw and the curated tables in data/curated. Every raw file's sha256 is checked against
data/raw/sources.yml and every table against its schema; on any failure nothing is replaced and the
last good database stays in use. Apps, reports and queries build it themselves when it is missing
or stale, so you rarely need this.

example:
  rex build
"""

INFO_HELP = """\
Without TABLE: when the database was built, every table and view with its row count and the
publisher releases (vintages) it holds, and the sources from data/raw/sources.yml.
With TABLE: that table's columns, their types and descriptions (and units where declared).

examples:
  rex info
  rex info production
"""

SQL_HELP = """\
Run read-only SQL on the workbook's DuckDB file and print the result of the last statement. Only
queries run (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN); nothing can be
created or changed (not even TEMP tables) and no file outside the database can be read or written.
A query stops at its time or memory limit with a message saying which.

Exit codes: 0 done; 1 a limit stopped the query, or no database can be read (it says what to do);
2 nothing to run, a refused statement or an error in the SQL (syntax, unknown table or column).

examples:
  rex sql "SELECT mineral_id, name FROM minerals WHERE critical_2025"
  rex sql --csv "SELECT * FROM governance" > governance.csv
  rex sql "DESCRIBE production"
"""

SERVE_SUMMARY = "start the Voila apps on 127.0.0.1 (options: rex serve --help)"
REPORT_SUMMARY = "render notebooks into dated HTML reports (options: rex report --help)"
PUBLISH_SUMMARY = "render every view of the read-only apps as static pages (options: rex publish --help)"


def _size(text: str) -> str:
    """A DuckDB memory size (512MB, 4GB, 1.5GiB)."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", text.strip(), re.I):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 512MB or 4GB")
    return text.strip()


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)


def _cmd_build(args) -> int:
    import duckdb

    from rexlib.etl.build import BuildError, build
    from rexlib.core.paths import derived_dir
    from rexlib.core.provenance import ChecksumMismatch
    if getattr(args, "write_row_counts", False):
        from rexlib.etl.build import collect
        from rexlib.etl.row_counts import write_generated
        for path in write_generated(collect()[0]):
            print(f"wrote {path}")
    try:
        report = build()
    except (BuildError, ChecksumMismatch) as exc:
        print(f"rex build: refused: {exc}", file=sys.stderr)
        print("The last good database (if any) is unchanged.", file=sys.stderr)
        return EXIT_FAILED
    except (OSError, duckdb.IOException) as exc:       # a read-only tree, a full disk
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = getattr(exc, "filename", None) or derived_dir()
        print(f"rex build: could not write the database in {derived_dir()} ({reason}: {where}).", file=sys.stderr)
        print("The last good database (if any) is unchanged. Free some space, or set REX_DATA_DIR to a "
              "writable folder.", file=sys.stderr)
        return EXIT_FAILED
    print(f"built {report.path} in {report.seconds:.1f} s (fingerprint {report.fingerprint})")
    for name, count in sorted(report.row_counts.items()):
        print(f"  {name:<22} {count:>8,}")
    return EXIT_OK


def _unavailable(command: str, exc: Exception) -> int:
    print(f"rex {command}: {exc}", file=sys.stderr)
    return EXIT_FAILED


def _cmd_info(args) -> int:
    from rexlib.query.db import DatabaseUnavailable
    try:
        return _info(args)
    except DatabaseUnavailable as exc:
        return _unavailable("info", exc)


def _info(args) -> int:
    if args.table:
        return _info_table(args.table)
    from rexlib.query.warehouse import connect
    from rexlib.core.provenance import load_sources
    from rexlib.core.paths import RAW
    con = connect()
    try:
        tables = con.execute("SELECT table_name, table_type FROM information_schema.tables "
                             "WHERE table_schema = 'main' ORDER BY table_type, table_name").fetchall()
        info = dict(con.execute("SELECT key, value FROM build_info").fetchall())
        print(f"database: built {info.get('built_at')} · fingerprint {info.get('fingerprint')} · "
              f"rexlib {info.get('rexlib_version')}")
        print(f"\n{'table':<24}{'type':<8}{'rows':>10}  vintages")
        for name, kind in tables:
            count = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            cols = {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?", [name]).fetchall()}
            vintages = ""
            if "vintage" in cols:
                vintages = ", ".join(r[0] for r in con.execute(f'SELECT DISTINCT vintage FROM "{name}" ORDER BY 1').fetchall() if r[0])
            print(f"{name:<24}{'view' if kind == 'VIEW' else 'table':<8}{count:>10,}  {vintages}")
    finally:
        con.close()
    sources = load_sources(RAW)
    print("\nsources (data/raw/sources.yml):")
    for key, rel in sources["releases"].items():
        n = sum(1 for f in sources["files"] if f["release"] == key)
        print(f"  {key:<22} {n:>4} file(s)  {rel.get('licence', '')}\n      {rel['citation']}")
    print("\nOne table's columns: rex info TABLE")
    return EXIT_OK


def _info_table(name: str) -> int:
    """``rex info TABLE``: the data dictionary's entry (``rexlib.etl.schema.describe_table``) when the
    library has one, else the columns DuckDB knows (name, type, comment)."""
    from rexlib.etl import schema
    from rexlib.query.warehouse import connect
    con = connect()
    try:
        known = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
                                           "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' "
                                           "AND NOT internal ORDER BY 1").fetchall()]
        if name not in known:
            import difflib
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            print(f"rex info: unknown table {name!r}.{hint} Valid tables: {', '.join(known)}.", file=sys.stderr)
            return EXIT_USAGE
        describe = getattr(schema, "describe_table", None)
        if describe is not None:
            described = describe(name)
            if described is not None:
                print(described.to_string(index=False) if hasattr(described, "to_string") else described)
            return EXIT_OK
        comment = con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ? "
                              "UNION ALL SELECT comment FROM duckdb_views() WHERE schema_name = 'main' "
                              "AND view_name = ?", [name, name]).fetchone()
        columns = con.execute("SELECT column_name, data_type, comment FROM duckdb_columns() "
                              "WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index", [name]).fetchall()
    finally:
        con.close()
    print(f"{name}: {comment[0] if comment and comment[0] else '(no description)'}\n")
    width = max(len(c[0]) for c in columns) + 2
    print(f"{'column':<{width}}{'type':<12}description")
    for column, kind, text in columns:
        print(f"{column:<{width}}{kind:<12}{text or ''}")
    return EXIT_OK


def _cmd_sql(args) -> int:
    from rexlib.query import user_sql
    from rexlib.query.db import DatabaseUnavailable
    limits = user_sql.Limits(seconds=args.time_limit, memory=args.memory_limit,
                             temp=user_sql.LIMITS.temp)
    try:
        if args.csv:
            header = [True]

            def write(frame):
                frame.to_csv(sys.stdout, index=False, header=header[0])
                header[0] = False
            result = user_sql.Query(args.query, limits=limits).stream(write)
            if header[0]:                 # no rows: still the header line
                result.frame.to_csv(sys.stdout, index=False)
            return EXIT_OK
        result = user_sql.Query(args.query, limits=limits, max_rows=args.max_rows).run()
    except user_sql.NothingToRun as exc:
        print(f"rex sql: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except user_sql.Refused as exc:
        print(f"rex sql: refused: {exc}", file=sys.stderr)
        print("Only read-only queries on the workbook's tables are allowed; files outside the database "
              "cannot be read or written.", file=sys.stderr)
        return EXIT_USAGE
    except user_sql.QueryError as exc:
        print(f"rex sql: {exc}", file=sys.stderr)
        if "Catalog Error" in str(exc):
            print("`rex info` lists the tables, `rex info TABLE` a table's columns.", file=sys.stderr)
        return EXIT_USAGE
    except user_sql.LimitReached as exc:
        print(f"rex sql: {exc} (--time-limit and --memory-limit raise the limits)", file=sys.stderr)
        return EXIT_FAILED
    except DatabaseUnavailable as exc:
        return _unavailable("sql", exc)
    import pandas as pd
    with pd.option_context("display.max_columns", 50, "display.width", 200):
        print(result.frame.to_string(index=False))
    if result.truncated:
        total = f"{result.total_rows:,}" if result.total_rows is not None else "more (counting stopped)"
        print(f"({len(result.frame):,} of {total} rows shown; --max-rows N shows more, --csv writes all)",
              file=sys.stderr)
    return EXIT_OK


def _cmd_serve(args, rest) -> int:
    from rexlib.app import serve
    return serve.main(rest) or 0


def _cmd_publish(args, rest) -> int:
    from rexlib.app import publish
    return publish.main(rest) or 0


def _cmd_report(args, rest) -> int:
    from .reports import cli as report_cli
    return report_cli.main(rest) or 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rex", description="rex: the critical-minerals workbook (USGS, IEA and WGI data "
                     "in DuckDB, Voila apps, HTML reports).",
                     epilog="examples:\n  rex info\n  rex sql \"SELECT * FROM minerals LIMIT 5\"\n  rex serve\n"
                            "  rex report mineral_profile -p mineral=cobalt\n\n"
                            "rex COMMAND --help describes each command.")
    parser.add_argument("--version", action="version", version=f"rex {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build_cmd = sub.add_parser("build", help="build the DuckDB database from data/raw and data/curated",
                               description=BUILD_HELP)
    build_cmd.add_argument("--write-row-counts", action="store_true",
                           help="after a deliberate change (a new source or edition, a reader that keeps more), "
                                "write the generated files: the row counts per table and vintage that every build "
                                "checks (rexlib/metadata/row_counts.csv), docs/data_dictionary.md and the package tree of "
                                "docs/architecture.md; then build. "
                                "Review the diff")
    info = sub.add_parser("info", help="tables, row counts, vintages and sources; or one table's columns",
                          description=INFO_HELP)
    info.add_argument("table", nargs="?", metavar="TABLE", help="a table or view (e.g. production): show its columns")
    sql = sub.add_parser("sql", help="run a read-only SQL query", description=SQL_HELP)
    sql.add_argument("query", metavar="SQL", help="the SQL (quote it); several statements may be given, "
                     "separated by ';' — the last one's result is printed")
    sql.add_argument("--csv", action="store_true", help="write every row as CSV to standard output")
    sql.add_argument("--max-rows", type=int, default=60, metavar="N",
                     help="rows printed without --csv (default %(default)s; the total is reported)")
    sql.add_argument("--time-limit", type=_seconds, default=300.0, metavar="SECONDS",
                     help="stop the query after this long (default %(default)g; the apps allow 30)")
    sql.add_argument("--memory-limit", type=_size, default="2GB", metavar="SIZE",
                     help="DuckDB memory limit for the query, e.g. 512MB, 4GB (default %(default)s)")
    sub.add_parser("serve", help=SERVE_SUMMARY, add_help=False)
    sub.add_parser("report", help=REPORT_SUMMARY, add_help=False)
    sub.add_parser("publish", help=PUBLISH_SUMMARY, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("serve", "report", "publish"):
        command, rest = argv[0], argv[1:]
        return {"serve": _cmd_serve, "report": _cmd_report, "publish": _cmd_publish}[command](None, rest)
    args = parser.parse_args(argv)
    return {"build": _cmd_build, "info": _cmd_info, "sql": _cmd_sql}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
