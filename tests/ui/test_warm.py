"""Preheated kernels warm the data layer (App.warm) after the default view: after it a visitor's
widget change (sections already in the shared tier) runs no query at all."""
from __future__ import annotations


import pytest

from rexlib.app.ui import cache


@pytest.fixture
def fresh(db):
    cache.clear_all()
    yield
    cache.clear_all()


@pytest.mark.parametrize("module, attr, values", [
    ("scenario", "mineral", ["cobalt", "graphite"]),       # (the read-only apps are published pages:
])                                                          # their live apps keep no preheated kernel)
def test_a_warmed_kernel_answers_widget_changes_without_queries(fresh, monkeypatch, tmp_path, module, attr, values):
    import importlib
    import rexlib.query.warehouse
    monkeypatch.setenv("REX_SHARED_CACHE", "1")
    monkeypatch.setenv("REX_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache, "SHARED", cache.SharedSections())
    app_module = importlib.import_module(f"rexlib.app.ui.{module}")
    earlier = app_module.app()                  # an earlier visitor draws the views
    earlier.widget()
    for value in values:
        setattr(getattr(earlier, attr), "value", value)
    cache.clear_all()                           # the next visitor's kernel: memory empty ...
    visitor = app_module.app()
    visitor.widget()
    type(visitor).warm()                        # ... warmed while it waited in the pool
    calls = []
    real = rexlib.query.warehouse.query
    monkeypatch.setattr(rexlib.query.warehouse, "query", lambda *a, **k: calls.append(a[0][:60]) or real(*a, **k))
    for name in ("query.api", "app.ui.data", f"app.ui.{module}"):
        mod = importlib.import_module(f"rexlib.{name}")
        if hasattr(mod, "query"):
            monkeypatch.setattr(mod, "query", rexlib.query.warehouse.query)
    for value in values:
        setattr(getattr(visitor, attr), "value", value)
    assert calls == []
    assert cache.sections(module).shared_hits >= len(values)
