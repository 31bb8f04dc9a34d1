"""Smoke runs of the benchmark sections (small sizes, no targets asserted), so the benchmarks cannot
rot: each section runs end to end through ``python -m benchmarks --quick`` (in a subprocess, as a
user runs it) and writes its table. Run by ``python -m benchmarks --checks``, not by the test suite
(they re-time what tests/ui already exercises; README "Tests")."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


def _run(tmp_path, *sections: str) -> str:
    out = tmp_path / "r.md"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only", *sections, "--output", str(out)],
                          cwd=PROJECT, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return out.read_text()


def test_callbacks_and_build_sections(tmp_path, db):
    text = _run(tmp_path, "callbacks", "build")
    assert "| mineral_profile | mineral |" in text and "| explore | table |" in text
    assert "| build, median |" in text


def test_voila_url_and_reports_sections(tmp_path, db):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium (apt-get install -y chromium)")
    text = _run(tmp_path, "urls", "reports")
    assert "| `mineral_profile.ipynb?mineral=gallium&year=2024` |" in text
    assert "| speed-up |" in text


def test_engines_section(tmp_path):
    """DuckDB vs Spark local mode on tiny panels of both shapes (the 10M-row figures are in results.md)."""
    if importlib.util.find_spec("pyspark") is None or shutil.which("java") is None:
        pytest.skip("needs PySpark and Java: pip install -e '.[spark]'; apt-get install -y openjdk-17-jre-headless")
    text = _run(tmp_path, "engines")
    assert "| trade-flow | partner concentration per reporter × mineral × year" in text
    assert "| production | concentration per mineral × stage × year | 14,000 |" in text
    assert "❌" not in text   # both engines returned the same number of groups


def test_scale_section(tmp_path):
    from benchmarks.__main__ import main
    assert main(["--quick", "--only", "scale", "--output", str(tmp_path / "r.md")]) == 0
    text = (tmp_path / "r.md").read_text()
    assert "| 1,000,000 | concentration |" in text
