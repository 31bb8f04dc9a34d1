"""Processing in the browser (issue 15): the mineral profile at ``?stage=processing`` for gallium
(USGS 2025), rare earths (IEA 2023 magnet block) and tungsten (EU 2016-2020 averages), a stage
change to processing redraws, and the chokepoints' processing view; screenshots at 1280 and 1920 px."""
from __future__ import annotations

import pytest

from .test_apps import CHART, _assert_clean, _marks, _open
from .test_outlook_app import _select, _shots, _wait_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("mineral,title,source", [
    ("gallium", "Gallium: share of world processing, 2025", "USGS Mineral Commodity Summaries"),
    ("rare_earths", "Rare earths: share of world processing, 2023", "Critical Minerals Data Explorer"),
    ("tungsten", "Tungsten: share of world processing, 2016-2020 average", "unofficial transcription"),
])
def test_the_profile_at_the_processing_stage(page, voila_url, mineral, title, source):
    _open(page, f"{voila_url}/voila/render/mineral_profile.ipynb?mineral={mineral}&stage=processing")
    _assert_clean(page)
    _wait_text(page, title)
    assert _marks(page) > 20
    live = page.inner_text(".rex-live")
    assert source in live and "Mining beside processing" in live
    assert page.locator(".widget-dropdown:has(label:text-is('Stage')) select").input_value() == "processing"
    for width in (1280, 1920):          # one visit, the window resized
        _shots(page, f"mineral_profile-processing-{mineral}-{width}", width)


def test_a_stage_change_to_processing_redraws(page, voila_url):
    _open(page, f"{voila_url}/voila/render/mineral_profile.ipynb?mineral=tungsten")
    _assert_clean(page)
    before = page.locator(CHART).first.inner_html()
    _select(page, "Stage", "processing")
    page.wait_for_function("([sel, old]) => { const e = document.querySelector(sel); return e && e.innerHTML !== old; }",
                           arg=[CHART, before], timeout=120_000)
    _wait_text(page, "Where Tungsten is processed (2016-2020 average)")
    _assert_clean(page)
    assert "stage=processing" in page.locator(".rex-share input").input_value()


def test_wide_screens_of_processing(browser, voila_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1400})
    page = context.new_page()
    try:
        _open(page, f"{voila_url}/voila/render/chokepoints.ipynb?stage=processing")
        _assert_clean(page)
        _wait_text(page, "Most concentrated minerals, processing stage")
        assert "unofficial transcription" in page.inner_text(".rex-live")
        _shots(page, "chokepoints-processing-1920", 1920)
    finally:
        context.close()
