"""An app's output in a notebook (a report's executed .ipynb, the app opened in JupyterLab) and a
research notebook's Altair charts show their charts when JupyterLab opens the notebook UNTRUSTED,
judged by the installed JupyterLab's own rules (tests/pages/jupyterlab_rules.py). Why not sign the
notebooks: trust is a signature in the reader's own notebook database, absent on any other machine."""
from __future__ import annotations

import re

import pytest

from rexlib.app.ui import common as c

from . import jupyterlab_rules as lab

pytestmark = pytest.mark.skipif(lab.rules() is None, reason="JupyterLab's bundle not installed")


def test_jupyterlab_drops_svg_and_keeps_data_images_of_an_untrusted_notebook():
    rules = lab.rules()
    assert rules["mimes"]["image/svg+xml"][0] is False and rules["mimes"]["image/png"][0] is True
    assert rules["mimes"]["text/html"][0] is True and "svg" not in rules["tags"] and "style" not in rules["tags"]
    assert "img" in rules["tags"] and "src" in rules["img"] and "src" not in rules["scheme_checked"]
    # what main wrote: an Altair chart through the "svg" renderer, an app's HTML with inline SVG
    assert lab.untrusted_mimetype({"image/svg+xml": "<svg/>", "text/plain": "alt.Chart(...)"}) == "text/plain"
    assert not lab.images_shown('<div class="rex-chart"><svg class="marks"><rect/></svg></div>')


def _displayed(app: str, monkeypatch) -> list:
    from rexlib.app import publish as P
    shown = []
    monkeypatch.setattr(c, "display", lambda obj, **kw: shown.append(obj))
    monkeypatch.delenv("VOILA_BASE_URL", raising=False)
    monkeypatch.delenv("VOILA_APP_IP", raising=False)
    instance = P.run_notebook(app, dict(P.default_view(app)))
    instance._ipython_display_()
    return [obj.data for obj in shown if hasattr(obj, "data") and isinstance(obj.data, str)]


def test_an_apps_charts_show_in_an_untrusted_notebook(db, monkeypatch):
    # the claims app: one chart (the verdicts), drawn as SVG outside Voila
    html_outputs = _displayed("claims", monkeypatch)
    assert len(html_outputs) == 1
    page = html_outputs[0]
    charts = len(re.findall(r'<svg[^>]*class="marks"', page))
    assert charts >= 1
    images = lab.images_shown(page)
    assert len(images) == charts and all(img.get("alt") for img in images)
    # where the page's styles apply (trusted, exported) the image is hidden: the SVG is the view
    assert ".rex-chart-img{display:none}" in page


def test_a_research_notebooks_altair_chart_shows_untrusted(db):
    import altair as alt

    from rexlib.charts.base import notebook_bundle
    # the gallium producers of data/raw/usgs/mcs2026/MCS2026_Commodities_Data.csv (the notebook's own query)
    import rexlib
    frame = rexlib.production("gallium", stage="refinery", year=2024).dropna(subset=["value"])
    chart = alt.Chart(frame).mark_bar().encode(x="value:Q", y="name:N").properties(title="Gallium")
    bundle = notebook_bundle(chart.to_dict())
    assert lab.untrusted_mimetype(bundle) == "image/png"
    assert bundle["image/png"][:8] == "iVBORw0K"            # a PNG's signature, base64
    assert bundle["text/plain"] == "<chart: Gallium>" and "image/svg+xml" in bundle
