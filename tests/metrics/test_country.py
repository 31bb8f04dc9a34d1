"""Country and coalition profiles (rexlib.metrics.country) on real rows: each expected figure is
computed here from the raw MCS2026 CSV or the curated CSV, cited by file and line."""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

import rexlib
from rexlib.metrics import _common as mc
from rexlib.metrics import country as k
from rexlib.metrics.coverage import coalition_coverage
from rexlib.core.paths import PROJECT

MCS2026 = PROJECT / "data" / "raw" / "usgs" / "mcs2026" / "MCS2026_Commodities_Data.csv"

DEALS_CSV = PROJECT / "data" / "curated" / "deals.csv"


def _mcs_rows(commodity: str, year: int, detail: str = "Mine production") -> dict[str, tuple[int, float | None]]:
    """{country: (file line, value)} of one MCS2026 world-production block (line 1 is the header)."""
    out = {}
    with open(MCS2026, encoding="latin-1", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if (row["Commodity"] == commodity and row["Year"] == str(year) and row["Statistics"] == "Production"
                    and row["Statistics_detail"].split(":")[0] == detail):
                text = row["Value"].replace(",", "")
                out[row["Country"]] = (line, float(text) if text.replace(".", "").isdigit() else None)
    return out


@pytest.mark.parametrize("year,chile_line,world_line", [(2024, 4241, 4247), (2025, 4253, 4259)])
def test_chile_share_of_world_lithium_mining(db, year, chile_line, world_line):
    # MCS2026_Commodities_Data.csv: Chile 48,900 t (line 4241) of a world 222,000 t (line 4247) in
    # 2024; 56,000 t (4253) of 290,000 t (4259) in 2025. The U.S. is withheld, so the printed world
    # total (which excludes it) is the denominator.
    rows = _mcs_rows("Lithium", year)
    assert rows["Chile"][0] == chile_line and rows["World total"][0] == world_line
    expected = rows["Chile"][1] / rows["World total"][1] * 100
    prof = rexlib.country_profile("Chile", year=year)
    row = prof.shares[(prof.shares["mineral_id"] == "lithium") & (prof.shares["stage"] == "mine")].iloc[0]
    assert row["year"] == year and row["share_pct"] == pytest.approx(expected, abs=1e-9)
    assert row["source_label"] == "USGS Mineral Commodity Summaries MCS2026"


def test_australia_top3_positions(db):
    # MCS2026 lithium 2025 (lines 4243-4259): Australia 92,000 t, the largest; rare earths 2025
    # (lines 6089-6106): China 270,000, United States 51,000, Australia 29,000 -> third.
    prof = rexlib.country_profile("AUS")
    top = {(r.mineral_id, r.stage): int(r.rank) for r in prof.top.itertuples()}
    for commodity, mid in (("Lithium", "lithium"), ("Rare Earths", "rare_earths")):
        rows = {c: v for c, (_, v) in _mcs_rows(commodity, 2025).items()
                if c not in ("World total", "Other countries") and v is not None}
        expected = sorted(rows, key=lambda c: -rows[c]).index("Australia") + 1
        assert top[(mid, "mine")] == expected
    assert top[("lithium", "mine")] == 1 and top[("rare_earths", "mine")] == 3
    assert (prof.top["rank"] <= 3).all() and prof.top["source_label"].str.len().gt(0).all()
    # every #1 agrees with the concentration summary's leader of the same series
    ones = prof.top[prof.top["rank"] == 1]
    assert (ones["top1_country"] == "AUS").all() and len(ones) >= 3


def test_drc_cobalt_share(db):
    # MCS2026 cobalt 2025, lines 1864-1877: Congo (Kinshasa) 230,000 t; the listed countries and
    # "Other countries" sum to 314,600 t, above the rounded world total of 310,000 t (line 1877),
    # so the share rule (rexlib/metadata/series.yml) divides by the sum of the parts.
    rows = _mcs_rows("Cobalt", 2025)
    assert rows["Congo (Kinshasa)"] == (1868, 230000.0) and rows["World total"] == (1877, 310000.0)
    parts = sum(v for c, (_, v) in rows.items() if c != "World total")
    expected = 230000.0 / max(parts, 310000.0) * 100
    prof = rexlib.country_profile("Congo, Democratic Republic of the")
    row = prof.shares[(prof.shares["mineral_id"] == "cobalt") & (prof.shares["stage"] == "mine")].iloc[0]
    assert row["share_pct"] == pytest.approx(expected, abs=1e-9) and int(row["rank"]) == 1
    assert prof.iso3 == "COD"


def test_deals_naming_brazil(db):
    # data/curated/deals.csv: D008 (line 9, Brazil, Kazakhstan, Ukraine: a DFC total), D009 (line 10,
    # Serra Verde), D010 (line 11), D031 (line 32, Aclara: USA and Brazil).
    with open(DEALS_CSV, encoding="utf-8", newline="") as handle:
        expected = {r["deal_id"] for r in csv.DictReader(handle) if "BRA" in r["asset_country"].split(";")}
    assert expected == {"D008", "D009", "D010", "D031"}
    prof = rexlib.country_profile("brazil")
    assert set(prof.deals["deal_id"]) == expected
    assert prof.deals["source_doc"].notna().all() and prof.deals["source_quote"].notna().all()
    d031 = prof.deals.set_index("deal_id").loc["D031"]
    assert d031["shared_with"] == "USA"
    money = prof.deal_dollars
    assert money["counted"] == 565_000_000.0          # D009 only; D008 is an aggregate (line 9)
    assert money["aggregate"] == 1_000_000_000.0


def test_unknown_country_lists_close_matches(db):
    with pytest.raises(rexlib.InvalidArgument) as info:
        rexlib.country_profile("Argentinia")
    assert "Close matches: Argentina (ARG)" in str(info.value)
    assert ("ARG", "Argentina") in info.value.close
    assert rexlib.country_profile(" arg ").iso3 == "ARG"


def test_greenland_says_what_is_known(db):
    # MCS2026 line 6095: Greenland rare-earth mine production 2025 printed as a dash (zero); line
    # 6113: reserves 1,500,000 t.
    prof = rexlib.country_profile("GRL")
    rare = prof.shares[prof.shares["mineral_id"] == "rare_earths"].iloc[0]
    assert rare["value"] == 0 and rare["flag"] == "zero"
    res = prof.reserves.set_index("mineral_id").loc["rare_earths"]
    assert res["value"] == 1_500_000 and res["source_line"] == 6113
    assert prof.imports.empty and prof.deals.empty
    assert any("import sources" in u for u in prof.unknown)
    assert list(prof.agreements["agreement_id"]) == ["A029"]


def test_governance_is_the_hhi_wgi_score(db):
    from rexlib.metrics.governance import WGI_YEAR, wgi_scores
    scores = wgi_scores(WGI_YEAR).set_index("iso3")
    prof = rexlib.country_profile("CHL")
    assert prof.governance["wgi_scaled"] == scores.loc["CHL", "wgi_scaled"]


@pytest.mark.parametrize("group", ["forge_members", "ministerial_2026_attendees",
                                   "us_bilateral_partners_before_ministerial"])
def test_coalition_equals_group_coverage(db, group):
    mine = rexlib.coalition(group).set_index("mineral_id")
    theirs = coalition_coverage(group).set_index("mineral_id")
    assert list(mine.index) == list(theirs.index)
    for col in ("mine_covered_pct", "refining_covered_pct", "import_covered_pct", "mine_covered_high_pct"):
        pd.testing.assert_series_equal(mine[col], theirs[col])


def test_coalition_add_and_remove(db):
    base = rexlib.coalition("forge_members", critical="2022").set_index("mineral_id")
    more = rexlib.coalition("forge_members", add=["CHL", "AUS"], critical="2022").set_index("mineral_id")
    assert (more["mine_covered_pct"].fillna(0) >= base["mine_covered_pct"].fillna(0) - 1e-9).all()
    less = rexlib.coalition("forge_members", add=["CHL"], remove=["KOR"]).attrs
    assert k.coalition_members("forge_members", ["CHL"], ["KOR"]).codes == frozenset({"USA", "CHL"})
    with pytest.raises(rexlib.InvalidArgument):
        k.coalition_members("forge_members", remove=["KOR", "USA"])
    assert less == {}


def test_marginal_ranking_by_hand_on_lithium(db):
    # FORGE (KOR, USA) on lithium mining: the U.S. value is withheld and Korea is not listed, so it
    # covers 0 %; each candidate adds its value over the sum of the known parts.
    # every listed producer (pool="listed_producers"; the default pool is declared, issue 26)
    out = rexlib.marginal_coverage("forge_members", stage="mine", minerals=["lithium"], pool="listed_producers")
    series = mc.mine_series("lithium")
    parts = series.parts[series.parts["known"]]
    total = parts["value"].sum()
    listed = parts[(parts["role"] == "country") & ~parts["country"].isin(["USA", "KOR"]) & (parts["value"] > 0)]
    expected = (listed.assign(pp=listed["value"] / total * 100)
                .sort_values(["pp", "country"], ascending=[False, True]))
    assert list(out["country"]) == list(expected["country"])
    np.testing.assert_allclose(out["added_pp"], expected["pp"], rtol=0, atol=1e-9)
    assert out.iloc[0]["country"] == "AUS" and out.attrs["weakest"]["covered_pct"].iloc[0] == 0.0
    assert (out["best_mineral"] == "lithium").all()
