"""The one supply-chain model across sources (rexlib/etl/series.py ``stage_families``, stored as
``supply_shares`` / ``supply_concentration``): real rows of the raw files, read here without rexlib."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

import rexlib
from rexlib import InvalidArgument
from rexlib.query import api
from rexlib.metrics import _common as c
from rexlib.metrics.concentration import mining_vs_processing_gap
from tests.conftest import MCS2026, RAW, raw_line

EU_GLOBAL = RAW / "eu_crm" / "fact_GlobalSupplyShares&t.csv"


def _eu_rows(material: str, stage: str) -> pd.DataFrame:
    """The EU file's rows for one material and stage, parsed here: (country, share %, upper bound)."""
    text = EU_GLOBAL.read_bytes().decode("cp1252")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["Material"] == material and r["Stage"] == stage]
    return pd.DataFrame({"country": [r["Country"] for r in rows],
                         "share": [float(r["Share"].strip("<%")) for r in rows],
                         "bound": [r["Share"].startswith("<") for r in rows]})


def test_gallium_processing_is_the_usgs_2025_series_with_its_raw_rows(db):
    # MCS2026_Commodities_Data.csv line 2557: China, Primary production, 2025, "900,000" kg;
    # line 2561: World total (rounded) 900,000, so the parts (909,000) exceed it: shares of their sum.
    assert raw_line(MCS2026, 2557).startswith("GALLIUM,World Low-Purity Production") and '"900,000"' in raw_line(MCS2026, 2557)
    shares = rexlib.supply_shares("gallium", "processing")
    assert set(shares["source"]) == {"usgs"} and set(shares["period"]) == {"2025"}
    china = shares[shares["country"] == "CHN"].iloc[0]
    assert china["value"] == 900_000 and china["source_line"] == 2557
    assert china["share_pct"] == pytest.approx(900_000 / 909_000 * 100)
    assert "parts_exceed_world_total" in china["share_flag"]
    assert china["provenance"].startswith("official")


def test_germanium_processing_falls_to_the_eu_study_when_usgs_prints_no_world_total(db):
    # USGS germanium refinery 2024 withholds China and prints no world total (world_is_sum_of_listed),
    # so the EU study's processing shares answer (fact_GlobalSupplyShares&t.csv: Germanium,P,China,83.1%).
    raw = _eu_rows("Germanium", "P")
    shares = rexlib.supply_shares("germanium", "processing")
    assert set(shares["source"]) == {"eu_crm"} and set(shares["period"]) == {"2016-2020"}
    assert set(shares["period_kind"]) == {"average"} and shares["year"].isna().all()
    assert shares["value"].isna().all() and "shares only" in shares["unit"].iloc[0]
    assert shares["provenance"].iloc[0] == "unofficial transcription of EC 2023 study, Appendix 7; PDF not verified"
    by_country = dict(zip(shares["name"], shares["share_published_pct"]))
    assert by_country["China"] == raw.loc[raw["country"] == "China", "share"].iloc[0] == 83.1
    usgs = rexlib.supply_shares("germanium", "processing", source="usgs")
    assert usgs["share_flag"].str.contains("world_is_sum_of_listed").all() and not usgs["is_best"].any()


def test_eu_shares_past_100_are_taken_of_their_sum_and_keep_the_printed_share(db):
    # Antimony P: the file's shares add up to more than 100 % (rounded and '<0.1%' rows).
    raw = _eu_rows("Antimony", "P")
    total = raw["share"].sum()
    assert total > 100.5
    shares = rexlib.supply_shares("antimony", "processing")
    china = shares[shares["country"] == "CHN"].iloc[0]
    printed = raw.loc[raw["country"] == "China", "share"].iloc[0]
    assert china["share_published_pct"] == printed
    assert china["share_pct"] == pytest.approx(printed / total * 100)
    assert "parts_exceed_world_total" in china["share_flag"]
    bounds = shares[shares["share_flag"].str.contains("upper_bound")]
    assert len(bounds) == int(raw["bound"].sum()) and (bounds["share_published_pct"] == 0.1).all()


def test_rare_earth_processing_is_the_iea_magnet_block_said_as_a_proxy(db):
    shares = rexlib.supply_shares("rare_earths", "processing")
    # the newest IEA observation: 2024, the 2025 edition's UNOFFICIAL conversion (issue 27)
    iea = rexlib.refining("magnet_rare_earths", year=2024, vintage="IEA2025")
    iea = iea[(iea["stage"] == "refinery") & (iea["scenario"] == "observed")]
    china = shares[shares["country"] == "CHN"].iloc[0]
    assert china["value"] == iea.loc[iea["country"] == "CHN", "value_kt"].iloc[0]
    assert china["share_pct"] == pytest.approx(73.75667016860831 / 80.80512702814008 * 100, abs=0.01)   # 91.28
    assert china["source_mineral_id"] == "magnet_rare_earths" and "stands for rare earths" in china["note"]
    assert china["source_file"] == "iea/iea_2025_edition_conversion/iea.json"
    assert china["source_cell"] == "supply.Rare Earth Elements.refining.countries.China.2024"


def test_one_extraction_for_two_eu_materials_and_bauxite_for_aluminium_mining(db):
    # Titanium E and Titanium metal E print the same titanium-concentrate rows: one series, the family's.
    ti = rexlib.supply_shares("titanium_concentrates", "mining", source="eu_crm")
    assert ti["country"].is_unique and set(ti["measure"]) == {"Titanium"}
    # The EU's Aluminium E is bauxite mining; aluminium itself has no EU mining series.
    bauxite = rexlib.supply_shares("bauxite", "mining", source="eu_crm")
    assert set(bauxite["source_mineral_id"]) == {"aluminum"}
    with pytest.raises(InvalidArgument):
        rexlib.supply_shares("aluminum", "mining")


def test_each_mineral_family_has_exactly_one_best_series(db):
    con = rexlib.connect()
    best = con.execute("SELECT mineral_id, stage_family, count(DISTINCT source || source_stage || period) n "
                       "FROM supply_shares WHERE is_best GROUP BY ALL").df()
    every = con.execute("SELECT DISTINCT mineral_id, stage_family FROM supply_shares").df()
    assert len(best) == len(every) and (best["n"] == 1).all()
    conc = rexlib.supply_concentration("processing")
    assert len(conc) == len(every[every["stage_family"] == "processing"]) and len(conc) >= 60
    assert (conc["top1_share"].dropna() <= 100 + 1e-9).all()


def test_processing_series_and_the_api_agree(db):
    for mineral in ("gallium", "germanium", "rare_earths", "tungsten", "lithium", "bauxite"):
        series = c.processing_series(mineral)
        stored = rexlib.supply_concentration("processing", mineral=mineral).iloc[0]
        summary = c.summary(series)
        assert series.source == stored["source"] and series.period == stored["period"], mineral
        assert summary["china_share"] == pytest.approx(stored["china_share"], nan_ok=True), mineral
        assert summary["hhi"] == pytest.approx(stored["hhi"], nan_ok=True), mineral


def test_the_gap_compares_one_source_where_one_has_both(db):
    gap = mining_vs_processing_gap().set_index("mineral_id")
    assert len(gap) >= 40
    assert gap.loc["rare_earths", "source"] == "iea"               # IEA 2023 mining and refining
    assert gap.loc["tungsten", "source"] == "eu_crm"               # only the EU has tungsten processing
    assert gap.loc["tungsten", "processing_period"] == "2016-2020"
    assert gap.loc["bauxite", "processing_mineral_id"] == "alumina"
    row = gap.loc["rare_earths"]
    assert row["china_gap_pp"] == pytest.approx(row["china_processing_share"] - row["china_mine_share"])


def test_bad_arguments_name_what_is_valid(db):
    with pytest.raises(InvalidArgument, match="Valid stage values: mining, processing"):
        api.supply_shares("gallium", "milling")
    with pytest.raises(InvalidArgument, match="Valid source values: eu_crm, usgs"):
        api.supply_shares("gallium", "processing", source="iea")
    with pytest.raises(InvalidArgument, match="no source has a processing series"):
        api.supply_shares("cement", "processing")


def test_coalition_coverage_at_processing_is_the_members_share_of_the_processing_series(db):
    from rexlib.metrics.coverage import coalition_coverage, members_of
    group = "ministerial_2026_attendees"
    members = set(members_of(group)["iso3"])
    table = coalition_coverage(group).set_index("mineral_id")
    for mineral in ("tungsten", "germanium", "gallium", "rare_earths"):
        shares = rexlib.supply_shares(mineral, "processing")
        known = shares[shares["share_pct"].notna()]
        expected = known.loc[known["country"].isin(members), "share_pct"].sum() / known["share_pct"].sum() * 100
        assert table.loc[mineral, "refining_covered_pct"] == pytest.approx(expected), mineral
        assert shares["source_label"].iloc[0] in table.loc[mineral, "refining_source"]
    assert table["refining_covered_pct"].notna().sum() >= 45        # 21 minerals had a processing series before the EU shares
