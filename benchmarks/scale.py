"""Scale benchmark: synthetic production panels (1M, 10M, 100M rows) in Parquet with the production
table's schema and realistic cardinalities (minerals × countries × years × months × product codes),
queried through rexlib.panel (DuckDB over Parquet, never loaded into pandas). Generated on the fly
into a temporary folder; never committed."""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# minerals × countries × years × months × products: 100 × 200 × 5 × 10 × products
DIMS = dict(minerals=100, countries=200, years=5, months=10)


def generate(path: Path, rows: int) -> Path:
    """Write a panel of ``rows`` rows to ``path`` with DuckDB (streamed; bounded memory)."""
    import duckdb
    per_product = DIMS["minerals"] * DIMS["countries"] * DIMS["years"] * DIMS["months"]
    products = max(1, rows // per_product)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    con.execute(f"""
        COPY (
            SELECT 'm' || lpad((i % {DIMS['minerals']})::VARCHAR, 3, '0') AS mineral_id,
                   CASE WHEN (i // {DIMS['minerals']}) % 3 = 0 THEN 'refinery' ELSE 'mine' END AS stage,
                   'p' || ((i // {per_product}) % {products})::VARCHAR AS measure,
                   CASE WHEN (i // 7) % {DIMS['countries']} = 0 THEN 'ROW'
                        WHEN (i // 7) % {DIMS['countries']} = 1 THEN 'CHN'
                        ELSE 'C' || lpad(((i // 7) % {DIMS['countries']})::VARCHAR, 3, '0') END AS country,
                   -- year is the slowest-varying column, as a year-partitioned pipeline writes it:
                   -- Parquet row-group statistics then let a one-year query skip the other years
                   2021 + (i * {DIMS['years']} // {rows}) AS year,
                   1 + ((i // 17) % 12) AS month,
                   -- skewed values: a few big producers per mineral, like real markets
                   CAST(1 + 1000.0 / (1 + ((i // 7) % {DIMS['countries']})) * (1 + hash(i) % 100) AS DOUBLE) AS value,
                   'metric tons' AS unit, '' AS flag, 'SYN' AS vintage
            FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT PARQUET, ROW_GROUP_SIZE 1000000)""")
    con.close()
    return path


QUERY_SCRIPT = r"""
import json, resource, sys, time, duckdb
from rexlib import panel
path, kind, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET enable_progress_bar = false")
times = []
for i in range(reps):
    t = time.perf_counter()
    if kind == "concentration":
        out = panel.concentration(con, path, stage="mine", year=2021 + i % 5)
    else:
        out = panel.coverage(con, ["CHN", "C002", "C003", "C010"], path, stage="mine", year=2021 + i % 5)
    times.append(time.perf_counter() - t)
    assert len(out) > 0
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
baseline = []
if kind == "concentration" and int(sys.argv[4]):
    import pandas as pd
    for i in range(3):
        t = time.perf_counter()
        frame = pd.read_parquet(path)
        part = frame[(frame["stage"] == "mine") & (frame["year"] == 2021 + i % 5) & (frame["country"] != "WLD")]
        g = part.groupby(["mineral_id", "stage", "year", "country"])["value"].sum().reset_index()
        g["share"] = 100 * g["value"] / g.groupby(["mineral_id"])["value"].transform("sum")
        g["sq"] = g["share"] ** 2
        g.groupby("mineral_id")["sq"].sum()
        baseline.append(time.perf_counter() - t)
        del frame
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"times": times, "peak_rss_mb": rss_kb / 1024, "baseline": baseline}))
"""


def run_queries(path: Path, kind: str, reps: int, baseline: bool = False) -> dict:
    """Run in a fresh process so peak RSS belongs to the query alone (the pandas baseline, which
    loads the whole panel, runs after the timed queries and only at sizes that fit in memory)."""
    import json
    out = subprocess.run([sys.executable, "-c", QUERY_SCRIPT, str(path), kind, str(reps), str(int(baseline))],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def bench_scale(sizes=(1_000_000, 10_000_000, 100_000_000), reps=10) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory(prefix="rex-scale-") as tmp:
        for rows in sizes:
            path = Path(tmp) / f"panel_{rows}.parquet"
            t = time.perf_counter()
            generate(path, rows)
            gen_s = time.perf_counter() - t
            import duckdb
            from rexlib import panel
            agg = Path(tmp) / f"panel_{rows}_yearly.parquet"
            t = time.perf_counter()
            agg_rows = panel.preaggregate(duckdb.connect(), str(path), str(agg))
            agg_s = time.perf_counter() - t
            for kind in ("concentration", "coverage"):
                r = run_queries(agg, kind, reps)
                results.append(dict(rows=rows, query=f"{kind} (pre-aggregated)", p50_s=statistics.median(r["times"]),
                                    p95_s=p95(r["times"]), peak_rss_mb=r["peak_rss_mb"], baseline_s=None,
                                    generate_s=agg_s, file_mb=agg.stat().st_size / 1e6, agg_rows=agg_rows))
            for kind in ("concentration", "coverage"):
                r = run_queries(path, kind, reps, baseline=rows <= 10_000_000)
                results.append(dict(rows=rows, query=kind, p50_s=statistics.median(r["times"]),
                                    p95_s=p95(r["times"]), peak_rss_mb=r["peak_rss_mb"],
                                    baseline_s=statistics.median(r["baseline"]) if r["baseline"] else None,
                                    generate_s=gen_s, file_mb=path.stat().st_size / 1e6))
            path.unlink()
            agg.unlink()
    return results
