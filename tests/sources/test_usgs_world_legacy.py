"""Tests for rexlib.sources.usgs_world_legacy against the real USGS files (read-only)."""
from __future__ import annotations

import csv
import math
import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from rexlib.core.ids import MINERALS  # noqa: E402
from rexlib.sources.usgs_world_legacy import (  # noqa: E402
    COLUMNS, FILE_CODES, file_code, read_legacy_world, read_mcs2025_world, read_mcs_world_file,
)

USGS_ROOT = pathlib.Path("/work/shared/data/usgs")
ISSUE_KEYS = {"file", "line", "column", "raw_value", "action", "reason"}

pytestmark = pytest.mark.skipif(not USGS_ROOT.is_dir(), reason="USGS staging data not present")


@pytest.fixture(scope="module")
def world():
    return read_legacy_world(USGS_ROOT)


@pytest.fixture(scope="module")
def df(world):
    return world[0]


@pytest.fixture(scope="module")
def issues(world):
    return world[1]


def one(df, **kw):
    sel = df
    for k, v in kw.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{kw}: {len(sel)} rows\n{sel}"
    return sel.iloc[0]


# ---------------------------------------------------------------- shape and invariants

def test_columns_exact(df):
    assert list(df.columns) == COLUMNS


def test_all_vintages_and_record_types_present(df):
    counts = df.groupby(["vintage", "record_type"]).size()
    for v in ("MCS2023", "MCS2024", "MCS2025"):
        for rt in ("production", "reserves", "capacity"):
            assert counts.get((v, rt), 0) > 100 or rt == "capacity" and counts.get((v, rt), 0) > 50
    assert set(df["record_type"]) == {"production", "reserves", "capacity"}


def test_every_mineral_id_is_canonical(df):
    assert set(df["mineral_id"]) <= set(MINERALS)


def test_every_file_code_maps_to_canonical_ids():
    for code, mineral in FILE_CODES.items():
        assert mineral is None or mineral in MINERALS, code
    codes = {file_code(p) for v in ("mcs2023", "mcs2024")
             for p in (USGS_ROOT / v / "world").glob("*_world.csv")}
    assert codes <= set(FILE_CODES), codes - set(FILE_CODES)


def test_all_legacy_files_read(df):
    files = set(df["source_file"])
    n24 = sum(1 for f in files if f.startswith("mcs2024/world/"))
    n23 = sum(1 for f in files if f.startswith("mcs2023/world/"))
    assert n24 == 77 and n23 == 77
    assert "mcs2024/world/MCS2024-bismu_world.csv" in files  # upper-case prefix
    assert "mcs2023/world/mcs2023-zirco-hafni_world.csv" in files
    assert "mcs2025/world_data/MCS2025_World_Data.csv" in files


def test_unit_consistent_per_mineral_stage_record_type_within_vintage(df):
    n = df.groupby(["vintage", "mineral_id", "stage", "record_type"])["unit"].nunique()
    assert (n == 1).all(), n[n > 1]


def test_units_use_mcs2026_wording(df):
    allowed = {"metric tons", "thousand metric tons", "million metric tons", "kilograms",
               "thousand metric dry tons", "million cubic meters", "thousands of carats",
               "million carats", "million liters"}
    assert set(df["unit"]) <= allowed


def test_no_duplicate_keys(df):
    key = ["vintage", "mineral_id", "record_type", "stage", "measure", "country_label", "year"]
    assert not df.duplicated(key).any()


def test_reserves_have_stage_mine(df):
    assert (df.loc[df["record_type"] == "reserves", "stage"] == "mine").all()


def test_types(df):
    assert df["year"].dtype.kind == "i" and df["source_line"].dtype.kind == "i"
    assert df["value"].dtype.kind == "f"
    assert df["year"].between(2021, 2024).all()


def test_flags_are_sorted_known_tokens(df):
    from rexlib.sources.values import FLAGS
    for flag in set(df["flag"]):
        parts = flag.split(";") if flag else []
        assert parts == sorted(parts) and set(parts) <= set(FLAGS), flag


def test_flagged_values_never_become_numbers(df):
    coded = df["flag"].str.contains("withheld|not_available|not_applicable|qualitative|unparsed")
    assert df.loc[coded, "value"].isna().all()


def test_issue_dicts_have_required_keys(issues):
    assert issues
    for i in issues:
        assert set(i) == ISSUE_KEYS


# ---------------------------------------------------------------- real numbers

def test_mcs2024_cobalt_congo_2023(df):
    r = one(df, vintage="MCS2024", mineral_id="cobalt", record_type="production",
            country_label="Congo (Kinshasa)", year=2023)
    assert r.value == 170000 and r.unit == "metric tons" and r.stage == "mine"
    assert "estimated" in r.flag.split(";")  # Prod_t_est_2023
    assert r.source_file == "mcs2024/world/mcs2024-cobal_world.csv" and r.source_line == 5
    assert r.measure_raw == "Mine production, metric tons of contained cobalt"


def test_mcs2024_cobalt_congo_reserves(df):
    r = one(df, vintage="MCS2024", mineral_id="cobalt", record_type="reserves",
            country_label="Congo (Kinshasa)")
    assert r.value == 6_000_000 and r.year == 2023 and r.measure_raw == "Reserves_t"


def test_mcs2023_cobalt_australia_2021(df):
    r = one(df, vintage="MCS2023", mineral_id="cobalt", record_type="production",
            country_label="Australia", year=2021)
    assert r.value == 5295 and r.unit == "metric tons" and r.source_line == 3
    assert "estimated" not in r.flag.split(";")  # Prod_t_2021 is not an est column


def test_mcs2025_cobalt_world_total(df):
    r = one(df, vintage="MCS2025", mineral_id="cobalt", record_type="production", year=2024,
            country_label="World total (rounded)")
    assert r.value > 100_000 and r.unit == "metric tons"


def test_thousands_commas_parsed(df):
    r = one(df, vintage="MCS2024", mineral_id="bauxite", record_type="production",
            country_label="Australia", year=2022)
    assert r.value == 102_000 and r.unit == "thousand metric dry tons"


# ---------------------------------------------------------------- quirks

def test_mcs2025_germanium_read_despite_gemanium_typo(df):
    ge = df[(df["vintage"] == "MCS2025") & (df["mineral_id"] == "germanium")]
    assert len(ge) == 16  # 8 published rows x 2 years; every cell is blank in the release
    assert set(ge["stage"]) == {"refinery"} and set(ge["unit"]) == {"kilograms"}
    assert ge["value"].isna().all() and ge["flag"].str.contains("not_available").all()
    assert "Belgium" in set(ge["country_label"])


def test_country_labels_are_cleaned_only(df):
    labels = set(df["country_label"])
    assert "" not in labels
    assert all(lbl == lbl.strip() and "\xa0" not in lbl for lbl in labels)
    assert "Canada" in labels and "World total (rounded)" in labels and "Other countries" in labels


def test_no_junk_rows_from_trailing_columns_and_blank_lines(df):
    # mcs2024-titan: 15 data rows, 2 trailing empty header columns, 20 blank lines.
    t = df[df["source_file"] == "mcs2024/world/mcs2024-titan_world.csv"]
    assert t["source_line"].max() == 16 and t["source_line"].min() == 2
    # MCS2024-bismu: 9 data rows among 35 blank lines.
    b = df[df["source_file"] == "mcs2024/world/MCS2024-bismu_world.csv"]
    assert b["country_label"].nunique() == 9
    path = USGS_ROOT / "mcs2024/world/MCS2024-bismu_world.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    for ln in set(b["source_line"]):
        assert lines[ln - 1].strip(", ") != ""  # every row points at a non-blank line
    # No row anywhere comes from a blank line.
    for f, g in df[df["source_file"].str.startswith("mcs2024/")].groupby("source_file"):
        text = (USGS_ROOT / f).read_text(encoding="utf-8-sig").splitlines()
        for ln in set(g["source_line"]):
            assert text[ln - 1].strip(", ") != "", (f, ln)


def test_source_line_points_at_the_value(df):
    path = USGS_ROOT / "mcs2025/world_data/MCS2025_World_Data.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))  # no multi-line cells in this file
    sample = df[(df["vintage"] == "MCS2025") & df["value"].notna()].sample(50, random_state=1)
    for r in sample.itertuples():
        rec = rows[r.source_line - 1]
        assert r.country_label == rec[2].replace("\xa0", " ").strip()


def test_lower_bound_reserve(df):
    r = one(df, vintage="MCS2025", mineral_id="nickel", record_type="reserves",
            country_label="World total (rounded)")
    assert r.value == 130_000_000 and r.value_low == 130_000_000
    assert "lower_bound" in r.flag.split(";")


def test_upper_bound_production(df):
    r = one(df, vintage="MCS2023", mineral_id="zirconium", record_type="production",
            country_label="United States", year=2021)
    assert r.value == 100 and r.value_high == 100 and "upper_bound" in r.flag.split(";")


def test_na_is_nan_not_available(df):
    r = one(df, vintage="MCS2024", mineral_id="cobalt", record_type="reserves",
            country_label="New Caledonia11")
    assert math.isnan(r.value) and "not_available" in r.flag.split(";")
    assert r.note.startswith("Overseas territory of France")


def test_withheld(df):
    r = one(df, vintage="MCS2024", mineral_id="bauxite", record_type="production",
            country_label="United States", year=2023)
    assert math.isnan(r.value) and r.flag == "estimated;withheld"


def test_mcs2025_codes_in_notes_column(df):
    # Reserve words/codes sit in RESERVE_NOTES with a blank value cell.
    r = one(df, vintage="MCS2025", mineral_id="helium", record_type="reserves",
            country_label="Qatar")
    assert math.isnan(r.value) and r.flag == "qualitative" and r.note == "Large"
    # "W for 23-24" in PROD_NOTES: both years withheld.
    w = df[(df["vintage"] == "MCS2025") & (df["mineral_id"] == "boron")
           & (df["country_label"] == "United States") & (df["record_type"] == "production")]
    assert sorted(w["year"]) == [2023, 2024] and w["flag"].str.contains("withheld").all()
    # "na for 2023": only the 2023 cell is NA; the 2024 value stays.
    p = df[(df["vintage"] == "MCS2025") & (df["mineral_id"] == "mercury")
           & (df["country_label"] == "Peru (exports)")].set_index("year")
    assert math.isnan(p.loc[2023, "value"]) and "not_available" in p.loc[2023, "flag"]
    assert p.loc[2024, "value"] == 30


def test_estimated_from_column_name_and_notes(df):
    # "Production in 2022 is also estimated." (MCS2024 aluminum, Iceland) -> 2022 estimated.
    r = one(df, vintage="MCS2024", mineral_id="aluminum", record_type="production",
            country_label="Iceland", year=2022)
    assert "estimated" in r.flag.split(";")
    r = one(df, vintage="MCS2024", mineral_id="aluminum", record_type="production",
            country_label="Australia", year=2022)
    assert "estimated" not in r.flag.split(";")


def test_pgm_split_by_type(df):
    pt = one(df, vintage="MCS2024", mineral_id="pgm_platinum", record_type="production",
             country_label="South Africa", year=2023)
    pd_ = one(df, vintage="MCS2024", mineral_id="pgm_palladium", record_type="production",
              country_label="South Africa", year=2023)
    assert pt.value == 120_000 and pd_.value == 71_000 and pt.unit == "kilograms"
    res = one(df, vintage="MCS2024", mineral_id="pgm", record_type="reserves",
              country_label="South Africa")
    assert res.value == 63_000_000


def test_bauxite_alumina_and_zirconium_split(df):
    sel = df[(df["vintage"] == "MCS2023") & df["source_file"].str.contains("bauxi")]
    assert set(sel["mineral_id"]) == {"bauxite", "alumina"}
    z = df[df["source_file"].str.contains("zirco")]
    assert set(z["mineral_id"]) == {"zirconium"}


def test_titanium_sponge_and_pigment(df):
    t = df[(df["vintage"] == "MCS2024") & (df["mineral_id"] == "titanium")
           & (df["country_label"] == "China")]
    got = {(r.record_type, r.stage, r.year): r.value for r in t.itertuples()}
    assert got[("production", "metal", 2023)] == 220_000
    assert got[("capacity", "metal", 2023)] == 260_000
    assert got[("capacity", "plant", 2023)] == 5_500_000


def test_cement_clinker_capacity_in_production_columns(df):
    r = one(df, vintage="MCS2025", mineral_id="cement", record_type="capacity",
            country_label="China", year=2024)
    assert r.value == 1_900_000


def test_iron_ore_reserves_units_and_measures(df):
    r = df[(df["vintage"] == "MCS2025") & (df["mineral_id"] == "iron_ore")
           & (df["record_type"] == "reserves") & (df["country_label"] == "Australia")]
    assert set(r["unit"]) == {"million metric tons"}
    assert dict(zip(r["measure"], r["value"])) == {"Reserves, usable ore": 58000,
                                                   "Reserves, iron content": 27000}


def test_unit_corrections_reported(df, issues):
    # The reader reads units as printed; the publisher's wrong units are value corrections of
    # rexlib/metadata/corrections.yml (issue 26), applied by the build as here.
    from rexlib.etl.corrections import apply_value_corrections
    r = one(df, vintage="MCS2025", mineral_id="titanium_concentrates", record_type="production",
            country_label="Norway", year=2024)
    assert r.unit == "metric tons"                     # as MCS2025 UNIT_MEAS prints it
    frame, logged = df.assign(source_file="usgs/" + df["source_file"].astype(str)), []
    for record in ("production", "reserves", "capacity"):
        frame, more = apply_value_corrections(record, frame, scope={"record_type": record})
        logged += more
    r = one(frame, vintage="MCS2025", mineral_id="titanium_concentrates", record_type="production",
            country_label="Norway", year=2024)
    assert r.unit == "thousand metric tons"
    r = one(frame, vintage="MCS2023", mineral_id="chromium", record_type="production",
            country_label="South Africa", year=2021)
    assert r.unit == "thousand metric tons"
    fixed = {(i["file"], i["reason"].split(":")[0]) for i in logged if i["action"].startswith("corrected (override): unit")}
    assert ("usgs/mcs2023/world/mcs2023-chrom_world.csv", "mcs2023_chromium_production_unit") in fixed
    assert ("usgs/mcs2024/world/mcs2024-selen_world.csv", "mcs2024_selenium_reserves_unit") in fixed


def test_magnesium_metal_pseudo_reserves_skipped_and_reported(df, issues):
    assert df[(df["vintage"] == "MCS2025") & (df["mineral_id"] == "magnesium")
              & (df["record_type"] == "reserves")].empty
    skipped = [i for i in issues if i["action"] == "skipped: cell"
               and i["column"] == "RESERVES_2024"]
    assert len(skipped) == 10


def test_glued_estimate_and_included_values_are_flagged_not_lost(df, issues):
    # mcs2024-sandi writes estimates as 'e5,000'; timin says 'included with ilmenite'.
    sandi = df[df["source_file"].str.contains("mcs2024-sandi") & df["flag"].str.contains("estimated")]
    assert (sandi["value"] == 5000).any()
    included = df[df["flag"].str.contains("included_elsewhere")]
    assert len(included) > 0 and included["value"].isna().all()
    bad = [i for i in issues if i["action"] == "kept: value NaN, flag unparsed"]
    unparsed = df[df["flag"].str.contains("unparsed")]
    assert len(unparsed) == len(bad) and unparsed["value"].isna().all()


def test_unclassified_types_reported(issues):
    types = {i["raw_value"] for i in issues if "not recognised by classify_measure" in i["reason"]}
    assert {"borates", "Kyanite and Related Minerals"} <= types


# ---------------------------------------------------------------- single-file entry points

def test_read_mcs_world_file_directly():
    d, iss = read_mcs_world_file(USGS_ROOT / "mcs2024/world/mcs2024-cobal_world.csv", "MCS2024")
    assert set(d["source_file"]) == {"mcs2024/world/mcs2024-cobal_world.csv"}
    assert len(d) == 14 * 3 and iss == []


def test_read_mcs2025_world_directly():
    d, _ = read_mcs2025_world(USGS_ROOT / "mcs2025/world_data/MCS2025_World_Data.csv")
    assert set(d["vintage"]) == {"MCS2025"}
    assert set(d["source_file"]) == {"mcs2025/world_data/MCS2025_World_Data.csv"}


def test_unknown_file_code_is_reported(tmp_path):
    p = tmp_path / "mcs2024" / "world" / "mcs2024-xyzzy_world.csv"
    p.parent.mkdir(parents=True)
    p.write_text("Source,Country,Type,Prod_t_2022\nMCS2024,Chile,Mine production,5\n")
    d, iss = read_mcs_world_file(p, "MCS2024")
    assert d.empty and iss and iss[0]["action"] == "skipped: file"
