"""One rule for a view's browser-tab title (ui.common.tab_title of the app's page_title): the published
page's <title> and the live app's, which the page's script copies from data-rex-title (in Voilà the
tab read the notebook's name: "mineral_profile", "scenario")."""
from __future__ import annotations

import html
import re


def test_the_live_app_carries_the_title_of_its_published_page(db, monkeypatch):
    # (the browser test in test_live_apps.py checks a view set by its URL, nickel in 2025, end to end)
    from rexlib import publish as P
    from rexlib.app.ui import common as c, import_reliance, index
    app = import_reliance.app()
    app.refresh()
    published = P.page_html(title=app.page_title(), body="", info=P.SiteInfo(), prefix="../")
    title = html.unescape(re.search(r"<title>(.*?)</title>", published).group(1))
    assert title == c.tab_title(app.page_title()) == f"{import_reliance.ImportReliance.title} · rex"
    for live in (app.share.value, app.snapshot()):     # the live sections, and the first view before them
        assert html.unescape(re.search(r'data-rex-title="([^"]*)"', live).group(1)) == title
    monkeypatch.setattr(index, "_headlines", dict)      # the cards' figures (seconds of queries): not the title
    landing = index.page().data
    assert f'data-rex-title="{c.esc(c.tab_title(index.LANDING_TITLE))}"' in landing
