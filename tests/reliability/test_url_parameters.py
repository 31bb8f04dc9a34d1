"""URL parameters a page cannot use (issue 28 items 5 and 11): country_profile's bad add=/remove=
give a message naming the parameter and the valid values (before: RuntimeError, Voila's bare error
page), a 10 kB value is not echoed in full, and pages that take no parameters say they ignored them."""
from __future__ import annotations

import re

import pytest

from rexlib.app.ui import common as c


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).replace("&#x27;", "'").replace("&lt;", "<").replace("&gt;", ">")


def test_the_app_is_built_with_a_message_for_an_unknown_added_country(url):
    """The notebook's call (country_profile.app) with ?add=xx&remove=unobtainium."""
    from rexlib.app.ui import country_profile
    url("add=xx&remove=unobtainium")
    app = country_profile.app()
    notes = [_text(n) for n in app.notes]
    assert any("unknown add 'xx'" in n and "Valid add values" in n for n in notes), notes
    assert any("unknown remove 'unobtainium'" in n and "CHL" in n for n in notes), notes


@pytest.mark.parametrize("value", ["xx", "unobtainium", "-1", "<script>alert(1)</script>", "q" * 10_000, "ARG,zz"])
@pytest.mark.parametrize("name", ["add", "remove"])
def test_every_bad_coalition_value_is_a_message(url, name, value):
    from rexlib.app.ui import country_profile as cp
    url(f"{name}={value}")
    params = [c.Param(k, v, v) for k, v in cp.DEFAULTS.items()]
    resolved = c.resolve(params, cp.validate_params)
    assert resolved.values[name] == ""                        # the notebook's value is used
    note = next(_text(n) for n in resolved.notes if f"unknown {name}" in _text(n))
    assert "Valid" in note and len(note) < 4000
    assert "q" * 100 not in note and "<script>" not in "".join(resolved.notes)


def test_a_10_kB_year_is_not_echoed_in_full(url):
    url("year=" + "9x" * 5000)
    resolved = c.resolve([c.Param("year", 2025, 2025, int)], lambda values, explicit: values)
    assert resolved.values == {"year": 2025}
    assert len(resolved.notes) == 1 and len(resolved.notes[0]) < 300
    assert "10,000 characters" in resolved.notes[0]


def test_the_landing_page_says_it_ignored_url_parameters(url):
    from rexlib.app.ui import index
    url("mineral=cobalt&year=2024")
    html = _text(index.page().data)
    assert "Ignored URL parameter(s): mineral, year" in html and "takes no URL parameters" in html
    url("")
    assert "Ignored" not in _text(index.page().data)
