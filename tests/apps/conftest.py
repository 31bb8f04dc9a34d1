"""A real Voila server (rexlib.serve) on a free 127.0.0.1 port, and a headless Chromium."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
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


@pytest.fixture(scope="session")
def voila_url(db):
    if not Path(CHROMIUM).exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    port = _free_port()
    log = open(PROJECT / "test-artifacts" / "voila-test.log", "w") if (PROJECT / "test-artifacts").exists() else subprocess.DEVNULL
    env = {k: v for k, v in os.environ.items() if k != "QUERY_STRING"}
    proc = subprocess.Popen([sys.executable, "-m", "rexlib.serve", "--port", str(port), "--no-browser"],
                            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("voila exited; see test-artifacts/voila-test.log")
            time.sleep(0.5)
    else:
        proc.terminate()
        raise RuntimeError("voila did not start")
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


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
