"""Issue 26, items 1-2 and 4: a share of world needs a world (series.yml series_basis), boron is a
table by form, rankings leave the others out and say so; one share rule; one cache; series.yml
refuses unknown keys. Real rows of data/raw/usgs/mcs2026/MCS2026_Commodities_Data.csv (MCS)."""
from __future__ import annotations

import copy
import inspect

import pytest

import rexlib
from rexlib.query import api
from rexlib import metrics
from rexlib.etl import schema, series, steps
from rexlib.query.warehouse import query
from tests.conftest import RAW, raw_line

MCS = RAW / "usgs/mcs2026/MCS2026_Commodities_Data.csv"


def test_boron_has_no_world_and_is_a_table_by_form(db):
    # MCS lines 1093-1102 (2025): Argentina crude ore 170, Bolivia ulexite 380, Chile ulexite 300,
    # China boric oxide equivalent 230, Germany compounds 40, Peru crude borates 220, Russia
    # datolite ore 80, Turkey refined borates 1,500; line 1102: world total XX, "World totals
    # cannot be calculated". Before: a "world" of 1,420 kt (Turkey left out as a refinery stage),
    # Bolivia 26.8 %, China 16.2 %, HHI 1,848.
    assert "World totals cannot be calculated" in raw_line(MCS, 1102)
    assert '"1,500"' in raw_line(MCS, 1101) and "refined borates" in raw_line(MCS, 1101)
    rows = api.production("boron", year=2025)
    assert set(rows["share_basis"]) == {"no_world"}
    assert rows["share_pct"].isna().all() and rows["world_value"].isna().all()
    forms = dict(zip(rows["country"], rows["product"]))
    assert forms["TUR"] == "refined borates" and forms["CHN"] == "boric oxide equivalent" and forms["BOL"] == "ulexite"
    assert float(rows.loc[rows["country"] == "TUR", "value"].iloc[0]) == 1500
    assert api.stages("boron") == ["production"]            # no separate "refinery" stage of a world
    conc = api.stored_concentration("boron").iloc[0]
    assert conc["share_basis"] == "no_world"
    for col in ("hhi", "top1_share", "top3_share", "china_share", "world_total"):
        assert conc[col] != conc[col], col              # NaN: no figure of a world that does not exist
    assert conc["n_countries"] == 8


def test_boron_is_not_turkey_100_pct_of_usgs_processing(db):
    frame = api.supply_concentration("processing", source="usgs", include_unranked=True)
    assert "boron" not in set(frame["mineral_id"])


@pytest.mark.parametrize("mineral,line", [("sand_gravel_construction", 6437), ("stone_crushed", 7060),
                                          ("stone_dimension", 7156)])
def test_us_only_series_have_no_share_and_leave_the_mining_ranking(db, mineral, line):
    # the world total is NA (and other countries NA): USGS gives only U.S. figures
    assert "World total" in raw_line(MCS, line) and ",NA," in raw_line(MCS, line)
    rows = api.production(mineral, "mine", 2025)
    assert set(rows["share_basis"]) == {"us_only"} and rows["share_pct"].isna().all()
    ranking = api.supply_concentration("mining")
    assert mineral not in set(ranking["mineral_id"])       # before: top of the ranking, USA 100 %, HHI 10,000
    left = {r["mineral_id"]: r["share_basis"] for r in ranking.attrs["left_out"]}
    assert left[mineral] == "us_only"
    assert "U.S. figures only" in ranking.attrs["note"]
    assert (ranking["share_basis"] == "world_published").all()
    assert ranking.iloc[0]["hhi"] < 10_000
    one = api.supply_concentration("mining", mineral=mineral).iloc[0]      # asked by name: its row, no figure
    assert one["share_basis"] == "us_only" and one["hhi"] != one["hhi"]


def test_kyanite_shares_are_of_listed_producers_not_of_world(db):
    # MCS lines 3996-4001 (2025): USA 80,000, China 50,000, France 60,000, India 2,500, Peru 40,000,
    # South Africa 120,000 (sum 352,500); line 4002: world total XX. China 50,000 / 352,500 = 14.18 %
    # was shown as China's "share of world" kyanite in its country profile.
    assert ",XX," in raw_line(MCS, 4002)
    rows = api.production("kyanite", "mine", 2025)
    assert set(rows["share_basis"]) == {"world_sum_of_listed"}
    china = rows[rows["country"] == "CHN"].iloc[0]
    assert china["share_pct"] == pytest.approx(50_000 / 352_500 * 100)
    assert "listed producers" in api.stored_concentration("kyanite").iloc[0]["coverage_note"]
    profile = rexlib.country_profile("CHN")
    assert "kyanite" not in set(profile.shares["mineral_id"])
    assert any("Kyanite" in text and "listed producers" in text for text in profile.unknown)
    from rexlib.metrics.country import country_positions
    assert "kyanite" not in set(country_positions()["mineral_id"])


def test_iron_oxide_pigments_seven_listed_producers_are_not_a_world(db):
    # MCS line 3930: world total NA; "Several other countries, including ... China ... may have produced"
    assert ",NA," in raw_line(MCS, 3930) and "China" in raw_line(MCS, 3930)
    rows = api.production("iron_oxide_pigments", "mine", 2025)
    assert set(rows["share_basis"]) == {"world_sum_of_listed"}
    assert "iron_oxide_pigments" not in set(api.supply_concentration("mining")["mineral_id"])


def test_every_series_without_a_printed_world_is_declared(db):
    frame = query("SELECT mineral_id, stage, series_measure, vintage, share_basis FROM production_latest "
                  "WHERE world_reported IS NULL GROUP BY ALL")
    assert not (frame["share_basis"] == "world_published").any()
    # and a share exists only where the basis has one
    bad = query("SELECT count(*) AS n FROM production_latest WHERE share_pct IS NOT NULL "
                "AND share_basis IN ('us_only', 'no_world')")["n"].iloc[0]
    assert bad == 0
    assert tuple(schema.SHARE_BASES) == series.BASES


def test_stored_ranking_takes_world_series_only(db):
    table = api.stored_concentration_table("mine")
    assert (table["share_basis"] == "world_published").all()


def test_an_undeclared_series_without_world_fails_the_build():
    import pandas as pd
    rows = pd.DataFrame({"mineral_id": "kyanite", "stage": "refinery", "year": 2025, "vintage": "MCS2026",
                         "measure": "m", "qualifier": "", "country": ["USA", "WLD"], "value": [1.0, None],
                         "flag": "", "note": ""})
    with pytest.raises(series.SeriesRuleError, match="kyanite/refinery"):
        series.apply_basis(series.with_shares(rows), strict=True)


def test_series_yml_refuses_an_unknown_stage_family_source():
    decl = copy.deepcopy(series.rules())
    decl["stage_families"]["mining"]["stages"]["bgs"] = ["mine"]
    with pytest.raises(series.SeriesRuleError, match=r"'bgs'.*valid: \['eu_crm', 'iea', 'usgs'\]"):
        series.check_rules(decl, sources=steps.supply_sources())   # the sources the step registry supplies
    decl = copy.deepcopy(series.rules())
    decl["stage_familes"] = {}
    with pytest.raises(series.SeriesRuleError, match="stage_familes"):
        series.check_rules(decl)


def test_the_label_is_world_production_not_world_production_production():
    from rexlib.app.ui.mineral_profile import stage_words
    assert stage_words("production") == "production" and stage_words("mine") == "mine production"


def test_explore_example_reads_the_stored_share(db):
    # vanadium 2025: the example SQL recomputed value / WLD (74.5 %); the stored share (parts exceed
    # the rounded world total) is 72.4 %, the figure of every app.
    from rexlib.app.ui.explore import EXAMPLES
    got = query(EXAMPLES["china_share"][1])
    stored = api.production("vanadium", "mine", 2025)
    china = stored[(stored["country"] == "CHN") & stored["is_default_measure"]]["share_pct"].iloc[0]
    assert got.set_index("mineral_id").loc["vanadium", "china_share_pct"] == pytest.approx(round(china, 1))
    assert round(china, 1) == 72.4


def test_one_share_rule_and_one_cache():
    import rexlib.metrics._common as common
    import rexlib.metrics.concentration as conc
    import rexlib.app.ui.data as data
    assert not hasattr(conc, "shares") and not hasattr(metrics, "shares")
    assert not hasattr(common, "lru_cache")
    assert "lru_cache" not in inspect.getsource(data)


def test_mine_ranking_names_what_it_left_out(db):
    table = api.stored_concentration_table("mine")
    left = {r["mineral_id"]: r["share_basis"] for r in table.attrs["left_out"]}
    assert left["stone_crushed"] == "us_only" and left["kyanite"] == "world_sum_of_listed"
    assert "Stone (crushed)" in table.attrs["note"] and "Kyanite" in table.attrs["note"]


def test_chokepoints_shows_the_left_out_note(db):
    import re
    from rexlib.app.ui.chokepoints import Chokepoints
    text = re.sub(r"<[^>]+>", " ", "\n".join(Chokepoints()._concentration()))
    assert "Left out (no world total to rank against)" in text and "U.S. figures only" in text
