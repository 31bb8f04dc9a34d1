"""Voilà time to first chart, measured in headless Chromium from navigation to the first chart
drawn (an SVG inside .rex-chart, visible): cold (no preheated kernel: a kernel starts and runs the
notebook per visit) vs preheated pool (the notebook, default view included, already ran; the
kernel only reads the URL), both servers started by this run, one after the other.

The first chart is the app's static first view (rendered by the kernel after the request, shipped
as HTML by the rex template); the live chart (`.rex-live .rex-chart svg`: the widget, interactive)
is recorded beside it, and so is the arrival of the page's last HTML byte. Between visits the run
waits until the server and its kernels are idle, so a preheated visit finds its pool refilled and
no visit pays for the previous one's clean-up."""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rexlib.paths import PROJECT

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]
FIRST_CHART = ".rex-chart svg"
LIVE_CHART = ".rex-live .rex-chart svg"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(preheat: bool, cache_dir: str | None = None) -> tuple[subprocess.Popen, str]:
    """A ``rex serve`` on a free port; its shared section cache in ``cache_dir`` (default: a new
    scratch folder, so no run finds views drawn by an earlier one)."""
    import tempfile
    port = _free_port()
    cmd = [sys.executable, "-m", "rexlib.serve", "--port", str(port), "--no-browser"]
    if not preheat:
        cmd.append("--no-preheat")
    env = {k: v for k, v in os.environ.items() if k != "QUERY_STRING"}
    env.update(REX_SHARED_CACHE="1", REX_CACHE_DIR=cache_dir or tempfile.mkdtemp(prefix="rex-bench-serve-"))
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


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def _tree_cpu_s(root: int) -> float:
    """CPU seconds used so far by ``root`` and its descendants (the server and its kernels)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[int, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ppid, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        stats[int(name)] = (ppid, cpu)
        children.setdefault(ppid, []).append(int(name))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0.0))[1]
        todo.extend(children.get(pid, []))
    return total


def wait_idle(proc: subprocess.Popen, minimum: float = 3.0, limit: float = 120.0) -> float:
    """Wait until the server and its kernels use under 5 % of a core for 2 s (a refilled pool is
    idle: its kernel blocks until a request comes). Returns the seconds waited. ``minimum`` must
    exceed the pool's fill_delay (1 s in rexlib.serve): before the refill starts the server is idle too."""
    start = time.time()
    time.sleep(minimum)
    last = _tree_cpu_s(proc.pid)
    while time.time() - start < limit:
        time.sleep(2.0)
        now = _tree_cpu_s(proc.pid)
        if now - last < 0.1:
            break
        last = now
    return time.time() - start


def _visit(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=300_000)
        page.wait_for_selector(FIRST_CHART, state="visible", timeout=300_000)
        first = time.perf_counter() - start
        page.wait_for_selector(LIVE_CHART, state="visible", timeout=300_000)
        live = time.perf_counter() - start
        html = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd") / 1000
        return {"first_s": first, "live_s": live, "html_s": html}
    finally:
        context.close()


def _summary(app: str, mode: str, visits: list[dict], load: list[float]) -> dict:
    firsts = [v["first_s"] for v in visits]
    lives = [v["live_s"] for v in visits]
    return dict(app=app, mode=mode, visits=len(visits), median_s=statistics.median(firsts), max_s=max(firsts),
                live_median_s=statistics.median(lives), live_max_s=max(lives),
                html_median_s=statistics.median(v["html_s"] for v in visits),
                load_min=min(load), load_max=max(load), times_s=[round(t, 2) for t in firsts])


def bench_ttfc(apps=("mineral_profile", "import_reliance"), visits: int = 5) -> list[dict]:
    """Per app and mode: median and max seconds to the first chart (and to the live chart)."""
    from playwright.sync_api import sync_playwright
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for preheat in (False, True):
            proc, url = _start(preheat)
            try:
                wait_idle(proc)           # preheated: every app's pool filled and waiting
                for app in apps:
                    runs, load = [], []
                    for _ in range(visits):
                        load.append(os.getloadavg()[0])
                        runs.append(_visit(browser, f"{url}/voila/render/{app}.ipynb"))
                        wait_idle(proc)   # the pool refilled (preheated) / the kernel shut down (cold)
                    results.append(_summary(app, "preheated" if preheat else "cold", runs, load))
                    print(results[-1], file=sys.stderr)
            finally:
                _stop(proc)
        browser.close()
    return results


SHARED_URLS = ("mineral_profile.ipynb?mineral=gallium&year=2024", "import_reliance.ipynb?year=2022&critical=2022")


def bench_shared_views(urls=SHARED_URLS, visits: int = 3) -> list[dict]:
    """Visits with URL parameters (not the default view a pooled kernel drew ahead), preheated pool:
    the first visit of a URL draws its sections, the next ``visits - 1`` (each a new kernel) read
    them from the shared on-disk tier. Waits for idle between visits, as ``bench_ttfc``."""
    from playwright.sync_api import sync_playwright
    results = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        proc, url = _start(True)
        try:
            wait_idle(proc)
            for path in urls:
                runs, load = [], []
                for _ in range(visits):
                    load.append(os.getloadavg()[0])
                    runs.append(_visit(browser, f"{url}/voila/render/{path}"))
                    wait_idle(proc)
                results.append(dict(url=path, first_draw_s=runs[0]["first_s"],
                                    shared_median_s=statistics.median(r["first_s"] for r in runs[1:]),
                                    shared_max_s=max(r["first_s"] for r in runs[1:]),
                                    live_first_s=runs[0]["live_s"],
                                    live_shared_median_s=statistics.median(r["live_s"] for r in runs[1:]),
                                    load_min=min(load), load_max=max(load)))
                print(results[-1], file=sys.stderr)
        finally:
            _stop(proc)
        browser.close()
    return results
