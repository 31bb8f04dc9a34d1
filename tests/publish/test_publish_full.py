"""A whole app published (financing: every grouping x every agency its controls offer), then published
again with nothing changed. The whole site is measured by ``rex publish`` itself (README, and the
closing note of issue 25): too long for the suite."""
from __future__ import annotations

import re
import time

import pytest

from rexlib.app import publish as P


@pytest.mark.slow
def test_an_app_published_whole_and_again_with_nothing_changed(db, tmp_path):
    out = tmp_path / "site"
    first = P.publish(out, apps=("financing",), workers=2)
    assert not first.failed
    from rexlib.app.ui import financing
    app = financing.app()
    # every grouping x every agency the app's own controls offer (each one valid: no refusal), and the
    # Project Vault groups (budget x basis, split x months; issue 27), each without the default view again
    assert first.pages == (len(app.by.options) * len(app.agency.options)
                           + len(app.vault.options) * len(app.basis.options) - 1
                           + len(app.split.options) * len(app.months.options) - 1 + 1)     # + the landing page
    files = {p.relative_to(out).as_posix() for p in out.glob("financing/*.html")}
    assert len(files) == first.pages - 1
    for path in sorted(out.glob("financing/*.html")):
        page = path.read_text(encoding="utf-8")
        assert "Something went wrong" not in page, path.name
        # every option of every select opens a page of the site (or this one), or, for a view crossing
        # two published groups (an agency with a Vault budget), the live app
        for href in re.findall(r'<option value="([^"]*)"', page):
            assert href == "" or f"financing/{href}" in files or href.startswith("../voila/render/financing.ipynb?"), \
                (path.name, href)
    started = time.monotonic()
    again = P.publish(out, apps=("financing",), workers=2)
    assert again.rendered == 0 and again.skipped == first.pages
    assert time.monotonic() - started < 10
