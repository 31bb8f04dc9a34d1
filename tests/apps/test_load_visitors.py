"""Ten new visitors at once on mineral_profile, each with a URL of its own (issue 20, Load).

One server with its default pools, the browser on the same cores. Every page must draw (no blank
page), go live showing its own URL's mineral, with no error; and the kernels' memory must be back to
the pools' size within a minute of the tabs closing (before: 17 kernels, 5.4 GB, stayed until the
idle cull). Times to the first chart and to the live (interactive) page, and where the CPU went, are
recorded in test-artifacts/load-visitors.txt, not asserted: speed is measured by
``python -m benchmarks.visitors`` against a baseline in the same run (benchmarks/results.md, "Ten
visitors at once")."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.load
@pytest.mark.browser
@pytest.mark.slow
def test_ten_visitors_on_mineral_profile(browser):
    from benchmarks.visitors import visit_at_once

    from .conftest import start_server, stop_server
    proc, base = start_server("voila-load-visitors.log")
    try:
        figures, problems = visit_at_once(browser, proc, base, log=ARTIFACTS / "voila-load-visitors.log")
    finally:
        stop_server(proc)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "load-visitors.txt").write_text(json.dumps(figures, indent=1) + "\n" + "".join(f"{p}\n" for p in problems))
    print(json.dumps(figures))
    assert not problems, problems
    assert figures["memory_back_to_pool_after_s"] is not None and figures["memory_back_to_pool_after_s"] <= 60, figures
    assert figures["after_kernels"] <= figures["pool_kernels"], figures
