"""Issue 26 item 7: materials that are not minerals stay out of mineral rankings; the EU's titanium
pigment block is not rex's titanium; a coalition's candidates come from a declared pool."""
from __future__ import annotations

import re

import pytest

import rexlib.query.api as api
from rexlib.metrics import country as k
from rexlib.metrics import mining_vs_processing_gap


def test_non_minerals_stay_out_of_the_gap_ranking_unless_asked(db):
    """fact_GlobalSupplyShares&t.csv: the EU screens Hydrogen and Roundwood beside minerals."""
    minerals = mining_vs_processing_gap()
    assert not {"hydrogen", "roundwood", "natural_rubber"} & set(minerals["mineral_id"])
    assert minerals.iloc[0]["mineral_id"] == "cobalt"
    # asked for by name it is still there (on main it topped the ranking: 90.5 pp)
    assert mining_vs_processing_gap("hydrogen").iloc[0]["china_gap_pp"] > minerals.iloc[0]["china_gap_pp"]


def test_the_eu_titanium_pigment_block_is_not_rexs_titanium(db):
    """The EU's Titanium P block (pigment-type, 18 rows) stands for titanium_dioxide; rex's titanium
    processing is USGS sponge metal."""
    proc = api.eu_supply_shares("titanium", "P")
    titanium = proc[proc["material"] == "Titanium"]
    assert len(titanium) == 18 and set(titanium["stage_mineral_id"]) == {"titanium_dioxide"}
    best = api.supply_shares("titanium", "processing")
    assert set(best["source"]) == {"usgs"} and set(best["source_stage"]) == {"metal"}


def test_the_declared_partner_pool(db):
    """agreements.csv parties (A015, the US-China reprieve, excluded) and the 2026 ministerial groups."""
    pool, text = k.partner_pool()
    assert "CHN" not in pool and {"ARG", "AUS", "JPN", "COD", "UKR"} <= pool and "USA" not in pool
    assert text.startswith("the countries of the U.S. critical-minerals agreements")
    with pytest.raises(Exception):
        k.partner_pool("nope")


@pytest.mark.slow   # the coalition section computes coverage of every mineral (~5 s)
def test_forges_candidates_come_from_the_declared_pool_and_it_says_its_members(db):
    """FORGE (country_groups.csv: KOR, USA, 004_6c2d13623d2d2f40.txt): on main China 'added most'
    (mine stage, +317 pp) and the group read 'Members (2)'."""
    _, text = k.partner_pool()
    from rexlib.app.ui import country_profile
    html = " ".join(country_profile.CountryProfile._coalition("forge_members", (), (), "mine"))
    page = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Members its sources name (2): Korea, Republic of, United States of America" in page
    assert "Candidates: " + text in page
    marg = country_profile._marginal("forge_members", (), (), "mine")
    assert "CHN" not in set(marg["country"]) and marg.iloc[0]["country"] == "BRA"
