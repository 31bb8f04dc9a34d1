"""The demand-outlook app in the real Voila server, in headless Chromium, as tests/apps/test_apps.py
checks the others: it loads clean and draws, a widget change redraws, URL parameters set the state,
an invalid one names the valid values, the landing page links it; screenshots at 1280 and 1920 px."""
from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS
from .test_apps import CHART, LOAD_TIMEOUT, _assert_clean, _marks, _open

pytestmark = [pytest.mark.browser, pytest.mark.slow]
APP = "outlook"


def _select(page, label: str, option: str) -> None:
    page.locator(f".widget-dropdown:has(label:text-is('{label}')) select").select_option(label=option)


def _shots(page, name: str, width: int) -> None:
    """The whole app (Voila scrolls inside its own element, so full_page would stop at the viewport):
    a tall viewport, then one screenshot per 1,800 px band, each small enough to look at."""
    page.set_viewport_size({"width": width, "height": 7000})
    page.wait_for_timeout(500)
    height = min(7000, page.evaluate("() => document.querySelector('.rex-live').getBoundingClientRect().bottom") + 40)
    for i, top in enumerate(range(0, int(height), 1800)):
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{i}.png"),
                        clip={"x": 0, "y": top, "width": width, "height": min(1800, height - top)})


def _wait_text(page, text: str, timeout: int = 120_000) -> None:
    page.wait_for_function("(t) => document.body.innerText.includes(t) || "
                           "[...document.querySelectorAll('svg.marks text')].some(e => e.textContent.includes(t))",
                           arg=text, timeout=timeout)


def test_loads_draws_and_a_mineral_change_redraws(page, voila_url):
    errors = _open(page, f"{voila_url}/voila/render/{APP}.ipynb")
    _assert_clean(page)
    assert page.locator(CHART).count() >= 7
    assert _marks(page) > 50
    live = page.inner_text(".rex-live")
    assert live.count("Source:") >= 7 and "Download CSV" in live
    assert "Lithium: total demand, 2035 (STEPS)" in live
    assert page.locator(".rex-static:visible").count() == 0
    _shots(page, f"{APP}-default-1280", 1280)
    before = page.locator(CHART).first.inner_html()
    _select(page, "Mineral", "Copper")
    page.wait_for_function("([sel, old]) => { const e = document.querySelector(sel); return e && e.innerHTML !== old; }",
                           arg=[CHART, before], timeout=120_000)
    _wait_text(page, "Copper: total demand, 2035 (STEPS)")
    _assert_clean(page)
    _select(page, "Scenario", "NZE")
    _wait_text(page, "Copper: total demand, 2035 (NZE)")
    _select(page, "View", "All key minerals")
    _wait_text(page, "Which scenario the announced supply covers")
    _assert_clean(page)
    _shots(page, f"{APP}-overview-1280", 1280)
    assert not [e for e in errors if "fontawesome" not in e.lower()], errors


def test_url_parameters_set_the_state(page, voila_url):
    _open(page, f"{voila_url}/voila/render/{APP}.ipynb?mineral=cobalt&scenario=APS&year=2040&supplier=IDN")
    _assert_clean(page)
    _wait_text(page, "Cobalt: total demand, 2040 (APS)")
    _wait_text(page, "If Indonesia cut its refining output in 2030")
    assert page.locator(".widget-dropdown:has(label:text-is('Scenario')) select").input_value() == "APS"
    page.screenshot(path=str(SCREENSHOTS / f"{APP}-url.png"))


def test_a_clean_technology_only_mineral_from_the_url(page, voila_url):
    _open(page, f"{voila_url}/voila/render/{APP}.ipynb?mineral=gallium&end_use=solar_pv&year=2050")
    _assert_clean(page)
    _wait_text(page, "The workbook gives only clean-technology demand for Gallium")
    assert page.locator(".widget-dropdown:has(label:text-is('Supplier cut in 2030')) select").is_disabled()


@pytest.mark.parametrize("query,phrase", [("scenario=BAU", "Valid scenario values: APS, NZE, STEPS"),
                                          ("mineral=lithium&end_use=wind", "Valid end_use values: all, "
                                                                           "electric_vehicles, grid_battery_storage"),
                                          ("year=2031", "Valid year values: 2030, 2035, 2040, 2045, 2050")])
def test_invalid_url_parameter_lists_the_valid_values(page, voila_url, query, phrase):
    _open(page, f"{voila_url}/voila/render/{APP}.ipynb?{query}")
    box = page.locator(".rex-live .rex-msg-error").first
    box.wait_for(timeout=60_000)
    assert phrase in box.inner_text()
    assert "Traceback" not in page.inner_text("body")
    page.screenshot(path=str(SCREENSHOTS / f"{APP}-invalid-{query.split('=')[0]}.png"))


def test_wide_screen_1920(browser, voila_url):
    context = browser.new_context(viewport={"width": 1920, "height": 1400})
    page = context.new_page()
    try:
        _open(page, f"{voila_url}/voila/render/{APP}.ipynb?mineral=nickel&scenario=APS&year=2040")
        _assert_clean(page)
        _wait_text(page, "Nickel: total demand, 2040 (APS)")
        _shots(page, f"{APP}-nickel-1920", 1920)
    finally:
        context.close()


def test_landing_page_links_the_outlook(page, voila_url):
    page.goto(f"{voila_url}/voila/render/index.ipynb", timeout=LOAD_TIMEOUT)
    page.wait_for_selector("text=rex: critical-minerals workbook", timeout=LOAD_TIMEOUT)
    assert page.locator(f"a[href='{APP}.ipynb']").count() == 1
    assert page.locator(f"a[href='{APP}.ipynb?mineral=lithium&scenario=APS&year=2035']").count() == 1
