"""Scale benchmark: synthetic production panels (1M, 10M, 100M rows) in Parquet with the production
table's schema and realistic cardinalities (minerals × countries × years × months × product codes),
queried through rexlib.scale (DuckDB over Parquet, never loaded into pandas); and the DuckDB-vs-Spark
comparison (:func:`bench_engines`): the same query on the same Parquet at 10M rows, both panel
shapes, through DuckDB and through Spark local mode in one run. Generated on the fly into a
temporary folder; never committed."""
from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from rexlib import scale
from rexlib.scale.synthetic import PRODUCTION_DIMS as DIMS  # noqa: F401  (the panel's cardinalities)
from rexlib.scale.synthetic import production_panel, trade_panel


def generate(path: Path, rows: int) -> Path:
    """Write a production-shaped panel of ``rows`` rows to ``path`` (streamed; bounded memory)."""
    return production_panel(path, rows)


QUERY_SCRIPT = r"""
import json, resource, sys, time, duckdb
from rexlib import scale as panel
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
            agg = Path(tmp) / f"panel_{rows}_yearly.parquet"
            t = time.perf_counter()
            agg_rows = scale.preaggregate(duckdb.connect(), str(path), str(agg))
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


# The user queries timed on both engines: one per panel shape, each reading the whole panel.
ENGINE_QUERIES = {
    "trade-flow": ("partner concentration per reporter × mineral × year (HS6 codes joined to minerals)",
                   lambda con, path: scale.partner_concentration(con, path, by="mineral")),
    "production": ("concentration per mineral × stage × year",
                   lambda con, path: scale.concentration(con, path)),
}


def _jvm_cpu_s(pid: int | None) -> float:
    """CPU seconds (user + system) the Spark JVM has used so far, from /proc (0 when unknown)."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(fn, reps: int, jvm_pid: int | None = None, warm: bool = True) -> tuple[list[float], list[float], int]:
    """Wall times and CPU seconds (this process + the JVM) of ``reps`` runs after one warm-up.
    CPU seconds are the figure to read on a shared machine: other processes stretch wall time."""
    if warm:
        fn()  # warm-up: file metadata, JIT (Spark), query compilation
    times, cpu, rows_out = [], [], 0
    for _ in range(reps):
        c = time.process_time() + _jvm_cpu_s(jvm_pid)
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() + _jvm_cpu_s(jvm_pid) - c)
        rows_out = len(out)
    return times, cpu, rows_out


def java_version() -> str:
    try:
        done = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "no java"
    return (done.stderr or done.stdout).splitlines()[0].strip() if (done.stderr or done.stdout) else "java"


def bench_engines(rows: int = 10_000_000, reps: int = 3, cores: int = 2, countries: int = 200,
                  smoke: bool = False) -> dict:
    """The same query on the same Parquet file through DuckDB (``threads = cores``) and Spark local
    mode (``local[cores]``), for both panel shapes, in one process and one run. Returns the timings,
    rows/s and the Spark/DuckDB ratio, plus Spark's session start-up and its per-query floor (the same
    query on a 1,000-row panel). ``smoke``: one cold run per engine and shape, no floor (CI)."""
    import pyspark  # the optional extra; section_engines checks it is installed
    load = os.getloadavg()[0]
    out = dict(rows=rows, reps=reps, cores=cores, load_before=load, machine=f"{platform.machine()}, {java_version()}, "
               f"pyspark {pyspark.__version__}", shapes=[])
    with tempfile.TemporaryDirectory(prefix="rex-engines-") as tmp:
        paths, tiny = {}, {}
        t = time.perf_counter()
        paths["trade-flow"] = str(trade_panel(Path(tmp) / "trade.parquet", rows - rows % 7, countries=countries,
                                                 threads=cores))
        paths["production"] = str(production_panel(Path(tmp) / "production.parquet", rows, threads=cores))
        tiny["trade-flow"] = str(trade_panel(Path(tmp) / "trade_tiny.parquet", 994, countries=20, threads=cores))
        tiny["production"] = str(production_panel(Path(tmp) / "production_tiny.parquet", 1000, threads=cores))
        out["generate_s"] = time.perf_counter() - t
        con = duckdb.connect()
        con.execute(f"SET threads = {cores}")
        con.execute("SET enable_progress_bar = false")
        t = time.perf_counter()
        spark = scale.local_spark_session(cores)
        out["spark_start_s"] = time.perf_counter() - t
        jvm = int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
        try:
            for shape, (label, query) in ENGINE_QUERIES.items():
                scanned = duckdb.sql(f"SELECT count(*) FROM read_parquet('{paths[shape]}')").fetchall()[0][0]
                duck, duck_cpu, n_duck = _timed(lambda: query(con, paths[shape]), reps, warm=not smoke)
                sp, sp_cpu, n_spark = _timed(lambda: query(spark, paths[shape]), reps, jvm, warm=not smoke)
                floor, _, _ = ([float("nan")], None, None) if smoke else _timed(lambda: query(spark, tiny[shape]), reps)
                duck_floor, _, _ = ([float("nan")], None, None) if smoke else _timed(lambda: query(con, tiny[shape]), reps)
                d50, s50 = statistics.median(duck), statistics.median(sp)
                dc, sc = statistics.median(duck_cpu), statistics.median(sp_cpu)
                out["shapes"].append(dict(
                    shape=shape, query=label, rows=scanned, groups=n_duck, groups_spark=n_spark,
                    duckdb_p50_s=d50, spark_p50_s=s50, duckdb_max_s=max(duck), spark_max_s=max(sp),
                    ratio=s50 / d50, duckdb_rows_per_s=scanned / d50, spark_rows_per_s=scanned / s50,
                    duckdb_cpu_s=dc, spark_cpu_s=sc, cpu_ratio=sc / dc if dc else float("nan"),
                    duckdb_rows_per_cpu_s=scanned / dc if dc else float("nan"),
                    spark_rows_per_cpu_s=scanned / sc if sc else float("nan"),
                    spark_floor_s=statistics.median(floor), duckdb_floor_s=statistics.median(duck_floor)))
        finally:
            spark.stop()
    out["load_after"] = os.getloadavg()[0]
    return out
