"""The EU CRM 2023 reader (rexlib/sources/eu_crm.py) on real rows of data/raw/eu_crm (file and line cited)."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from rexlib.core.provenance import load_sources
from rexlib.sources import eu_crm
from rexlib.sources.countries import UnknownCountryLabel, to_iso3
from tests.conftest import RAW, raw_line

GS = RAW / eu_crm.GLOBAL_SUPPLY
EUS = RAW / eu_crm.EU_SOURCING
CRIT = RAW / eu_crm.CRITICALITY
USE = RAW / eu_crm.END_USE


@pytest.fixture(scope="module")
def eu():
    tables, issues, labels = eu_crm.read_eu_crm(RAW)
    return tables, issues, labels


def _row(frame: pd.DataFrame, line: int) -> pd.Series:
    rows = frame[frame["source_line"] == line]
    assert len(rows) == 1, line
    return rows.iloc[0]


@pytest.mark.parametrize("line, material, mineral, share", [
    (488, "Gallium", "gallium", 93.8),
    (489, "Germanium", "germanium", 83.1),
    (513, "Magnesium", "magnesium", 90.6),
    (559, "Tungsten", "tungsten", 85.6),
])
def test_processing_share_of_china(eu, line, material, mineral, share):
    """fact_GlobalSupplyShares&t.csv lines 488, 489, 513, 559: China's processing (P) share."""
    assert raw_line(GS, line).strip() == f"{material},P,China,{share}%,1.0"
    row = _row(eu[0]["eu_crm_global_supply"], line)
    assert (row["material"], row["mineral_id"], row["stage"], row["stage_family"], row["country"]) == \
        (material, mineral, "P", "processing", "CHN")
    assert row["share_pct"] == share and row["share_flag"] == "" and row["t"] == 1.0
    # China is the largest processor of each, and the stage's shares add up to about 100 %.
    stage = eu[0]["eu_crm_global_supply"].query("material == @material and stage == 'P'")
    assert stage.sort_values("share_pct").iloc[-1]["country"] == "CHN"
    assert stage["share_pct"].sum() == pytest.approx(100, abs=1.0)


def test_every_heavy_rare_earth_is_processed_in_china_only(eu):
    """fact_GlobalSupplyShares&t.csv line 479: Dysprosium,P,China,100.0%; likewise every HREE of the
    EU's grouping file (dimension_ScreenedMatGroupings.csv, perm_XREE_PGM = HREE)."""
    assert raw_line(GS, 479).strip() == "Dysprosium,P,China,100.0%,1.0"
    row = _row(eu[0]["eu_crm_global_supply"], 479)
    assert (row["mineral_id"], row["family_id"], row["material_group"], row["material_group_id"]) == \
        ("dysprosium", "rare_earths", "HREE", "rare_earths_heavy")
    gs = eu[0]["eu_crm_global_supply"]
    heavy = gs[(gs["material_group"] == "HREE") & (gs["stage"] == "P")]
    assert sorted(heavy["mineral_id"]) == ["dysprosium", "erbium", "europium", "gadolinium", "holmium",
                                           "lutetium", "terbium", "thulium", "ytterbium", "yttrium"]
    assert set(heavy["country"]) == {"CHN"} and set(heavy["share_pct"]) == {100.0}


def test_below_a_tenth_of_a_percent_is_a_bound_not_zero(eu):
    """fact_GlobalSupplyShares&t.csv line 3: Gypsum,E,Afghanistan,<0.1%."""
    assert raw_line(GS, 3).strip() == "Gypsum,E,Afghanistan,<0.1%,1.0"
    row = _row(eu[0]["eu_crm_global_supply"], 3)
    assert (row["country"], row["share_pct"], row["share_flag"], row["share_text"]) == ("AFG", 0.1, "upper_bound", "<0.1%")
    gs = eu[0]["eu_crm_global_supply"]
    bounds = gs[gs["share_text"] == "<0.1%"]
    assert len(bounds) == 514 and set(bounds["share_pct"]) == {0.1} and set(bounds["share_flag"]) == {"upper_bound"}


def test_cp1252_turkiye_and_euro_sign(eu):
    """fact_GlobalSupplyShares&t.csv line 2245: Borate,E,Türkiye,48.4% with ü as byte 0xFC; the end-use
    header 'VA in million €' has € as byte 0x80."""
    assert raw_line(GS, 2245).rstrip("\r\n") == "Borate,E,Türkiye,48.4%,1.0"
    assert "Borate,E,T\xfcrkiye".encode("latin-1") in GS.read_bytes()
    row = _row(eu[0]["eu_crm_global_supply"], 2245)
    assert (row["country_label"], row["country"], row["mineral_id"], row["share_pct"]) == ("Türkiye", "TUR", "boron", 48.4)
    # line 2288: the misspelling "Turkyie" (Roundwood E) is declared in country_labels.csv
    assert _row(eu[0]["eu_crm_global_supply"], 2288)["country"] == "TUR"
    assert USE.read_bytes().splitlines()[0].endswith(b"VA in million \x80")
    copper = _row(eu[0]["eu_crm_end_use"], 84)   # Copper,"Manufacture, Industrial, non-electrical",10%,C28 ...,204200
    assert (copper["nace_code"], copper["va_meur"], copper["share_pct"]) == ("C28", 204200.0, 10.0)


def test_study_country_names(eu):
    """fact_GlobalSupplyShares&t.csv line 604: Cobalt,E,"Congo, D.R.",62.8%, t 1.1."""
    row = _row(eu[0]["eu_crm_global_supply"], 604)
    assert (row["country_label"], row["country"], row["share_pct"], row["t"]) == ("Congo, D.R.", "COD", 62.8, 1.1)
    gs = eu[0]["eu_crm_global_supply"]
    by_label = dict(zip(gs["country_label"], gs["country"]))
    assert by_label["Korea, South"] == "KOR" and by_label["Russia"] == "RUS" and by_label["Congo"] == "COG"
    assert by_label["Brasilia"] == "BRA"   # line 248, Roundwood E: the capital written for Brazil


def test_country_mapping_declares_only_what_the_iso_reference_lacks():
    """Every row of the one country mapping is needed: the ISO-3166 reference alone does not know the
    label (or knows it as another code), and the study's own spellings say where they come from."""
    from rexlib.sources import countries
    table = pd.read_csv(eu_crm.COUNTRIES_CSV, dtype=str, keep_default_na=False)
    by_name = countries._iso_by_name(str(RAW / eu_crm.ISO_FILE))
    redundant = [label for label, code in zip(table["label"], table["iso3"])
                 if by_name.get(countries.normalise_label(label)) == code]
    assert redundant == []
    study = table[table["seen_in"].str.contains("EC CRM 2023")]
    assert {"Congo, D.R.", "Turkyie", "Brasilia"} <= set(study["label"])
    assert study[study["label"].isin(["Turkyie", "Brasilia", "Brasil", "Libanon", "Surinam"])]["note"].str.len().min() > 20


def test_supply_risk_and_economic_importance(eu):
    """dimension_CRMsOverTime.csv line 307: Gallium,2023,3.9,3.7 (critical); line 20: Gallium,2011,2.5,6.5
    (earlier scales: no criticality flag computed)."""
    assert raw_line(CRIT, 307).strip() == "Gallium,2023,3.9,3.7"
    crit = eu[0]["eu_crm_criticality"]
    row = _row(crit, 307)
    assert (row["mineral_id"], row["assessment_year"], row["sr"], row["ei"], row["eu_critical"]) == \
        ("gallium", 2023, 3.9, 3.7, True)
    assert row["period"] == "EU assessment 2023"
    old = _row(crit, 20)
    assert (old["assessment_year"], old["sr"], old["ei"]) == (2011, 2.5, 6.5) and pd.isna(old["eu_critical"])
    # Copper 2023 (line 303): SR 0.1 < 1.0, not critical by the thresholds
    assert _row(crit, 303)["eu_critical"] == False  # noqa: E712


def test_not_assessed_is_null_with_a_flag(eu):
    """dimension_CRMsOverTime.csv line 294: Bauxite,2023,-,- (merged into aluminium/bauxite)."""
    assert raw_line(CRIT, 294).strip() == "Bauxite,2023,-,-"
    row = _row(eu[0]["eu_crm_criticality"], 294)
    assert pd.isna(row["sr"]) and pd.isna(row["ei"]) and pd.isna(row["eu_critical"])
    assert (row["sr_flag"], row["ei_flag"], row["sr_text"]) == ("not_assessed", "not_assessed", "-")
    crit = eu[0]["eu_crm_criticality"]
    dashes = crit[crit["sr_text"] == "-"]
    assert dashes["sr"].isna().all() and (dashes["sr_flag"] == "not_assessed").all()
    assert not (crit["sr"] == 0).any()


def test_multiline_record_keeps_its_physical_line(eu):
    """dimension_CRMsOverTime.csv lines 43-44: "Natural Teak\\nwood",2011,-,- spans two lines; the next
    record starts on line 45."""
    assert raw_line(CRIT, 43) == '"Natural Teak\n' and raw_line(CRIT, 44).startswith('wood",2011')
    crit = eu[0]["eu_crm_criticality"]
    teak = _row(crit, 43)
    assert (teak["material"], teak["mineral_id"], teak["assessment_year"]) == ("Natural Teak wood", "natural_teak_wood", 2011)
    nxt = _row(crit, 45)
    assert raw_line(CRIT, 45).startswith(f"{nxt['material']},{nxt['assessment_year']},")


def test_materials_map_to_mineral_ids_and_families(eu):
    gs = eu[0]["eu_crm_global_supply"]
    ids = gs.drop_duplicates("material").set_index("material")[["mineral_id", "family_id"]]
    assert ids.loc["Borate"].tolist() == ["boron", "boron"]
    assert ids.loc["Phosphate Rock"].tolist() == ["phosphate_rock", "phosphate_rock"]
    assert ids.loc["Phosphorous"].tolist() == ["phosphorus", "phosphorus"]
    assert ids.loc["Silicon metal"].tolist() == ["silicon", "silicon"]
    assert ids.loc["Titanium metal"].tolist() == ["titanium_metal", "titanium"]
    assert ids.loc["Platinum"].tolist() == ["pgm_platinum", "pgm"]
    assert ids.loc["Neodymium"].tolist() == ["neodymium", "rare_earths"]
    # Aluminium's extraction stage lists bauxite miners (line 77: Australia 28.4 %; Guinea 17.9 %)
    assert raw_line(GS, 77).strip() == "Aluminium,E,Australia,28.4%,1.0"
    assert _row(gs, 77)["stage_mineral_id"] == "bauxite"
    assert set(gs.loc[(gs["material"] == "Aluminium") & (gs["stage"] == "P"), "stage_mineral_id"]) == {"aluminum"}


def test_stages_and_periods(eu):
    gs = eu[0]["eu_crm_global_supply"]
    assert gs.loc[gs["stage"] == "P", "material"].nunique() == 60
    assert gs.loc[gs["stage"] == "E", "material"].nunique() == 62
    for name in ("eu_crm_global_supply", "eu_crm_eu_sourcing"):
        periods = set(eu[0][name]["period"])
        assert periods == {"2016-2020"}      # averages, never a single year


def test_every_row_carries_its_provenance_grade(eu):
    files = {f["path"]: f for f in load_sources(RAW)["files"]}
    for name, frame in eu[0].items():
        for path, grade in frame.groupby("source_file")["provenance"].unique().items():
            assert list(grade) == [files[path]["provenance_grade"]]
            assert "unofficial transcription of EC 2023 study" in grade[0] and "PDF not verified" in grade[0]


def test_logged_quirks(eu):
    issues = pd.DataFrame(eu[1])
    # fact_EUSupplyShares&t.csv line 712: "Silicon metal,P,Germany,6,0.8" (no % sign)
    assert raw_line(EUS, 712).strip() == "Silicon metal,P,Germany,6,0.8"
    assert _row(eu[0]["eu_crm_eu_sourcing"], 712)["share_pct"] == 6.0
    assert ((issues["file"] == eu_crm.EU_SOURCING) & (issues["line"] == "712")).sum() == 1
    # fact_MaterialUseShares.csv lines 192/193: Magnesium, Construction, 13 % printed twice; kept once
    assert raw_line(USE, 192) == raw_line(USE, 193)
    use = eu[0]["eu_crm_end_use"]
    assert len(use[(use["material"] == "Magnesium") & (use["application"] == "Construction")]) == 1
    assert use.loc[use["material"] == "Magnesium", "share_pct"].sum() == 100
    assert ((issues["file"] == eu_crm.END_USE) & (issues["line"] == "193")).sum() == 1
    # line 90: ">0%" is the bound 0 with flag lower_bound
    assert _row(use, 90)["share_flag"] == "lower_bound"


def _raw_copy(tmp_path):
    raw = tmp_path / "raw"
    (raw / "reference").mkdir(parents=True)
    shutil.copytree(RAW / "eu_crm", raw / "eu_crm")
    shutil.copy(RAW / "sources.yml", raw / "sources.yml")
    shutil.copy(RAW / eu_crm.ISO_FILE, raw / eu_crm.ISO_FILE)
    return raw


def test_unmapped_country_is_refused_by_name_file_and_line(tmp_path):
    raw = _raw_copy(tmp_path)
    path = raw / eu_crm.GLOBAL_SUPPLY
    path.write_bytes(path.read_bytes().replace(b"Gypsum,E,Afghanistan,", b"Gypsum,E,Atlantis,"))
    with pytest.raises(eu_crm.EuCrmError, match=r"unmapped country name.*'Atlantis' in "
                                                r"\[eu_crm/fact_GlobalSupplyShares&t.csv line 3\]"):
        eu_crm.read_eu_crm(raw)


def test_unmapped_material_is_refused_by_name_file_and_line(tmp_path):
    table = pd.read_csv(eu_crm.MATERIALS_CSV, dtype=str, keep_default_na=False)
    smaller = tmp_path / "materials.csv"
    table[table["material"] != "Gallium"].to_csv(smaller, index=False)
    # the grouping file (line 45: "gallium") is read first; the global supply file's line 488 follows
    with pytest.raises(eu_crm.EuCrmError, match=r"1 unmapped material name\(s\): 'gallium' in \[eu_crm/"
                                                r"dimension_ScreenedMatGroupings.csv line 45, "
                                                r"eu_crm/fact_GlobalSupplyShares&t.csv line 488"):
        eu_crm.read_eu_crm(RAW, materials_csv=smaller)


def test_mapping_to_an_unknown_mineral_id_is_refused(tmp_path):
    table = pd.read_csv(eu_crm.MATERIALS_CSV, dtype=str, keep_default_na=False)
    table.loc[table["material"] == "Gallium", "mineral_id"] = "galium"
    bad = tmp_path / "materials.csv"
    table.to_csv(bad, index=False)
    with pytest.raises(eu_crm.EuCrmError, match="mineral_id 'galium' of 'Gallium' is not a mineral id"):
        eu_crm.read_eu_crm(RAW, materials_csv=bad)
