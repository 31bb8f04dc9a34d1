"""A published page's charts follow the window: drawn to the section's width at load, and after the
window is made narrower or wider, drawn again as a page loaded at the new width draws them (issue
25's known bug: page-drawn charts were not refitted on resize; a phone turned or a window maximised
kept the first drawing, scaled or cut)."""
from __future__ import annotations

import pytest

DRAWN = ".rex-vega svg.marks"
WIDTHS = """() => [...document.querySelectorAll('.rex-chart')].filter(el => el.querySelector('.rex-vega svg'))
    .map(el => Math.round(el.querySelector('.rex-vega svg').getBoundingClientRect().width))"""


def _settle(page):
    page.wait_for_timeout(400)          # the resize is acted on after 250 ms of calm
    page.wait_for_function("document.querySelectorAll('.rex-chart-pending').length === 0", timeout=30000)
    page.wait_for_timeout(200)


def _widths(chromium, url: str, width: int, resize_to: int | None = None) -> tuple[list[int], dict]:
    page = chromium.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(url)
        page.wait_for_selector(DRAWN, timeout=30000)
        _settle(page)
        if resize_to:
            page.set_viewport_size({"width": resize_to, "height": 900})
            _settle(page)
        return page.evaluate(WIDTHS), page.evaluate("({site: window.__rexSite, charts: window.__rexInteractive})")
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("to", [390, 1920])
def test_after_a_resize_charts_are_drawn_as_a_page_loaded_at_that_width(chromium, published_url, to):
    url = f"{published_url}/outlook/"
    loaded, _ = _widths(chromium, url, to)
    resized, state = _widths(chromium, url, 1280, resize_to=to)
    assert len(loaded) >= 5 and len(resized) == len(loaded)
    assert all(abs(a - b) <= 2 for a, b in zip(resized, loaded)), (to, resized, loaded)
    assert state["charts"]["redrawn"] >= len(loaded)      # rex_interactive.js: the live apps run it too
    assert state["charts"]["failed"] == 0 and not state["charts"]["errors"]
