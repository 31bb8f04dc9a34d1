"""Batch reports: `rex report` (parallel workers, one kernel per report) vs a plain sequential loop
of `papermill` CLI calls over the same notebooks and parameters, in the same run.

The full daily plan renders ~90 reports (about 15–20 min sequentially on 2 cores); ``limit`` takes
the first N jobs of the plan (mineral profiles and overview notebooks interleaved) for a shorter run.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rexlib.core.paths import PROJECT


def plan_jobs(limit: int | None) -> list[tuple[str, dict]]:
    from rexlib.reports.plans import expand, load_plan
    jobs = [j for j in expand(load_plan("daily")) if not j.unsupported]
    profiles = [j for j in jobs if j.notebook == "mineral_profile"]
    overview = [j for j in jobs if j.notebook != "mineral_profile"]
    ordered = overview + profiles
    if limit:
        ordered = overview[: max(1, limit // 4)] + profiles[: limit - max(1, limit // 4)]
    return [(j.notebook, dict(j.params)) for j in ordered]


def bench_reports(limit: int | None = 8) -> dict:
    jobs = plan_jobs(limit)
    with tempfile.TemporaryDirectory(prefix="rex-bench-reports-") as tmp:
        tmp = Path(tmp)
        plan = tmp / "plan.json"
        plan.write_text(json.dumps({"jobs": [{"notebook": nb, "params": p} for nb, p in jobs]}))
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "rexlib.cli", "report", "--plan", str(plan), "--output",
                        str(tmp / "rex"), "--quiet", "--force"], cwd=PROJECT, check=True)
        rex_s = time.perf_counter() - t
        t = time.perf_counter()
        for i, (nb, params) in enumerate(jobs):
            args = [sys.executable, "-m", "papermill", str(PROJECT / "notebooks" / f"{nb}.ipynb"),
                    str(tmp / f"pm-{i}.ipynb"), "--no-progress-bar", "-k", "python3"]
            for key, value in params.items():
                args += ["-p", key, str(value)]
            subprocess.run(args, cwd=PROJECT, check=True, capture_output=True)
            subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input",
                            str(tmp / f"pm-{i}.ipynb")], cwd=PROJECT, check=True, capture_output=True)
        loop_s = time.perf_counter() - t
        shutil.rmtree(tmp / "rex", ignore_errors=True)
    return dict(reports=len(jobs), rex_report_s=rex_s, papermill_loop_s=loop_s, speedup=loop_s / rex_s)
