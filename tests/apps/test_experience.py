"""What a stakeholder sees in the Voila apps (issue 18): colour legends that paint, a URL that follows
the controls and a link to the view, layouts for 1,280 and 1,920 px screens, interactive charts drawn
from the local Vega bundle with no request leaving 127.0.0.1, readable tooltips, clicks that open a
profile (on the published pages, which use the same script), PNG/SVG downloads, and text that stays
readable in JupyterLab's dark theme.

Screenshots go to test-artifacts/screenshots/ (``<app>-1280.png``, ``<app>-1920.png``,
``<app>-dark.png`` ...)."""
from __future__ import annotations

import base64
import re
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD = 180_000
LIVE_CHART = ".rex-live .rex-chart"
INTERACTIVE = ".rex-live .rex-chart.rex-interactive"
DARK_THEME = Path(sys.prefix) / "share" / "jupyter" / "voila" / "themes" / "@jupyterlab" / "theme-dark-extension" / "index.css"

# Counts the strongly coloured pixels of a PNG (the gradient of a legend; its labels are grey/black),
# decoded by the browser itself.
SATURATED = """async (data) => {
    const img = new Image();
    await new Promise((ok, fail) => { img.onload = ok; img.onerror = fail; img.src = 'data:image/png;base64,' + data; });
    const canvas = document.createElement('canvas');
    canvas.width = img.width; canvas.height = img.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, img.width, img.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) {
        const r = px[i], g = px[i + 1], b = px[i + 2];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 60) n += 1;
    }
    return n;
}"""


@pytest.fixture
def context_factory(browser):
    made = []

    def make(width: int = 1280, height: int = 1100, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True, **options)
        made.append(context)
        return context
    yield make
    for context in made:
        context.close()


def _open(context, url: str, *, interactive: bool = True):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, timeout=LOAD)
    page.wait_for_selector(LIVE_CHART, timeout=LOAD)
    if interactive:
        page.wait_for_selector(INTERACTIVE, timeout=60_000)
    page.wait_for_timeout(300)
    page.errors = errors
    return page


def _saturated_pixels(page, locator) -> int:
    png = locator.screenshot()
    return page.evaluate(SATURATED, base64.b64encode(png).decode("ascii"))


# ------------------------------------------------------------------ 1. gradient legends

@pytest.mark.parametrize("app,query,legend,mode", [
    # the map's legend: the page draws maps itself (rexlib/charts/base.py, fill_pending), so only
    # interactive here; a page without its Vega bundle is the next test
    ("mineral_profile", "mineral=gallium&stage=refinery&year=2024", "Share of world production (%)", "interactive"),
    # the page rewrites this URL (no such parameter): Vega's gradient references must survive that
    ("chokepoints", "unknown=1", "China's share (%)", "static"),
    ("chokepoints", "unknown=1", "China's share (%)", "interactive"),
])
def test_gradient_legend_paints(app, query, legend, mode, context_factory, voila_url):
    """The legend's colour bar has painted pixels in the live app, both as the static SVG (the Vega
    bundle blocked) and drawn by vega-embed. Before the ids were made unique, the static live chart's
    ``url(#gradient_0)`` resolved to the hidden snapshot's gradient and painted nothing."""
    context = context_factory()
    if mode == "static":
        context.route(re.compile(r".*/rex-vega\.js$"), lambda route: route.abort())
    page = _open(context, f"{voila_url}/voila/render/{app}.ipynb?{query}", interactive=mode == "interactive")
    page.wait_for_selector(".rex-static", state="hidden", timeout=60_000)
    chart = page.locator(LIVE_CHART, has=page.locator("svg text", has_text=legend)).first
    chart.scroll_into_view_if_needed()
    legend_group = chart.locator("g.role-legend").first
    assert _saturated_pixels(page, legend_group) > 300, f"{app}: the {legend!r} colour bar paints nothing"
    if mode == "static":
        assert page.locator(INTERACTIVE).count() == 0
        # Two copies of the chart in the page (hidden snapshot, live) and no id used twice.
        ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})[:5]
    page.screenshot(path=str(SCREENSHOTS / f"{app}-legend-{mode}.png"))


def test_a_page_without_its_vega_bundle_keeps_its_static_charts_and_says_what_it_could_not_draw(
        context_factory, voila_url):
    """The first screen's charts come as SVG from the kernel and stay; the charts only the page
    draws (the map, everything past the first screen) say that their drawing script did not load."""
    context = context_factory()
    context.route(re.compile(r".*/rex-vega\.js$"), lambda route: route.abort())
    page = _open(context, f"{voila_url}/voila/render/mineral_profile.ipynb?mineral=gallium&stage=refinery&year=2024",
                 interactive=False)
    page.wait_for_selector(".rex-static", state="hidden", timeout=60_000)
    page.wait_for_function("() => [...document.querySelectorAll('.rex-live .rex-chart-pending')].every("
                           "e => e.textContent.includes('did not load'))", timeout=60_000)
    static = page.evaluate("[...document.querySelectorAll('.rex-live .rex-chart > svg')].map(s => s.closest('.rex-chart').dataset.rexName)")
    pending = page.locator(".rex-live .rex-chart-pending").count()
    assert len(static) == 1 and static[0].startswith("top_producers_of_gallium"), static
    assert pending >= 4 and page.locator(INTERACTIVE).count() == 0
    assert "Traceback" not in page.inner_text("body")


# ------------------------------------------------------------------ 2. the URL follows the view

def _select(page, label: str, option: str) -> None:
    before = page.evaluate("window.__rexInteractive && window.__rexInteractive.query")
    page.locator(f".widget-dropdown:has(label:text-is('{label}')) select").select_option(label=option)
    page.wait_for_function("(old) => window.__rexInteractive && window.__rexInteractive.query !== old",
                           arg=before, timeout=120_000)


def test_url_follows_the_controls_and_the_link_reopens_the_view(context_factory, voila_url):
    context = context_factory()
    page = _open(context, f"{voila_url}/voila/render/mineral_profile.ipynb", interactive=False)
    assert urlparse(page.url).query == ""
    _select(page, "Mineral", "Lithium")
    _select(page, "Year", "2023")
    query = parse_qs(urlparse(page.url).query)
    assert query == {"mineral": ["lithium"], "year": ["2023"]}, page.url
    link = page.locator(".rex-live .rex-share-url").input_value()
    assert link == page.url
    page.locator(".rex-live .rex-copy-link").click()
    page.wait_for_function("() => document.querySelector('.rex-live .rex-copy-link').textContent === 'Copied'")
    page.screenshot(path=str(SCREENSHOTS / "mineral_profile-link.png"))

    again = _open(context_factory(), link, interactive=False)
    title = "Lithium: share of world mine production, 2023"
    again.wait_for_function("(t) => [...document.querySelectorAll('.rex-live svg text')].some(e => e.textContent === t)",
                            arg=title, timeout=60_000)
    chosen = again.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.rex-live .widget-dropdown')]
        .map(d => [d.querySelector('label').textContent, d.querySelector('select').selectedOptions[0].textContent]))""")
    assert chosen["Mineral"] == "Lithium" and chosen["Year"] == "2023", chosen
    assert parse_qs(urlparse(again.url).query) == query      # the reopened view keeps its URL


def test_default_view_keeps_a_bare_url_and_url_parameters_survive(context_factory, voila_url):
    page = _open(context_factory(), f"{voila_url}/voila/render/chokepoints.ipynb?stage=refinery&year=2024",
                 interactive=False)
    page.wait_for_function("() => window.__rexInteractive && window.__rexInteractive.query !== undefined")
    assert parse_qs(urlparse(page.url).query) == {"stage": ["refinery"], "year": ["2024"]}


# ------------------------------------------------------------------ 3. layout at 1,280 and 1,920 px

SCREENS = {
    "mineral_profile": "mineral=gallium&stage=refinery&year=2024",
    "import_reliance": "",
    "chokepoints": "",
    "financing": "",
    "scenario": "",
    "claims": "",
    "explore": "",
}


LAYOUT = """() => {
    const charts = [...document.querySelectorAll('.rex-live .rex-chart')].map(c => c.getBoundingClientRect());
    const app = document.querySelector('.rex-live').getBoundingClientRect();
    const tables = [...document.querySelectorAll('.rex-live .rex-table-wrap')].map(t => ({
        over: t.scrollHeight > t.clientHeight + 1, height: t.clientHeight,
        right: t.getBoundingClientRect().right}));
    const rows = new Set(charts.map(c => Math.round(c.top)));
    return {n: charts.length, widest: Math.max(...charts.map(c => c.width)), rows: rows.size,
            appWidth: app.width, appRight: app.right, viewport: window.innerWidth,
            pageScroll: document.scrollingElement.scrollWidth, tables};
}"""


@pytest.mark.parametrize("app", list(SCREENS))
def test_layout_uses_the_screen(app, context_factory, voila_url):
    """One visit per app, laid out at 1,280 px and then at 1,920 px (the page follows a resized
    window: that is the same layout code a 1,920-px visit runs)."""
    page = _open(context_factory(1280, 1000), f"{voila_url}/voila/render/{app}.ipynb?{SCREENS[app]}")
    page.wait_for_selector(".rex-static", state="hidden", timeout=60_000)
    for width in (1280, 1920):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(800)
        layout = page.evaluate(LAYOUT)
        # The page scrolls inside Voila's containers, not the document: show all of it (up to 4,000 px).
        tall = page.evaluate("Math.max(...[...document.querySelectorAll('body, body *')].slice(0, 400).map(e => e.scrollHeight))")
        page.set_viewport_size({"width": width, "height": min(4000, max(1000, tall))})
        page.wait_for_timeout(300)
        page.screenshot(path=str(SCREENSHOTS / f"{app}-{width}.png"))
        assert layout["pageScroll"] <= width + 1, f"{app} scrolls sideways at {width}px: {layout}"
        assert layout["appWidth"] >= width * 0.85, f"{app} leaves the screen empty: {layout}"
        assert layout["widest"] >= min(width * 0.4, 620), layout
        for table in layout["tables"]:
            assert table["height"] <= 430 and table["right"] <= width, table   # scrolls inside its section
        if app == "mineral_profile":
            # the map and the top-producers bars side by side at both widths; at 1,920 px also the
            # one-chart sections (trend beside reserves, IEA or U.S. imports beside the next)
            assert layout["rows"] <= layout["n"] - (2 if width >= 1900 else 1), layout


@pytest.mark.parametrize("width", [1280, 1920])
def test_charts_the_page_draws_fill_their_sections(width, context_factory, voila_url):
    """Past the first screen the kernel sends a placeholder and the spec (rexlib/charts/base.py,
    pending_svg): the page draws every one of them and fits it to its section as it fits a static
    chart, at 1,280 and 1,920 px. (A visit per width: the page fits a drawn chart when it draws it,
    not again when the window is resized.)"""
    page = _open(context_factory(width, 1000), f"{voila_url}/voila/render/mineral_profile.ipynb?mineral=nickel&year=2025")
    page.wait_for_function("() => document.querySelectorAll('.rex-live .rex-chart').length >= 6 && "
                           "document.querySelectorAll('.rex-live .rex-chart:not(.rex-interactive)').length === 0",
                           timeout=60_000)
    charts = page.evaluate("""() => [...document.querySelectorAll('.rex-live .rex-chart')].map(c => {
        const svg = c.querySelector('.rex-vega svg');
        const spec = JSON.parse(c.querySelector('script.rex-spec').textContent);
        const unit = spec.vconcat && spec.vconcat.length === 1 ? spec.vconcat[0] : spec;
        const fits = typeof unit.width === 'number' || !!(unit.facet && unit.spec && typeof unit.spec.width === 'number');
        return {name: c.dataset.rexName, section: c.clientWidth, drawn: svg ? parseFloat(svg.getAttribute('width')) : null,
                pending: c.querySelectorAll('.rex-chart-pending').length, fits};
    })""")
    page.screenshot(path=str(SCREENSHOTS / f"mineral_profile-drawn-by-page-{width}.png"), full_page=True)
    assert not page.errors, page.errors
    for chart in charts:
        assert chart["pending"] == 0 and chart["drawn"], chart
        assert chart["drawn"] <= chart["section"] + 1, chart                     # no sideways scroll
        if chart["fits"]:           # a plot of a declared width is widened to its section
            assert chart["drawn"] >= 0.6 * min(chart["section"], 1240), chart    # not a stamp in a wide box
    assert sum(c["fits"] for c in charts) >= 4, charts


# ------------------------------------------------------------------ 4. interactive, offline, clickable

def test_interactive_charts_make_no_request_beyond_the_server(context_factory, voila_url):
    context = context_factory()
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    page = _open(context, f"{voila_url}/voila/render/mineral_profile.ipynb?mineral=gallium&stage=refinery&year=2024")
    page.wait_for_function("() => document.querySelectorAll('.rex-live .rex-chart.rex-interactive').length >= 3",
                           timeout=60_000)
    state = page.evaluate("window.__rexInteractive")
    assert state["bundle"] == "loaded" and state["failed"] == 0, state
    outside = [u for u in requests if not (u.startswith("http://127.0.0.1:") or u.startswith(("data:", "blob:")))]
    assert not outside, outside
    assert any(u.endswith("/voila/templates/rex/static/rex-vega.js") for u in requests)
    # Tooltips: display names and units, no raw field names.
    bar = page.locator(f"{INTERACTIVE} path[aria-label^='Country: China;']").first
    bar.scroll_into_view_if_needed()
    bar.hover()
    tip = page.locator("#vg-tooltip-element")
    tip.wait_for(state="visible", timeout=10_000)
    text = tip.inner_text()
    assert "China" in text and "Country" in text, text
    for raw in ("plot_value", "highlight", "iso_numeric", "flag_text", "share_pct"):
        assert raw not in text, text
    page.screenshot(path=str(SCREENSHOTS / "mineral_profile-tooltip.png"))
    assert not page.errors, page.errors


def _open_published(context, url: str):
    """A published page (what a visitor's link opens; the test server renders it on request): its
    charts drawn by the page with the same script as the live apps."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, timeout=LOAD)
    page.wait_for_selector("main .rex-chart.rex-interactive", timeout=LOAD)
    page.wait_for_timeout(300)
    page.errors = errors
    return page


def test_click_a_mineral_on_the_chokepoints_bars_opens_its_profile(context_factory, voila_url):
    page = _open_published(context_factory(), f"{voila_url}/chokepoints/")
    chart = page.locator("main .rex-chart.rex-interactive").first
    bar = chart.locator("g.mark-rect.role-mark path[aria-label^='Mineral: ']").first
    name = bar.get_attribute("aria-label").split(";")[0].removeprefix("Mineral: ")
    bar.scroll_into_view_if_needed()
    with page.expect_navigation(timeout=LOAD):
        bar.click()
    page.wait_for_function("(n) => document.querySelector('main') && "
                           "document.querySelector('main').innerText.includes('Where ' + n)",
                           arg=name.split(" (")[0], timeout=LOAD)
    assert "/mineral_profile/?mineral=" in page.url, page.url
    assert not page.errors, page.errors


def test_click_a_country_on_the_map_opens_its_view(context_factory, voila_url):
    page = _open_published(context_factory(), f"{voila_url}/mineral_profile/?mineral=gallium&stage=refinery&year=2024")
    china = page.locator("main .rex-chart.rex-interactive path[aria-label^='Country: China;']").first   # the map first
    china.scroll_into_view_if_needed()
    with page.expect_navigation(timeout=LOAD):
        china.click()
    page.wait_for_selector("main .rex-chart svg", timeout=LOAD)
    assert "/country_profile/" in page.url and parse_qs(urlparse(page.url).query)["country"] == ["CHN"], page.url
    assert "China" in page.title() and page.locator(".rex-msg-error").count() == 0
    assert not page.errors, page.errors


# ------------------------------------------------------------------ 5. downloads

def test_static_chart_downloads_as_png_and_svg(context_factory, voila_url, tmp_path):
    context = context_factory()
    context.route(re.compile(r".*/rex-vega\.js$"), lambda route: route.abort())
    page = _open(context, f"{voila_url}/voila/render/import_reliance.ipynb", interactive=False)
    page.wait_for_selector(".rex-static", state="hidden", timeout=60_000)
    chart = page.locator(LIVE_CHART).first
    chart.hover()
    for fmt, magic in (("svg", b"<svg"), ("png", b"\x89PNG")):
        with page.expect_download(timeout=30_000) as info:
            chart.locator(f"button.rex-dl-chart[data-format='{fmt}']").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.suffix == f".{fmt}" and path.read_bytes()[:4] == magic[:4], (path, path.read_bytes()[:8])
        assert path.stat().st_size > 2000


def test_interactive_chart_exports_through_the_vega_embed_menu(context_factory, voila_url, tmp_path):
    page = _open(context_factory(), f"{voila_url}/voila/render/import_reliance.ipynb")
    chart = page.locator(INTERACTIVE).first
    assert chart.locator("button.rex-dl-chart:visible").count() == 0     # one menu, not two
    chart.locator("details > summary").click()
    with page.expect_download(timeout=30_000) as info:
        chart.locator("details a", has_text="PNG").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert path.name.startswith("u_s_net_import_reliance"), path.name


# ------------------------------------------------------------------ 6. dark theme

def _dark_variables() -> str:
    css = DARK_THEME.read_text()
    return ";".join(f"{m.group(1)}:{m.group(2)}" for m in re.finditer(r"(--(?:jp|md)-[\w-]+)\s*:\s*([^;{}]+);", css))


CONTRAST = """() => {
    const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
                                 return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
    const background = (el) => {
        for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
        }
        return [255, 255, 255];
    };
    const out = [];
    const seen = new Set();
    for (const el of document.querySelectorAll('.rex-live h1, .rex-live .rex-lede, .rex-live .rex-h2, .rex-live .rex-note, ' +
                                               '.rex-live .rex-tile-label, .rex-live .rex-tile-value, .rex-live td, .rex-live th, ' +
                                               '.rex-live .rex-msg, .rex-live .rex-share, .rex-live .rex-dl a, .rex-live .widget-label')) {
        if (!el.offsetParent || !el.textContent.trim()) continue;
        const key = el.className + el.tagName;
        if (seen.has(key)) continue;
        seen.add(key);
        const fg = rgb(getComputedStyle(el).color), bg = background(el);
        const a = lum(fg.slice(0, 3)), b = lum(bg);
        out.push({what: el.tagName + '.' + el.className, text: el.textContent.trim().slice(0, 30),
                  ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), fg: fg.join(','), bg: bg.join(',')});
    }
    return out;
}"""


@pytest.mark.parametrize("app,query", [("mineral_profile", "mineral=gallium&stage=refinery&year=2024"),
                                       ("chokepoints", "stage=quarry")])     # an invalid value: an error box too
def test_text_is_readable_in_jupyterlab_dark_theme(app, query, context_factory, voila_url):
    page = _open(context_factory(), f"{voila_url}/voila/render/{app}.ipynb?{query}", interactive=False)
    page.wait_for_selector(".rex-static", state="hidden", timeout=60_000)
    page.evaluate("(vars) => { document.documentElement.setAttribute('style', vars); "
                  "document.body.style.background = 'var(--jp-layout-color0)'; "
                  "document.body.classList.replace('theme-light', 'theme-dark'); }", _dark_variables())
    page.wait_for_timeout(300)
    checks = page.evaluate(CONTRAST)
    assert len(checks) >= 5, checks
    dark = [c for c in checks if sum(map(float, c["bg"].split(","))) < 3 * 100]
    assert dark, f"the dark theme's background did not reach the app: {checks}"
    poor = [c for c in checks if c["ratio"] < 4.5]
    page.screenshot(path=str(SCREENSHOTS / f"{app}-dark.png"))
    assert not poor, poor
