"""The query API's own cost: a first (uncached) and a repeated ``rexlib.production`` call, against
pandas re-reading the raw MCS2026 CSV (the baseline), measured in the same run."""
from __future__ import annotations

import statistics
import time

import pandas as pd

MINERALS = ("cobalt", "lithium", "gallium", "rare_earths", "graphite", "nickel", "copper", "zinc", "tungsten",
            "antimony", "germanium", "helium", "mercury", "gold", "manganese", "platinum", "vanadium", "tin",
            "silicon", "titanium")


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def bench_api(reps: int = 3) -> dict:
    import rexlib
    from rexlib.query import api, warehouse
    from rexlib.core.paths import RAW
    rexlib.production("cobalt", year=2024)             # open the connection, load the id lists
    mids = [api.mineral_id(m if m != "platinum" else "pgm_platinum") for m in MINERALS]
    first, repeat = [], []
    for _ in range(reps):
        api._production.cache_clear()
        for mid in mids:
            start = time.perf_counter()
            rexlib.production(mid, year=2024)
            first.append(time.perf_counter() - start)
        for mid in mids:
            start = time.perf_counter()
            rexlib.production(mid, year=2024)
            repeat.append(time.perf_counter() - start)
    path = RAW / "usgs" / "mcs2026" / "MCS2026_Commodities_Data.csv"
    baseline = []
    for _ in range(reps):
        start = time.perf_counter()
        raw = pd.read_csv(path, encoding="cp1252", dtype=str)
        raw[raw.iloc[:, 0].str.upper().str.startswith("COBALT")]
        baseline.append(time.perf_counter() - start)
    warehouse.identity()
    return dict(first_p95_s=_p95(first), first_median_s=statistics.median(first), repeat_p95_s=_p95(repeat),
                repeat_median_s=statistics.median(repeat), baseline_median_s=statistics.median(baseline))
