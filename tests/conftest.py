"""Shared fixtures. The database is built once per session into the default derived folder
(data/derived, git-ignored) unless it is already fresh."""
from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

# The shared on-disk section cache (rexlib.app.ui.cache.SharedSections) is off for in-process tests,
# notebooks and reports: a test that changes what a view would show must not get a section stored
# by an earlier test. Its own tests turn it on in a temporary folder; the Voila server started by
# the app tests uses it in a folder of its own (tests/apps/conftest.py).
os.environ["REX_SHARED_CACHE"] = "0"
os.environ["REX_CACHE_DIR"] = tempfile.mkdtemp(prefix="rex-test-cache-")

PROJECT = Path(__file__).resolve().parent.parent
RAW = PROJECT / "data" / "raw"
MCS2026 = RAW / "usgs" / "mcs2026" / "MCS2026_Commodities_Data.csv"

# tests/reports/fixtures/probe.ipynb is a notebook the report tests render, not a test of its own
# (``--nbval-lax`` would otherwise collect it).
collect_ignore_glob = ["reports/fixtures/*"]

# ------------------------------------------------------------------------------- tiers
# The suite has three tiers (README "Tests"): the inner loop, ``-m "not browser and not slow"``,
# in-process over the one prebuilt database (at most 3 minutes on 2 cores); ``slow``: builds from
# raw files, `rex report` and papermill runs, nbval; ``browser``: a real server driven in headless
# Chromium. The README's test command runs all three. A test's tier follows from what it uses, so
# a new test cannot land in the inner loop by forgetting a mark: using a browser or server fixture
# makes it ``browser``; using the shared report run, or being a notebook collected by nbval, ``slow``.
BROWSER_FIXTURES = {"chromium", "browser", "page", "voila_url", "chromium_page", "context_factory"}
SLOW_FIXTURES = {"small_plan"}          # the shared `rex report` run (tests/reports/conftest.py)
TIERS = ("inner", "slow", "browser")


def tier_of(keywords) -> str:
    """The tier of a test from its keywords (an item's or a report's): browser before slow."""
    return "browser" if "browser" in keywords else "slow" if "slow" in keywords else "inner"


def pytest_collection_modifyitems(config, items):
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if BROWSER_FIXTURES & fixtures:
            item.add_marker(pytest.mark.browser)
        if SLOW_FIXTURES & fixtures:
            item.add_marker(pytest.mark.slow)
        if item.nodeid.startswith("notebooks/") or str(getattr(item, "path", "")).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)      # a notebook's cells under nbval: a kernel each


@pytest.fixture(autouse=True)
def _inner_loop_does_not_build_from_raw(request, monkeypatch):
    """An inner-loop test that reads and curates every raw file (a build into a folder of its own,
    several seconds) fails here, saying to mark it slow; the session's database (``db``) is built
    before, once. A build refused while reading (a corrupt file: a check that stops early) is fine."""
    if tier_of(request.node.keywords) != "inner":
        yield
        return
    request.getfixturevalue("db")
    import rexlib.build
    collect = rexlib.build.collect

    def refuse(*args, **kwargs):
        collect(*args, **kwargs)
        pytest.fail(f"{request.node.nodeid} builds from raw files: mark it @pytest.mark.slow, or read the "
                    "session's prebuilt database (the db fixture); README, Tests", pytrace=False)
    monkeypatch.setattr(rexlib.build, "collect", refuse)
    yield


_tier_seconds: dict[str, list[float]] = {}


def pytest_runtest_logreport(report):
    """Collects, per tier, the test time and the span from the first start to the last stop (under
    xdist the controller sees every worker's reports, with their start/stop times)."""
    tier = tier_of(report.keywords)
    totals = _tier_seconds.setdefault(tier, [0.0, float("inf"), 0.0, 0])
    totals[0] += report.duration
    start, stop = getattr(report, "start", None), getattr(report, "stop", None)
    if start is not None and stop is not None:
        totals[1], totals[2] = min(totals[1], start), max(totals[2], stop)
    if report.when == "call":
        totals[3] += 1


def pytest_terminal_summary(terminalreporter):
    """Each tier's wall time (first start to last stop) and test time, printed by every run (CI's
    record of how long each tier took)."""
    if not _tier_seconds:
        return
    terminalreporter.section("time per tier")
    for tier in TIERS:
        if tier in _tier_seconds:
            seconds, first, last, count = _tier_seconds[tier]
            wall = last - first if last >= first else 0.0
            terminalreporter.write_line(f"{tier:8} {count:4d} tests  wall {wall:7.1f} s  test time {seconds:7.1f} s")


def pytest_xdist_make_scheduler(config, log):
    """Two workers (pyproject: ``-n 2 --dist loadscope``): every test that drives the Voila server in
    Chromium (tests/apps) is one scope, so it runs on one worker, in file order, against one server;
    every other file is a scope of its own and runs whole on either worker (a notebook's nbval cells
    share one kernel, a module's fixtures stay together). So the browser tests wait on pages while
    the other worker builds, renders and computes. The report tests are one scope too, so the one
    `rex report` run they share (tests/reports/conftest.py, small_plan) is rendered once, and the page
    tests one scope so the published subset they read (tests/pages/conftest.py) is published once. (A scheduler, not ``xdist_group`` marks: with
    pytest 9 the marks' nodeid suffix no longer reaches the scheduler.)"""
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path.startswith("tests/apps/"):
                return "browser"
            if path.startswith("tests/reports/"):
                return "reports"     # one worker renders the shared `rex report` run once (small_plan)
            if path.startswith("tests/pages/"):
                return "pages"       # one worker publishes the shared subset once (tests/pages/conftest.py)
            return path

    return BrowserTestsTogether(config, log)


@contextlib.contextmanager
def static_server(folder):
    """``folder`` served by a plain static file server on 127.0.0.1 (no rex, no kernel), as a static
    host serves a published site; yields its base URL."""
    import functools
    import http.server
    import threading
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture
def url(monkeypatch, db):
    """``url("mineral=gallium&year=2024")``: the app code in this process reads that query string as
    a Voila kernel started for the request would."""
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)

    def set_query(text):
        monkeypatch.setenv("QUERY_STRING", text)
    return set_query


@pytest.fixture(scope="session")
def db():
    """Path of a fresh database (built if missing or stale)."""
    from rexlib.query.warehouse import ensure_built
    return ensure_built()


def copy_prebuilt(db: Path, dest: Path) -> Path:
    """The session's prebuilt database folder (``db``: built from data/raw and data/curated) copied to
    ``dest``: what a build of the same inputs writes there (the fingerprint is of the inputs' bytes,
    not their folder), without the ten-odd seconds of reading and curating every raw file again. For
    tests whose property is a REbuild (readers during one, a cache across one), not the first build."""
    import shutil
    shutil.copytree(Path(db).parent, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("site", ".build*", ".old-*", "build_failed.json"))
    return dest


def rex_cli(*args: str) -> subprocess.CompletedProcess:
    """``rex ARGS`` run in this process (rexlib.cli.main), with its exit status, standard output and
    standard error as a finished process would give them. The command's own parsing, messages and
    exit codes are what the tests check; one test per entry point runs the real ``rex`` process
    (test_cli_help.test_version, test_cli.py), so the rest need not pay a Python start-up each."""
    import contextlib
    import io

    from rexlib import cli
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(map(str, args)))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    return subprocess.CompletedProcess(["rex", *args], code, out.getvalue(), err.getvalue())


def raw_line(path: Path, line: int, encoding: str = "cp1252") -> str:
    """The physical line ``line`` (1-based) of a raw file, for tests that quote real rows."""
    with open(path, encoding=encoding, newline="") as handle:
        for number, text in enumerate(handle, 1):
            if number == line:
                return text
    raise IndexError(line)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update",
                  # many pages open at once (load test): do not freeze the ones in the background
                  "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
                  "--disable-backgrounding-occluded-windows"]


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the whole session (Playwright's sync API allows only one
    running instance per thread, so every browser test shares this)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()
