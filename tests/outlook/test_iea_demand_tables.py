"""The IEA demand tables (issue 16) against the real workbook cells, their build checks, the label
mapping and the query API. Workbook: data/raw/iea/IEA_CM_Data_Explorer_May2024.xlsx (cells cited)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from rexlib.query import api
from rexlib.etl.checks.iea_demand import run_iea_demand_checks
from rexlib.query.warehouse import query
from rexlib.metadata.fields import field
from rexlib.etl.schema import TABLES
from rexlib.sources import iea
from rexlib.core.validate import InvalidArgument

PROJECT = Path(__file__).resolve().parents[2]
WORKBOOK = PROJECT / "data/raw/iea/IEA_CM_Data_Explorer_May2024.xlsx"
LABELS = PROJECT / "rexlib/metadata/mappings/iea_demand_labels.csv"


@pytest.fixture(scope="module")
def read():
    return iea.read_iea_demand(WORKBOOK)


def _one(frame, **where):
    for k, v in where.items():
        frame = frame[frame[k] == v]
    assert len(frame) == 1, where
    return frame.iloc[0]


def test_row_counts_and_vocabularies(read):
    tables, _ = read
    assert {k: len(v) for k, v in tables.items()} == {
        "iea_demand": 656, "iea_cleantech_demand": 1248, "iea_tech_demand": 2475, "iea_demand_totals": 545}
    ct = tables["iea_cleantech_demand"]
    by_mineral = ct[ct["source_sheet"] == "3.2 Cleantech demand by mineral"]
    assert by_mineral["mineral_id"].nunique() == 37            # A7:A43 of sheet 3.2
    assert {"gallium", "germanium", "indium", "neodymium", "dysprosium", "praseodymium", "terbium", "yttrium",
            "lanthanum"} <= set(by_mineral["mineral_id"])
    assert ct[ct["source_sheet"] == "3.1 Cleantech demand by tech"]["mineral_id"].nunique() == 13
    tech = tables["iea_tech_demand"]
    assert set(tech["technology"]) == {"solar_pv", "wind", "electric_vehicles", "grid_battery_storage",
                                       "electricity_networks", "hydrogen"}
    assert tech["case"].nunique() == 11 and (tech["case"] == "base_case").any()
    for name, frame in tables.items():
        assert set(frame.columns) == set(TABLES[name].columns)
        assert all(all(field(name, col)) for col in TABLES[name].columns)     # rexlib/metadata/fields.yml


def test_cells(read):
    tables, _ = read
    d, ct, tech = tables["iea_demand"], tables["iea_cleantech_demand"], tables["iea_tech_demand"]
    li = d[(d["mineral_id"] == "lithium") & (d["end_use"] == "total_demand")]
    assert _one(li, year=2023)["value_kt"] == 165.3723 and _one(li, year=2023)["source_cell"] == "B37"
    assert _one(li, scenario="STEPS", year=2035)["value_kt"] == 735.866          # E37
    assert _one(li, scenario="APS", year=2035)["value_kt"] == 903.146            # K37
    assert _one(li, scenario="NZE", year=2035)["value_kt"] == 1095.218           # Q37 (1095.2179999999998)
    co = _one(d, mineral_id="cobalt", end_use="other_low_emissions_power", year=2023)
    assert co["end_use_label"] == "Low emissions power generation" and co["source_cell"] == "B22"
    ga = _one(ct, mineral_id="gallium", end_use="total_clean_technologies", year=2023)
    assert ga["value_kt"] == 0.0155539 and ga["source_cell"] == "B12"
    gr = _one(ct, mineral_id="graphite", end_use="total_clean_technologies", year=2023)
    assert gr["mineral_label"] == "Battery-grade graphite" and gr["value_kt"] == 772.182   # 3.2 B14
    cd = _one(tech, technology="solar_pv", case="cdte_comeback", mineral_id="cadmium", year=2023)
    assert cd["value_kt"] == 0.909053 and cd["source_cell"] == "B27"
    nze_only = tech[tech["case"] == "limited_battery_size_reduction"]
    assert set(nze_only["scenario"]) == {"observed", "NZE"}                      # 4.3 A82: P:T only


def test_quirks_are_logged(read):
    _, issues = read
    cases = [i for i in issues if "recomputes its base year" in i["reason"]]
    assert any(i["line"] == "4.1 Solar PV!B27" for i in cases)
    assert any("Lower battery sizes: no values for NZE" in i["reason"] for i in issues)


def test_every_check_passes_on_the_workbook(read):
    tables, _ = read
    checks = run_iea_demand_checks(tables)
    assert set(checks["status"]) == {"pass", "not_comparable"}
    counts = checks.groupby("check").size().to_dict()
    assert counts["iea_demand_clean_share"] == 96 and counts["iea_cleantech_sheets_agree"] == 208
    # sheet 1's all-grades graphite is not sheet 3.1's battery-grade graphite: said, not compared
    nc = checks[checks["status"] == "not_comparable"]
    assert set(nc["check"]) == {"iea_demand_vs_cleantech"} and nc["subject"].str.startswith("graphite/").all()


def test_checks_fail_on_a_wrong_cell(read):
    tables, _ = read
    broken = {k: v.copy() for k, v in tables.items()}
    d = broken["iea_demand"]
    hit = (d["mineral_id"] == "lithium") & (d["end_use"] == "electric_vehicles") & (d["year"] == 2023)
    d.loc[hit, "value_kt"] += 1.0                                                # B33 + 1 kt
    d.loc[(d["mineral_id"] == "nickel") & (d["end_use"] == "other_uses") & (d["year"] == 2023), "value_kt"] = 2600
    t = broken["iea_demand_totals"]
    t.loc[(t["kind"] == "share_clean_technologies") & (t["mineral_id"] == "copper") & (t["year"] == 2030)
          & (t["scenario"] == "STEPS"), "value"] = 35.0                        # D18 is 34.1358 %
    checks = run_iea_demand_checks(broken)
    failed = checks[checks["status"] == "fail"]
    assert set(zip(failed["check"], failed["subject"])) >= {
        ("iea_demand_clean_sum", "lithium/observed/2023"), ("iea_demand_total_sum", "nickel/observed/2023"),
        ("iea_demand_clean_share", "copper/STEPS/2030"), ("iea_demand_vs_cleantech",
                                                          "lithium/electric_vehicles/observed/2023")}
    assert ("iea_demand_total_sum", "lithium/observed/2023") not in set(zip(failed["check"], failed["subject"]))


def test_unmapped_label_names_sheet_and_cell(tmp_path):
    labels = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    labels[~((labels["kind"] == "mineral") & (labels["label"] == "Gallium"))].to_csv(tmp_path / "l.csv", index=False)
    with pytest.raises(iea.UnmappedLabel, match=r"3.2 Cleantech demand by mineral!A12: mineral label 'Gallium'"):
        iea.read_iea_demand(WORKBOOK, tmp_path / "l.csv")


@pytest.mark.slow
def test_build_fails_on_an_unmapped_label(tmp_path, monkeypatch):
    from rexlib.etl.build import BuildError, build
    labels = pd.read_csv(LABELS, dtype=str, keep_default_na=False)
    labels = labels[~((labels["kind"] == "case") & (labels["id"] == "high_material_prices"))]
    labels.to_csv(tmp_path / "labels.csv", index=False)
    monkeypatch.setattr(iea, "LABELS_FILE", tmp_path / "labels.csv")
    with pytest.raises(BuildError, match=r"4.3 EV!A\d+: case label 'High material prices'"):
        build(out_dir=tmp_path / "out")


def test_descriptions_carry_the_workbook_notes(db):
    import openpyxl
    note = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)["1 Total demand for key minerals"]["A71"].value
    assert "magnet rare earth elements covers praseodymium (Pr), neodymium (Nd), terbium (Tb) and dysprosium" in note
    for name in ("iea_demand", "iea_cleantech_demand", "iea_tech_demand"):
        text = TABLES[name].description
        assert "praseodymium (Pr), neodymium (Nd), terbium (Tb) and dysprosium (Dy)" in text
        assert "all grades of mined and synthetic graphite" in text and "kt" in text
    comments = query("SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'iea_demand'")
    # the build writes rexlib/metadata/fields.yml's words (description, then unit)
    assert comments.set_index("column_name").loc["value_kt", "comment"] == "demand Unit: kt (thousand metric tons)."


def test_build_stores_tables_and_checks(db):
    counts = query("SELECT (SELECT count(*) FROM iea_demand) a, (SELECT count(*) FROM iea_cleantech_demand) b, "
                   "(SELECT count(*) FROM iea_tech_demand) c, (SELECT count(*) FROM iea_demand_totals) d").iloc[0]
    assert tuple(counts) == (656, 1248, 2475, 545)
    checks = query("SELECT status, count(*) n FROM publisher_checks WHERE \"check\" LIKE 'iea_demand%' "
                   "OR \"check\" LIKE 'iea_cleantech%' OR \"check\" LIKE 'iea_tech%' GROUP BY status")
    assert dict(zip(checks["status"], checks["n"])) == {"pass": 1777, "not_comparable": 32}


def test_api_demand(db):
    li = api.demand("Lithium", scenario="aps", end_use="total_demand")
    assert list(li["year"]) == [2023, 2030, 2035, 2040, 2045, 2050]
    assert list(li["scenario"]) == ["observed"] + ["APS"] * 5
    assert li.loc[li["year"] == 2035, "value_kt"].iloc[0] == 903.146             # K37
    assert len(api.demand(year=2030, scenario="NZE")) == 41                      # 41 end-use rows, P column
    with pytest.raises(InvalidArgument, match="Valid mineral values: cobalt, copper, graphite, lithium"):
        api.demand("gallium")
    with pytest.raises(InvalidArgument, match="Valid scenario values: APS, NZE, STEPS"):
        api.demand("lithium", scenario="BAU")
    with pytest.raises(InvalidArgument, match="Valid year values: 2023, 2030, 2035"):
        api.demand(year=2031)
    with pytest.raises(InvalidArgument, match="Valid end_use values"):
        api.demand(end_use="rockets")


def test_api_cleantech_tech_and_supply(db):
    ga = api.cleantech_demand("gallium", scenario="STEPS")
    assert ga.loc[ga["year"] == 2040, "value_kt"].iloc[0] == 4.38851              # 3.2 F12
    pv = api.tech_demand("solar_pv", "gallium", case="gaas_wider_adoption", scenario="NZE", year=2050)
    assert pv["value_kt"].iloc[0] == 18.8039 and pv["source_cell"].iloc[0] == "T48"
    with pytest.raises(InvalidArgument, match="Valid case values"):
        api.tech_demand(case="fusion")
    sup = api.projected_supply("lithium", "chemicals")
    assert list(sup["total_kt"]) == [176.3, 372.7, 369.7, 369.7]                 # sheet 2 H34:K34
    assert list(sup["year_type"]) == ["observed", "projected", "projected", "projected"]
    with pytest.raises(InvalidArgument, match="Valid stage values: chemicals, mine"):
        api.projected_supply("lithium", "refinery")
