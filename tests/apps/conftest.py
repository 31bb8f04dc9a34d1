"""A real Voila server (rexlib.app.serve) on a free 127.0.0.1 port, and a headless Chromium."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT / "test-artifacts" / "screenshots"


def start_server(log_name: str = "voila-test.log", *extra: str) -> tuple[subprocess.Popen, str]:
    """``python -m rexlib.app.serve`` on a free 127.0.0.1 port, output in test-artifacts/LOG_NAME;
    returns (process, base URL) once it answers."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    from benchmarks.voila_ttfc import start_serve
    artifacts = PROJECT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    return start_serve(extra, log=artifacts / log_name, timeout=90.0)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def voila_url(db):
    # One preheated kernel per app (start_serve's --old-links live: the apps' links open the live apps,
    # which these tests drive); they open one page at a time. A closed tab's kernel goes after 12 s
    # (beyond the page's 10-s heartbeat), not rex serve's 45: the test of it waits that long, and every test's closed pages free theirs sooner.
    proc, url = start_server("voila-test.log", "--pool", "mineral_profile=1", "--closed-tab-seconds", "12")
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser(chromium):
    return chromium


@pytest.fixture
def page(browser):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 2400})
    pg = context.new_page()
    yield pg
    context.close()
