"""In Voila the kernel draws only the first screen's charts as SVG; the page's script draws the rest
from their specs (issue 20, load: a mineral-profile view cost 1.5-1.75 CPU s, ~80 % of it
vl-convert drawing seven SVG charts the browser redraws with vega-embed anyway).

Before: every chart of every render went through vl-convert in the kernel; in Voila, a view of
lithium 2024 sent 7 SVG charts (407 kB of HTML, 218 kB of it the world map). Now the first view
holds the SVG of its first non-map chart and placeholders for the rest, a widget change none; a
report, JupyterLab and every in-process render still get all of them; the charts and their specs
are the same in both (one chart builder, one spec)."""
from __future__ import annotations

import re

import pytest

from rexlib.charts import base
from rexlib.app.ui import cache
from rexlib.app.ui import common as c
from rexlib.app.ui import mineral_profile as mp

SPEC = re.compile(r'<script type="application/json" class="rex-spec">(.*?)</script>', re.S)
CHART = re.compile(r'<div class="rex-chart" data-rex-name="([^"]*)"')
STATIC = re.compile(r'<div class="rex-chart" data-rex-name="([^"]*)"><div class="rex-chart-tools"[^>]*>'
                    r'(?:<button[^>]*>[^<]*</button>)*</div>(<svg.*?</svg>)', re.S)


@pytest.fixture
def caches(tmp_path, monkeypatch, db):
    monkeypatch.setenv("REX_SHARED_CACHE", "1")
    monkeypatch.setenv("REX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "SHARED", cache.SharedSections())
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("REX_KERNEL_SVG", raising=False)
    monkeypatch.delenv("QUERY_STRING", raising=False)
    cache.clear_all()
    yield
    cache.clear_all()


def _voila(monkeypatch, on: bool):
    if on:
        monkeypatch.setenv("VOILA_BASE_URL", "/")
    else:
        monkeypatch.delenv("VOILA_BASE_URL", raising=False)


def _view(**kwargs) -> tuple[mp.MineralProfile, str]:
    app = mp.MineralProfile(**kwargs)
    app.widget()
    return app, "".join(s.value for s in app.body.children)


def test_first_view_in_voila_draws_the_first_screen_only(caches, monkeypatch):
    _voila(monkeypatch, True)
    assert c.browser_draws()
    _, page = _view(mineral="lithium", year=2024)
    names = CHART.findall(page)
    static = [name for name, _ in STATIC.findall(page)]
    # Behaviour, not a count of the view's charts (a new chart must not break this test, issue 29):
    # every chart but the first screen's one non-map chart is a placeholder the page draws.
    assert len(names) >= 3 and len(set(names)) == len(names), names
    # the map (first) is drawn by the page; the top producers beside it come as SVG
    assert names[0] == "lithium_share_of_world_mine_production_2024"
    assert static == ["top_producers_of_lithium_2024"], static
    assert base.count_pending(page) == len(names) - 1
    assert 'data-rex-kind="map"' in page.split('data-rex-name="top_producers_of_lithium_2024"')[0]
    assert len(page) < 150_000, len(page)       # 407 kB with every chart's SVG


def test_the_browser_gets_the_charts_a_report_shows(caches, monkeypatch):
    """Same specs in both modes, and the one SVG the kernel draws in Voila is the report's."""
    _voila(monkeypatch, True)
    _, in_voila = _view(mineral="nickel", year=2025)
    _voila(monkeypatch, False)
    assert not c.browser_draws()
    _, report = _view(mineral="nickel", year=2025)
    assert base.count_pending(report) == 0
    assert len(STATIC.findall(report)) == len(CHART.findall(report)) == len(CHART.findall(in_voila))
    assert SPEC.findall(in_voila) == SPEC.findall(report)
    drawn = dict(STATIC.findall(in_voila))
    assert drawn == {name: svg for name, svg in STATIC.findall(report) if name in drawn}
    assert list(drawn) == ["top_producers_of_nickel_2025"]


def test_a_widget_change_sends_placeholders_only(caches, monkeypatch):
    _voila(monkeypatch, True)
    app, _ = _view(mineral="graphite", year=2025)
    app.year.value = 2024
    after = "".join(s.value for s in app.body.children)
    assert "<svg" not in after and base.count_pending(after) == len(CHART.findall(after)) >= 3, after[:500]
    assert "2024" in after


def test_kernel_svg_all_keeps_every_chart_static(caches, monkeypatch):
    _voila(monkeypatch, True)
    monkeypatch.setenv("REX_KERNEL_SVG", "all")
    assert not c.browser_draws()
    _, page = _view(mineral="lithium", year=2024)
    assert base.count_pending(page) == 0 and len(STATIC.findall(page)) == len(CHART.findall(page)) >= 3


def test_placeholders_never_reach_a_report_through_the_shared_cache(caches, monkeypatch):
    """Voila kernels and report runs share the on-disk section cache: its keys say who draws."""
    _voila(monkeypatch, True)
    _view(mineral="copper", year=2025)
    cache.clear_all()                            # a new process: memory empty, disk kept
    _voila(monkeypatch, False)
    _, report = _view(mineral="copper", year=2025)
    assert base.count_pending(report) == 0 and len(STATIC.findall(report)) == len(CHART.findall(report)) >= 3
    cache.clear_all()
    _voila(monkeypatch, True)
    _, again = _view(mineral="copper", year=2025)
    assert [n for n, _ in STATIC.findall(again)] == ["top_producers_of_copper_2025"]


def test_fill_pending_counts_maps_as_first_screen_positions():
    bar = {"mark": "bar", "width": 300, "height": 200, "title": "Bars",
           "data": {"values": [{"a": 1}]}, "encoding": {"x": {"field": "a", "type": "quantitative"}}}
    world = {"mark": "geoshape", "width": 500, "height": 300, "title": "World", "data": {"values": []}}
    parts = [base.chart_block(world, base.pending_svg(world)), base.chart_block(bar, base.pending_svg(bar)),
             base.chart_block(bar, base.pending_svg(bar))]
    drawn = []
    out = base.fill_pending(parts, 2, lambda text: drawn.append(text) or "<svg>drawn</svg>")
    assert 'data-rex-kind="map"' in out[0] and "<svg>drawn</svg>" not in out[0]
    assert "<svg>drawn</svg>" in out[1] and base.count_pending(out[1]) == 0
    assert base.count_pending(out[2]) == 1       # past the first screen: the page draws it
    assert len(drawn) == 1 and '"title":"Bars"' in drawn[0]
    assert 'style="width:420px;height:290px"' in parts[1]
