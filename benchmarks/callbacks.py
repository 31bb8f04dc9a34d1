"""Interaction latency: every widget callback of every app, timed as a stakeholder feels it
(widget value set -> query + metric + chart spec -> HTML), p50/p95 over >= 50 calls with varied
parameters. Two figures per callback:

* ``spec``: query + metric + Altair chart spec (``chart.to_dict()``), the target's definition;
* ``full``: the same plus vl-convert's SVG rendering, what the page actually waits for.

Baseline, in the same run: the same answer computed the naive way, pandas re-reading the raw USGS
CSV (or IEA workbook) on each call.
"""
from __future__ import annotations

import itertools
import statistics
import time
from contextlib import contextmanager

import pandas as pd

from rexlib.paths import RAW

CALLS = 50


@contextmanager
def spec_only():
    """Replace SVG rendering by the spec build alone (chart.to_dict())."""
    from rexlib.charts import base
    from rexlib.ui import common
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
    from rexlib.ui import chokepoints, claims, explore, financing, import_reliance, mineral_profile, scenario
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
    ]


def _options(widget):
    if not hasattr(widget, "options"):          # sliders: any value in range
        step = getattr(widget, "step", 1) or 1
        return [widget.min + i * step for i in range(int((widget.max - widget.min) / step) + 1)]
    values = []
    for option in widget.options:
        values.append(option[1] if isinstance(option, tuple) else option)
    return values


def time_callback(factory, attr, values, calls=CALLS) -> list[float]:
    app = factory()
    app.widget()                       # first render, as on page load
    widget = getattr(app, attr)
    values = [v for v in (values or _options(widget)) if v in _options(widget)] or _options(widget)
    if len(values) < 2:
        values = _options(widget)[:5]
    times = []
    cycle = itertools.cycle(values)
    current = widget.value
    for _ in range(calls):
        value = next(cycle)
        if value == current:
            value = next(cycle)
        t = time.perf_counter()
        widget.value = value
        times.append(time.perf_counter() - t)
        current = value
    return times


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


def bench_callbacks(calls=CALLS) -> tuple[list[dict], dict]:
    import rexlib
    rexlib.production("cobalt")                 # open the database once
    rows = []
    for app_name, name, factory, attr, values in _cases():
        with spec_only():
            spec = time_callback(factory, attr, values, calls)
        full = time_callback(factory, attr, values, max(10, calls // 5))
        rows.append(dict(app=app_name, callback=name, spec_p50=statistics.median(spec), spec_p95=p95(spec),
                         full_p50=statistics.median(full), full_p95=p95(full), calls=len(spec)))
    base = time_baseline(calls)
    baseline = {k: statistics.median(v) for k, v in base.items()}
    return rows, baseline
