"""Project Vault (issue 27 item 3): rexlib.stockpile on real MCS2026 rows, checked by hand.

Raw rows used (data/raw/usgs/mcs2026/MCS2026_Commodities_Data.csv, 1-based line numbers):
  2541 GALLIUM Consumption, reported, kilograms, 2025, "19,000"
  2542 GALLIUM Price, average unit value of imports, dollars per kilogram, 2025, 580
  2544 GALLIUM Net import reliance as a percentage of reported consumption, 2025, 100
   393 ANTIMONY Consumption, apparent, metric tons, 2025, "45,000"
   394 ANTIMONY Price, metal, average, dollars per pound, 2025, 25
   395 ANTIMONY Net import reliance as a percentage of apparent consumption, 2025, 91
  4229 LITHIUM Consumption, apparent, metric tons, 2025, W
  2788 GERMANIUM Consumption, estimated, kilograms, 2025, NA
Budgets: data/curated/deals.csv lines 2 (D001, $10 bn EXIM), 3 (D002, $1.7 bn private, AFP), 5 (D004, $12 bn).
"""
from __future__ import annotations

import math

import pytest

import rexlib
from rexlib.metrics.stockpile import stockpile_presets
from rexlib.reports.plans import expand, load_plan

from ..conftest import MCS2026

LB = 0.45359237


def _raw_line(n: int) -> str:
    with open(MCS2026, encoding="utf-8", errors="replace") as fh:
        for i, line in enumerate(fh, 1):
            if i == n:
                return line
    raise AssertionError(n)


def test_raw_rows_hold_what_the_hand_check_uses(db):
    assert ',"Consumption, reported",kilograms,2025,"19,000"' in _raw_line(2541)
    assert "dollars per kilogram,2025,580," in _raw_line(2542)
    assert "reported consumption,percent,2025,100," in _raw_line(2544)
    assert ',"Consumption, apparent",metric tons,2025,"45,000"' in _raw_line(393)
    assert "dollars per pound,2025,25," in _raw_line(394)
    assert "apparent consumption,percent,2025,91," in _raw_line(395)
    assert ',"Consumption, apparent",metric tons,2025,W,' in _raw_line(4229)


def test_gallium_whole_default_budget(db):
    row = rexlib.stockpile(minerals=["gallium"]).iloc[0]
    # $12 bn (deals D004) / $580 per kg = 20,689,655 kg; net imports = 19,000 kg x 100 % a year
    assert row["budget_usd"] == 12e9
    assert row["quantity_kg"] == pytest.approx(12e9 / 580)
    assert row["months_covered"] == pytest.approx(12e9 / 580 / (19_000 / 12))      # 13,067.2 months
    assert row["cost_of_months_usd"] == pytest.approx(19_000 * 580)                # 12 months: $11.02 M
    assert row["price_source"].endswith("line 2542") and row["consumption_source"].endswith("line 2541")
    assert row["status"] == "ok"


def test_antimony_equal_split_of_the_documents_scenario(db):
    frame = rexlib.stockpile().set_index("mineral_id")
    assert len(frame) == 9 and frame["budget_usd"].sum() == pytest.approx(12e9)
    sb = frame.loc["antimony"]
    kg = 12e9 / 9 / (25 / LB)                      # $25/lb -> $55.12/kg
    assert sb["quantity_kg"] == pytest.approx(kg)
    assert sb["months_covered"] == pytest.approx(kg / (45_000e3 * 0.91 / 12))      # 7.09 months of net imports
    cons = rexlib.stockpile(minerals=["antimony"], basis="consumption", months=6).iloc[0]
    assert cons["months_covered"] == pytest.approx(12e9 / (25 / LB) / (45_000e3 / 12))
    assert cons["cost_of_months_usd"] == pytest.approx(6 * 45_000e3 / 12 * 25 / LB)


def test_withheld_and_missing_are_said_never_zero(db):
    frame = rexlib.stockpile().set_index("mineral_id")
    for mid, word, line in (("lithium", "withheld (W)", 4229), ("germanium", "not available (NA)", 2788)):
        row = frame.loc[mid]
        assert math.isnan(row["months_covered"]) and math.isnan(row["cost_of_months_usd"])
        assert word in row["status"] and f"line {line}" in row["status"]
        assert row["quantity_kg"] > 0                   # the price is known: what the money buys is still said
    assert frame.loc["tungsten", "price_unit"] == "dollars per dry metric ton unit"
    assert frame.loc["tungsten", "price_usd_per_kg"] == pytest.approx(380 / 10)


def test_bad_arguments_name_the_valid_values(db):
    with pytest.raises(rexlib.InvalidArgument, match="consumption, net_imports"):
        rexlib.stockpile(basis="imports")
    with pytest.raises(rexlib.InvalidArgument, match="equal"):
        rexlib.stockpile(split="by_weight")
    with pytest.raises(rexlib.InvalidArgument):
        rexlib.stockpile(-1)
    with pytest.raises(rexlib.InvalidArgument, match="mineral"):
        rexlib.stockpile(minerals=["unobtainium"])


def test_split_by_net_import_value_gives_no_budget_where_it_cannot_be_valued(db):
    frame = rexlib.stockpile(split="net_import_value").set_index("mineral_id")
    assert frame["budget_share_pct"].sum() == pytest.approx(100)
    assert frame.loc["lithium", "budget_usd"] == 0 and "no budget under net_import_value" in frame.loc["lithium", "status"]
    # shares in proportion to net imports x price: every valued mineral covers the same months
    valued = frame[frame["budget_usd"] > 0]["months_covered"]
    assert valued.max() == pytest.approx(valued.min())
    weights = rexlib.stockpile(minerals=["gallium", "antimony"], split={"gallium": 1, "antimony": 3})
    assert weights["budget_usd"].tolist() == pytest.approx([3e9, 9e9])


def test_presets_come_from_the_deals_and_feed_the_report_plan(db):
    presets = stockpile_presets().set_index("preset")["budget_usd"]
    assert presets.to_dict() == {"documents_12bn": 12e9, "exim_10bn": 10e9, "exim_plus_afp_private": 11.7e9}
    jobs = expand(load_plan("vault"))
    assert len(jobs) == 6 and {j.notebook for j in jobs} == {"financing"}
    assert {(j.params["vault"], j.params["basis"]) for j in jobs} == {
        (p, b) for p in presets.index for b in ("net_imports", "consumption")}


def test_financing_app_shows_the_vault_section(db):
    from rexlib.app.ui import financing
    html = "".join(financing.vault_section("exim_10bn", "consumption", "equal", 6))
    assert "Project Vault: what $10 bn buys" in html
    assert "withheld (W) for 2025 (MCS2026 line 4229)" in html
    assert "Months of consumption" in html and "Cost of 6 months" in html


def test_an_undeclared_mineral_is_said_not_guessed(db):
    # bromine has no price/consumption declaration in rexlib/metadata/stockpile.yml
    row = rexlib.stockpile(minerals=["bromine"]).iloc[0]
    assert math.isnan(row["quantity_kg"]) and math.isnan(row["months_covered"])
    assert "no price/consumption measure declared" in row["status"]
    with pytest.raises(rexlib.InvalidArgument, match="a mineral id or a list of ids"):
        rexlib.stockpile(minerals=0.0)
