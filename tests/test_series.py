"""The series layer (rexlib/etl/series.py, rexlib/metadata/series.yml): one rule per figure, checked
on the real rows the audit named (issue "One number, one rule", items 1-8). Raw lines are quoted
from data/raw/usgs/mcs2026/MCS2026_Commodities_Data.csv (cp1252) with tests.conftest.raw_line."""
from __future__ import annotations

import pandas as pd
import pytest

import rexlib
from rexlib.query import api
from rexlib.etl import series
from rexlib import metrics as m
from rexlib.metrics import _common as c
from rexlib.query.warehouse import query
from tests.conftest import MCS2026, raw_line


@pytest.fixture(scope="module", autouse=True)
def _db(db):
    return db


# 1. Editions: a series comes whole from one edition --------------------------------------------

def test_every_stored_series_has_one_edition():
    n = query("SELECT count(*) AS n FROM (SELECT mineral_id, stage, year FROM production_latest "
              "GROUP BY ALL HAVING count(DISTINCT vintage) > 1)")["n"].iloc[0]
    assert n == 0


def test_mercury_2024_one_world_total_from_mcs2026():
    # MCS2026 line 4671: "World total ... Mine production: rounded,metric tons,2024,212"; line 4665 China 200.
    assert ",World total," in raw_line(MCS2026, 4671) and ",2024,212," in raw_line(MCS2026, 4671)
    rows = rexlib.production("mercury", year=2024)
    world = rows[rows["country"] == "WLD"]
    assert len(world) == 1 and world["value"].iloc[0] == 212
    assert set(rows["vintage"]) == {"MCS2026"}
    china = rows[rows["country"] == "CHN"].iloc[0]
    assert china["source_line"] == 4665 and round(china["share_pct"], 1) == 94.3
    # The MCS2025 vintage (1,200 t, China 83.3 %) stays queryable, whole.
    old = rexlib.production("mercury", year=2024, vintage="MCS2025")
    assert old.loc[old["country"] == "WLD", "value"].iloc[0] == 1200
    assert round(old.loc[old["country"] == "CHN", "share_pct"].iloc[0], 1) == 83.3


def test_gold_2024_has_no_mcs2025_countries_beside_mcs2026_other_countries():
    rows = rexlib.production("gold", year=2024)
    assert set(rows["vintage"]) == {"MCS2026"}
    new = set(query("SELECT country FROM production WHERE mineral_id='gold' AND year=2024 AND vintage='MCS2026'")["country"])
    assert set(rows["country"]) == new


def test_lithium_2022_and_selenium_2024_single_edition():
    lith = rexlib.production("lithium", year=2022)
    assert (lith["country"] == "WLD").sum() == 1 and lith["vintage"].nunique() == 1
    sel = rexlib.production("selenium", year=2024)
    assert sel["vintage"].nunique() == 1


def test_vintage_diff_still_compares_editions():
    diff = m.vintage_diff("mercury", year=2024)
    assert len(diff) > 0


# 2. Shares: every row with a comparable world total has one ----------------------------------------

def test_talc_country_rows_with_a_qualifier_get_shares():
    # MCS2026 lines: India "Mine production: steatite" 1,500; China "unspecified minerals" 1,300; world 6,900.
    rows = rexlib.production("talc", year=2025).set_index("country")
    assert round(rows.at["CHN", "share_pct"], 1) == 18.8
    assert round(rows.at["IND", "share_pct"], 1) == 21.7


def test_lithium_2021_world_excluding_us_still_gives_shares():
    rows = rexlib.production("lithium", year=2021).set_index("country")
    assert round(rows.at["AUS", "share_pct"], 1) == 51.7
    assert "world_excludes_us" in rows.at["AUS", "share_flag"]


def test_no_known_value_with_a_world_total_lacks_a_share():
    frame = api.production_all()
    known = series.known_mask(frame)
    lost = frame[known & frame["world_value"].notna() & frame["share_pct"].isna()]
    assert lost.empty, lost[["mineral_id", "stage", "year", "country"]].head()


# 3. Headline net import reliance ----------------------------------------------------------------------

def test_one_headline_row_per_mineral_and_year():
    frame = rexlib.import_reliance()
    counts = frame[frame["headline"]].groupby(["mineral_id", "year"]).size()
    assert counts.max() == 1
    assert set(frame[["mineral_id", "year"]].itertuples(index=False)) == set(counts.index)


@pytest.mark.parametrize("mineral,year,bound,pct", [
    ("zinc", 2025, "=", 73), ("mica", 2025, "=", 100), ("helium", 2025, "E", None),
    ("feldspar", 2025, ">", 95), ("stone_dimension", 2025, "=", 85), ("diamond_industrial", 2025, "=", 81),
    ("rubidium", 2025, "=", 100), ("cesium", 2024, "=", 100), ("alumina", 2024, "=", 59),
])
def test_headline_nir_is_usgs_fig2(mineral, year, bound, pct):
    head = api.headline_import_reliance(year)
    row = head[head["mineral_id"] == mineral].iloc[0]
    assert row["nir_bound"] == bound
    assert (pd.isna(row["nir_pct"]) if pct is None else row["nir_pct"] == pct)
    n = c.nir(mineral, year)
    assert n.bound == bound and (n.pct == 0.0 if bound == "E" else n.pct == pct)


def test_usgs_counts_of_fully_import_reliant_minerals():
    # USGS: 12 minerals of the 2022 list at 100 % in 2024 (MCS2025 Fig2), 13 in 2025 (MCS2026 Fig2).
    for year, expected in ((2024, 12), (2025, 13)):
        head = api.headline_import_reliance(year, critical="2022")
        full = head[(head["nir_bound"] == "=") & (head["nir_pct"] >= 100)]
        assert len(full) == expected, sorted(full["mineral_id"])
        assert "rubidium" in set(full["mineral_id"]) and "rare_earths_heavy" not in set(full["mineral_id"])


def test_helium_scenario_exposure_is_zero_for_a_net_exporter():
    # Old: 27.4 % of U.S. consumption "exposed" (xenon's 98 % taken as helium's reliance).
    out = m.disruption("helium", ["QAT"], cut_pct=100).iloc[0]
    assert out["nir_bound"] == "E" and out["us_consumption_exposed_pct"] == 0


def test_every_fig2_line_passes_or_is_not_comparable():
    checks = rexlib.publisher_checks()
    nir = checks[checks["check"].str.startswith("nir_")]
    assert len(nir) == 132
    assert set(nir["status"]) <= {"pass", "not_comparable"}


# 4. Headline import sources = Fig3 ---------------------------------------------------------------------

@pytest.mark.parametrize("mineral,country,share", [
    ("antimony", "CHN", 55), ("chromium", "ZAF", 31), ("tantalum", "CHN", 22), ("vanadium", "CAN", 34),
    ("copper", "CHL", 68), ("manganese", "GAB", 23), ("zinc", "CAN", 57),
])
def test_headline_import_sources_match_fig3(mineral, country, share):
    frame, basis, _ = c.import_source_shares(mineral)
    top = frame.iloc[0]
    assert basis == "share_pct" and top["country"] == country and top["share_pct"] == share
    api_rows = rexlib.import_sources(mineral)
    assert api_rows[api_rows["headline"]].iloc[0]["country"] == country


def test_fig3_checks_pass_except_the_declared_titanium_concentrates():
    checks = rexlib.publisher_checks()
    fig3 = checks[checks["check"] == "import_sources_fig3"]
    assert len(fig3) > 150
    assert set(fig3.loc[fig3["status"] != "pass", "subject"].str.split("/").str[0]) == {"titanium_concentrates"}
    assert set(fig3["status"]) == {"pass", "allowed"}


# 5. No share-based figure over 100 % --------------------------------------------------------------------

def test_gallium_2025_top3_at_most_100_with_its_flag():
    conc = m.concentration("gallium", year=2025).iloc[0]
    assert conc["top3_share"] <= 100.0 + 1e-9
    assert "parts_exceed_world_total" in conc["flags"]
    rows = rexlib.production("gallium", year=2025)
    assert rows.loc[~rows["is_aggregate"], "share_pct"].sum() <= 100.0 + 1e-9


def test_no_stored_concentration_over_100():
    frame = query("SELECT * FROM concentration")
    assert (frame["top3_share"].dropna() <= 100 + 1e-9).all()
    assert (frame["top1_share"].dropna() <= 100 + 1e-9).all()
    assert (frame["china_share"].dropna() <= 100 + 1e-9).all()


# 6-7. Stages: one vocabulary, a primary stage per mineral ----------------------------------------

@pytest.mark.parametrize("mineral,stage", [("helium", "production"), ("perlite", "production"),
                                           ("arsenic", "production"), ("bromine", "production"),
                                           ("lime", "production"), ("soda_ash", "mine")])
def test_renamed_stages_are_one_stage(mineral, stage):
    assert api.stages(mineral) == [stage]
    years = api.production_years(mineral)
    assert min(years) <= 2022 and max(years) == 2025


def test_the_editions_wording_stays_in_measure_raw():
    raw = query("SELECT DISTINCT measure_raw FROM production WHERE mineral_id = 'helium' AND vintage = 'MCS2023'")
    assert "Mine production, helium" in set(raw["measure_raw"])


@pytest.mark.parametrize("mineral", ["gallium", "aluminum", "silicon", "titanium", "selenium", "tellurium",
                                     "sulfur", "boron", "helium", "perlite"])
def test_default_stage_is_the_primary_stage(mineral):
    year = 2024 if mineral not in ("boron", "helium", "perlite") else 2025
    rows = rexlib.production(mineral, year=year)
    assert set(rows["stage"]) == {series.primary_stage(mineral)} and len(rows) > 0


def test_every_mineral_with_production_has_a_primary_stage_it_publishes():
    frame = query("SELECT DISTINCT mineral_id, stage FROM production")
    series.check_primary_stages(frame)
    assert len(frame["mineral_id"].unique()) == len([mm for mm in frame["mineral_id"].unique()
                                                     if series.primary_stage(mm)])


# 8. Units: the measure never contradicts the unit ----------------------------------------------------

def test_price_measures_do_not_say_cents_when_the_value_is_dollars():
    prices = rexlib.prices("copper")
    # MCS2026 line 1902: "Price, annual average, cents per pound: U.S. producer, cathode ..." 432.3
    row = prices[(prices["year"] == 2021) & (prices["source_line"] == 1902)].iloc[0]
    assert row["unit"] == "dollars per pound" and "cents" not in row["measure"]
    assert round(row["value"], 3) == 4.323
    assert not rexlib.prices()["measure"].str.contains("cents per pound").any()


# The rules are declared, and a missing declaration fails loudly -----------------------------------------

def test_a_mineral_with_several_nir_measures_needs_a_declaration():
    with pytest.raises(series.SeriesRuleError, match="no declared headline"):
        series.nir_headline_measure("made_up_mineral", ["a", "b"])
    with pytest.raises(series.SeriesRuleError, match="not published"):
        series.nir_headline_measure("zinc", ["Net import reliance: something else"])


def test_iea_blocks_are_in_the_stored_concentration_tables():
    # IEA (2024) cobalt mining 2023: the DRC leads (the block total is the IEA's own total)
    table = api.stored_concentration_table("mine", 2023, "iea")
    assert {"cobalt", "lithium", "nickel", "copper", "graphite"} <= set(table["mineral_id"])
    assert table.set_index("mineral_id").at["cobalt", "top1_country"] == "COD"
