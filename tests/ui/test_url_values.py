"""Empty and repeated URL parameter values are reported, not dropped silently (issue 20 item 7).

Before: ``mineral=`` was dropped (parse_qs without blank values) and of ``year=2024&year=2023`` one
value was used and the other dropped, with no note on the page."""
from __future__ import annotations


from rexlib.app.ui import common as c


PARAMS = [c.Param("mineral", "cobalt", "cobalt"), c.Param("year", 2025, 2025, int)]


def _resolve():
    return c.resolve(list(PARAMS), lambda values, explicit: values)


def test_empty_value_is_reported_and_the_notebook_value_used(url):
    url("mineral=&year=2024")
    resolved = _resolve()
    assert resolved.values == {"mineral": "cobalt", "year": 2024}
    assert any("mineral= is empty; using cobalt" in n for n in resolved.notes), resolved.notes


def test_repeated_value_is_reported(url):
    url("mineral=lithium&year=2024&year=2023")
    resolved = _resolve()
    assert resolved.values == {"mineral": "lithium", "year": 2023}
    note = next(n for n in resolved.notes if "year was given 2 times" in n)
    assert "&#x27;2024&#x27;, &#x27;2023&#x27;" in note and "using &#x27;2023&#x27;" in note


def test_plain_values_get_no_note(url):
    url("mineral=lithium&year=2024")
    resolved = _resolve()
    assert resolved.values == {"mineral": "lithium", "year": 2024} and resolved.notes == []
