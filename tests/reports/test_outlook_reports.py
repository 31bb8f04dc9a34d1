"""`rex report` renders the demand outlook as the daily plan does: one key mineral and the overview,
each an HTML page with its charts drawn (inline SVG with marks), source lines and CSV links."""
from __future__ import annotations

import re

import pytest

from .conftest import rex_report, statuses, write_plan


@pytest.mark.slow
def test_outlook_reports_render_with_drawn_charts(tmp_path, db):
    plan = write_plan(tmp_path / "plan.json", [{"notebook": "outlook", "each": {"mineral": ["cobalt"]}},
                                               {"notebook": "outlook", "params": {"view": "overview"}}])
    root = tmp_path / "out"
    done = rex_report("--plan", plan, "--output", root, "--date", "2026-01-07", timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    day = root / "2026-01-07"
    assert statuses(day) == {"outlook/mineral=cobalt": "ok", "outlook/view=overview": "ok"}
    for page, charts, text in (("mineral=cobalt", 8, "Cobalt: total demand, 2035 (STEPS)"),
                               ("view=overview", 3, "Which scenario the announced supply covers")):
        html = (day / "outlook" / f"{page}.html").read_text()
        assert len(re.findall(r'<svg[^>]*class="marks"', html)) >= charts
        assert re.search(r'class="mark-(rect|area|line|symbol)', html) and text in html
        assert "Source: IEA (2024), Critical Minerals Data Explorer" in html and "data:text/csv;base64," in html
        assert "Traceback" not in html and 'class="rex-msg rex-msg-error"' not in html
