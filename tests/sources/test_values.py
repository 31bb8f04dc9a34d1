"""Every token form the USGS files use, parsed by rule; plus properties over random strings."""
import math

import pytest
from hypothesis import given, strategies as st

from rexlib.sources.values import FLAGS, clean_text, flags_from_note, parse_value


@pytest.mark.parametrize("token, value, flags", [
    ("1,900", 1900.0, set()),                 # thousands commas
    ("68\xa0", 68.0, set()),                  # NBSP glued on (MCS2026, 21 cells)
    ("0.5", 0.5, set()),
    ("W", None, {"withheld"}),
    ("NA", None, {"not_available"}),
    ("na", None, {"not_available"}),          # MCS2025 notes write codes in lower case
    ("XX", None, {"not_applicable"}),
    ("E", None, {"net_exporter"}),
    ("s", None, {"small"}),
    ("—", 0.0, {"zero"}),                     # em dash = zero (the only flag that is a number)
    (">95", 95.0, {"lower_bound"}),
    (">85,000,000", 85_000_000.0, {"lower_bound"}),
    ("<1", 1.0, {"upper_bound"}),
    ("<1,000", 1000.0, {"upper_bound"}),
    ("50–300", 175.0, {"range"}),             # en-dash range
    ("330 - 390", 360.0, {"range"}),          # spaced hyphen range
    ("10,000 - 15,000", 12500.0, {"range"}),  # the Yttrium world-total row
    ("Large", None, {"qualitative"}),
    ("Moderate to large", None, {"qualitative"}),
    ("Variable, depending on type of product", None, {"qualitative"}),
    ("e5,000", 5000.0, {"estimated"}),        # MCS2024 sand: glued estimate marker
    ("Less than ½ unit.", None, {"small"}),
    ('Included with "Other countries."', None, {"included_elsewhere"}),
])
def test_token_forms(token, value, flags):
    parsed = parse_value(token)
    assert parsed.flags == frozenset(flags)
    assert parsed.value == value
    assert parsed.problem is None


def test_range_keeps_bounds():
    parsed = parse_value("500–17,000")
    assert (parsed.low, parsed.high) == (500.0, 17000.0)


@pytest.mark.parametrize("token", ["?1", "?10"])
def test_question_mark_values_are_unparsed_not_numbers(token):
    # MCS2026 line 5086 (niobium stockpile shipments 2021) has '?1': a lost minus sign, perhaps.
    parsed = parse_value(token)
    assert parsed.value is None and "unparsed" in parsed.flags and parsed.problem


def test_clean_text_strips_nbsp_bom_and_spaces():
    assert clean_text("\ufeff Canada \xa0") == "Canada"


def test_note_flags_use_the_start_of_each_note():
    assert flags_from_note("Estimated. -- Rounded to the nearest 5,000 tons") == {"estimated", "rounded"}
    assert flags_from_note("Estimated based on reported import data") == {"estimated"}
    assert flags_from_note("Source: Asian Metal Ltd.") == frozenset()


@given(st.text(max_size=30))
def test_never_crashes_and_never_invents_numbers_from_flags(text):
    parsed = parse_value(text)
    assert parsed.flags <= set(FLAGS)
    if parsed.flags & {"withheld", "not_available", "not_applicable", "net_exporter", "qualitative", "unparsed", "small"}:
        assert parsed.value is None
    if parsed.value is not None:
        assert math.isfinite(parsed.value)


@given(st.sampled_from(["W", "NA", "XX", "E", "s", "Large", "—"]), st.sampled_from(["", " ", "\xa0"]))
def test_codes_with_whitespace(code, pad):
    parsed = parse_value(pad + code + pad)
    assert parsed.value in (None, 0.0)
