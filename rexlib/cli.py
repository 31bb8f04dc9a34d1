"""The ``rex`` command: build, info, sql, serve, report.

Bad input exits with code 2 and a message that names the bad value and the valid ones; nothing is
written in that case.
"""
from __future__ import annotations

import argparse
import sys


def _cmd_build(args) -> int:
    from .build import BuildError, build
    from .provenance import ChecksumMismatch
    try:
        report = build()
    except (BuildError, ChecksumMismatch) as exc:
        print(f"rex build: refused: {exc}", file=sys.stderr)
        print("The last good database (if any) is unchanged.", file=sys.stderr)
        return 1
    print(f"built {report.path} in {report.seconds:.1f} s (fingerprint {report.fingerprint})")
    for name, count in sorted(report.row_counts.items()):
        print(f"  {name:<22} {count:>8,}")
    return 0


def _cmd_info(args) -> int:
    from .warehouse import connect
    from .provenance import load_sources
    from .paths import RAW
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
            cols = {r[0] for r in con.execute(f"SELECT column_name FROM information_schema.columns WHERE table_name = ?", [name]).fetchall()}
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
    return 0


def _cmd_sql(args) -> int:
    import duckdb
    from .warehouse import read_only_sql
    try:
        frame = read_only_sql(args.query)
    except duckdb.Error as exc:
        print(f"rex sql: {exc}", file=sys.stderr)
        print("Only read-only queries on the workbook's tables are allowed; files outside the database "
              "cannot be read or written.", file=sys.stderr)
        return 2
    if args.csv:
        frame.to_csv(sys.stdout, index=False)
    else:
        import pandas as pd
        with pd.option_context("display.max_rows", args.max_rows, "display.max_columns", 50, "display.width", 200):
            print(frame.to_string(index=False, max_rows=args.max_rows))
    return 0


def _cmd_serve(args, rest) -> int:
    from . import serve
    return serve.main(rest) or 0


def _cmd_report(args, rest) -> int:
    from .reports import cli as report_cli
    return report_cli.main(rest) or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rex", description="rex: the critical-minerals workbook")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="build the DuckDB database from data/raw and data/curated")
    sub.add_parser("info", help="tables, row counts, vintages and sources")
    sql = sub.add_parser("sql", help="run a read-only SQL query")
    sql.add_argument("query")
    sql.add_argument("--csv", action="store_true", help="write CSV to standard output")
    sql.add_argument("--max-rows", type=int, default=60)
    sub.add_parser("serve", help="start the Voila apps on 127.0.0.1 (options: rex serve --help)", add_help=False)
    sub.add_parser("report", help="render notebooks into dated HTML reports (rex report --help)", add_help=False)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("serve", "report"):
        command, rest = argv[0], argv[1:]
        return {"serve": _cmd_serve, "report": _cmd_report}[command](None, rest)
    args = parser.parse_args(argv)
    return {"build": _cmd_build, "info": _cmd_info, "sql": _cmd_sql}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
