"""Claims check, prices and vintage revisions."""
from __future__ import annotations

import pytest

from rexlib import InvalidArgument
from rexlib.metrics import check_claims, count_nir, price_floors, price_volatility, vintage_diff


def test_count_100pct_nir_mcs2025():
    t = count_nir("MCS2025", low=100)
    assert len(t) == 12
    assert {"gallium", "graphite", "niobium", "yttrium"} <= set(t["mineral_id"])
    assert "asbestos" not in set(t["mineral_id"])  # 100 % but not on the 2022 list


def test_claims():
    t = check_claims().set_index("claim_id")
    assert t.loc["C001", "verdict"] == "consistent" and t.loc["C001", "computed"] == 12
    assert t.loc["C015", "verdict"] == "differs"          # 60 % vs 69.2 %
    assert t.loc["C017", "verdict"] == "consistent"       # ~70 %
    # IEA 2025 edition (UNOFFICIAL conversion) iea.json supply.Rare Earth Elements.refining: China 73.7567 of 80.8051 kt (2024)
    assert t.loc["C016", "computed"] == pytest.approx(73.75667016860831 / 80.80512702814008 * 100, abs=0.01)
    assert t.loc["C021", "verdict"] == "not_checkable"    # 2019 not in the data
    assert "2019" in t.loc["C021", "tolerance_or_reason"]
    assert t.loc["C022", "computed"] == 380_000 and t.loc["C022", "verdict"] == "consistent"
    assert set(t["verdict"]) <= {"consistent", "differs", "not_checkable"}


def test_price_volatility_by_hand():
    t = price_volatility("neodymium")
    row = t.iloc[0]
    p = [98.0, 134.0, 78.0, 56.0, 73.0]
    mean = sum(p) / 5
    sd = (sum((x - mean) ** 2 for x in p) / 4) ** 0.5
    assert row["cv_pct"] == pytest.approx(sd / mean * 100)
    assert row["max_yoy_pct"] == pytest.approx(abs(78 / 134 - 1) * 100)
    assert row["max_yoy_years"] == "2022-2023"


def test_price_na_not_zero():
    t = price_volatility("asbestos").iloc[0]
    assert t["n_years"] == 2 and t["missing_years"] == "2023;2024;2025"
    assert t["cv_pct"] != t["cv_pct"]  # NaN: too few known prices, never zeros filled in
    with pytest.raises(InvalidArgument):
        price_volatility(start=2019)


def test_price_floor_ndpr():
    t = price_floors().set_index("deal_id")
    assert t.loc["D021", "floor"] == 110 and t.loc["D021", "comparable"]
    assert t.loc["D021", "premium_latest_pct"] == pytest.approx((110 / 69 - 1) * 100)
    assert not t.loc["D033", "comparable"]


def test_vintage_diff_cobalt():
    d = vintage_diff("cobalt").set_index("country")
    assert d.loc["COD", "value_old"] == 220_000 and d.loc["COD", "value_new"] == 226_000
    assert d.loc["COD", "change_pct"] == pytest.approx(6_000 / 220_000 * 100)
    assert d.loc["WLD", "change"] == 12_000
    allrev = vintage_diff()
    pct = allrev["change_pct"].dropna().abs()
    assert pct.is_monotonic_decreasing
    with pytest.raises(InvalidArgument):
        vintage_diff(old="MCS1999")
