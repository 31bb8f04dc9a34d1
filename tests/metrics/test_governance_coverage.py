"""Governance-weighted HHI and coalition coverage."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rexlib
from rexlib import InvalidArgument
from rexlib.metrics import _common as c
from rexlib.metrics import coalition_coverage, covered_share, hhi_wgi, least_covered, wgi_scores
from rexlib.metrics.governance import WGI_YEAR

ALL = sorted(c.all_countries())
CHN_2022 = [0.0159702487289906, 0.495032012462616, -0.441073626279831, -0.418417632579803,
            -0.0414439849555492, -1.60957491397858]  # WGI 2023 update, China 2022 (raw file)


def test_wgi_scale_china():
    row = wgi_scores(WGI_YEAR).set_index("iso3").loc["CHN"]
    mean = sum(CHN_2022) / 6
    assert row["wgi_scaled"] == pytest.approx((2.5 - mean) * 2)
    assert row["n_indicators"] == 6


def test_hhi_wgi_by_hand_magnet_refining():
    scores = wgi_scores().set_index("iso3")["wgi_scaled"]
    block = rexlib.refining("magnet_rare_earths", "refinery", 2023)
    total = block["value_kt"].sum()
    listed = block[block["country"] != "ROW"]
    expected = sum((v / total) ** 2 * scores[ctry] for ctry, v in zip(listed["country"], listed["value_kt"]))
    row = hhi_wgi("magnet_rare_earths", "refinery", 2023, source="iea").iloc[0]   # 2023: the May 2024 workbook
    assert row["hhi_wgi"] == pytest.approx(expected)
    fill = float(scores.median())
    assert row["hhi_wgi_high"] == pytest.approx(expected + (1.8 / total) ** 2 * fill)
    assert row["share_without_wgi"] == pytest.approx(1.8 / total * 100)
    assert row["wgi_year"] == 2022 and "WGI" in row["method"]
    assert 0 <= row["hhi_wgi"] <= 10


def test_hhi_wgi_bad_args():
    with pytest.raises(InvalidArgument):
        hhi_wgi("cobalt", missing="zero")
    with pytest.raises(InvalidArgument):
        hhi_wgi("cobalt", wgi_year=2030)


def test_coverage_all_countries_is_100():
    table = coalition_coverage(countries=ALL)
    for col in ("mine_covered_pct", "refining_covered_pct", "import_covered_pct"):
        vals = table[col].dropna()
        assert len(vals) > 5
        assert vals.round(9).eq(100).all(), col


def test_row_is_never_a_member():
    with_row = coalition_coverage(countries=["CHN", "ROW"], mineral="cobalt").iloc[0]
    without = coalition_coverage(countries=["CHN"], mineral="cobalt").iloc[0]
    assert with_row["mine_covered_pct"] == without["mine_covered_pct"]
    assert "ROW" in with_row["members_note"]


def test_coverage_by_hand_rare_earths_china():
    frame = rexlib.production("rare_earths", "mine", 2025, vintage="MCS2026")
    parts = frame[frame["country"] != "WLD"]
    expected = 270_000 / parts["value"].sum() * 100
    row = coalition_coverage(countries=["CHN"], mineral="rare_earths").iloc[0]
    assert row["mine_covered_pct"] == pytest.approx(expected)
    assert row["import_basis"] == "share_pct" and row["import_covered_pct"] == 71.0


def test_group_and_errors():
    t = coalition_coverage("ministerial_2026_attendees", critical="2022")
    assert t["mine_covered_pct"].dropna().between(0, 100).all()
    with pytest.raises(InvalidArgument, match="Valid group values"):
        coalition_coverage("g7")
    with pytest.raises(InvalidArgument, match="Valid country values"):
        coalition_coverage(countries=["XXX"])
    least = least_covered("ministerial_2026_attendees", 5)
    assert len(least) == 5 and least["mine_covered_pct"].is_monotonic_increasing


MINERALS = ["cobalt", "rare_earths", "lithium", "graphite", "gallium", "copper", "nickel"]


@settings(max_examples=25, deadline=None)
@given(st.sets(st.sampled_from(ALL), max_size=30), st.sets(st.sampled_from(ALL), min_size=1, max_size=30))
def test_coverage_monotone(base, extra):
    small = c.resolve_members(countries=sorted(base) or ["CHN"])
    big = c.resolve_members(countries=sorted(set(small.codes) | extra))
    for mid in MINERALS:
        for series in (c.mine_series(mid), c.processing_series(mid)):
            if series is None:
                continue
            a = covered_share(series.parts, small)
            b = covered_share(series.parts, big)
            assert b["covered_pct"] >= a["covered_pct"] - 1e-9
            assert b["covered_high_pct"] >= a["covered_high_pct"] - 1e-9
            assert a["covered_pct"] <= a["covered_high_pct"] + 1e-9 <= 100 + 1e-6
