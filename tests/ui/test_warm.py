"""Preheated kernels warm the data layer (App.warm) after the default view: the bulk production
load must give exactly the rows the per-mineral query gives, and after it a visitor's mineral
change (sections already in the shared tier) runs no query at all."""
from __future__ import annotations

import pandas as pd
import pytest

from rexlib import api
from rexlib.ui import cache
from rexlib.ui import data as d


@pytest.fixture
def fresh(db):
    cache.clear_all()
    yield
    cache.clear_all()


def test_bulk_production_equals_the_per_mineral_query_for_every_series(fresh):
    d.warm_production()
    (by_series,) = d._PRODUCTION_ALL.values()
    assert len(by_series) >= 90            # every (mineral, stage) with rows in production_latest
    for (mineral, stage), frame in by_series.items():
        pd.testing.assert_frame_equal(frame, api.production(mineral, stage), obj=f"{mineral}/{stage}")
    # a real row: cobalt mine production, Congo (Kinshasa), from the MCS2026 table
    cobalt = by_series[("cobalt", "mine")]
    assert (cobalt["country"] == "COD").any() and cobalt["share_pct"].max() > 50


def test_bulk_load_is_dropped_with_the_memory_caches(fresh):
    d.warm_production()
    assert d._PRODUCTION_ALL
    cache.clear_all()
    assert not d._PRODUCTION_ALL


def test_unknown_mineral_still_gets_the_clear_error_after_warming(fresh):
    d.warm_production()
    with pytest.raises(ValueError, match="unobtainium"):
        d.production("unobtainium", "mine")


@pytest.mark.parametrize("module, attr, values", [
    ("mineral_profile", "mineral", ["lithium", "gallium", "graphite"]),
    ("import_reliance", "year", [2022, 2023]),
    ("scenario", "mineral", ["cobalt", "graphite"]),
])
def test_a_warmed_kernel_answers_widget_changes_without_queries(fresh, monkeypatch, tmp_path, module, attr, values):
    import importlib
    import rexlib.warehouse
    monkeypatch.setenv("REX_SHARED_CACHE", "1")
    monkeypatch.setenv("REX_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "SHARED", cache.SharedSections())
    app_module = importlib.import_module(f"rexlib.ui.{module}")
    earlier = app_module.app()                  # an earlier visitor draws the views
    earlier.widget()
    for value in values:
        setattr(getattr(earlier, attr), "value", value)
    cache.clear_all()                           # the next visitor's kernel: memory empty ...
    visitor = app_module.app()
    visitor.widget()
    type(visitor).warm()                        # ... warmed while it waited in the pool
    calls = []
    real = rexlib.warehouse.query
    monkeypatch.setattr(rexlib.warehouse, "query", lambda *a, **k: calls.append(a[0][:60]) or real(*a, **k))
    for name in ("api", "ui.data", f"ui.{module}"):
        mod = importlib.import_module(f"rexlib.{name}")
        if hasattr(mod, "query"):
            monkeypatch.setattr(mod, "query", rexlib.warehouse.query)
    for value in values:
        setattr(getattr(visitor, attr), "value", value)
    assert calls == []
    assert cache.sections(module).shared_hits >= len(values)
