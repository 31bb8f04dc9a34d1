"""rexlib.metrics.outlook against values computed by hand from the IEA workbook's cells
(data/raw/iea/IEA_CM_Data_Explorer_May2024.xlsx; sheet and cell cited at each number)."""
from __future__ import annotations

import pandas as pd
import pytest

from rexlib.query import api
from rexlib import metrics as m
from rexlib.metrics import outlook as o

S1 = "1 Total demand for key minerals"


@pytest.fixture(scope="module")
def frames(db):
    return api.demand(), api.cleantech_demand(), api.tech_demand(), api.projected_supply()


def _one(frame, **where):
    for k, v in where.items():
        frame = frame[frame[k] == v]
    assert len(frame) == 1, where
    return frame.iloc[0]


def test_growth_lithium_2035(frames):
    demand = frames[0]
    g = o.growth(demand[demand["end_use"] == "total_demand"])
    li = g[(g["mineral_id"] == "lithium") & (g["year"] == 2035)].set_index("scenario")["multiple"]
    # sheet 1: E37 735.866 (STEPS), K37 903.146 (APS), Q37 1095.218 (NZE) over B37 165.3723 (2023)
    assert li["STEPS"] == pytest.approx(735.866 / 165.3723)      # 4.45x
    assert li["APS"] == pytest.approx(903.146 / 165.3723)        # 5.46x
    assert li["NZE"] == pytest.approx(1095.218 / 165.3723)       # 6.62x
    assert round(li["STEPS"], 2) == 4.45 and round(li["APS"], 2) == 5.46 and round(li["NZE"], 2) == 6.62
    # an end use with a zero base: cobalt in grid storage 2040 (sheet 1 F24 = 0, base B24 2.52783)
    co = _one(o.growth(demand), mineral_id="cobalt", end_use="grid_battery_storage", scenario="STEPS", year=2040)
    assert co["multiple"] == 0 and co["change_kt"] == pytest.approx(-2.52783)
    # zero base -> NaN, never infinity: vanadium in grid storage, 4.4 B15 = 0
    tech = frames[2]
    va = o.growth(tech[(tech["mineral_id"] == "vanadium") & (tech["case"] == "base_case")])
    assert va["multiple"].isna().all() and (va["change_kt"] > 0).all()


def test_cleantech_share_equals_the_sheets_share_row(frames):
    share = o.cleantech_share(frames[0])
    row = _one(share, mineral_id="lithium", scenario="APS", year=2035)
    assert row["share_pct"] == pytest.approx(794.146 / 903.146 * 100)   # K35 / K37
    assert row["share_pct"] == pytest.approx(87.9311, abs=1e-3)         # K38 = 0.879311
    cu = _one(share, mineral_id="copper", scenario="observed", year=2023)
    assert cu["share_pct"] == pytest.approx(6371.7 / 25915 * 100, abs=1e-3)   # B15 / B17 = B18 0.245869


def test_balance_and_coverage(frames):
    demand, cleantech, _, supply = frames
    bal = o.supply_demand_balance(supply, demand, cleantech)
    li = _one(bal, mineral_id="lithium", stage="chemicals", year=2030, scenario="STEPS")
    assert li["supply_kt"] == 372.7 and li["demand_kt"] == 471.291           # sheet 2 I34, sheet 1 D37
    assert li["gap_kt"] == pytest.approx(372.7 - 471.291)                     # -98.6 kt
    assert li["gap_pct"] == pytest.approx((372.7 - 471.291) / 471.291 * 100)  # -20.9 %
    assert not li["covered"] and li["supply_cell"].endswith("!I34") and li["demand_cell"] == "D37"
    base = _one(bal, mineral_id="lithium", stage="mine", year=2023)
    assert base["scenario"] == "observed" and base["gap_kt"] == pytest.approx(193.8 - 165.3723)   # B34 - B37
    gr = _one(bal, mineral_id="graphite", stage="battery_grade", year=2030, scenario="NZE")
    assert gr["demand_kt"] == 5024.37 and gr["supply_kt"] == 5481.4         # sheet 3.2 P14, sheet 2 I56
    assert "battery-grade" in gr["demand_basis"]
    assert "natural graphite" in _one(bal, mineral_id="graphite", stage="mine", year=2030, scenario="STEPS")["note"]
    cov = o.scenario_coverage(bal)
    # cobalt mining 2030: C24 326.3 kt >= D28 323.485 (STEPS) but < J28 344.026 (APS)
    co = _one(cov, mineral_id="cobalt", stage="mine", year=2030)
    assert (co["covers"], co["short_of"]) == ("STEPS", "APS")
    # copper refining 2030: I14 31,922.4 >= J17 31,357.6 (APS) but < P17 33,445.5 (NZE)
    cu = _one(cov, mineral_id="copper", stage="refinery", year=2030)
    assert (cu["covers"], cu["short_of"], cu["covered_scenarios"]) == ("APS", "NZE", "STEPS;APS")
    assert _one(cov, mineral_id="graphite", stage="battery_grade", year=2040)["covers"] == "NZE"
    assert _one(cov, mineral_id="lithium", stage="chemicals", year=2030)["covers"] == "none"
    assert set(cov["mineral_id"]) == {"copper", "cobalt", "lithium", "nickel", "graphite", "magnet_rare_earths"}
    assert len(cov) == 36                                                     # 6 minerals x 2 stages x 3 years


def test_projected_concentration_uses_the_concentration_metric(frames):
    supply = frames[3]
    conc = o.projected_concentration(supply, ["lithium"])
    row = _one(conc, mineral_id="lithium", stage="chemicals", year=2030)
    # sheet 2 lithium chemicals 2030: China I28 213.1, Chile I29 55.8, Argentina I30 47.1, Australia I31 29.8,
    # Rest of world I33 26.9, total I34 372.7
    shares = [x / 372.7 * 100 for x in (213.1, 55.8, 47.1, 29.8)]
    assert row["china_share"] == pytest.approx(213.1 / 372.7 * 100)          # 57.2 %
    assert row["top3_share"] == pytest.approx(sum(shares[:3]))               # 84.8 % (workbook I35 0.847867)
    assert row["hhi"] == pytest.approx(sum(s * s for s in shares))           # lower bound, ROW spread thin
    base = _one(conc, mineral_id="lithium", stage="chemicals", year=2023)
    assert base["china_share"] == pytest.approx(113.9 / 176.3 * 100)         # H28 / H34
    assert row["china_change_pp"] == pytest.approx(row["china_share"] - base["china_share"])
    assert row["falls"] and not base["falls"] and row["scenario"] == "base_case"
    same = m.concentration("lithium", "chemicals", 2030, source="iea").iloc[0]
    assert row["hhi"] == same["hhi"] and row["top3_share"] == same["top3_share"]


def test_top3_statement_says_which_year(frames):
    supply = frames[3]
    conc = o.projected_concentration(supply)
    table = o.top3_refining_statement(conc, api.claims())
    assert set(table["claim_id"]) == {"C011", "C012"} and not table["comparable"].any()
    y23 = _one(table, claim_id="C011", workbook_year=2023)
    # 2023 top-3 shares of the six processing blocks, from sheet 2: copper (H7+H9+H10)/H14, cobalt
    # (H18+H19+H22: Canada 6.9 > Japan 5.6)/H24, lithium (H28+H29+H30)/H34, nickel (H38+H39+H42)/H45, graphite battery grade
    # (H49+H50+H54: Germany 28.2 > United States 16.5)/H56, magnet REE (H60+H61+H63)/H65
    hand = [(11547 + 2057.7 + 1499) / 26336.2, (171.7 + 18.8 + 6.9) / 223.8, (113.9 + 46.4 + 9.1) / 176.3,
            (1413.7 + 1065.3 + 158) / 3796.1, (1851.9 + 123.5 + 28.2) / 2037.2, (70.3 + 4 + 0.2) / 76.3]
    assert y23["mean_top3_pct"] == pytest.approx(sum(hand) / 6 * 100)       # 84.5 %
    assert y23["blocks"] == 6 and y23["claimed_pct"] == 86
    assert "different years" in y23["note"]
    assert _one(table, claim_id="C012", workbook_year=2023)["claimed_year"] == "2020"


def test_exposure_of_2030_demand_to_a_cut(frames):
    cut = m.disruption("lithium", "CHN", "chemicals", 100, 0, 2030, source="iea")
    assert cut["supplier_share_pct"].iloc[0] == pytest.approx(213.1 / 372.7 * 100)   # sheet 2 I28 / I34
    exp = o.demand_exposure(cut, frames[0]).set_index("scenario")
    assert exp.loc["STEPS", "supplier_share_of_demand_pct"] == pytest.approx(213.1 / 471.291 * 100)   # / D37
    assert exp.loc["NZE", "supplier_share_of_demand_pct"] == pytest.approx(213.1 / 705.391 * 100)     # / P37
    assert exp.loc["STEPS", "shortfall_kt"] == pytest.approx(471.291 - (372.7 - 213.1))
    half = m.disruption("lithium", "CHN", "chemicals", 50, 20, 2030, source="iea")
    e2 = o.demand_exposure(half, frames[0]).set_index("scenario")
    lost, ramp = 213.1 * 0.5, min((372.7 - 213.1) * 0.2, 213.1 * 0.5)   # others = I29+I30+I31+I33
    assert e2.loc["APS", "remaining_kt"] == pytest.approx(372.7 - lost + ramp)
    assert e2.loc["APS", "shortfall_kt"] == pytest.approx(531.513 - (372.7 - lost + ramp))         # J37


def test_demand_by_end_use_picks_the_widest_sheet(frames):
    demand, cleantech, tech, _ = frames
    rows, basis = o.demand_by_end_use("lithium", demand, cleantech, tech)
    assert basis.startswith("sheet 1") and set(rows["end_use"]) == {"electric_vehicles", "grid_battery_storage",
                                                                   "other_uses"}
    rows, basis = o.demand_by_end_use("zinc", demand, cleantech, tech)
    assert basis.startswith("sheet 3.1") and _one(rows, end_use="wind", year=2023)["value_kt"] == 704.627   # 3.1 B89
    rows, basis = o.demand_by_end_use("gallium", demand, cleantech, tech)
    assert basis.startswith("sheets 4.1") and set(rows["end_use"]) == {"solar_pv"}
