"""The IEA's 2024 observations (issue 27 item 4): the 2025 edition's UNOFFICIAL JSON conversion as the
second IEA vintage, IEA2025. Real rows of data/raw/iea/iea_2025_edition_conversion/iea.json (JSON paths;
line numbers in the file as stored):
  line 1426  supply.Lithium.refining.countries.China.2024 = 169.67759096410308
  supply.<Mineral>.refining.top3Share.2024: Copper 0.5717, Cobalt 0.8871, Lithium 0.9608, Nickel 0.7780,
  Graphite 0.9817, Rare Earth Elements 0.9695 -> mean 85.8 %, the IEA Outlook 2025's "86% in 2024".
and of the May 2024 workbook (data/raw/iea/IEA_CM_Data_Explorer_May2024.xlsx, sheet 2, lithium chemicals 2023).
"""
from __future__ import annotations

import json

import pytest

import rexlib
from rexlib.metrics import _common as c
from rexlib.metrics.vintage import iea_vintage_change

from ..conftest import RAW

JSON = RAW / "iea" / "iea_2025_edition_conversion" / "iea.json"


def test_the_86_percent_is_reproduced_from_the_data(db):
    raw = json.loads(JSON.read_text(encoding="utf-8"))["supply"]
    from_file = sum(raw[m]["refining"]["top3Share"]["2024"] for m in raw) / 6 * 100
    assert round(from_file, 1) == 85.8
    change = iea_vintage_change()
    obs = change[(change["comparison"] == "observed") & (change["stage"] != "mine")]
    assert len(obs) == 6
    assert round(obs["top3_share_new"].mean(), 1) == 85.8          # rex's own top-3 rule on the stored blocks
    assert round(obs["top3_share_old"].mean(), 1) == 84.5          # the 2023 observation (May 2024 workbook)
    check = rexlib.publisher_checks()
    row = check[check["check"] == "iea2025_outlook_top3_refining"].iloc[0]
    assert row["status"] == "pass" and row["expected"] == 86.0


def test_a_real_row_and_its_provenance(db):
    assert '"2024": 169.67759096410308' in JSON.read_text(encoding="utf-8").splitlines()[1425]
    rows = rexlib.refining("lithium", "chemicals", 2024, vintage="IEA2025").set_index("country")
    china = rows.loc["CHN"]
    assert china["value_kt"] == pytest.approx(169.677591)
    assert china["share_pct"] == pytest.approx(169.67759096410308 / 241.6117526503776 * 100)   # 70.2 %
    assert china["source_path"] == "supply.Lithium.refining.countries.China.2024"
    assert china["provenance"].startswith("UNOFFICIAL")


def test_both_vintages_stay_queryable(db):
    assert set(rexlib.refining("nickel")["year"]) == {2023, 2030, 2035, 2040}
    assert set(rexlib.refining("nickel", vintage="IEA2025")["year"]) == {2024, 2030, 2035, 2040}
    assert set(rexlib.demand("copper", vintage="IEA2025", year=2024)["scenario"]) == {"observed"}
    with pytest.raises(rexlib.InvalidArgument, match="IEA2024, IEA2025"):
        rexlib.refining("nickel", vintage="IEA2026")
    old = c.iea_series("lithium", "chemicals", vintage="IEA2024")
    assert (old.year, old.vintage) == (2023, "IEA2024")


def test_the_headline_uses_the_newest_observation(db):
    s = c.iea_series("lithium", "chemicals")
    assert (s.year, s.vintage) == (2024, "IEA2025") and "UNOFFICIAL" in s.label
    assert c.iea_series("lithium", "chemicals", 2030).vintage == "IEA2024"   # projections: the edition of the demand
    best = rexlib.supply_shares("lithium", "processing")
    assert set(best["period"]) == {"2024"} and best["provenance"].str.startswith("UNOFFICIAL").all()


def test_what_changed_from_2023_to_2024(db):
    change = iea_vintage_change("lithium", "chemicals")
    obs = change[change["comparison"] == "observed"].iloc[0]
    assert (obs["year_old"], obs["year_new"]) == (2023, 2024)
    assert round(obs["china_share_old"], 1) == 64.6 and round(obs["china_share_new"], 1) == 70.2
    assert round(obs["world_total_old"], 1) == 176.3 and round(obs["world_total_new"], 1) == 241.6
    assert set(change.loc[change["comparison"] == "projection", "year_new"]) == {2030, 2035, 2040}


def test_what_both_editions_share_is_checked_and_the_conversions_errors_logged(db):
    check = rexlib.publisher_checks()
    mine = check[check["check"].str.startswith(("iea2025_", "iea_vintages_"))]
    assert set(mine["status"]) <= {"pass", "allowed", "not_comparable"}
    assert {"iea_vintages_same_blocks", "iea_vintages_observed_step", "iea2025_block_sum"} <= set(mine["check"])
    allowed = mine[mine["status"] == "allowed"]
    assert set(allowed["check"]) == {"iea2025_top3", "iea2025_demand_clean_sum"}
    issues = rexlib.quality_issues()
    ni = issues[issues["line"] == "supply.Nickel.mining.countries.Rest of world.2024"]
    assert len(ni) == 1 and ni["raw_value"].iloc[0] == "629.0"    # 629 - Australia's 100 double-counted -> 529
    nickel = rexlib.refining("nickel", "mine", 2024, vintage="IEA2025")
    assert nickel["value_kt"].sum() == pytest.approx(3861.0)           # supply.Nickel.mining.total.2024


def test_the_outlook_and_profile_say_unofficial(db):
    from rexlib.app.ui import mineral_profile, outlook
    html = "".join(outlook.iea_change_section("graphite"))
    assert "What changed from the 2023 to the 2024 observation" in html and "UNOFFICIAL" in html
    profile = "".join(mineral_profile.app("lithium").render())
    assert "2024 (IEA) (UNOFFICIAL conversion of the 2025 edition)" in profile


def test_the_top3_claim_is_checked_against_the_newest_observation(db):
    from rexlib.metrics.claims_check import check_claims
    claims = check_claims().set_index("claim_id")
    c011 = claims.loc["C011"]           # 'approximately 86%' (IEA GCMO 2025), year not stated
    assert round(c011["computed"], 1) == 85.8 and c011["verdict"] == "consistent"
    assert "UNOFFICIAL" in c011["data_source"] and "2024" in c011["data_source"]
    assert claims.loc["C012", "verdict"] == "not_checkable"        # 2020: in no IEA edition here
