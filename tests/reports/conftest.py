"""Fixtures for the ``rex report`` tests. Rendering starts one Jupyter kernel per report, so the
suite renders few: one shared plan (``small_plan``: mineral profiles, overviews, the outlook, the
country profile and 1 deliberate failure) read by every test of rendered reports, and tiny
fixture-notebook reports where a test needs a run of its own (skip, force, interruption)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROBE = FIXTURES / "probe.ipynb"
CHROMIUM = "/usr/bin/chromium"
DATE = "2026-01-05"
# the mineral profiles of the shared run (default stage and year): the report side of the
# consistency test (tests/reports/test_report_consistency.py) and of the plan tests
SHARED_RUN_MINERALS = ("cobalt", "lithium", "nickel", "gallium", "rare_earths", "graphite")


def rex_report(*args, timeout: float = 900, **kw) -> subprocess.CompletedProcess:
    """``rex report ...`` as a user runs it (a fresh process, from the project folder)."""
    return subprocess.run([sys.executable, "-m", "rexlib.cli", "report", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout, **kw)


def rex_report_refused(*args) -> subprocess.CompletedProcess:
    """``rex report ...`` in this process, for input the command refuses before it renders anything
    (no kernel starts, so nothing a separate process would change; see tests.conftest.rex_cli)."""
    from tests.conftest import rex_cli
    return rex_cli("report", *args)


def write_plan(path: Path, jobs: list[dict]) -> Path:
    path.write_text(json.dumps({"jobs": jobs}))
    return path


def statuses(date_dir: Path) -> dict[str, str]:
    """{"notebook/slug": status} from the date's index.json."""
    index = json.loads((date_dir / "index.json").read_text())
    return {f"{r['notebook']}/{r['slug']}": r["status"] for r in index["reports"]}


@pytest.fixture(scope="session")
def small_plan(tmp_path_factory, db):
    """THE one `rex report` run the report tests share (a fresh process, as a user runs it): 6
    mineral profiles + 1 overview (import_reliance) + 1 deliberately failing fixture report, and the
    outlook (cobalt and the overview) and the country profile (Argentina and the FORGE coalition)
    as the daily plan renders them; into a temporary output root. Returns (root, date_dir,
    completed process)."""
    root = tmp_path_factory.mktemp("reports")
    plan = write_plan(root.parent / "small-plan.json", [
        {"notebook": "mineral_profile", "each": {"mineral": list(SHARED_RUN_MINERALS)}},
        {"notebook": "import_reliance"},
        {"notebook": str(PROBE), "params": {"mineral": "cobalt", "fail": True}},
        {"notebook": "outlook", "each": {"mineral": ["cobalt"]}},
        {"notebook": "outlook", "params": {"view": "overview"}},
        {"notebook": "country_profile", "params": {"country": "ARG", "view": "country"}},
        {"notebook": "country_profile", "params": {"view": "coalition", "group": "forge_members"}},
    ])
    out = rex_report("--plan", plan, "--output", root, "--date", DATE, "--workers", 2, "--timeout", 300)
    return root, root / DATE, out


browser = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's Chromium at /usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium_page(chromium):
    """A Playwright page in headless Debian Chromium (no browser download); the browser is the
    session's shared one (tests/conftest.py)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 1000}, offline=True)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False

