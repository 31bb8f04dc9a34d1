"""The declared name files (rexlib/metadata/mappings/minerals.csv, stages.csv): read by every layer,
checked row by row, and agreeing with the publishers' own names and groups."""
from __future__ import annotations

import pandas as pd
import pytest

from rexlib.query import api
from rexlib.core import ids
from rexlib.etl.checks.eu_crm import group_family_checks
from rexlib.sources import eu_crm
from rexlib.query.warehouse import query
from tests.conftest import RAW, raw_line


def _copy_with(tmp_path, source, old: str, new: str):
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _line_of(source, start: str) -> int:
    return next(n for n, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


# ---------------------------------------------------------------- real rows against the publishers

def test_mineral_names_and_chapters_are_the_usgs_chapters():
    # MCS2026_Commodities_Data.csv line 6125: "RARE EARTHS (Heavy),Salient Statistics..." (the chapter as
    # USGS spells it); line 5961: "RARE EARTHS,...".
    assert raw_line(RAW / "usgs/mcs2026/MCS2026_Commodities_Data.csv", 6125).startswith("RARE EARTHS (Heavy),")
    assert raw_line(RAW / "usgs/mcs2026/MCS2026_Commodities_Data.csv", 5961).startswith("RARE EARTHS,")
    assert ids.MINERALS["rare_earths_heavy"] == ("Rare earths (heavy)", "RARE EARTHS (Heavy)")
    assert ids.MINERALS["neodymium"] == ("Neodymium", "RARE EARTHS")
    assert ids.mineral_name("rare_earths") == "Rare earths"


def test_the_rare_earth_family_is_the_eus_grouping_and_read_by_every_layer(db):
    # dimension_ScreenedMatGroupings.csv line 11 "yttrium,REE,REE,HREE,HREE", line 17 "scandium,REE,...":
    # the EU counts both among the rare earths, so the one family does too.
    grouping = RAW / "eu_crm/dimension_ScreenedMatGroupings.csv"
    assert raw_line(grouping, 11).startswith("yttrium,REE") and raw_line(grouping, 17).startswith("scandium,REE")
    family = ids.FAMILIES["rare_earths"]
    assert {"yttrium", "scandium", "neodymium", "rare_earths_heavy", "magnet_rare_earths"} <= set(family)
    assert ids.family_of("pgm_iridium") == "pgm" and ids.family_of("lithium") == "lithium"
    from rexlib.metrics.financing import _parent
    from rexlib.app.ui import data as d
    assert d.RARE_EARTH_FAMILY == family
    assert (_parent("neodymium"), _parent("dysprosium"), _parent("pgm_iridium"), _parent("magnet_rare_earths"),
            _parent("lithium")) == ("rare_earths", "rare_earths_heavy", "pgm", "rare_earths", None)
    # the EU tables carry the family from minerals.csv: every EU scandium row is in the rare earths
    eu = query("SELECT DISTINCT family_id FROM eu_crm_global_supply WHERE mineral_id = 'scandium'")
    assert eu["family_id"].tolist() == ["rare_earths"]


def test_the_eu_grouping_check_still_catches_a_family_that_disagrees(tmp_path, monkeypatch):
    # Declaring scandium outside the rare earths contradicts the EU's own grouping (line 17 above):
    # the build's check fails naming the material, the grouping line and minerals.csv.
    bad = _copy_with(tmp_path, ids.MINERALS_CSV, "scandium,Scandium,SCANDIUM,rare_earths,",
                     "scandium,Scandium,SCANDIUM,,")
    _, family, _ = ids._read_minerals(bad)
    monkeypatch.setattr(eu_crm, "family_of", lambda mid: family.get(mid, mid))
    checks = group_family_checks(eu_crm.group_members(RAW))
    failed = checks[checks["status"] == "fail"]
    assert failed["subject"].tolist() == ["scandium/REE"]
    assert "grouping file line 17" in failed["reason"].iloc[0] and "minerals.csv" in failed["reason"].iloc[0]
    assert (group_family_checks(eu_crm.group_members(RAW))["status"] == "fail").any()
    monkeypatch.undo()
    assert (group_family_checks(eu_crm.group_members(RAW))["status"] == "pass").all()


def test_stage_words_are_the_ones_pages_print():
    # The IEA's own block titles (converter labels, sheet 1): "Battery grade", "Refining"
    assert ids.stage_word("refinery") == "refining" and ids.stage_word("battery_grade") == "battery grade"
    assert ids.stage_output("mine") == "mine production" and ids.stage_output("production") == "production"
    assert ids.stage_word("E") == "extraction"
    from rexlib.sources.iea_conversion import STAGE_LABELS
    assert STAGE_LABELS["battery_grade"] == "Battery grade"


def test_every_stage_of_a_family_in_series_yml_has_a_word_and_is_accepted_by_the_api():
    from rexlib.etl import series
    for family, decl in series.stage_families().items():
        for stages in decl["stages"].values():
            for stage in stages:
                assert stage in ids.STAGE_WORDS, stage
                assert api._stage_family(stage) == family
                assert api._stage_family(ids.stage_word(stage)) == family
    with pytest.raises(api.v.InvalidArgument, match=r"Valid stage values: mining, processing.*refining"):
        api.supply_shares("cobalt", "smelting pot")


# ---------------------------------------------------------------- malformed rows name file and line

@pytest.mark.parametrize("old, new, message", [
    ("pgm_osmium,Osmium,", "pgm_osmium,,", r"minerals.csv line {line}: mineral 'pgm_osmium' has no name"),
    ("pgm_osmium,Osmium,PLATINUM-GROUP METALS,pgm,", "pgm_osmium,Osmium,PLATINUM-GROUP METALS,pgms,",
     r"minerals.csv line {line}: family 'pgms' of 'pgm_osmium' is not a mineral_id of the file"),
    ("pgm_osmium,Osmium,PLATINUM-GROUP METALS,pgm,", "pgm_osmium,Osmium,PLATINUM-GROUP METALS,pgm_platinum,",
     r"minerals.csv line {line}: family 'pgm_platinum' of 'pgm_osmium' must list itself"),
    ("pgm_osmium,Osmium,", "pgm_platinum,Osmium,", r"minerals.csv line {line}: mineral_id 'pgm_platinum' is declared twice"),
    ("pgm_osmium,Osmium,", "pgm Osmium,Osmium,", r"minerals.csv line {line}: mineral_id 'pgm Osmium' is not a lowercase"),
    ("pgm_osmium,Osmium,PLATINUM-GROUP METALS,pgm,,", "pgm_osmium,Osmium,PLATINUM-GROUP METALS,pgm,",
     r"minerals.csv line {line}: 5 fields, expected 6"),
])
def test_a_malformed_mineral_row_names_file_and_line(tmp_path, old, new, message):
    line = _line_of(ids.MINERALS_CSV, "pgm_osmium,")
    bad = _copy_with(tmp_path, ids.MINERALS_CSV, old, new)
    with pytest.raises(ids.MappingError, match=message.format(line=line)):
        ids._read_minerals(bad)


@pytest.mark.parametrize("old, new, message", [
    ("smelter,production,smelting,", "smelter,productoin,smelting,",
     r"stages.csv line {line}: kind 'productoin' of 'smelter' is not one of \['production', 'eu_crm', 'family'\]"),
    ("smelter,production,smelting,smelter production,", "smelter,production,,smelter production,",
     r"stages.csv line {line}: stage 'smelter' needs both a word and an output"),
    ("smelter,production,smelting", "refinery,production,smelting", r"stages.csv line {line}: stage 'refinery' is declared twice"),
])
def test_a_malformed_stage_row_names_file_and_line(tmp_path, old, new, message):
    line = _line_of(ids.STAGES_CSV, "smelter,")
    bad = _copy_with(tmp_path, ids.STAGES_CSV, old, new)
    with pytest.raises(ids.MappingError, match=message.format(line=line)):
        ids._read_stages(bad)


def test_a_wrong_header_is_refused(tmp_path):
    bad = _copy_with(tmp_path, ids.STAGES_CSV, "stage,kind,word,output,note", "stage,kind,label,output,note")
    with pytest.raises(ids.MappingError, match=r"stages.csv line 1: header \['stage', 'kind', 'label'"):
        ids._read_stages(bad)


def test_the_minerals_table_is_the_declared_file(db):
    table = query("SELECT mineral_id, name, mcs_chapter FROM minerals")
    declared = pd.read_csv(ids.MINERALS_CSV, dtype=str, keep_default_na=False)
    assert len(table) == len(declared)
    merged = table.merge(declared, on="mineral_id", suffixes=("", "_csv"))
    assert (merged["name"] == merged["name_csv"]).all()
    assert (merged["mcs_chapter"].fillna("") == merged["mcs_chapter_csv"]).all()


def test_the_eu_readers_stage_families_are_series_yml_s():
    # eu_crm.STAGES (E -> mining, P -> processing) is the reader's copy of series.yml stage_families
    # (eu_crm: [E] / [P]); it may not drift from the rule.
    from rexlib.etl import series
    declared = {stage: family for family, decl in series.stage_families().items()
                for stage in decl["stages"].get("eu_crm", [])}
    assert eu_crm.STAGES == declared
