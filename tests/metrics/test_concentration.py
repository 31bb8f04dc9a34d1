"""Concentration metrics against hand computations on real MCS2026 / IEA slices."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import rexlib
from rexlib import InvalidArgument
from rexlib.etl import series
from rexlib.metrics import concentration, concentration_table, hhi, hhi_bounds, mining_vs_processing_gap


def shares(frame: pd.DataFrame) -> pd.DataFrame:
    """The one share rule (rexlib.etl.series.with_shares) on a series without a world total: shares of
    the listed parts (metrics.concentration.shares, a second rule, is gone)."""
    keyed = frame.assign(mineral_id="x", stage="mine", year=2025, vintage="T", measure="m", qualifier="",
                         flag="", note="")
    out = series.with_shares(keyed)
    return out.assign(role=["remainder" if c == "ROW" else "country" for c in out["country"]])


def test_drc_cobalt_2024_literal():
    # MCS2026: DRC 226,000 t of a 302,000 t world total in 2024.
    row = concentration("cobalt", "mine", 2024).iloc[0]
    assert row["vintage"] == "MCS2026"
    assert row["world_total"] == 302_000
    assert row["top1_country"] == "COD"
    assert row["top1_share"] == pytest.approx(226_000 / 302_000 * 100)


def test_cobalt_hhi_2024_by_hand():
    frame = rexlib.production("cobalt", "mine", 2024, vintage="MCS2026")
    world = float(frame.loc[frame["country"] == "WLD", "value"].iloc[0])
    countries = frame[~frame["is_aggregate"]]
    expected_low = sum((v / world * 100) ** 2 for v in countries["value"])
    row_share = float(frame.loc[frame["country"] == "ROW", "value"].iloc[0]) / world * 100
    unalloc = max(0.0, 100 - sum(v / world * 100 for v in countries["value"]) - row_share)
    got = concentration("cobalt", "mine", 2024).iloc[0]
    assert got["hhi"] == pytest.approx(expected_low)
    assert got["hhi_low"] == got["hhi"]
    assert got["hhi_high"] == pytest.approx(expected_low + row_share ** 2 + unalloc ** 2)
    assert 5_700 < got["hhi"] < 5_800  # DRC alone contributes 74.8² ≈ 5,600
    assert "hhi_is_lower_bound" in got["flags"]
    assert got["china_share"] == pytest.approx(2_000 / 302_000 * 100)


def test_rare_earth_china_share_mcs2026_2025():
    row = concentration("rare_earths", "mine", 2025).iloc[0]
    assert row["china_share"] == pytest.approx(270_000 / 390_000 * 100)
    assert round(row["china_share"], 1) == 69.2


def test_magnet_rare_earth_refining_iea_2023():
    row = concentration("magnet_rare_earths", "refinery", source="iea").iloc[0]
    assert row["year"] == 2023
    assert row["china_share"] == pytest.approx(70.3 / 76.3 * 100)
    assert round(row["china_share"], 1) == 92.1


def test_withheld_is_flagged_not_zero():
    # Lithium 2025: the U.S. value is withheld (W) and USGS's world total excludes it.
    row = concentration("lithium", "mine", 2025).iloc[0]
    assert "USA" in row["withheld_countries"].split(";")
    assert "withheld_values" in row["flags"]


def test_unknown_arguments_raise():
    with pytest.raises(InvalidArgument, match="Valid mineral values"):
        concentration("unobtainium")
    with pytest.raises(InvalidArgument, match="Valid stage values"):
        concentration("cobalt", "smelter")
    with pytest.raises(InvalidArgument, match="Valid year values"):
        concentration("cobalt", "mine", 1990)
    with pytest.raises(InvalidArgument):
        concentration("cobalt", source="bgs")
    with pytest.raises(InvalidArgument, match="IEA"):
        concentration("tin", source="iea")


def test_hhi_extremes_and_errors():
    assert hhi([100]) == 10_000
    assert hhi([50, 50]) == 5_000
    assert hhi([]) == 0
    with pytest.raises(ValueError):
        hhi([float("nan"), 10])
    with pytest.raises(ValueError):
        hhi([-1, 50])
    with pytest.raises(ValueError):
        hhi([80, 80])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=40))
def test_hhi_range_and_share_sum(values):
    frame = pd.DataFrame({"country": [f"C{i:02d}" for i in range(len(values))], "value": values})
    if sum(values) == 0:
        return
    sh = shares(frame)
    assert sh["share_pct"].sum() == pytest.approx(100, abs=1e-6)
    h = hhi(sh["share_pct"])
    assert 0 <= h <= 10_000 + 1e-6
    assert h >= 10_000 / len(values) - 1e-6  # the index is smallest for equal shares


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=1, max_value=1e6, allow_nan=False), min_size=1, max_size=15),
       st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_bounds_order(values, remainder):
    frame = pd.DataFrame({"country": [f"C{i:02d}" for i in range(len(values))] + ["ROW"],
                          "value": values + [remainder]})
    b = hhi_bounds(shares(frame))
    assert 0 <= b["hhi_low"] <= b["hhi_high"] <= 10_000 + 1e-6
    assert b["remainder_share"] == pytest.approx(remainder / (sum(values) + remainder) * 100)


def test_table_and_gaps():
    table = concentration_table("mine", critical="2022")
    assert {"cobalt", "graphite", "niobium"} <= set(table["mineral_id"])
    assert table["hhi"].between(0, 10_000).all()
    assert (table["hhi_low"] <= table["hhi_high"] + 1e-9).all()
    gaps = mining_vs_processing_gap()
    assert gaps["china_gap_pp"].is_monotonic_decreasing
    mre = mining_vs_processing_gap("magnet_rare_earths").iloc[0]
    # the newest IEA observation (2024, iea.json supply.Rare Earth Elements.{mining,refining}: China / total; issue 27)
    assert mre["china_mine_share"] == pytest.approx(45.78735 / 75.09879032554382 * 100)
    assert mre["china_gap_pp"] == pytest.approx(73.75667016860831 / 80.80512702814008 * 100
                                                - 45.78735 / 75.09879032554382 * 100)
    assert not math.isnan(mining_vs_processing_gap("bauxite").iloc[0]["china_processing_share"])
