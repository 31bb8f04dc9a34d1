"""The executed notebooks kept beside the reports open in JupyterLab with their charts visible even
UNTRUSTED (issue 25): every chart output of every produced .ipynb of the shared run has a form the
installed JupyterLab shows untrusted (tests/pages/jupyterlab_rules.py), and the report's HTML page
keeps one copy of each chart (the SVG), not the image too."""
from __future__ import annotations

import re

import nbformat
import pytest

from tests.pages import jupyterlab_rules as lab


@pytest.mark.skipif(lab.rules() is None, reason="JupyterLab's bundle not installed")
def test_every_chart_of_a_kept_notebook_shows_untrusted(small_plan):
    _root, date_dir, _ = small_plan
    notebooks = [p for p in sorted(date_dir.rglob("*.ipynb")) if "probe" not in p.parts]
    assert len(notebooks) >= 8
    charts_seen = 0
    for path in notebooks:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                html = "".join(data.get("text/html", ""))
                charts = len(re.findall(r'<svg[^>]*class="marks"', html))
                if "image/svg+xml" in data:        # an Altair chart: a safe image beside it
                    assert lab.untrusted_mimetype(data) in ("image/png", "image/jpeg"), path.name
                    charts_seen += 1
                if charts:
                    assert lab.untrusted_mimetype(data) == "text/html"
                    assert len(lab.images_shown(html)) == charts, (path.name, charts)
                    charts_seen += charts
        page = path.with_suffix(".html")
        if page.exists():
            assert 'class="rex-chart-img"' not in page.read_text(encoding="utf-8"), page.name
    assert charts_seen >= 20
