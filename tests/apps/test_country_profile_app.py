"""The country-profile app in the real Voila server, in headless Chromium, as the other apps are
checked: it loads clean and draws, a picker change redraws, URL parameters set the country and the
coalition, an invalid country names the close matches, the landing page links it; screenshots of
the published pages of Argentina, Australia, the DRC and Greenland at 1280 and 1920 px."""
from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS
from .test_apps import CHART, LOAD_TIMEOUT, _assert_clean, _marks, _open
from .test_outlook_app import _select, _wait_text

pytestmark = [pytest.mark.browser, pytest.mark.slow]
APP = "country_profile"


def test_loads_draws_and_a_country_change_redraws(page, voila_url):
    errors = _open(page, f"{voila_url}/voila/render/{APP}.ipynb")
    _assert_clean(page)
    assert page.locator(CHART).count() >= 2 and _marks(page) > 20
    live = page.inner_text(".rex-live")
    assert "Argentina: share of world mining and processing" in live and "Source:" in live
    assert "Who would add most where the set is weakest" in live
    assert page.locator(".rex-static:visible").count() == 0
    before = page.locator(CHART).first.inner_html()
    _select(page, "Country", "Australia (AUS)")
    page.wait_for_function("([sel, old]) => { const e = document.querySelector(sel); return e && e.innerHTML !== old; }",
                           arg=[CHART, before], timeout=120_000)
    _wait_text(page, "Australia: share of world mining and processing")
    _assert_clean(page)
    # the ranked candidates link to their own profiles
    assert page.locator(".rex-live a[href^='country_profile.ipynb?country=']").count() >= 5
    assert not [e for e in errors if "fontawesome" not in e.lower()], errors


def test_url_parameters_set_country_and_coalition(page, voila_url):
    _open(page, f"{voila_url}/voila/render/{APP}.ipynb?country=CHL&group=forge_members&add=ARG,AUS&remove=KOR"
                "&stage=processing")
    _assert_clean(page)
    _wait_text(page, "Chile: share of world mining and processing")
    _wait_text(page, "Coalition builder: Forum on Resource Geostrategic Engagement (FORGE) + Argentina, Australia − Korea, Republic of")
    _wait_text(page, "Who would add most where the set is weakest (processing)")
    assert page.locator(".widget-dropdown:has(label:text-is('Country')) select").input_value() == "Chile (CHL)"
    page.screenshot(path=str(SCREENSHOTS / f"{APP}-url.png"))


def test_invalid_country_shows_close_matches(page, voila_url):
    _open(page, f"{voila_url}/voila/render/{APP}.ipynb?country=Argentinia")
    box = page.locator(".rex-live .rex-msg-error").first
    box.wait_for(timeout=60_000)
    assert "Argentina (ARG)" in box.inner_text() and "Argentinia" in box.inner_text()
    assert "Traceback" not in page.inner_text("body")
    page.screenshot(path=str(SCREENSHOTS / f"{APP}-invalid.png"))


def test_screenshots_of_four_countries(browser, voila_url):
    """Each country's published page (what a visitor's link opens; rendered on request by the test
    server) once, shot at 1,280 and then 1,920 px (the window resized: the same layout code)."""
    from .test_processing_app import _open_published
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    page = context.new_page()
    try:
        for iso3, text in (("ARG", "Argentina: share of world"), ("AUS", "Australia: share of world"),
                           ("COD", "Congo, Democratic Republic of the: share of world"),
                           ("GRL", "Little is known about Greenland in these data")):
            page.set_viewport_size({"width": 1280, "height": 1400})
            errors = _open_published(page, f"{voila_url}/{APP}/?country={iso3}")
            _wait_text(page, text)
            for width in (1280, 1920):
                page.set_viewport_size({"width": width, "height": 1400})
                page.wait_for_timeout(300)
                page.screenshot(path=str(SCREENSHOTS / f"{APP}-{iso3}-{width}.png"), full_page=True)
            assert not errors, errors
    finally:
        context.close()


def test_landing_page_links_the_country_profile(page, voila_url):
    page.goto(f"{voila_url}/voila/render/index.ipynb", timeout=LOAD_TIMEOUT)
    page.wait_for_selector("text=rex: critical-minerals workbook", timeout=LOAD_TIMEOUT)
    assert page.locator(f"a[href='{APP}.ipynb']").count() == 1
    assert page.locator(f"a[href='{APP}.ipynb?country=CHL&group=forge_members&add=ARG,AUS']").count() == 1
