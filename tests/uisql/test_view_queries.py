"""The queries the apps' views used to run themselves, now in the query layer (rexlib.query.api) and the
one deal summation (rexlib.metrics.deal_totals), checked on real rows of data/curated/deals.csv."""
from __future__ import annotations

import math

import pandas as pd
import pytest

import rexlib
from rexlib import InvalidArgument
from rexlib.query import api
from rexlib.core.paths import CURATED

DEALS_CSV = CURATED / "deals.csv"


def test_deal_totals_by_agency_sums_each_deal_once_without_aggregates(db):
    # deals.csv line 20 D019 DoD $400 M, line 21 D020 DoD $150 M, line 22 D021 DoD no amount;
    # line 2 D001 EXIM $10 bn, line 25 D024 EXIM $500 M, line 6 D005 EXIM $14.8 bn is an aggregate (dropped).
    totals = rexlib.deal_totals("agency").set_index("group")
    assert totals.loc["DoD", "usd"] == 550e6
    assert (totals.loc["DoD", "n_deals"], totals.loc["DoD", "n_with_amount"]) == (3, 2)
    assert totals.loc["EXIM", "usd"] == 10.5e9 and totals.loc["EXIM", "n_deals"] == 2
    assert list(totals["usd"].dropna()) == sorted(totals["usd"].dropna(), reverse=True)


def test_deal_totals_by_mineral_reads_not_disclosed_as_nan_never_zero(db):
    # D021 (line 22): DoD, neodymium;praseodymium, no amount stated -> each mineral "not disclosed".
    totals = rexlib.deal_totals("mineral", agency="DoD").set_index("group")
    assert math.isnan(totals.loc["neodymium", "usd"]) and totals.loc["neodymium", "n_with_amount"] == 0
    assert totals.loc["rare_earths", "usd"] == 550e6                       # D019 + D020
    with pytest.raises(InvalidArgument, match="Valid by values: agency, country, mineral, stage"):
        rexlib.deal_totals("minerals")


def test_financing_app_draws_deal_totals(db):
    from rexlib.app.ui import financing
    frame = financing.grouped("agency", "all")
    expected = rexlib.deal_totals("agency")
    pd.testing.assert_frame_equal(frame, expected)


def test_policy_rows_name_any_mineral_of_the_list(db):
    # D021 (line 22) names neodymium; D019, D020, D024 and the aggregate D005 name rare_earths.
    assert "D021" in set(rexlib.policy_rows("deals", ["neodymium"])["deal_id"])
    both = rexlib.policy_rows("deals", ["neodymium", "rare_earths"])
    assert {"D005", "D019", "D020", "D021", "D024"} <= set(both["deal_id"])
    with pytest.raises(InvalidArgument, match="Valid table values: agreements, claims, deals, export_controls"):
        rexlib.policy_rows("deals; DROP TABLE deals", ["lithium"])
    with pytest.raises(InvalidArgument, match="minerals"):
        rexlib.policy_rows("deals", "lithium")
    with pytest.raises(InvalidArgument, match="mineral"):
        rexlib.policy_rows("deals", ["unobtainium"])


def test_table_lookups_of_the_explore_app(db):
    assert {"deals", "production_latest", "countries"} <= set(rexlib.tables())
    n_csv = len(pd.read_csv(DEALS_CSV))
    assert rexlib.row_count("deals") == n_csv
    assert len(rexlib.table_rows("deals", 5)) == 5
    with pytest.raises(InvalidArgument, match="table"):
        rexlib.row_count('deals" --')
    with pytest.raises(InvalidArgument, match="limit"):
        rexlib.table_rows("deals", -1)


def test_producers_and_lookups_without_a_mineral(db):
    cobalt = rexlib.producers("cobalt", "mine")
    assert "COD" in set(cobalt["country"])            # USGS MCS: Congo (Kinshasa), the largest miner
    kinds = dict(zip(rexlib.countries()["iso3"], rexlib.countries()["kind"]))
    assert not any(kinds[c] == "aggregate" for c in cobalt["country"])
    assert {"mine", "refinery"} <= set(api.stages()) and set(api.stages("cobalt")) <= set(api.stages())
    assert 2025 in api.production_years() and api.production_years() == sorted(api.production_years())
    with pytest.raises(InvalidArgument, match="stage"):
        api.production_years(stage="mine")
    assert "lithium" in set(rexlib.minerals_with_statistics()["mineral_id"])
