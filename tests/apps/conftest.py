"""A real Voila server (rexlib.serve) on a free 127.0.0.1 port, and a headless Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log_name: str = "voila-test.log", *extra: str) -> tuple[subprocess.Popen, str]:
    """``python -m rexlib.serve`` on a free 127.0.0.1 port; returns (process, base URL) once it answers."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    port = _free_port()
    artifacts = PROJECT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    log = open(artifacts / log_name, "w")
    env = {k: v for k, v in os.environ.items() if k != "QUERY_STRING"}
    env.update(REX_SHARED_CACHE="1", REX_CACHE_DIR=tempfile.mkdtemp(prefix="rex-serve-cache-"))
    proc = subprocess.Popen([sys.executable, "-m", "rexlib.serve", "--port", str(port), "--no-browser", *extra],
                            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"voila exited; see test-artifacts/{log_name}")
            time.sleep(0.5)
    stop_server(proc)
    raise RuntimeError("voila did not start")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def voila_url(db):
    # One preheated kernel per app, not rex serve's ten for mineral_profile: these tests open one
    # page at a time, and the load tests (which start servers of their own, with the default pools)
    # run while this server is up: its nine kernels cost 3 GB, eighteen would cost 6 GB.
    proc, url = start_server("voila-test.log", "--pool", "mineral_profile=1")
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
