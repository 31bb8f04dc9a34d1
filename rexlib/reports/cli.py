"""``rex report``: render notebooks into dated, self-contained HTML reports.

    rex report mineral_profile -p mineral=cobalt -p year=2024
    rex report mineral_profile --all
    rex report --plan daily [--output DIR] [--workers N] [--force] [--pdf]

Exit codes: 0 every report is ok or up to date; 1 at least one report failed (the others were still
rendered; the index lists the failures with their errors); 2 bad arguments (unknown notebook,
parameter name or value; nothing written); 3 the output folder cannot be written (unwritable, disk
full); 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import date as _date
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_OUTPUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse exits 2 as well; keep the message short and ours
        self.print_usage(sys.stderr)
        print(f"rex report: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rex report", formatter_class=argparse.RawDescriptionHelpFormatter, description=(
        "Render notebooks (papermill, one kernel each) into reports/<date>/<notebook>/<params>.html\n"
        "with code hidden, the executed .ipynb beside it, and reports/<date>/index.html listing every\n"
        "report. Every parameter is checked before any kernel starts."),
        epilog=("examples:\n"
                "  rex report mineral_profile -p mineral=cobalt -p year=2024\n"
                "  rex report mineral_profile --all\n"
                "  rex report --plan daily --workers 2\n"
                "  rex report --plan my_plan.json --list\n\n"
                "Exit codes: 0 all ok/up to date; 1 some report failed (see the index); 2 bad arguments\n"
                "(nothing written, also for a plan file that cannot be used); 3 output folder unwritable\n"
                "or disk full; 130 interrupted."))
    p.add_argument("notebook", nargs="?", help="notebook name in notebooks/ (e.g. mineral_profile) or a .ipynb path")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="set a notebook parameter (repeatable); checked against the notebook's parameters cell")
    p.add_argument("--all", action="store_true", help="one report per mineral (every mineral with production data "
                   "and every U.S. critical mineral)")
    p.add_argument("--all-partners", action="store_true", help="with country_profile: one report per country "
                   "named in the agreements table plus the FORGE and ministerial coalition summaries (the "
                   "'partners' plan)")
    p.add_argument("--plan", metavar="NAME|FILE", help="render a plan: 'daily' (all mineral profiles, the "
                   "overview notebooks and the partners' country profiles), 'partners' or a JSON plan file")
    p.add_argument("--output", "-o", default=os.environ.get("REX_REPORTS_DIR", "reports"),
                   help="output root (default ./reports, or $REX_REPORTS_DIR)")
    p.add_argument("--workers", "-j", type=int, default=os.cpu_count() or 1,
                   help="reports rendered in parallel (default: number of cores, %(default)s here)")
    p.add_argument("--force", action="store_true", help="re-render reports that are up to date")
    p.add_argument("--pdf", action="store_true", help="also print each report to PDF with headless Chromium")
    p.add_argument("--chromium", default=os.environ.get("REX_CHROMIUM"), help="Chromium executable for --pdf")
    p.add_argument("--timeout", type=int, default=600, metavar="SECONDS",
                   help="execution timeout per notebook cell (default %(default)s); a report process is killed "
                        "after twice that plus a minute")
    p.add_argument("--date", help="date folder to write (YYYY-MM-DD; default today)")
    p.add_argument("--notebooks-dir", default=None, help="where notebook names are looked up (default notebooks/)")
    p.add_argument("--list", action="store_true", help="print the reports that would be rendered, then exit")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    return p


def find_chromium(explicit: str | None) -> str | None:
    for candidate in ([explicit] if explicit else list(CHROMIUM_CANDIDATES)):
        path = shutil.which(candidate) if candidate else None
        if path:
            return path
    return None


def _usage_error(problems: list[str]) -> int:
    for problem in problems:
        print(f"rex report: {problem}", file=sys.stderr)
    print("rex report: nothing was rendered or written.", file=sys.stderr)
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    from .params import NOTEBOOKS, ParameterError, parse_assignments
    from .plans import expand, load_plan

    if args.workers < 1:
        return _usage_error([f"--workers must be at least 1, got {args.workers}"])
    if args.timeout < 1:
        return _usage_error([f"--timeout must be at least 1 second, got {args.timeout}"])
    if args.date is not None:
        try:
            day = _date.fromisoformat(args.date).isoformat()
        except ValueError:
            return _usage_error([f"--date must be YYYY-MM-DD, got {args.date!r}"])
    else:
        day = _date.today().isoformat()
    chromium = None
    if args.pdf:
        chromium = find_chromium(args.chromium)
        if chromium is None:
            return _usage_error(["--pdf needs Chromium, which was not found "
                                 f"({args.chromium or ', '.join(CHROMIUM_CANDIDATES)}); "
                                 "install it (apt-get install chromium) or pass --chromium PATH"])
    if bool(args.plan) == bool(args.notebook):
        return _usage_error(["give a notebook (rex report mineral_profile -p mineral=cobalt) or a plan "
                             "(rex report --plan daily), not both and not neither"])
    if args.plan and (args.param or args.all):
        return _usage_error(["-p and --all apply to one notebook; a plan sets its own parameters"])
    folder = Path(args.notebooks_dir) if args.notebooks_dir else NOTEBOOKS

    # Everything is validated before any kernel starts or any file is written.
    try:
        from rexlib.query.warehouse import ensure_built
        ensure_built()
    except Exception as exc:
        print(f"rex report: the database is not available: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        if args.plan:
            entries = load_plan(args.plan)
        elif args.all_partners:
            if Path(args.notebook).stem != "country_profile" or args.param or args.all:
                return _usage_error(["--all-partners renders the country_profile notebook's 'partners' plan; "
                                     "it takes no -p or --all"])
            entries = load_plan("partners")
        else:
            entries = [{"notebook": args.notebook, "params": parse_assignments(args.param), "all": args.all}]
        jobs = expand(entries, folder)
    except ParameterError as exc:
        return _usage_error(exc.problems)

    if args.list:
        for job in jobs:
            print(f"{job.notebook}/{job.slug}" + (f"   (not rendered: {job.unsupported})" if job.unsupported else ""))
        return EXIT_OK

    from . import atomic
    from .runner import Options, run
    opts = Options(output=Path(args.output).expanduser().absolute(), date=day, workers=args.workers,
                   force=args.force, pdf=chromium, timeout=args.timeout, quiet=args.quiet)
    renderable = sum(1 for j in jobs if not j.unsupported)
    if not args.quiet:
        print(f"rex report: {renderable} report(s) into {opts.output / day} with {opts.workers} worker(s)"
              + (f"; {len(jobs) - renderable} listed as not rendered" if renderable < len(jobs) else ""),
              file=sys.stderr, flush=True)
    try:
        summary = run(jobs, opts)
    except atomic.OutputError as exc:
        print(f"rex report: {exc}", file=sys.stderr)
        return EXIT_OUTPUT
    except KeyboardInterrupt:
        print("rex report: interrupted; finished reports are kept, unfinished ones were not written.",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    return report_summary(summary, opts)


def report_summary(summary, opts) -> int:
    index = summary.date_dir / "index.html"
    counts = {s: summary.count(s) for s in ("ok", "up-to-date", "failed", "not-rendered", "cancelled")}
    shown = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    print(f"rex report: {shown or 'nothing to do'} in {summary.seconds:.1f} s -> {index}", file=sys.stderr)
    for outcome in summary.failed:
        print(f"  FAILED {outcome.job.label()}: {(outcome.error or '').splitlines()[0][:300]}", file=sys.stderr)
    if summary.output_error:
        print(f"rex report: {summary.output_error}", file=sys.stderr)
        return EXIT_OUTPUT
    return EXIT_FAILED if counts["failed"] else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
