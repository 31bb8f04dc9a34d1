"""Shared fixtures. The database is built once per session into the default derived folder
(data/derived, git-ignored) unless it is already fresh."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# The shared on-disk section cache (rexlib.ui.cache.SharedSections) is off for in-process tests,
# notebooks and reports: a test that changes what a view would show must not get a section stored
# by an earlier test. Its own tests turn it on in a temporary folder; the Voila server started by
# the app tests uses it in a folder of its own (tests/apps/conftest.py).
os.environ["REX_SHARED_CACHE"] = "0"
os.environ["REX_CACHE_DIR"] = tempfile.mkdtemp(prefix="rex-test-cache-")

PROJECT = Path(__file__).resolve().parent.parent
RAW = PROJECT / "data" / "raw"
MCS2026 = RAW / "usgs" / "mcs2026" / "MCS2026_Commodities_Data.csv"


def pytest_xdist_make_scheduler(config, log):
    """Two workers (pyproject: ``-n 2 --dist loadscope``): every test that drives the Voila server in
    Chromium (tests/apps) is one scope, so it runs on one worker, in file order, against one server;
    every other file is a scope of its own and runs whole on either worker (a notebook's nbval cells
    share one kernel, a module's fixtures stay together). So the browser tests wait on pages while
    the other worker builds, renders and computes. (A scheduler, not ``xdist_group`` marks: with
    pytest 9 the marks' nodeid suffix no longer reaches the scheduler.)"""
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return "browser" if path.startswith("tests/apps/") else path

    return BrowserTestsTogether(config, log)


@pytest.fixture(scope="session")
def db():
    """Path of a fresh database (built if missing or stale)."""
    from rexlib.warehouse import ensure_built
    return ensure_built()


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
