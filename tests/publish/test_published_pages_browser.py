"""Published pages in headless Chromium, served by a plain static file server (no rex, no kernel):
the shared query-string link finds its page, a select lands on the neighbouring view, the charts are
drawn by the page, the layout holds at 390, 1,280 and 1,920 px, and the print layout shows every
section. Screenshots: test-artifacts/publish/."""
from __future__ import annotations

from pathlib import Path

import pytest

from rexlib.app import publish as P

from tests.conftest import static_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "publish"
DRAWN = ".rex-vega svg.marks"


@pytest.fixture(scope="module")
def site(db, tmp_path_factory):
    """Gallium's profile for 2024 and 2025 (the year select's neighbour), published into a folder and
    served by http.server."""
    out = tmp_path_factory.mktemp("site")
    report = P.publish(out, views=[("mineral_profile", {"mineral": "gallium", "year": 2024}),
                                   ("mineral_profile", {"mineral": "gallium"})], crawl=False, workers=1)
    assert not report.failed
    with static_server(out) as base:
        yield base


def _open(chromium, url: str, width: int):
    page = chromium.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector(DRAWN, timeout=30000)
    return page, errors


@pytest.mark.browser
def test_a_shared_link_opens_its_page_and_a_select_goes_to_the_neighbouring_view(chromium, site):
    page, errors = _open(chromium, site + "/mineral_profile/?mineral=gallium&year=2024", 1280)
    try:
        assert page.title() == "Gallium: where it is mined and processed (refinery, 2024) · rex"
        assert page.url.endswith("/mineral_profile/?mineral=gallium&stage=refinery&year=2024")
        assert page.input_value(".rex-share-url") == page.url
        with page.expect_navigation():
            page.select_option('select[name="year"]', label="2025")
        page.wait_for_selector(DRAWN, timeout=30000)
        assert page.title() == "Gallium: where it is mined and processed (refinery, 2025) · rex"
        assert page.url.endswith("/mineral_profile/?mineral=gallium&stage=refinery")
        assert "Where Gallium is produced (refinery, 2025)" in page.inner_text("main")
        state = page.evaluate("window.__rexInteractive")
        assert state["bundle"] == "loaded" and state["failed"] == 0 and not state["errors"]
        assert page.locator(".rex-chart-pending").count() == 0 or page.wait_for_function(
            "document.querySelectorAll('.rex-chart-pending').length === 0", timeout=30000)
        assert not errors
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280, 1920])
def test_the_layout_holds_at_each_width(chromium, site, width):
    page, errors = _open(chromium, site + "/mineral_profile/?mineral=gallium&year=2024", width)
    try:
        page.wait_for_function("document.querySelectorAll('.rex-chart-pending').length === 0", timeout=30000)
        page.wait_for_timeout(300)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"gallium-{width}.png"))
        page.screenshot(path=str(ARTIFACTS / f"gallium-{width}-full.png"), full_page=True)
        too_wide = page.evaluate("""(w) => [...document.querySelectorAll('.rex-vega svg, .rex-chart > svg')]
            .map(s => s.getBoundingClientRect()).filter(r => r.right > w + 1).map(r => r.right)""", width)
        assert not too_wide, f"charts wider than the {width} px viewport: {too_wide}"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert not errors
    finally:
        page.close()


@pytest.mark.browser
def test_printing_shows_every_section_unclipped(chromium, site):
    page, _ = _open(chromium, site + "/mineral_profile/?mineral=gallium&year=2024", 1280)
    try:
        page.wait_for_function("document.querySelectorAll('.rex-chart-pending').length === 0", timeout=30000)
        page.emulate_media(media="print")
        clipped = page.evaluate("""() => [...document.querySelectorAll('.rex-table-wrap')]
            .filter(t => t.scrollHeight > t.clientHeight + 1 || t.scrollWidth > t.clientWidth + 1).length""")
        assert clipped == 0
        assert page.is_visible(".rex-cite") and not page.is_visible(".rex-controls")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(ARTIFACTS / "gallium-a4.pdf"), format="A4")
        assert (ARTIFACTS / "gallium-a4.pdf").stat().st_size > 50_000
    finally:
        page.close()
