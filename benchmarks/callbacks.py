"""Interaction latency: every widget callback of every app, timed as a stakeholder feels it
(widget value set -> query + metric + chart spec -> HTML), p50/p95 over >= 50 calls with varied
parameters. Two paths per callback:

* ``spec``: query + metric + Altair chart spec (``chart.to_dict()``), the target's definition;
* ``full``: the same plus vl-convert's SVG rendering, what the page actually waits for.

and two regimes, since the apps cache query results, metric tables and rendered sections
(rexlib/app/ui/cache.py):

* ``cold``: the first time a parameter value is seen. Every round starts with all app caches
  cleared and a new app, then visits each value once (the app's initial value excluded);
* ``warm``: a value visited again (returning to a view; dependent controls may still land on a
  view not seen before, e.g. a mineral revisited with another stage selected).

Cold rounds repeat until half of ``calls`` are cold or a time budget (seconds) is spent; the
remaining calls revisit values (warm). Baseline, in the same run: the same answer computed the naive way,
pandas re-reading the raw USGS CSV on each call.

    python -m benchmarks.callbacks [calls]      # prints the table
"""
from __future__ import annotations

import itertools
import os
import statistics
import time
from contextlib import contextmanager

import pandas as pd

from rexlib.core.paths import RAW

CALLS = 50


@contextmanager
def spec_only():
    """Replace SVG rendering by the spec build alone (chart.to_dict())."""
    from rexlib.charts import base
    from rexlib.app.ui import common
    original = common.to_svg if hasattr(common, "to_svg") else None
    original_base = base.to_svg

    def spec(chart):
        base.to_dict_full(chart)
        return "<svg></svg>"
    base.to_svg = spec
    if original is not None:
        common.to_svg = spec
    try:
        yield
    finally:
        base.to_svg = original_base
        if original is not None:
            common.to_svg = original


def _cases():
    """(app, callback name, app factory, widget attribute, values to cycle)."""
    from rexlib.app.ui import (chokepoints, claims, explore, financing, import_reliance, mineral_profile, outlook,
                               scenario)
    minerals = ["cobalt", "lithium", "gallium", "rare_earths", "graphite", "nickel", "copper", "germanium",
                "tungsten", "antimony", "pgm_platinum", "manganese"]
    return [
        ("mineral_profile", "mineral", mineral_profile.app, "mineral", minerals),
        ("mineral_profile", "year", mineral_profile.app, "year", [2024, 2025]),
        ("import_reliance", "year", import_reliance.app, "year", [2021, 2022, 2023, 2024, 2025]),
        ("import_reliance", "list", import_reliance.app, "list", ["2022", "2025", "all"]),
        ("import_reliance", "mineral", import_reliance.app, "mineral", ["gallium", "cobalt", "lithium", "graphite"]),
        ("chokepoints", "stage", chokepoints.app, "stage", ["mine", "refinery"]),
        ("chokepoints", "year", chokepoints.app, "year", [2021, 2022, 2023, 2024, 2025]),
        ("chokepoints", "top", chokepoints.app, "top", [10, 20, 30, 40]),
        ("financing", "by", financing.app, "by", None),
        ("scenario", "cut", scenario.app, "cut", [25.0, 50.0, 75.0, 100.0]),
        ("scenario", "ramp", scenario.app, "ramp", [0.0, 10.0, 20.0, 30.0]),
        ("scenario", "mineral", scenario.app, "mineral", ["gallium", "cobalt", "rare_earths", "graphite", "lithium"]),
        ("claims", "verdict", claims.app, "verdict", None),
        ("explore", "table", explore.app, "table", None),
        ("outlook", "mineral", outlook.app, "mineral", ["copper", "cobalt", "nickel", "graphite", "magnet_rare_earths",
                                                        "gallium", "silicon", "zinc"]),
        ("outlook", "scenario", outlook.app, "scenario", ["APS", "NZE"]),
        ("outlook", "year", outlook.app, "year", [2030, 2040, 2045, 2050]),
    ]


def _options(widget):
    if not hasattr(widget, "options"):          # sliders: any value in range
        step = getattr(widget, "step", 1) or 1
        return [widget.min + i * step for i in range(int((widget.max - widget.min) / step) + 1)]
    values = []
    for option in widget.options:
        values.append(option[1] if isinstance(option, tuple) else option)
    return values


def _clear_caches(shared: bool = True) -> None:
    """Empty the app caches: memory only (a new kernel) or also the shared on-disk tier."""
    try:
        from rexlib.app.ui import cache
    except ImportError:      # before the caches existed
        return
    try:
        cache.clear_all(shared=shared)
    except TypeError:        # before the shared tier existed
        cache.clear_all()


def _values(widget, values):
    options = _options(widget)
    values = [v for v in (values or options) if v in options] or options
    if len(values) < 2:
        values = options[:5]
    return values


def time_callback_split(factory, attr, values, calls=CALLS, budget: float = 60.0,
                        new_kernel: bool = False) -> tuple[list[float], list[float]]:
    """(cold times, warm times) over ``calls`` widget changes; see the module docstring.
    ``new_kernel``: each round first visits its values untimed in one app (an earlier visitor,
    whose kernel writes the shared on-disk tier), then empties the memory caches only and times the
    same visits in a new app (the next visitor's kernel)."""
    cold: list[float] = []
    warm: list[float] = []
    start = time.perf_counter()
    app = widget = None
    seen: set = set()
    cold_target = max(1, calls // 2)         # the other half revisits values (warm)
    while len(cold) < cold_target and (not cold or time.perf_counter() - start < budget):
        _clear_caches()                     # a new round: nothing cached, a fresh app
        app = factory()
        app.widget()                        # first render, as on page load
        widget = getattr(app, attr)
        seen = {widget.value}
        round_values = [v for v in _values(widget, values) if v != widget.value]
        if not round_values:
            break
        if new_kernel:
            initial = widget.value
            for value in round_values[:cold_target - len(cold)]:
                widget.value = value        # the earlier visitor
            _clear_caches(shared=False)
            app = factory()
            app.widget()
            type(app).warm()                # what the preheated kernel did before the request
            widget = getattr(app, attr)
            assert widget.value == initial
        for value in round_values:
            if len(cold) >= cold_target:
                break
            t = time.perf_counter()
            widget.value = value
            cold.append(time.perf_counter() - t)
            seen.add(value)
    # Fill up with revisits (warm): cycle through the values already seen.
    cycle = itertools.cycle(sorted(seen, key=str))
    current = widget.value
    while len(cold) + len(warm) < calls:
        value = next(cycle)
        if value == current:
            value = next(cycle)
        t = time.perf_counter()
        widget.value = value
        warm.append(time.perf_counter() - t)
        current = value
    return cold, warm


def time_callback(factory, attr, values, calls=CALLS) -> list[float]:
    """Every call's time, cold and warm together (the pre-cache benchmark's figure)."""
    cold, warm = time_callback_split(factory, attr, values, calls)
    return cold + warm


def naive_profile(mineral: str, year: int) -> pd.DataFrame:
    """Baseline: re-read the MCS2026 CSV with pandas and compute shares of mine production."""
    raw = pd.read_csv(RAW / "usgs/mcs2026/MCS2026_Commodities_Data.csv", encoding="cp1252", dtype=str)
    part = raw[(raw["Commodity"].str.strip().str.lower() == mineral.replace("_", " "))
               & (raw["Statistics"] == "Production") & (raw["Year"] == str(year))]
    values = pd.to_numeric(part["Value"].str.replace(",", ""), errors="coerce")
    world = values[part["Country"] == "World total"].sum()
    return part.assign(value=values, share=values / world * 100)


def naive_reliance(year: int) -> pd.DataFrame:
    raw = pd.read_csv(RAW / "usgs/mcs2026/MCS2026_Commodities_Data.csv", encoding="cp1252", dtype=str)
    part = raw[(raw["Statistics"] == "Net import reliance") & (raw["Year"] == str(year))]
    return part.sort_values("Value")


def time_baseline(calls=CALLS) -> dict[str, list[float]]:
    out = {"profile": [], "reliance": []}
    minerals = ["cobalt", "lithium", "gallium", "rare earths", "graphite (natural)"]
    for i in range(calls // 5):
        t = time.perf_counter()
        naive_profile(minerals[i % 5], 2024 + i % 2)
        out["profile"].append(time.perf_counter() - t)
        t = time.perf_counter()
        naive_reliance(2021 + i % 5)
        out["reliance"].append(time.perf_counter() - t)
    return out


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def _stats(prefix: str, values: list[float]) -> dict:
    if not values:
        return {f"{prefix}_p50": None, f"{prefix}_p95": None}
    return {f"{prefix}_p50": statistics.median(values), f"{prefix}_p95": p95(values)}


def bench_callbacks(calls=CALLS, *, full_calls: int | None = None, budget: float = 60.0,
                    full_budget: float = 45.0) -> tuple[list[dict], dict]:
    """Rows (one dict per callback) and the baseline ({query: median seconds}).

    Row keys: cold_spec_p50/p95, warm_spec_p50/p95, cold_full_p50/p95, warm_full_p50/p95 (seconds),
    cold_calls/warm_calls (spec path), spec_p50/p95 and full_p50/p95 over all calls (the figures
    of the pre-cache benchmark), calls, and speedup_* (baseline median / our p50)."""
    import rexlib
    rexlib.production("cobalt")                 # open the database once
    full_calls = calls if full_calls is None else full_calls
    import tempfile
    saved = {k: os.environ.get(k) for k in ("REX_SHARED_CACHE", "REX_CACHE_DIR")}
    os.environ["REX_SHARED_CACHE"] = "1"                       # the tier as served, in a scratch folder
    os.environ["REX_CACHE_DIR"] = tempfile.mkdtemp(prefix="rex-bench-cache-")
    try:
        return _bench_callbacks(calls, full_calls, budget, full_budget)
    finally:
        _clear_caches()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _bench_callbacks(calls, full_calls, budget, full_budget) -> tuple[list[dict], dict]:
    base = time_baseline(calls)
    baseline = {k: statistics.median(v) for k, v in base.items()}
    naive = statistics.mean(baseline.values())
    rows = []
    for app_name, name, factory, attr, values in _cases():
        with spec_only():
            cold, warm = time_callback_split(factory, attr, values, calls, budget)
        full_cold, full_warm = time_callback_split(factory, attr, values, full_calls, full_budget)
        # The same visits in new kernels: memory empty, the shared tier holds what the run above drew.
        kernel_cold, _ = time_callback_split(factory, attr, values, full_calls, full_budget, new_kernel=True)
        row = dict(app=app_name, callback=name)
        row.update(_stats("cold_spec", cold))
        row.update(_stats("warm_spec", warm))
        row.update(_stats("cold_full", full_cold))
        row.update(_stats("warm_full", full_warm))
        row.update(_stats("kernel_full", kernel_cold))
        row.update(_stats("spec", cold + warm))
        row.update(_stats("full", full_cold + full_warm))
        row.update(cold_calls=len(cold), warm_calls=len(warm), full_cold_calls=len(full_cold),
                   full_warm_calls=len(full_warm), calls=len(cold) + len(warm))
        row["speedup_cold_spec"] = naive / row["cold_spec_p50"] if row["cold_spec_p50"] else None
        row["speedup_warm_spec"] = naive / row["warm_spec_p50"] if row["warm_spec_p50"] else None
        rows.append(row)
    _clear_caches()
    return rows, baseline


def _ms(value) -> str:
    return "—" if value is None else f"{value * 1000:.0f}"


def format_table(rows: list[dict], baseline: dict) -> str:
    head = ("app/callback", "cold spec p50/p95", "warm spec p50/p95", "cold full p50/p95", "warm full p50/p95",
            "cold/warm n", "x naive (cold, warm)")
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        lines.append(" | ".join([
            f"{r['app']}.{r['callback']}",
            f"{_ms(r['cold_spec_p50'])} / {_ms(r['cold_spec_p95'])}",
            f"{_ms(r['warm_spec_p50'])} / {_ms(r['warm_spec_p95'])}",
            f"{_ms(r['cold_full_p50'])} / {_ms(r['cold_full_p95'])}",
            f"{_ms(r['warm_full_p50'])} / {_ms(r['warm_full_p95'])}",
            f"{r['cold_calls']}/{r['warm_calls']}",
            f"{r['speedup_cold_spec'] or 0:.1f}, {r['speedup_warm_spec'] or 0:.0f}"]))
    lines.append("baseline (naive pandas re-read, median ms): "
                 + ", ".join(f"{k} {v * 1000:.0f}" for k, v in baseline.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    rows, baseline = bench_callbacks(int(sys.argv[1]) if len(sys.argv) > 1 else CALLS)
    print(format_table(rows, baseline))
