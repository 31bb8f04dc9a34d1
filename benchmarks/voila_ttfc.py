"""Voilà time to first chart, measured in headless Chromium from navigation to the first chart
drawn (an SVG inside .rex-chart): cold (no preheated kernel: a kernel starts and runs the notebook
per visit) vs preheated pool (the notebook already ran; the kernel only reads the URL)."""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

from rexlib.paths import PROJECT

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(preheat: bool) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "rexlib.serve", "--port", str(port), "--no-browser"]
    if not preheat:
        cmd.append("--no-preheat")
    env = {k: v for k, v in os.environ.items() if k != "QUERY_STRING"}
    proc = subprocess.Popen(cmd, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("voila did not start")


def _measure(browser, url: str, app: str, visits: int, pause: float) -> list[float]:
    times = []
    for i in range(visits):
        context = browser.new_context(viewport={"width": 1280, "height": 1600})
        page = context.new_page()
        start = time.perf_counter()
        page.goto(f"{url}/voila/render/{app}.ipynb", wait_until="commit", timeout=300_000)
        page.wait_for_selector(".rex-chart svg", timeout=300_000)
        times.append(time.perf_counter() - start)
        context.close()
        time.sleep(pause)        # let the pool refill, as between two real visitors
    return times


def bench_ttfc(apps=("mineral_profile", "import_reliance"), visits: int = 5, pause: float = 12.0) -> list[dict]:
    from playwright.sync_api import sync_playwright
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for preheat in (False, True):
            proc, url = _start(preheat)
            try:
                if preheat:
                    time.sleep(pause * 2)        # the first pool fills after start-up
                for app in apps:
                    times = _measure(browser, url, app, visits, pause if preheat else 1.0)
                    results.append(dict(app=app, mode="preheated" if preheat else "cold",
                                        median_s=statistics.median(times), max_s=max(times), visits=len(times)))
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        browser.close()
    return results
