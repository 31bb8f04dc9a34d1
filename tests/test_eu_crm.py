"""The EU CRM 2023 tables in the database: the build and its checks, and the API's two functions."""
from __future__ import annotations

import pandas as pd
import pytest

import rexlib.query.api as api
from rexlib import InvalidArgument
from rexlib.etl.build import BuildError, build
from rexlib.query.db import connect
from rexlib.metadata.fields import field
from rexlib.etl.schema import TABLES
from rexlib.sources import eu_crm
from tests.conftest import RAW, raw_line

CURATED = RAW.parent / "curated"
EU_TABLES = ("eu_crm_global_supply", "eu_crm_eu_sourcing", "eu_crm_criticality", "eu_crm_end_use")


def test_tables_are_built_with_every_row_of_the_files(db):
    con = connect(db)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in EU_TABLES}
    # data rows of each file (fact_GlobalSupplyShares&t.csv 2,561; fact_EUSupplyShares&t.csv 907;
    # dimension_CRMsOverTime.csv 355 records on 359 lines; fact_MaterialUseShares.csv 339 less one repeat)
    assert counts == {"eu_crm_global_supply": 2561, "eu_crm_eu_sourcing": 907, "eu_crm_criticality": 355,
                      "eu_crm_end_use": 338}
    labels = con.execute("SELECT label, iso3 FROM country_labels WHERE source_file LIKE 'eu_crm/%'").fetchall()
    assert ("Congo, D.R.", "COD") in labels and ("Türkiye", "TUR") in labels


def test_every_column_is_declared_with_description_and_unit():
    for name in EU_TABLES:
        for col in TABLES[name].columns:
            description, unit = field(name, col)      # rexlib/metadata/fields.yml, like every table
            assert len(description) > 10 and unit, (name, col)


def test_eu_checks_pass_or_are_allowed_with_a_reason(db):
    con = connect(db)
    rows = con.execute("""SELECT "check", status, count(*) FROM publisher_checks WHERE "check" LIKE 'eu_%'
                          GROUP BY ALL ORDER BY ALL""").fetchall()
    by = {(c, s): n for c, s, n in rows}
    assert not [k for k in by if k[1] == "fail"]
    # one row per material and stage (122 global, 96 EU sourcing), per material (60 end use)
    assert by[("eu_global_share_sum", "pass")] + by.get(("eu_global_share_sum", "allowed"), 0) == 122
    assert by[("eu_sourcing_share_sum", "pass")] + by.get(("eu_sourcing_share_sum", "allowed"), 0) == 96
    assert by[("eu_global_share_sum", "pass")] >= 110
    assert by[("eu_group_family", "pass")] == 21
    assert con.execute("""SELECT count(*) FROM publisher_checks WHERE "check" LIKE 'eu_%' AND status = 'allowed'
                          AND (reason IS NULL OR length(reason) < 30)""").fetchone()[0] == 0
    # The thresholds reproduce the Commission's 2020 list of 30 exactly.
    assert con.execute("""SELECT status, computed FROM publisher_checks WHERE "check" = 'eu_critical_list_size'
                          AND subject = '2020'""").fetchone() == ("pass", 30.0)


@pytest.mark.slow
def test_build_refuses_an_unmapped_material_naming_it(tmp_path, monkeypatch):
    """fact_GlobalSupplyShares&t.csv line 136 (Tungsten,E,Australia,0.1%) is the file's first tungsten row."""
    assert raw_line(RAW / eu_crm.GLOBAL_SUPPLY, 136).startswith("Tungsten,E,Australia,")
    table = pd.read_csv(eu_crm.MATERIALS_CSV, dtype=str, keep_default_na=False)
    smaller = tmp_path / "materials.csv"
    table[table["material"] != "Tungsten"].to_csv(smaller, index=False)
    monkeypatch.setattr(eu_crm, "MATERIALS_CSV", smaller)
    with pytest.raises(BuildError, match=r"unmapped material name\(s\): 'tungsten' in \[.*"
                                         r"eu_crm/fact_GlobalSupplyShares&t.csv line 136"):
        build(raw_dir=RAW, curated_dir=CURATED, out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / "rex.duckdb").exists()


def test_eu_supply_shares_processing(db):
    rows = api.eu_supply_shares("gallium", "processing")
    assert rows.iloc[0][["country", "share_pct", "stage", "stage_family", "period"]].tolist() == \
        ["CHN", 93.8, "P", "processing", "2016-2020"]
    assert rows.iloc[0]["source_line"] == 488 and rows["share_pct"].sum() == pytest.approx(100.1)
    assert (rows["provenance"] == "unofficial transcription of EC 2023 study, Appendix 7; PDF not verified").all()
    assert api.eu_supply_shares("Tungsten", "P").iloc[0]["share_pct"] == 85.6
    # a family id returns every member: each heavy rare earth at 100 % in China
    heavy = api.eu_supply_shares("rare_earths", "P")
    heavy = heavy[heavy["material_group"] == "HREE"]
    assert len(heavy) == 10 and set(heavy["share_pct"]) == {100.0}
    eus = api.eu_supply_shares("tungsten", "E", basis="eu_sourcing")
    assert eus["country"].tolist() == ["AUT", "PRT", "ESP"]


def test_eu_supply_shares_refuses_bad_arguments(db):
    with pytest.raises(InvalidArgument, match="unknown mineral 'unobtainium'.*gallium"):
        api.eu_supply_shares("unobtainium")
    with pytest.raises(InvalidArgument, match="unknown stage 'E'.*Valid stage values: P.*gallium only"):
        api.eu_supply_shares("gallium", "E")
    with pytest.raises(InvalidArgument, match="unknown stage 'refinery'"):
        api.eu_supply_shares(stage="refinery")
    with pytest.raises(InvalidArgument, match="unknown basis"):
        api.eu_supply_shares(basis="imports")


def test_eu_criticality(db):
    gallium = api.eu_criticality("gallium", 2023)
    assert gallium[["sr", "ei", "eu_critical", "period"]].iloc[0].tolist() == [3.9, 3.7, True, "EU assessment 2023"]
    assert "Annex 4" in gallium.iloc[0]["provenance"]
    bauxite = api.eu_criticality("bauxite", 2023).iloc[0]
    assert pd.isna(bauxite["sr"]) and bauxite["sr_flag"] == "not_assessed" and pd.isna(bauxite["eu_critical"])
    assert len(api.eu_criticality(year=2023)) == 71
    assert set(api.eu_criticality("pgm")["material"]) == {"PGMs"}
    with pytest.raises(InvalidArgument, match="unknown year 2019"):
        api.eu_criticality(year=2019)
    with pytest.raises(InvalidArgument, match="unknown mineral"):
        api.eu_criticality("mithril")
