"""rex publish (issue 25): which views are published, their keys, the incremental skip, what a page
holds. In-process, over the session database, on a few views (the full site is the slow test in
test_publish_full.py)."""
from __future__ import annotations

import html
import re

import pytest

from rexlib.app import publish as P
from rexlib.core.validate import InvalidArgument


def test_views_come_from_the_apps_own_validators(db):
    # series.yml primary_stage: gallium -> refinery; cobalt (the notebook's mineral) -> mine
    assert P.default_view("mineral_profile") == {"mineral": "cobalt", "stage": "mine", "year": 2025}
    gallium = P.canonical("mineral_profile", {"mineral": "Gallium"})
    assert gallium["mineral"] == "gallium" and gallium["stage"] == "refinery"
    from rexlib.query import api
    assert gallium["year"] == max(api.production_years("gallium", "refinery"))
    # a value the app refuses is refused here, with the valid ones
    with pytest.raises(InvalidArgument, match="stage"):
        P.canonical("mineral_profile", {"mineral": "gallium", "stage": "orbit"})
    # another mineral from the gallium page keeps what it can and takes its own defaults otherwise
    cobalt = P.canonical("mineral_profile", {"mineral": "cobalt"}, base=gallium)
    assert cobalt["stage"] == "mine"


def test_a_mineral_without_production_is_one_view_whatever_page_links_to_it(db):
    # neodymium has no USGS world production table (tests/ui/test_profile_without_production.py)
    views = {tuple(sorted(P.canonical("mineral_profile", {"mineral": "neodymium"}, base=base).items()))
             for base in ({"stage": "refinery", "year": 2022}, {"stage": "mine", "year": 2025}, None)}
    assert len(views) == 1


def test_published_views_are_the_axes_of_each_app(db):
    default = P.default_view("import_reliance")
    assert P.is_published("import_reliance", default)
    year = P.canonical("import_reliance", {"year": 2022, "critical": "2022"})
    assert P.is_published("import_reliance", year)
    mineral = P.canonical("import_reliance", {"mineral": "cobalt"})
    assert P.is_published("import_reliance", mineral)
    # a cross of the two groups is left to the live app
    both = P.canonical("import_reliance", {"year": 2022, "mineral": "cobalt"})
    assert not P.is_published("import_reliance", both)
    # the scenario and explore compute on request: not published at all
    assert P.resolve_request("scenario", {"mineral": "gallium"}) is None
    assert P.resolve_request("explore", {}) is None


def test_files_and_query_strings(db):
    gallium = P.canonical("mineral_profile", {"mineral": "gallium", "year": 2024})
    assert P.url_query("mineral_profile", gallium) == {"mineral": "gallium", "stage": "refinery", "year": "2024"}
    assert P.page_file("mineral_profile", gallium) == "mineral_profile/mineral=gallium,stage=refinery,year=2024.html"
    assert P.page_file("mineral_profile", P.default_view("mineral_profile")) == "mineral_profile/index.html"
    # the routing key is the one rex_route.js writes: names sorted, encodeURIComponent, live dropped
    assert P.query_key({"year": "2024", "mineral": "gallium", "live": "1", "stage": ""}) == "mineral=gallium&year=2024"
    assert P.query_key({"add": "ARG,AUS"}) == "add=ARG%2CAUS"
    aliases = P._aliases("mineral_profile", gallium)
    assert "mineral=gallium&year=2024" in aliases and "mineral=gallium&stage=refinery&year=2024" in aliases
    assert "mineral=gallium" not in aliases          # that is the latest year's view


def test_old_links_resolve_to_the_published_view(db):
    assert P.resolve_request("mineral_profile", {"mineral": "gallium", "live": "1"}) == \
        P.canonical("mineral_profile", {"mineral": "gallium"})
    assert P.resolve_request("mineral_profile", {"mineral": "unobtainium"}) is None      # the live app explains
    assert P.resolve_request("country_profile", {"country": "CHL", "add": "ARG"}) is None  # computed: live


def test_page_keys(db):
    info = P.SiteInfo(fingerprint="a")
    gallium = P.canonical("mineral_profile", {"mineral": "gallium"})
    key = P.page_key("mineral_profile", gallium, info)
    assert key == P.page_key("mineral_profile", dict(gallium), P.SiteInfo(fingerprint="a", built_at="later"))
    assert key != P.page_key("mineral_profile", {**gallium, "year": 2024}, info)
    assert key != P.page_key("mineral_profile", gallium, P.SiteInfo(fingerprint="b"))


@pytest.fixture(scope="module")
def gallium_page(db):
    params = P.canonical("mineral_profile", {"mineral": "gallium", "year": 2024})
    page, links = P.render_view("mineral_profile", params, P.site_info())
    return params, page, links


def test_a_page_is_the_apps_view_with_controls_to_its_neighbours(gallium_page):
    params, page, links = gallium_page
    assert "<title>Gallium: where it is mined and processed (refinery, 2024) · rex</title>" in page
    # the sections are the app's (the same builder as Voila and the reports)
    assert "Where Gallium is produced (refinery, 2024)" in page
    assert 'class="rex-spec"' in page and "data:text/csv;base64," in page
    # one <select> per control with options; each option opens a view the validator chose
    selects = dict(re.findall(r'<select class="rex-go" name="(\w+)">(.*?)</select>', page, re.S))
    assert set(selects) == {"mineral", "stage", "year"}
    from rexlib.app.ui import data as d
    assert selects["mineral"].count("<option") == len(d.profile_minerals())
    assert re.search(r'<option value="" selected>Gallium</option>', selects["mineral"])
    assert '<option value="mineral=gallium,stage=refinery.html">2025</option>' in selects["year"]
    assert '<option value="mineral=gallium,stage=processing.html">processing</option>' in selects["stage"]
    assert all(P.is_published("mineral_profile", link) for link in links)
    assert {"mineral": "gallium", "stage": "refinery", "year": 2025} in links
    # links to apps point into the site; the live app is one link away with the same parameters
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert not [h for h in hrefs if ".ipynb" in h and not h.startswith("../voila/render/")]
    assert "../outlook/?mineral=gallium&amp;scenario=STEPS&amp;year=2040" in hrefs     # the demand section's link
    assert 'href="../voila/render/mineral_profile.ipynb?mineral=gallium&amp;stage=refinery&amp;year=2024&amp;live=1"' in page


def test_a_page_cites_its_sources(gallium_page):
    _, page, _ = gallium_page
    cite = page.split('<section class="rex-cite">', 1)[1]
    # data/raw/sources.yml usgs_mcs2026: citation and licence
    assert "https://doi.org/10.5066/P1WKQ63T" in cite and "Public domain (U.S. Government work)" in cite
    # the EU study shows on gallium's page (EU criticality): it says the transcription is unofficial
    assert "unofficial transcription" in html.unescape(cite)


def test_publish_renders_only_what_changed(db, tmp_path, monkeypatch):
    out = tmp_path / "site"
    views = [("financing", {"by": "mineral"})]
    first = P.publish(out, views=views, crawl=False, workers=1)
    assert first.rendered == 3 and not first.failed        # the view, the app's default view, the landing page
    page = out / "financing" / "by=mineral.html"
    assert page.exists() and (out / "index.html").exists() and (out / "static" / "rex-vega.js").exists()
    assert "by=mineral" in (out / "financing" / "views.js").read_text()
    again = P.publish(out, views=views, crawl=False, workers=1)
    assert again.rendered == 0 and again.skipped == 3
    # a build whose data changed: every page again
    info = P.site_info()
    monkeypatch.setattr(P, "site_info", lambda: P.SiteInfo(fingerprint=info.fingerprint + "x", built_at=info.built_at))
    changed = P.publish(out, views=views, crawl=False, workers=1)
    assert changed.rendered == 3


def _visible_text(page: str) -> str:
    """What a reader sees: the page without scripts (chart specs), tags and attribute values."""
    text = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


@pytest.mark.parametrize("app, given", [("mineral_profile", {"mineral": "gallium", "year": 2024}),
                                        ("financing", {}), ("chokepoints", {})])
def test_page_text_is_for_people(db, app, given):
    page, _ = P.render_view(app, P.canonical(app, given), P.site_info())
    text = _visible_text(page)
    assert not re.findall(r"rexlib\.\w+|docs/\w+\.md|§\s?\d", text)      # no module paths, no doc sections
    assert not re.findall(r"\bNaN\b|\d\.\d+e[+-]\d+|\$0\.00 bn", text)   # numbers for people
    if app == "mineral_profile":
        assert "top: China" in text and "top: CHN" not in text       # a country by its name
        # the EU assessments' years (column assessment_year, shown as "Assessment")
        eu = page.split("EU criticality assessments", 1)[1].split("</table>", 1)[0]
        assert '<td class="num">2023</td>' in eu and "2,023" not in eu
        # the production table's source line (data/raw/usgs/mcs2026/MCS2026_Commodities_Data.csv line 2551: China)
        assert '<td class="num">2551</td>' in page
    assert "<title>" in page and " · rex</title>" in page


def test_a_views_file_does_not_depend_on_the_order_of_its_parameters(db):
    view = P.canonical("financing", {"by": "mineral", "agency": "DFC"})
    assert P.page_file("financing", view) == P.page_file("financing", dict(sorted(view.items()))) \
        == "financing/by=mineral,agency=DFC.html"


def test_the_live_link_of_a_published_page_is_no_unknown_parameter_in_the_live_app(db, monkeypatch):
    # "Open in the live app" adds live=1 (rex serve answers the view's page without it)
    from rexlib.app.ui import common as c
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "mineral=gallium&live=1")
    resolved = c.resolve([c.Param("mineral", "cobalt", "cobalt")], lambda values, explicit: values)
    assert resolved.values == {"mineral": "gallium"} and not resolved.notes


def test_one_renderer_a_page_holds_the_apps_own_sections(gallium_page):
    """The published page's tables and tiles are the sections the app builds for a report (charts
    differ only in who draws them: SVG for a report, the page's script here)."""
    from rexlib.app.ui import common as c
    params, page, _ = gallium_page
    app = P.run_notebook("mineral_profile", params)
    app.refresh()
    sections = [s.value for s in app.body.children]
    tables = [s for s in sections if s.startswith('<div class="rex-table-wrap"') or s.startswith('<div class="rex-tiles"')]
    assert len(tables) >= 3
    for section in tables:
        assert P.site_links(section, "../") in page


def test_a_tab_title_names_a_country_not_its_code(db):
    page, _ = P.render_view("country_profile", P.canonical("country_profile", {"country": "CHL"}), P.site_info())
    assert "<title>Country profile: Chile · rex</title>" in page


def test_a_country_profiles_chart_text_has_years_and_periods_not_nan(db):
    # Gabon: manganese from USGS (a year) and from the EU 2023 study (the period 2016-2020). (Afghanistan's
    # EU row was hydrogen, which is not a mineral: left out of mineral lists since issue 26 item 7.)
    page, _ = P.render_view("country_profile", P.canonical("country_profile", {"country": "GAB"}), P.site_info())
    text = _visible_text(page)
    assert "NaN" not in text and "Year or period: 2016-2020" in text and "Year or period: 2025" in text


def test_selects_name_countries_and_groups_without_codes(db):
    page, _ = P.render_view("country_profile", P.default_view("country_profile"), P.site_info())
    selects = dict(re.findall(r'<select class="rex-go" name="(\w+)">(.*?)</select>', page, re.S))
    assert ">Chile</option>" in selects["country"] and "(CHL)" not in selects["country"]
    assert "[forge_members]" not in selects["group"] and "(FORGE)" in selects["group"]
