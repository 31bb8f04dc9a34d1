"""Published pages against the Voilà path, one ``rex serve`` in one run (issue 25).

- first chart and first interactive chart (the page's own clock, from navigation) for the same
  mineral-profile views, as a published page (``/mineral_profile/?…``) and in the live app with a
  preheated kernel (``/voila/render/mineral_profile.ipynb?…&live=1``), visits alternating, the server
  idle before each;
- 200 concurrent HTTP requests for published pages (p50/p95);
- the server's memory at rest (RSS of the server and its kernels).

    python -m benchmarks.published [--visits 5]        # prints a Markdown section
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.voila_ttfc import CHROMIUM, FLAGS, MARKS, _stop, start_serve, wait_idle

VIEWS = ["mineral=gallium&year=2024", "mineral=lithium&year=2024", "mineral=nickel", "mineral=graphite&year=2023",
         "mineral=tungsten"]


def _tree_rss_mb(root: int) -> float:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            status = Path(f"/proc/{name}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        children.setdefault(int(fields["PPid"].strip()), []).append(int(name))
        rss[int(name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / 1024


def _visit(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.add_init_script(MARKS)
    page = context.new_page()
    try:
        page.goto(url, wait_until="commit", timeout=300_000)
        page.wait_for_selector(".rex-chart svg", state="visible", timeout=300_000)
        page.wait_for_function("() => window.__rexMarks && window.__rexMarks.interactive !== undefined", timeout=120_000)
        marks = page.evaluate("window.__rexMarks")
        return {"first_s": marks["first"] / 1000, "interactive_s": marks["interactive"] / 1000}
    finally:
        context.close()


def _http_burst(urls: list[str], n: int = 200) -> dict:
    def get(url):
        started = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
        return time.perf_counter() - started
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        times = sorted(pool.map(get, [urls[i % len(urls)] for i in range(n)]))
    return {"p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * times[int(0.95 * len(times)) - 1]}


def run(visits: int = 5) -> str:
    from playwright.sync_api import sync_playwright

    from rexlib import publish as P
    views = [("mineral_profile", dict(p.split("=") for p in q.split("&"))) for q in VIEWS[:visits]]
    P.publish(P.default_out(), views=views, crawl=False, workers=1, log=lambda _: None)
    # the live app with a preheated kernel (the baseline at its best: a warm kernel for each visit)
    proc, base = start_serve(("--no-publish", "--pool", "mineral_profile=1"), site=True, timeout=300.0)
    rows = []
    try:
        wait_idle(proc)
        rest_mb = _tree_rss_mb(proc.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            for query in VIEWS[:visits]:
                for kind, url in (("published", f"{base}/mineral_profile/?{query}"),
                                  ("voila", f"{base}/voila/render/mineral_profile.ipynb?{query}&live=1")):
                    wait_idle(proc)
                    load = os.getloadavg()[0]
                    rows.append({"kind": kind, "query": query, "load": load, **_visit(browser, url)})
            browser.close()
        pages = [f"{base}/{P.page_file(a, P.canonical(a, q))}" for a, q in views]
        burst = _http_burst(pages)
    finally:
        _stop(proc)

    def med(kind, key):
        return statistics.median(r[key] for r in rows if r["kind"] == kind)
    out = ["## Published pages against the Voilà path (issue 25)", "",
           f"One `rex serve` (site at `/`, live apps under `/voila/`, one preheated mineral_profile kernel), "
           f"{visits} mineral-profile views, each visited as a published page and in the live app "
           f"(`&live=1`), alternating, the server idle before each visit; headless Chromium on the same "
           f"cores; the page's own clock from navigation. Load average {min(r['load'] for r in rows):.1f}-"
           f"{max(r['load'] for r in rows):.1f}.", "",
           "| path | first chart median | first interactive chart median |", "|---|---|---|"]
    for kind, label in (("published", "published page"), ("voila", "Voilà, preheated kernel")):
        out.append(f"| {label} | {med(kind, 'first_s'):.2f} s | {med(kind, 'interactive_s'):.2f} s |")
    out += ["", "| view | published first / interactive | Voilà first / interactive |", "|---|---|---|"]
    for query in VIEWS[:visits]:
        pub = next(r for r in rows if r["kind"] == "published" and r["query"] == query)
        voi = next(r for r in rows if r["kind"] == "voila" and r["query"] == query)
        out.append(f"| `{query}` | {pub['first_s']:.2f} / {pub['interactive_s']:.2f} s | "
                   f"{voi['first_s']:.2f} / {voi['interactive_s']:.2f} s |")
    out += ["", f"200 concurrent requests for published pages: p50 {burst['p50_ms']:.0f} ms, p95 "
                f"{burst['p95_ms']:.0f} ms. The server at rest (before the visits): {rest_mb:,.0f} MB RSS "
                "(server and preheated kernels).", ""]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.published", description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=5, help="views visited each way (at most %d)" % len(VIEWS))
    args = parser.parse_args(argv)
    print(run(args.visits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
