"""Build benchmark: `rex build` from raw files to DuckDB, against a baseline in the same run
(reading every raw CSV with pandas, the least any build must do)."""
from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path


def baseline_read_all(raw: Path) -> None:
    import pandas as pd
    for path in raw.rglob("*.csv"):
        pd.read_csv(path, dtype=str, encoding="cp1252" if "Commodities_Data" in path.name else "utf-8-sig",
                    encoding_errors="replace", on_bad_lines="skip")


def bench_build(reps: int = 3) -> dict:
    from rexlib.etl.build import build
    from rexlib.core.paths import CURATED, RAW
    builds, baselines = [], []
    with tempfile.TemporaryDirectory(prefix="rex-build-") as tmp:
        for _ in range(reps):
            t = time.perf_counter()
            baseline_read_all(RAW)
            baselines.append(time.perf_counter() - t)
            t = time.perf_counter()
            build(raw_dir=RAW, curated_dir=CURATED, out_dir=Path(tmp))
            builds.append(time.perf_counter() - t)
    return dict(build_median_s=statistics.median(builds), build_max_s=max(builds),
                baseline_read_csv_median_s=statistics.median(baselines),
                ratio_vs_baseline=statistics.median(builds) / statistics.median(baselines))
