"""Voilà time to first chart, measured in headless Chromium from navigation to the first chart
drawn (an SVG inside .rex-chart, visible): cold (no preheated kernel: a kernel starts and runs the
notebook per visit) vs preheated pool (the notebook, default view included, already ran; the
kernel only reads the URL), both servers started by this run, one after the other.

The first chart is the app's static first view (rendered by the kernel after the request, shipped
as HTML by the rex template); the live chart (`.rex-live .rex-chart svg`: the widget, interactive)
is recorded beside it, and so is the arrival of the page's last HTML byte. Between visits the run
waits until the server and its kernels are idle, so a preheated visit finds its pool refilled and
no visit pays for the previous one's clean-up.

Since the charts are interactive (vega-embed over the static SVG, rex_interactive.js) each visit also
records the time to the first interactive chart (``window.__rexInteractive.firstMs``: the page's clock
from navigation). ``bench_before_after`` runs the same visits against the tree before that change (a
``git archive`` of the given commit, its own server, the same database) and this tree, one after the
other in one run: default views, and first visits of URLs with parameters (shared links).

    python -m benchmarks.voila_ttfc --before 7ae0922      # prints a Markdown section"""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from rexlib.core.paths import PROJECT

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]
FIRST_CHART = ".rex-chart svg"
LIVE_CHART = ".rex-live .rex-chart svg"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(args=(), *, cache_dir: str | None = None, tree: Path = PROJECT, log: Path | None = None,
                timeout: float = 120.0, site: bool = False) -> tuple[subprocess.Popen, str]:
    """``python -m rexlib.app.serve ARGS`` on a free 127.0.0.1 port; returns (process, base URL) once it
    answers. Its shared section cache is ``cache_dir`` (default: a new scratch folder, so no run
    finds views drawn by an earlier one); ``tree``: the source tree the server runs (another
    commit's, for before/after runs; the database stays this tree's); ``log``: where its output
    goes (default: nowhere); ``site``: serve as ``rex serve`` does by default (old app links open
    published pages, missing pages published in the background); without it the server answers
    /voila/render/ links with the live apps and publishes nothing in the background (what the Voila
    tests and benchmarks measure). The one way the benchmarks and the browser tests start a server."""
    import tempfile
    from rexlib.core.paths import derived_dir
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "QUERY_STRING"}
    env.update(REX_SHARED_CACHE="1", REX_CACHE_DIR=cache_dir or tempfile.mkdtemp(prefix="rex-serve-cache-"))
    if tree != PROJECT:
        env.update(REX_DATA_DIR=str(derived_dir()), PYTHONPATH=str(tree))
    out = open(log, "w") if log else subprocess.DEVNULL
    if not site and tree == PROJECT:      # (an older tree's rex serve has neither flag)
        args = ("--old-links", "live", "--no-publish", *args)
    proc = subprocess.Popen([sys.executable, "-m", "rexlib.app.serve", "--port", str(port), "--no-browser", *args],
                            cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            return proc, url
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"rex serve exited with {proc.returncode}" + (f"; see {log}" if log else ""))
            time.sleep(0.5)
    _stop(proc)
    raise RuntimeError(f"rex serve did not answer within {timeout:.0f} s" + (f"; see {log}" if log else ""))


def _start(preheat: bool, cache_dir: str | None = None, tree: Path = PROJECT) -> tuple[subprocess.Popen, str]:
    """A ``rex serve`` for these visits: preheated pools, or a kernel started per visit."""
    return start_serve(() if preheat else ("--no-preheat",), cache_dir=cache_dir, tree=tree)


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
    exceed the pool's fill_delay (1 s in rexlib.app.serve): before the refill starts the server is idle too."""
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


# Page-side marks on the page's own clock (ms since navigation started), checked every frame from
# before any page script runs: the first visible chart, the first interactive one, the live widget's
# chart. One clock for every mark, in both trees (the harness's own waits add a round trip each).
MARKS = """(() => {
  const marks = window.__rexMarks = {};
  const visible = (sel) => [...document.querySelectorAll(sel)].some(e => e.getBoundingClientRect().height > 0);
  const tick = () => {
    const now = Math.round(performance.now());
    if (marks.first === undefined && visible('.rex-chart svg')) marks.first = now;
    if (marks.interactive === undefined && visible('.rex-chart.rex-interactive')) marks.interactive = now;
    if (marks.live === undefined && visible('.rex-live .rex-chart svg')) marks.live = now;
    if (marks.liveInteractive === undefined && visible('.rex-live .rex-chart.rex-interactive')) marks.liveInteractive = now;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();"""


def _visit(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.add_init_script(MARKS)
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=300_000)
        page.wait_for_selector(FIRST_CHART, state="visible", timeout=300_000)
        first = time.perf_counter() - start
        page.wait_for_selector(LIVE_CHART, state="visible", timeout=300_000)
        live = time.perf_counter() - start
        html = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd") / 1000
        return {"first_s": first, "live_s": live, "html_s": html, **_interactive(page)}
    finally:
        context.close()


def _interactive(page) -> dict:
    """The page-clock marks in seconds: first chart, first interactive chart, live chart, first
    interactive chart in the live app; the interactive ones None where the page has none (a tree
    before them, or no bundle)."""
    try:
        page.wait_for_function("() => !window.__rexInteractive || window.__rexInteractive.bundle === 'missing' || "
                               "(window.__rexMarks.interactive !== undefined && window.__rexMarks.liveInteractive !== undefined)",
                               timeout=60_000)
    except Exception:       # noqa: BLE001 - recorded as not interactive
        pass
    marks = page.evaluate("window.__rexMarks || {}")

    def seconds(key):
        return None if marks.get(key) is None else marks[key] / 1000
    return {"first_page_s": seconds("first"), "live_page_s": seconds("live"), "interactive_s": seconds("interactive"),
            "live_interactive_s": seconds("liveInteractive")}


def _median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _summary(app: str, mode: str, visits: list[dict], load: list[float]) -> dict:
    firsts = [v["first_s"] for v in visits]
    lives = [v["live_s"] for v in visits]
    return dict(app=app, mode=mode, visits=len(visits), median_s=statistics.median(firsts), max_s=max(firsts),
                live_median_s=statistics.median(lives), live_max_s=max(lives),
                interactive_median_s=_median(v["interactive_s"] for v in visits),
                interactive_max_s=max((v["interactive_s"] for v in visits if v["interactive_s"] is not None), default=None),
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


BASELINE = "7ae0922"      # main when the interactive charts began (issue 18): static SVG only
FIRST_VISIT_URLS = (*SHARED_URLS, "mineral_profile.ipynb?mineral=lithium&year=2023")   # the last is linked nowhere


def _tree(commit: str) -> Path:
    """``commit``'s files in a scratch folder (``git archive``): the 'before' server runs them."""
    import tarfile
    import tempfile
    folder = Path(tempfile.mkdtemp(prefix=f"rex-bench-{commit}-"))
    archive = subprocess.run(["git", "-C", str(PROJECT), "archive", "--format=tar", commit],
                             check=True, capture_output=True).stdout
    import io
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _fmt(value) -> str:
    return "—" if value is None else f"{value:.2f} s"


def bench_before_after(before: str = BASELINE, apps=("mineral_profile", "import_reliance"), visits: int = 5,
                       urls=FIRST_VISIT_URLS, later: int = 2) -> list[dict]:
    """Preheated servers for ``before`` (a commit) and this tree, one after the other: per app,
    ``visits`` default visits; per URL with parameters its first visit (fresh section cache) and
    ``later`` visits after it. Rows: tree, what, first chart / interactive / live medians."""
    from playwright.sync_api import sync_playwright
    rows = []
    trees = [(f"before ({before})", _tree(before)), ("after (this tree)", PROJECT)]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for label, tree in trees:
            proc, url = _start(True, tree=tree)
            try:
                wait_idle(proc, minimum=10.0, limit=300.0)     # every pool filled, views drawn ahead
                for app in apps:
                    runs, load = [], []
                    for _ in range(visits):
                        load.append(os.getloadavg()[0])
                        runs.append(_visit(browser, f"{url}/voila/render/{app}.ipynb"))
                        wait_idle(proc)
                    rows.append(dict(tree=label, what=f"{app} (default view)", **_row(runs, load)))
                    print(rows[-1], file=sys.stderr)
                for path in urls:
                    runs, load = [], []
                    for _ in range(1 + later):
                        load.append(os.getloadavg()[0])
                        runs.append(_visit(browser, f"{url}/voila/render/{path}"))
                        wait_idle(proc)
                    rows.append(dict(tree=label, what=f"`{path}` first visit", **_row(runs[:1], load[:1])))
                    rows.append(dict(tree=label, what=f"`{path}` later visits", **_row(runs[1:], load[1:])))
                    print(rows[-2], rows[-1], file=sys.stderr)
            finally:
                _stop(proc)
        browser.close()
    return rows


def _row(runs: list[dict], load: list[float]) -> dict:
    return dict(visits=len(runs), first_s=_median(r["first_s"] for r in runs),
                first_max_s=max(r["first_s"] for r in runs), first_page_s=_median(r["first_page_s"] for r in runs),
                interactive_s=_median(r["interactive_s"] for r in runs),
                interactive_max_s=max((r["interactive_s"] for r in runs if r["interactive_s"] is not None), default=None),
                live_interactive_s=_median(r["live_interactive_s"] for r in runs),
                live_s=_median(r["live_page_s"] for r in runs), load=f"{min(load):.1f}–{max(load):.1f}")


def markdown(rows: list[dict]) -> str:
    out = ["| tree | visit | n | first chart (harness, median) | max | first chart (page clock) | "
           "first interactive chart | max | interactive in the live app | live widgets | load avg |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['tree']} | {r['what']} | {r['visits']} | {_fmt(r['first_s'])} | {_fmt(r['first_max_s'])} | "
                   f"{_fmt(r['first_page_s'])} | {_fmt(r['interactive_s'])} | {_fmt(r['interactive_max_s'])} | "
                   f"{_fmt(r['live_interactive_s'])} | {_fmt(r['live_s'])} | {r['load']} |")
    return "\n".join(out)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser(prog="python -m benchmarks.voila_ttfc")
    parser.add_argument("--before", default=BASELINE, help="commit of the 'before' tree")
    parser.add_argument("--visits", type=int, default=5)
    args = parser.parse_args()
    print(markdown(bench_before_after(args.before, visits=args.visits)))
