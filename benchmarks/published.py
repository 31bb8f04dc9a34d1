"""Published pages against today's Voilà path, in one run (issue 25).

Two servers, one after the other, and nginx:

- **this tree's `rex serve`** (its defaults: the site at `/`, one preheated kernel for each app that
  computes, none for the published ones);
- **the baseline**: the Voilà path as it was before the published pages took the app links (commit
  ``BASELINE``'s tree, ``git archive``; ``rex serve --old-links live``: ten preheated mineral_profile
  kernels, the pool refilled one kernel at a time);
- **nginx** serving the same published folder with ``deploy/nginx/rex.conf.template`` (a reference
  line for the HTTP figures; benchmarks/nginx.py).

Measured:

- one visitor at a time (the server idle before each visit): first chart and first interactive chart
  on the page's own clock, published page vs the baseline's live app with a preheated kernel;
- ten visitors at once (ten browser contexts, every navigation started before any wait, the browser on
  the same cores): first chart and first interactive chart (vega-embed attached: tooltips, clicks and
  export work) per page, then a hover on a mark of each page must show its tooltip; published pages on
  this tree vs the baseline's live app on ``/voila/render/mineral_profile.ipynb?…``;
- 200 concurrent HTTP requests for published pages, as browsers send them (``Accept-Encoding: gzip``),
  each on its own connection, opened at once by one asyncio client (a light client: 200 Python
  threads on the same two cores measured their own GIL contention); p50/p95; the file addresses the
  selects link to and the query-string addresses users share;
- memory at rest (RSS of the server and everything it started).

    python -m benchmarks.published [--visits 5] [--baseline bb35a3e]     # prints a Markdown section
    python -m benchmarks.published --http-only                            # the 200 requests only
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.voila_ttfc import CHROMIUM, FLAGS, MARKS, _stop, _tree, start_serve, wait_idle

BASELINE = "bb35a3e"       # main before this branch: app links answered by Voilà, ten preheated kernels
VIEWS = ["mineral=gallium&year=2024", "mineral=lithium&year=2024", "mineral=nickel", "mineral=graphite&year=2023",
         "mineral=tungsten"]
VISITORS = [f"mineral={m}&year={y}" for m, y in [
    ("lithium", 2024), ("nickel", 2025), ("gallium", 2024), ("graphite", 2025), ("tungsten", 2024),
    ("rare_earths", 2025), ("manganese", 2024), ("copper", 2025), ("antimony", 2024), ("germanium", 2023)]]
MARK = ".rex-chart.rex-interactive svg [role='graphics-symbol'][aria-label]"
TOOLTIP = "#vg-tooltip-element"


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


def p95(values: list[float]) -> float:
    """95th percentile, linear between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


# ---------------------------------------------------------------- browsers

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


def at_once(browser, urls: list[str]) -> dict:
    """Open every URL in its own browser context at the same moment; per page the first chart and
    the first interactive chart (page clock, s), then whether hovering a mark shows its tooltip."""
    contexts = [browser.new_context(viewport={"width": 1280, "height": 1600}) for _ in urls]
    for context in contexts:
        context.add_init_script(MARKS)
    pages = [c.new_page() for c in contexts]
    errors: list[list[str]] = [[] for _ in pages]
    for i, page in enumerate(pages):
        page.on("pageerror", lambda e, i=i: errors[i].append(str(e)))
    load = os.getloadavg()[0]
    started = time.monotonic()
    for page, url in zip(pages, urls):          # every navigation in flight before any wait
        page.goto(url, wait_until="commit", timeout=300_000)
    problems, first, interactive, tooltips = [], [], [], 0
    for url, page in zip(urls, pages):
        try:
            page.wait_for_function("() => window.__rexMarks && window.__rexMarks.interactive !== undefined",
                                   timeout=300_000)
        except Exception as error:              # noqa: BLE001 - reported
            problems.append((url, "no interactive chart", repr(error)[:200]))
        marks = page.evaluate("window.__rexMarks || {}")
        first.append(marks.get("first", float("inf")) / 1000)
        interactive.append(marks.get("interactive", float("inf")) / 1000)
    wall = time.monotonic() - started
    for url, page, errs in zip(urls, pages, errors):
        try:
            mark = page.locator(MARK + " >> visible=true").first
            mark.scroll_into_view_if_needed(timeout=10_000)
            mark.hover(timeout=10_000)
            page.locator(TOOLTIP).wait_for(state="visible", timeout=10_000)
            tooltips += 1
        except Exception as error:              # noqa: BLE001 - reported
            problems.append((url, "no tooltip on hover", repr(error)[:200]))
        if [e for e in errs if "fontawesome" not in e.lower()]:
            problems.append((url, "page errors", errs[:3]))
    for context in contexts:
        context.close()
    return {"first": first, "interactive": interactive, "tooltips": tooltips, "visitors": len(urls),
            "wall_s": wall, "load": load, "problems": problems}


# ---------------------------------------------------------------- 200 requests at once

async def _get(url: str, go: asyncio.Event) -> tuple[float, int]:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    await go.wait()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept-Encoding: gzip, deflate, br\r\n"
                 "Connection: close\r\n\r\n".encode())
    data = await reader.read()
    writer.close()
    return time.perf_counter() - started, int(data[9:12] or 0)


async def _burst(urls: list[str], n: int) -> list[tuple[float, int]]:
    go = asyncio.Event()
    tasks = [asyncio.create_task(_get(urls[i % len(urls)], go)) for i in range(n)]
    await asyncio.sleep(0.2)           # every request waiting for the same start
    go.set()
    return await asyncio.gather(*tasks)


def http_burst(urls: list[str], n: int = 200) -> dict:
    """``n`` GETs at once, each on its own connection; p50/p95 in ms and the statuses."""
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(1) as thread:     # (Playwright's sync API holds this thread's loop)
        results = thread.submit(asyncio.run, _burst(urls, n)).result()
    times = [t for t, _ in results]
    statuses = sorted({s for _, s in results})
    return {"p50_ms": 1000 * statistics.median(times), "p95_ms": 1000 * p95(times), "statuses": statuses}


# ---------------------------------------------------------------- the run

def run(visits: int = 5, baseline: str = BASELINE) -> str:
    from playwright.sync_api import sync_playwright

    from benchmarks.nginx import nginx_binary, start_nginx, stop_nginx
    from rexlib.app import publish as P
    queries = list(dict.fromkeys(VIEWS[:visits] + VISITORS))
    views = [("mineral_profile", dict(p.split("=") for p in q.split("&"))) for q in queries]
    P.publish(P.default_out(), views=views, crawl=False, workers=1, log=lambda _: None)
    files = [P.page_file(a, P.canonical(a, q)) for a, q in views]
    shared = [f"mineral_profile/?{P.query_key(P.url_query(a, P.canonical(a, q)))}" for a, q in views]
    figures: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for name, tree, args, path in (
                ("published", None, ("--no-publish",), "/mineral_profile/?{q}"),
                ("voila", _tree(baseline), ("--old-links", "live", "--no-publish"),
                 "/voila/render/mineral_profile.ipynb?{q}")):
            kwargs = {"tree": tree} if tree is not None else {}
            proc, base = start_serve(args, site=True, timeout=300.0, **kwargs)
            try:
                wait_idle(proc, minimum=10.0, limit=300.0)     # every pool filled
                rest = _tree_rss_mb(proc.pid)
                single = []
                for query in VIEWS[:visits]:
                    wait_idle(proc)
                    single.append({"query": query, "load": os.getloadavg()[0],
                                   **_visit(browser, base + path.format(q=query))})
                wait_idle(proc)
                crowd = at_once(browser, [base + path.format(q=q) for q in VISITORS])
                wait_idle(proc)
                http = {"files": http_burst([f"{base}/{f}" for f in files]),
                        "shared": http_burst([f"{base}/{s}" for s in shared])}
                figures[name] = {"rest_mb": rest, "single": single, "crowd": crowd, "http": http}
                print(name, figures[name], file=sys.stderr, flush=True)
            finally:
                _stop(proc)
        browser.close()
    if nginx_binary():
        proc, base = start_nginx(Path(tempfile.mkdtemp(prefix="rex-nginx-")), P.default_out(), [9])
        try:
            figures["nginx"] = {"http": {"files": http_burst([f"{base}/{f}" for f in files]),
                                         "shared": http_burst([f"{base}/{s}" for s in shared])}}
        finally:
            stop_nginx(proc)
    return section(figures, visits, baseline)


def run_http(rounds: int = 3, baseline: str = BASELINE) -> str:
    """Only the 200-request figure: this tree's ``rex serve``, the baseline commit's (no kernels: its
    site-serving path only) and nginx on the same published folder, ``rounds`` bursts each,
    alternating (the light part, for a quieter moment than the whole run)."""
    from benchmarks.nginx import start_nginx, stop_nginx
    from rexlib.app import publish as P
    views = [("mineral_profile", dict(p.split("=") for p in q.split("&"))) for q in VISITORS]
    P.publish(P.default_out(), views=views, crawl=False, workers=1, log=lambda _: None)
    files = [P.page_file(a, P.canonical(a, q)) for a, q in views]
    shared = [f"mineral_profile/?{P.query_key(P.url_query(a, P.canonical(a, q)))}" for a, q in views]
    proc, base = start_serve(("--no-publish",), site=True, timeout=300.0)
    old, old_base = start_serve(("--old-links", "live", "--no-publish", "--pool-size", "0"), site=True,
                                timeout=300.0, tree=_tree(baseline))
    nginx, nginx_base = start_nginx(Path(tempfile.mkdtemp(prefix="rex-nginx-")), P.default_out(), [9])
    rows = []
    try:
        wait_idle(proc, minimum=10.0, limit=300.0)
        wait_idle(old, minimum=3.0, limit=300.0)
        for _ in range(rounds):
            for name, url in (("rex serve, this tree", base), (f"rex serve, baseline {baseline}", old_base),
                              ("nginx", nginx_base)):
                load = os.getloadavg()[0]
                f = http_burst([f"{url}/{x}" for x in files])
                q = http_burst([f"{url}/{x}" for x in shared])
                rows.append(f"| {name} | {f['p50_ms']:.0f} / {f['p95_ms']:.0f} ms | {q['p50_ms']:.0f} / "
                            f"{q['p95_ms']:.0f} ms | {load:.1f} |")
    finally:
        _stop(proc)
        _stop(old)
        stop_nginx(nginx)
    return "\n".join(["| server | page files p50 / p95 | shared links p50 / p95 | load average |",
                      "|---|---|---|---|", *rows])


def section(figures: dict, visits: int, baseline: str) -> str:
    pub, voi = figures["published"], figures["voila"]

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    def crowd_row(label, c):
        return (f"| {label} | {statistics.median(c['first']):.2f} / {p95(c['first']):.2f} / {max(c['first']):.2f} s | "
                f"{statistics.median(c['interactive']):.2f} / {p95(c['interactive']):.2f} / "
                f"{max(c['interactive']):.2f} s | {c['tooltips']}/{c['visitors']} | {c['load']:.1f} |")
    loads = [r["load"] for r in pub["single"] + voi["single"]]
    out = ["## Published pages against the Voilà path (issue 25)", "",
           f"`python -m benchmarks.published --visits {visits}`: this tree's `rex serve` (published pages; one "
           f"preheated kernel for each app that computes) and the baseline, commit `{baseline}`'s `rex serve "
           "--old-links live` (app links answered by Voilà, ten preheated mineral_profile kernels), one after "
           "the other on the same machine, headless Chromium on the same two cores; times on the page's own "
           "clock from navigation.", "",
           f"One visitor at a time ({visits} mineral-profile views, the server idle before each; load average "
           f"{min(loads):.1f}-{max(loads):.1f}), medians:", "",
           "| path | first chart | first interactive chart |", "|---|---|---|",
           f"| published page | {med(pub['single'], 'first_s'):.2f} s | {med(pub['single'], 'interactive_s'):.2f} s |",
           f"| Voilà, preheated kernel (baseline) | {med(voi['single'], 'first_s'):.2f} s | "
           f"{med(voi['single'], 'interactive_s'):.2f} s |", "",
           "Ten visitors at once, each with its own mineral and year (targets: p95 first chart ≤ 2 s, "
           "tooltips working within 5 s):", "",
           "| path | first chart median / p95 / max | interactive (tooltips) median / p95 / max | tooltip shown on hover | load before |",
           "|---|---|---|---|---|",
           crowd_row("published pages", pub["crowd"]), crowd_row("Voilà, ten preheated kernels (baseline)", voi["crowd"])]
    problems = pub["crowd"]["problems"] + voi["crowd"]["problems"]
    if problems:
        out += ["", "Problems: " + "; ".join(str(p) for p in problems[:6])]
    out += ["", "200 requests at once for published pages (`Accept-Encoding: gzip`, one connection each), "
                "p50 / p95:", "", "| server | page files (the selects' links) | shared query-string links |",
            "|---|---|---|"]
    for name, label in (("published", "`rex serve`, this tree"), ("voila", f"`rex serve`, baseline `{baseline}`"),
                        ("nginx", "nginx, deploy/nginx/rex.conf.template")):
        if name in figures:
            h = figures[name]["http"]
            out.append(f"| {label} | {h['files']['p50_ms']:.0f} / {h['files']['p95_ms']:.0f} ms | "
                       f"{h['shared']['p50_ms']:.0f} / {h['shared']['p95_ms']:.0f} ms |")
    out += ["", f"Memory at rest (RSS of the server and everything it started, pools filled): this tree "
                f"{pub['rest_mb']:,.0f} MB; baseline {voi['rest_mb']:,.0f} MB.", ""]
    return "\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.published", description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=5, help="views visited one at a time (at most %d)" % len(VIEWS))
    parser.add_argument("--baseline", default=BASELINE, help="the commit whose Voilà path is the baseline")
    parser.add_argument("--http-only", action="store_true",
                        help="only the 200 concurrent requests: this tree's rex serve, the baseline's and "
                             "nginx, three rounds")
    args = parser.parse_args(argv)
    print(run_http(baseline=args.baseline) if args.http_only else run(args.visits, args.baseline))
    return 0


if __name__ == "__main__":
    sys.exit(main())
