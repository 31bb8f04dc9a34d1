"""Ten new visitors at once on one app, each with a URL of its own (issue 20, Load).

    python -m benchmarks.visitors            # three server configurations, one after the other
    python -m benchmarks.visitors --only rex

Per configuration: a fresh ``rex serve`` on a free port, a wait until it is idle (pools filled), then
ten headless Chromium contexts open mineral_profile at the same moment, each with other URL
parameters. Each page's own clock gives its first chart (the static first view or the live one) and
its live chart (the interactive widget); the run records where the CPU went while the pages loaded
(server and kernels, browser, everything else on the machine), how many kernels the server held,
and how long after the tabs closed the kernels' memory was back to the pools' size. The baseline
is the same server with one preheated kernel per app and Voila's own refill, in the same run.
``tests/apps/test_load_visitors.py`` runs the same visit and asserts what must hold whatever the
speed (every page drawn and live with its URL's state, memory back within a minute).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.voila_ttfc import _stop, start_serve, wait_idle

VISITORS = [f"mineral={m}&year={y}" for m, y in [
    ("lithium", 2024), ("nickel", 2025), ("gallium", 2024), ("graphite", 2025), ("tungsten", 2024),
    ("rare_earths", 2025), ("manganese", 2024), ("copper", 2025), ("antimony", 2024), ("germanium", 2023)]]
CONFIGS = {                       # name -> (rex serve arguments, what it is)
    "baseline": (["--pool-size", "1", "--refill", "now"], "one preheated kernel per app, Voila's own refill"),
    "pools": (["--refill", "now"], "default pools (mineral_profile 10), Voila's own refill"),
    "rex": ([], "default pools, refilled one at a time once no page is loading (rex serve's default)"),
    "kernel-svg": ([], "rex serve's default, with every chart drawn as SVG by the kernel (REX_KERNEL_SVG=all, "
                       "as before 2026-12-02)"),
}
ENVIRONMENTS = {"kernel-svg": {"REX_KERNEL_SVG": "all"}}   # configuration -> the server's extra environment
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-renderer-backgrounding",
         "--disable-background-timer-throttling", "--disable-backgrounding-occluded-windows"]
LIVE_CHART = ".rex-live .rex-chart svg.marks"
# The page's own clock (ms since its navigation started): first chart (static first view or live),
# live chart (the widget, interactive), and when its HTML was complete.
TIMES = """
window.__rexTimes = {};
new MutationObserver(() => {
  const t = window.__rexTimes, now = performance.now();
  if (t.first === undefined && document.querySelector('.rex-chart svg')) t.first = now;
  if (t.live === undefined && document.querySelector('.rex-live .rex-chart svg.marks')) {
    t.live = now;
    const nav = performance.getEntriesByType('navigation')[0];
    t.html = nav ? nav.responseEnd : null;
  }
}).observe(document, {childList: true, subtree: true});
"""


def p95(values: list[float]) -> float:
    """95th percentile, linear between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = 0.95 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _processes() -> dict[int, tuple[int, float, bytes]]:
    """pid -> (parent pid, CPU seconds so far, command line), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:
            continue
        out[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, cmd)
    return out


def _tree(root: int, procs) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [root], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _cpu(pids, procs) -> float:
    return sum(procs[p][1] for p in pids if p in procs)


def _machine_busy_s() -> float:
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def kernel_rss_mb(server_pid: int) -> list[float]:
    """RSS of each ipykernel below ``server_pid``."""
    procs = _processes()
    out = []
    for pid in _tree(server_pid, procs)[1:]:
        if b"ipykernel_launcher" in procs[pid][2]:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out.append(int(line.split()[1]) / 1024)
            except OSError:
                pass
    return out


def start(args: list[str], log: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    saved = {k: os.environ.get(k) for k in env or {}}
    os.environ.update(env or {})
    try:
        return start_serve(args, log=log, timeout=300.0)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def renice_browser(nice: int) -> int:
    """Lower the priority of every Chromium process below this one (its zygote too, so renderers
    forked later inherit it): a model of visitors whose browsers run on their own machines, with the
    server keeping the two cores' priority. Returns how many processes were changed."""
    procs = _processes()
    changed = 0
    for pid in _tree(os.getpid(), procs)[1:]:
        if b"chrom" in procs[pid][2].split(b"\0")[0]:
            try:
                os.setpriority(os.PRIO_PROCESS, pid, nice)
                changed += 1
            except OSError:
                pass
    return changed


def visit_at_once(browser, proc: subprocess.Popen, base: str, app: str = "mineral_profile",
                  queries: list[str] = VISITORS, log: Path | None = None) -> tuple[dict, list]:
    """Open ``app`` with each query in its own browser context at once; returns (figures, problems)."""
    wait_idle(proc, minimum=10.0, limit=300.0)
    pool = sorted(kernel_rss_mb(proc.pid))
    contexts = [browser.new_context(viewport={"width": 1280, "height": 1600}) for _ in queries]
    for context in contexts:
        context.add_init_script(TIMES)
    pages = [c.new_page() for c in contexts]
    errors: list[list[str]] = [[] for _ in pages]
    for i, page in enumerate(pages):
        page.on("pageerror", lambda e, i=i: errors[i].append(str(e)))
    load_before = os.getloadavg()[0]
    procs = _processes()
    server_pids = _tree(proc.pid, procs)
    cpu_server, cpu_ours, busy = _cpu(server_pids, procs), _cpu(_tree(os.getpid(), procs), procs), _machine_busy_s()
    started = time.time()
    for page, query in zip(pages, queries):          # every request in flight before any wait
        page.goto(f"{base}/voila/render/{app}.ipynb?{query}", wait_until="commit", timeout=300_000)
    problems = []
    for i, page in enumerate(pages):
        try:
            page.wait_for_selector(LIVE_CHART, timeout=300_000)
        except Exception as error:                   # noqa: BLE001 - reported
            problems.append((queries[i], "never went live", repr(error)[:200]))
    all_live = time.time() - started
    procs = _processes()
    server_pids = _tree(proc.pid, procs)
    cpu_server = _cpu(server_pids, procs) - cpu_server
    cpu_browser = _cpu(_tree(os.getpid(), procs), procs) - cpu_ours - cpu_server
    cpu_other = _machine_busy_s() - busy - cpu_server - cpu_browser
    peak = sorted(kernel_rss_mb(proc.pid))
    times = [page.evaluate("() => window.__rexTimes") for page in pages]
    for i, page in enumerate(pages):
        wanted = queries[i].split("&")[0].split("=")[1]
        select = page.locator(".rex-live .widget-dropdown:has(label:text-is('Mineral')) select")
        shown = (select.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ").lower()
                 .replace(" ", "_") if select.count() else None)
        if not shown or not shown.startswith(wanted):
            problems.append((queries[i], f"live app shows {shown!r}, not the URL's mineral"))
        text = page.inner_text("body")
        if "Traceback" in text or page.locator(".rex-live .rex-msg-error").count():
            problems.append((queries[i], "error on the page", text[:300]))
        if [e for e in errors[i] if "fontawesome" not in e.lower()]:
            problems.append((queries[i], "page errors", errors[i][:3]))
        if times[i].get("first") is None:
            problems.append((queries[i], "blank: no chart ever drawn"))
    first = [t.get("first", float("inf")) / 1000 for t in times]
    live = [t.get("live", float("inf")) / 1000 for t in times]
    html = [(t.get("html") or float("nan")) / 1000 for t in times]
    for page in pages:                                 # the visitors close their tabs
        page.close(run_before_unload=True)
    closed = time.time()
    back = None
    while time.time() - closed < 90:
        now = kernel_rss_mb(proc.pid)
        if len(now) <= len(pool) and sum(now) <= sum(pool) * 1.15:
            back = time.time() - closed
            break
        time.sleep(2)
    after = sorted(kernel_rss_mb(proc.pid))
    for context in contexts:
        context.close()
    text = log.read_text(errors="replace") if log and log.exists() else ""
    figures = {
        "visitors": len(queries), "cores": os.cpu_count(), "load_avg_before": round(load_before, 1),
        "first_chart_s": {"median": round(statistics.median(first), 2), "p95": round(p95(first), 2),
                          "max": round(max(first), 2), "each": [round(v, 2) for v in first]},
        "html_complete_s": {"median": round(statistics.median(html), 2), "max": round(max(html), 2)},
        "interactive_s": {"median": round(statistics.median(live), 2), "p95": round(p95(live), 2),
                          "max": round(max(live), 2), "each": [round(v, 2) for v in live]},
        "all_live_after_s": round(all_live, 1),
        "cpu_s_while_loading": {"server_and_kernels": round(cpu_server, 1), "browser": round(cpu_browser, 1),
                                "other_processes": round(cpu_other, 1),
                                "available": round(all_live * (os.cpu_count() or 1), 1)},
        "pool_hand_outs": text.count("Using pre-heated kernel"),
        "pool_kernels": len(pool), "pool_mb": round(sum(pool)), "peak_kernels": len(peak), "peak_mb": round(sum(peak)),
        "memory_back_to_pool_after_s": None if back is None else round(back, 1),
        "after_kernels": len(after), "after_mb": round(sum(after)), "busy_pages": text.count("busy page"),
        "kernels_shut_down_by_the_guard": text.count("no connection and no heartbeat"),
        "load_avg_after": round(os.getloadavg()[0], 1)}
    return figures, problems


def bench_visitors(configs=tuple(CONFIGS), browser_nice: int = 0) -> dict[str, tuple[dict, list]]:
    from playwright.sync_api import sync_playwright
    out = {}
    artifacts = Path(__file__).resolve().parents[1] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        if browser_nice:
            renice_browser(browser_nice)
        for name in configs:
            log = artifacts / f"bench-visitors-{name}.log"
            proc, base = start(CONFIGS[name][0], log, ENVIRONMENTS.get(name))
            try:
                key = name if name not in out else f"{name} #{sum(k.split(' #')[0] == name for k in out) + 1}"
                out[key] = visit_at_once(browser, proc, base, log=log)
                out[key][0]["browser_nice"] = browser_nice
            finally:
                _stop(proc)
            print(key, json.dumps(out[key][0]), file=sys.stderr)
        browser.close()
    return out


def section(results: dict[str, tuple[dict, list]]) -> list[str]:
    def verdict(ok: bool) -> str:
        return "✅" if ok else "❌"
    rows = ["| configuration | first chart median / p95 | interactive median / max | HTML done, median | "
            "CPU s while loading: server+kernels / browser / others / available | kernels: pool → peak → "
            "after closing | memory back to the pools' size | load avg before |", "|---|---|---|---|---|---|---|---|"]
    for name, (f, problems) in results.items():
        cpu = f["cpu_s_while_loading"]
        nice = f" (browser at nice {f['browser_nice']})" if f.get("browser_nice") else ""
        rows.append(f"| {name}: {CONFIGS[name.split(' #')[0]][1]}{nice} | {f['first_chart_s']['median']:.1f} / {f['first_chart_s']['p95']:.1f} s "
                    f"{verdict(f['first_chart_s']['p95'] <= 8)} | {f['interactive_s']['median']:.1f} / "
                    f"{f['interactive_s']['max']:.1f} s {verdict(f['interactive_s']['max'] <= 20)} | "
                    f"{f['html_complete_s']['median']:.1f} s | {cpu['server_and_kernels']:.0f} / {cpu['browser']:.0f} / "
                    f"{cpu['other_processes']:.0f} / {cpu['available']:.0f} | {f['pool_kernels']} ({f['pool_mb'] / 1024:.1f} GB) → "
                    f"{f['peak_kernels']} → {f['after_kernels']} ({f['after_mb'] / 1024:.1f} GB) | "
                    + (f"{f['memory_back_to_pool_after_s']:.0f} s ✅" if f["memory_back_to_pool_after_s"] is not None
                       else "not within 90 s ❌") + f" | {f['load_avg_before']:.1f} |"
                    + ("" if not problems else f" problems: {len(problems)}"))
    return rows


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m benchmarks.visitors")
    parser.add_argument("--only", nargs="*", choices=sorted(CONFIGS), help="configurations to run, in this order "
                        "(a name may repeat)")
    parser.add_argument("--browser-nice", type=int, default=0, metavar="N",
                        help="run the browser at this niceness (1-19), a model of browsers on the visitors' own machines")
    args = parser.parse_args(argv)
    results = bench_visitors(tuple(args.only or CONFIGS), args.browser_nice)
    print("\n".join(section(results)))
    print(json.dumps({k: v[0] for k, v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
