"""The consistency test's published side (tests/test_consistency.py: library and live apps;
tests/reports/test_report_consistency.py: reports): published pages show the library's figures,
the same as the live app computes for the same view; and a link made from a published page's
controls opens the same view in a fresh browser, for every app (the static site served by a plain
file server, as a static host would)."""
from __future__ import annotations

import html
import json
import re

import pytest

from rexlib.query import api
from rexlib.etl import series
from rexlib.app import publish as P
from rexlib.app.ui import data as d
from tests.test_consistency import expected_tiles, tiles


def _pages(out, app: str) -> list[tuple[str, dict]]:
    manifest = json.loads((out / P.MANIFEST).read_text(encoding="utf-8"))["pages"]
    return [(rel, entry["params"]) for rel, entry in sorted(manifest.items()) if entry["app"] == app]


@pytest.mark.slow      # the published subset (conftest.published)
def test_published_mineral_profiles_show_the_librarys_and_the_live_apps_tiles(published):
    from rexlib.app.ui.mineral_profile import MineralProfile
    out, _ = published
    checked = 0
    for rel, params in _pages(out, "mineral_profile"):
        shown = tiles((out / rel).read_text(encoding="utf-8"))
        live = tiles("".join(MineralProfile(**params).render()))
        assert shown == live, rel                                  # the live app, the same view
        if params["stage"] == series.primary_stage(params["mineral"]):
            expected = expected_tiles(params["mineral"], params["year"])
            assert expected, rel
            for label, value in expected.items():
                assert shown.get(label) == value, (rel, label, shown)   # the library
            checked += 1
    assert checked >= 2        # cobalt (the default view) and rare earths


@pytest.mark.slow
def test_the_published_import_reliance_page_shows_each_headline(published):
    out, _ = published
    (rel, params), = [(r, p) for r, p in _pages(out, "import_reliance") if r.endswith("/index.html")]
    page = html.unescape((out / rel).read_text(encoding="utf-8"))
    head = api.headline_import_reliance(params["year"]).set_index("mineral_id")
    for mineral in ("cobalt", "gallium", "lithium", "rare_earths", "graphite", "antimony", "tungsten"):
        text = d.nir_text(head.loc[mineral])
        assert head.at[mineral, "name"] in page and text in page, (mineral, text)


# ---------------------------------------------------------------- a shared link, in a fresh browser

def _state(page) -> dict:
    return page.evaluate("""() => ({title: document.title, query: (window.REX_PAGE || {}).query,
        h1: (document.querySelector('main h1') || {}).textContent,
        share: (document.querySelector('.rex-share-url') || {}).value})""")


def test_a_link_made_from_a_published_pages_controls_opens_the_same_view_in_a_fresh_browser(
        chromium, published, published_url):
    out, _ = published
    moved = []
    for app in P.PUBLISHED:
        first = chromium.new_context(viewport={"width": 1280, "height": 900})
        page = first.new_page()
        page.goto(f"{published_url}/{app}/")
        # a control's option that opens another published page of the subset
        options = page.evaluate("""() => [...document.querySelectorAll('select.rex-go')].flatMap(s =>
            [...s.options].filter(o => o.value && !o.selected && !o.value.includes('voila/'))
            .map(o => ({name: s.name, value: o.value, label: o.textContent})))""")
        option = next((o for o in options if (out / app / o["value"]).exists()), None)
        assert option, (app, options[:5])
        with page.expect_navigation():
            page.select_option(f'select[name="{option["name"]}"]', value=option["value"])
        page.wait_for_load_state()
        chosen = _state(page)
        link = chosen["share"]
        assert link.startswith(f"{published_url}/{app}/?") and link == page.url, (app, link, page.url)
        first.close()
        fresh = chromium.new_context(viewport={"width": 1280, "height": 900})    # no history, no storage
        again = fresh.new_page()
        again.goto(link)
        again.wait_for_function("document.readyState === 'complete' && !!window.REX_PAGE", timeout=30000)
        opened = _state(again)
        fresh.close()
        assert opened == chosen, (app, option, chosen, opened)
        moved.append((app, option["name"], re.sub(r"\s+", " ", option["label"]).strip()))
    assert len(moved) == len(P.PUBLISHED)
