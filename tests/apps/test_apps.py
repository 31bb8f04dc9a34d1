"""Each app in the real Voila server, in headless Chromium: a URL parameter sets the initial state,
the page loads without error text, draws SVG charts with marks, a widget change redraws a chart;
an invalid URL parameter shows the friendly message (never a traceback)."""
from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_TIMEOUT = 180_000
CHART = ".rex-live .rex-chart svg.marks"

# app -> (dropdown label, option label to pick, URL query, text it must show, bad query, name in message)
APPS = {
    "mineral_profile": ("Mineral", "Lithium", "mineral=gallium&year=2024", "Gallium: share of world refinery production, 2024",
                        "mineral=unobtainium", "Valid mineral values"),
    "import_reliance": ("List", "2022 U.S. critical-minerals list", "year=2022&critical=2022",
                        "U.S. net import reliance, 2022: 2022 U.S. critical-minerals list", "year=1999", "Valid year values"),
    "chokepoints": ("Stage", "refinery", "stage=smelter&year=2024", "Most concentrated minerals, smelter stage, 2024",
                    "stage=quarry", "Valid stage values"),
    "financing": ("Group by", "Mineral", "by=country", "Deal USD by asset country", "by=planet", "Valid by values"),
    "scenario": ("Mineral", "Cobalt", "mineral=graphite&cut_pct=50", "Graphite (natural): world mine supply if CHN cuts 50%",
                 "supplier=ATLANTIS", "Valid supplier values"),
    "claims": ("Verdict", "differs", "verdict=consistent", lambda: f"Claims ({_consistent_claims()})", "verdict=maybe",
               "Valid verdict values"),
    "explore": ("SQL example", "Deal amounts by agency (aggregates dropped)", "table=deals", "Table deals",
                "table=secrets", "Valid table values"),
}


def _consistent_claims() -> int:
    """How many claims the data call consistent (the claims app's count for verdict=consistent)."""
    from rexlib.metrics.claims_check import check_claims
    return int((check_claims()["verdict"] == "consistent").sum())


def other_option(select, option: str) -> str:
    """``option``, or another one where the page already shows it (the URL chose it): a change."""
    current = select.evaluate("s => s.options[s.selectedIndex].text").replace("\xa0", " ")
    if current != option:
        return option
    return next(t.replace("\xa0", " ") for t in select.locator("option").all_inner_texts()
                if t.replace("\xa0", " ") != current)


def _open(page, url):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, timeout=LOAD_TIMEOUT)
    page.wait_for_selector(CHART, timeout=LOAD_TIMEOUT)
    page.wait_for_timeout(500)
    return errors


def _assert_clean(page):
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert "There was an error when executing cell" not in text
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert page.locator(".rex-live .rex-msg-error").count() == 0, page.locator(".rex-msg-error").first.inner_text()


def _marks(page) -> int:
    return page.locator(f"{CHART} [class*='mark-'] path, {CHART} [class*='mark-'] rect, "
                        f"{CHART} [class*='mark-'] line, {CHART} [class*='mark-'] text").count()


@pytest.mark.parametrize("app", list(APPS))
def test_url_sets_the_state_the_app_draws_and_a_widget_change_redraws(app, page, voila_url):
    """One visit per app: the URL's parameters set the initial state (its text is shown), the page
    is clean, its charts are drawn with marks and source lines, the static first view hides behind
    the live app, and a widget change redraws a chart. (Each app's default view is drawn by nbval
    and by test_experience.py's layout tests.)"""
    label, option, query, expected, _, _ = APPS[app]
    expected = expected() if callable(expected) else expected
    errors = _open(page, f"{voila_url}/voila/render/{app}.ipynb?{query}")
    _assert_clean(page)
    page.wait_for_function("(t) => document.body.innerText.includes(t) || "
                           "[...document.querySelectorAll('svg.marks text')].some(e => e.textContent.includes(t))",
                           arg=expected, timeout=60_000)
    assert page.locator(CHART).count() >= 1
    assert _marks(page) > 5, "charts have no marks"
    assert "Source:" in page.inner_text(".rex-live")
    # The static first view (shown while the widgets load) is hidden once the live app has drawn.
    assert page.locator(".rex-static:visible").count() == 0, "the static first view must hide behind the live app"
    page.screenshot(path=str(SCREENSHOTS / f"{app}-url.png"))
    before = page.locator(CHART).first.inner_html()
    select = page.locator(f".widget-dropdown:has(label:text-is('{label}')) select")
    select.select_option(label=other_option(select, option))
    page.wait_for_function("([sel, old]) => { const e = document.querySelector(sel); return e && e.innerHTML !== old; }",
                           arg=[CHART, before], timeout=120_000)
    page.wait_for_timeout(500)
    _assert_clean(page)
    page.screenshot(path=str(SCREENSHOTS / f"{app}-changed.png"))
    assert not [e for e in errors if "fontawesome" not in e.lower()], errors


@pytest.mark.parametrize("app", list(APPS))
def test_invalid_url_parameter_is_friendly(app, page, voila_url):
    _, _, _, _, bad, phrase = APPS[app]
    _open(page, f"{voila_url}/voila/render/{app}.ipynb?{bad}")
    box = page.locator(".rex-live .rex-msg-error").first
    box.wait_for(timeout=60_000)
    assert phrase in box.inner_text()
    assert "Traceback" not in page.inner_text("body")
    page.screenshot(path=str(SCREENSHOTS / f"{app}-invalid.png"))


def test_landing_page_lists_every_app(page, voila_url):
    page.goto(f"{voila_url}/voila/render/index.ipynb", timeout=LOAD_TIMEOUT)
    page.wait_for_selector("text=rex: critical-minerals workbook", timeout=LOAD_TIMEOUT)
    for app in APPS:
        assert page.locator(f"a[href='{app}.ipynb']").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "index.png"))


def test_profile_of_a_mineral_without_production_table(page, voila_url):
    """Hafnium: no world production table; the page says so, draws what USGS does publish, and a
    switch to a mineral with production brings the map and the stage/year controls back."""
    _open(page, f"{voila_url}/voila/render/mineral_profile.ipynb?mineral=hafnium")
    _assert_clean(page)
    text = page.inner_text(".rex-live")
    assert "USGS publishes no world production table by country for Hafnium" in text
    assert "Zirconium (mine, 2025): leading producer" in text
    assert page.locator(".widget-dropdown:has(label:text-is('Stage')) select").is_disabled()
    assert _marks(page) > 5
    page.screenshot(path=str(SCREENSHOTS / "mineral_profile-without-production.png"), full_page=True)
    page.locator(".widget-dropdown:has(label:text-is('Mineral')) select").select_option(label="Cobalt")
    page.wait_for_function("() => document.body.innerText.includes('Where Cobalt is produced')", timeout=120_000)
    assert not page.locator(".widget-dropdown:has(label:text-is('Stage')) select").is_disabled()
    _assert_clean(page)
