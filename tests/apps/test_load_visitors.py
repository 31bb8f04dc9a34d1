"""Ten new visitors at once on mineral_profile, each with a URL of its own (issue 20, Load).

One server with its default pool, on this machine's cores, the browser on the same cores. Goal:
p95 time to the first chart ≤ 8 s, every page interactive (the live widget drawn) ≤ 20 s, no page
blank, and the kernels' memory back to the pool's size within a minute of the tabs closing.
Before (issue 20): first chart 20.6 s median / 21.8 s p95, live widgets 40.5 / 41.1 s; only 2 of the
10 found a preheated kernel; 17 kernels (5.4 GB) stayed after 10 tabs closed. The figures of each
run go to test-artifacts/load-visitors.txt (and benchmarks/results.md, "Ten visitors")."""
from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

import pytest

from .test_serving import LIVE_CHART, _kernel_rss_mb

VISITORS = [f"mineral={m}&year={y}" for m, y in [
    ("lithium", 2024), ("nickel", 2025), ("gallium", 2024), ("graphite", 2025), ("tungsten", 2024),
    ("rare_earths", 2025), ("manganese", 2024), ("copper", 2025), ("antimony", 2024), ("germanium", 2025)]]
# The page's own clock (ms since its navigation started): first chart (the static first view or the
# live one), live chart (the widget, interactive), and whether the page ever had neither.
TIMES = """
window.__rexTimes = {};
new MutationObserver(() => {
  const t = window.__rexTimes, now = performance.now();
  if (t.first === undefined && document.querySelector('.rex-chart svg')) t.first = now;
  if (t.live === undefined && document.querySelector('.rex-live .rex-chart svg.marks')) t.live = now;
}).observe(document, {childList: true, subtree: true});
"""
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def p95(values: list[float]) -> float:
    """95th percentile, linear between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _server_log_counts(log: Path) -> dict:
    text = log.read_text(errors="replace") if log.exists() else ""
    return {"preheated": text.count("Using pre-heated kernel"), "busy": text.count("busy page"),
            "reaped": text.count("no connection and no heartbeat")}


@pytest.mark.load
@pytest.mark.browser
@pytest.mark.slow
def test_ten_visitors_on_mineral_profile(browser):
    from benchmarks.voila_ttfc import wait_idle

    from .conftest import start_server, stop_server
    proc, base = start_server("voila-load-visitors.log")
    try:
        wait_idle(proc, minimum=10.0, limit=300.0)
        pool = sorted(_kernel_rss_mb(proc.pid))
        contexts = [browser.new_context(viewport={"width": 1280, "height": 1600}) for _ in VISITORS]
        for context in contexts:
            context.add_init_script(TIMES)
        pages = [c.new_page() for c in contexts]
        errors: list[list[str]] = [[] for _ in pages]
        for i, page in enumerate(pages):
            page.on("pageerror", lambda e, i=i: errors[i].append(str(e)))
        load_before = os.getloadavg()[0]
        started = time.time()
        for page, query in zip(pages, VISITORS):       # all ten requests in flight before any wait
            page.goto(f"{base}/voila/render/mineral_profile.ipynb?{query}", wait_until="commit", timeout=300_000)
        problems = []
        for i, page in enumerate(pages):
            try:
                page.wait_for_selector(LIVE_CHART, timeout=300_000)
            except Exception as error:                 # noqa: BLE001 - reported below
                problems.append((VISITORS[i], "never went live", repr(error)[:200]))
        all_live = time.time() - started
        peak = sorted(_kernel_rss_mb(proc.pid))
        times = [page.evaluate("() => window.__rexTimes") for page in pages]
        for i, page in enumerate(pages):
            mineral = VISITORS[i].split("&")[0].split("=")[1]
            select = page.locator(".rex-live .widget-dropdown:has(label:text-is('Mineral')) select")
            state = (select.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ").lower()
                     .replace(" ", "_") if select.count() else None)
            if not state or not state.startswith(mineral):
                problems.append((VISITORS[i], f"live app shows {state!r}, not the URL's mineral"))
            text = page.inner_text("body")
            if "Traceback" in text or page.locator(".rex-live .rex-msg-error").count():
                problems.append((VISITORS[i], "error on the page", text[:300]))
            if [e for e in errors[i] if "fontawesome" not in e.lower()]:
                problems.append((VISITORS[i], "page errors", errors[i][:3]))
            if times[i].get("first") is None:
                problems.append((VISITORS[i], "blank: no chart ever drawn"))
        first = [t.get("first", float("inf")) / 1000 for t in times]
        live = [t.get("live", float("inf")) / 1000 for t in times]
        for page in pages:                              # the visitors close their tabs
            page.close(run_before_unload=True)
        closed = time.time()
        back = None
        while time.time() - closed < 90:
            now = _kernel_rss_mb(proc.pid)
            if len(now) <= len(pool) and sum(now) <= sum(pool) * 1.15:
                back = time.time() - closed
                break
            time.sleep(2)
        after = sorted(_kernel_rss_mb(proc.pid))
        for context in contexts:
            context.close()
        counts = _server_log_counts(ARTIFACTS / "voila-load-visitors.log")
    finally:
        stop_server(proc)
    figures = {
        "visitors": len(VISITORS), "cores": os.cpu_count(), "load_avg_before": round(load_before, 1),
        "first_chart_s": {"median": round(statistics.median(first), 2), "p95": round(p95(first), 2),
                          "max": round(max(first), 2), "each": [round(v, 2) for v in first]},
        "interactive_s": {"median": round(statistics.median(live), 2), "p95": round(p95(live), 2),
                          "max": round(max(live), 2), "each": [round(v, 2) for v in live]},
        "all_live_after_s": round(all_live, 1), "preheated_kernels_used": counts["preheated"],
        "pool_kernels": len(pool), "pool_mb": round(sum(pool)), "peak_kernels": len(peak), "peak_mb": round(sum(peak)),
        "memory_back_to_pool_after_s": None if back is None else round(back, 1),
        "after_kernels": len(after), "after_mb": round(sum(after)), "busy_pages": counts["busy"],
        "kernels_shut_down_by_the_guard": counts["reaped"], "load_avg_after": round(os.getloadavg()[0], 1)}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load-visitors.txt").write_text(json.dumps(figures, indent=1) + "\n" + "".join(f"{p}\n" for p in problems))
    print(json.dumps(figures))
    assert not problems, problems
    assert p95(first) <= 8.0, figures
    assert max(live) <= 20.0, figures
    assert back is not None and back <= 60.0, figures
