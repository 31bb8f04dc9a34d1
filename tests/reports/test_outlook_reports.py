"""`rex report` renders the demand outlook as the daily plan does: one key mineral and the overview,
each an HTML page with its charts drawn (inline SVG with marks), source lines and CSV links."""
from __future__ import annotations

import re

import pytest

from .conftest import statuses


@pytest.mark.slow
def test_outlook_reports_render_with_drawn_charts(small_plan):
    _root, day, _done = small_plan
    found = statuses(day)
    assert found["outlook/mineral=cobalt"] == "ok" and found["outlook/view=overview"] == "ok", found
    for page, charts, text in (("mineral=cobalt", 8, "Cobalt: total demand, 2035 (STEPS)"),
                               ("view=overview", 3, "Which scenario the announced supply covers")):
        html = (day / "outlook" / f"{page}.html").read_text()
        assert len(re.findall(r'<svg[^>]*class="marks"', html)) >= charts
        assert re.search(r'class="mark-(rect|area|line|symbol)', html) and text in html
        assert "Source: IEA (2024), Critical Minerals Data Explorer" in html and "data:text/csv;base64," in html
        assert "Traceback" not in html and 'class="rex-msg rex-msg-error"' not in html
