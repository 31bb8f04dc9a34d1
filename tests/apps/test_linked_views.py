"""The views pooled kernels draw ahead (rexlib/ui/linked_views.yml) are real views of real apps, and
every example link on the landing page is among them."""
from __future__ import annotations

from urllib.parse import parse_qs

from rexlib.ui import common, index
from rexlib.ui.common import NOTEBOOKS, linked_views


def test_every_landing_page_example_is_drawn_ahead():
    views = linked_views()
    for slug, _title, _line, example in index.APPS:
        assert example in views.get(slug, []), f"{slug}?{example} is linked from the landing page"


def test_linked_views_name_existing_apps_and_their_parameters(db, monkeypatch):
    import importlib
    monkeypatch.setenv("VOILA_BASE_URL", "/")      # as in a Voila kernel: URL parameters apply
    for app, queries in linked_views().items():
        assert (NOTEBOOKS / f"{app}.ipynb").exists(), app
        module = importlib.import_module(f"rexlib.ui.{app}")
        for query in queries:
            params = {k: v[-1] for k, v in parse_qs(query).items()}
            # as a pooled kernel draws it (render_default_view's own assignment): the URL parameters
            # through resolve(), no warning, no error
            common._default_view, common._ahead_params = True, parse_qs(query, keep_blank_values=True)
            try:
                view = module.app()
            finally:
                common._default_view, common._ahead_params = False, {}
            assert not view.notes, (app, query, view.notes)
            view.widget()
            state = view.url_state()       # the view's link carries the same values
            for key, value in params.items():
                assert state.get(key, str(view._defaults.get(key))) == value, (app, query, state)
