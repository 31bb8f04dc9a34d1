"""Risk scores, sensitivity, disruption scenarios and financing."""
from __future__ import annotations

import pytest

import rexlib

from rexlib import InvalidArgument
from rexlib.metrics import (concentration, deal_flows, disruption, export_control_presets, financing_by_mineral_stage,
                            financing_gaps, hhi_wgi, most_exposed_minerals, risk_scores, risk_sensitivity)


@pytest.fixture(scope="module")
def scores():
    return risk_scores(critical="2022")


def test_risk_formulas(scores):
    r = scores.set_index("mineral_id").loc["cobalt"]
    g = hhi_wgi("cobalt", r["stage"], int(r["year"])).iloc[0]
    assert r["dp"] == pytest.approx(g["hhi_wgi"] / 10)
    assert r["te"] == pytest.approx(r["nir_pct"] / 100)
    assert r["usgs_sr"] == pytest.approx(r["dp"] * r["te"] * 1.0)
    # the EU method on the EC 2023 study's terms, the EU's IR unknown (0.5)
    assert r["eu_sr"] == pytest.approx(r["hhi_wgi_gs_eu"] * 0.5 / 2 + r["hhi_wgi_eus"] * (1 - 0.5 / 2))
    assert scores["usgs_sr"].dropna().between(0, 1).all()
    assert scores["eu_sr"].dropna().between(0, 10).all()


def test_risk_parameters_move_scores(scores):
    eol = risk_scores(critical="2022", eol_rir=0.5)
    assert eol.set_index("mineral_id")["eu_sr"].loc["cobalt"] == pytest.approx(
        scores.set_index("mineral_id")["eu_sr"].loc["cobalt"] / 2)
    with pytest.raises(InvalidArgument):
        risk_scores(weights={"xx": 1})
    with pytest.raises(InvalidArgument):
        risk_scores(eol_rir=2)


def test_sensitivity(scores):
    s = risk_sensitivity(20, critical="2022")
    assert set(s["mineral_id"]) == set(scores.dropna(subset=["usgs_sr"])["mineral_id"])
    assert (s["min_rank"] <= s["base_rank"]).all() and (s["max_rank"] >= s["base_rank"]).all()
    none = risk_sensitivity(0, critical="2022")
    assert not none["changed"].any()


def test_disruption_rare_earths_china():
    row = disruption("rare_earths", ["CHN"], ramp_up_pct=10).iloc[0]
    assert row["supply_lost"] == 270_000
    assert row["supply_lost_pct"] == pytest.approx(270_000 / 390_000 * 100)
    frame = rexlib.production("rare_earths", "mine", 2025, vintage="MCS2026")
    others = frame[~frame["country"].isin(["WLD", "CHN"])]["value"].sum()  # everyone else incl. ROW
    assert row["ramp_up"] == pytest.approx(0.10 * others)
    assert row["remaining_supply"] == pytest.approx(390_000 - 270_000 + 0.10 * others)
    assert row["import_share_basis"] == "shares"
    assert row["us_consumption_exposed_pct"] == pytest.approx(row["nir_pct"] * 71 / 100)


def test_disruption_group_and_ranks_only():
    row = disruption("cobalt", "chatham_higher_risk_jurisdictions", cut_pct=50).iloc[0]
    assert row["supply_lost"] == pytest.approx(0.5 * concentration("cobalt").iloc[0]["top1_share"] / 100 * row["world_total"])
    with pytest.raises(InvalidArgument):
        disruption("cobalt", ["CHN"], cut_pct=150)
    with pytest.raises(InvalidArgument):
        disruption("cobalt", ["ZZZ"])


def test_presets_and_exposure():
    p = export_control_presets()
    runnable = p[p["runnable"]]
    assert set(runnable["mineral_id"]) == {"rare_earths", "gallium", "germanium", "graphite"}
    for args in runnable["args"]:
        assert disruption(**args).iloc[0]["suppliers"] == "CHN"
    top = most_exposed_minerals("CHN", n=5)
    assert top["us_consumption_exposed_pct"].is_monotonic_decreasing


def test_financing():
    flows = deal_flows()
    assert not flows["deal_id"].isin(["D004", "D005", "D006"]).any()  # aggregates dropped
    assert "D003" not in set(flows["deal_id"])  # conflict group: smaller figure kept
    d009 = flows[flows["deal_id"] == "D009"]
    assert len(d009) == 4 and d009["amount_usd_alloc"].sum() == pytest.approx(565e6)
    # 19.692 bn + D028 RIGI $14 bn (counted once, issue 26) + D036 USA Rare Earth revolving credit $0.25 bn
    assert flows["amount_usd_alloc"].sum() == pytest.approx(33.942e9)
    table = financing_by_mineral_stage()
    assert table["usd"].sum() == pytest.approx(flows["amount_usd_alloc"].sum())
    gaps = financing_gaps()
    assert not ((gaps["mineral_id"] == "cobalt") & (gaps["stage"] == "mine")).any()  # D011 finances it
    assert ((gaps["mineral_id"] == "gallium") & (gaps["stage"] == "refinery")).any()
