"""Rules of the MCS2026 long-table parser, each checked on the real row it exists for."""
import pytest

from rexlib.sources.usgs_mcs2026 import fix_shifted_critical_flag, mineral_id_for, read_mcs2026, read_rows
from tests.conftest import MCS2026, raw_line


@pytest.fixture(scope="module")
def parsed():
    return read_mcs2026(MCS2026)


def test_encoding_is_cp1252_with_crlf():
    data = MCS2026.read_bytes()
    assert b"\r\n" in data[:2000]
    assert "Côte d’Ivoire" in data.decode("cp1252")


def test_shifted_yttrium_row_line_8533(parsed):
    assert "Yttrium,World total" in raw_line(MCS2026, 8533)
    row = next(r for r in read_rows(MCS2026) if r["_line"] == 8533)
    issues = []
    fixed = fix_shifted_critical_flag(row, issues, "f")
    assert fixed["Is critical mineral 2025"] == "Yes" and fixed["Notes"] == ""
    assert issues and issues[0]["line"] == 8533
    world = parsed["world"]
    y = world[(world["source_line"] == 8533)].iloc[0]
    assert (y["value_low"], y["value_high"]) == (10000, 15000) and "range" in y["flag"].split(";")


def test_casing_variants_of_tio2_pigment_map_to_one_mineral():
    for label in ("TiO2 Pigment", "Tio2 Pigment", "TiO2 pigment"):
        assert mineral_id_for("TITANIUM AND TITANIUM DIOXIDE", label) == "titanium"


def test_pgm_and_rare_earth_elements_have_their_own_ids():
    assert mineral_id_for("PLATINUM-GROUP METALS", "Platinum") == "pgm_platinum"
    assert mineral_id_for("RARE EARTHS (Heavy)", "Dysprosium") == "dysprosium"
    assert mineral_id_for("BAUXITE AND ALUMINA", "Alumina") == "alumina"


def test_cobalt_congo_2024_row(parsed):
    world = parsed["world"]
    row = world[(world["mineral_id"] == "cobalt") & (world["country_label"] == "Congo (Kinshasa)")
                & (world["year"] == 2024) & (world["record_type"] == "production")].iloc[0]
    assert row["value"] == 226000 and row["unit"] == "metric tons" and "estimated" in row["flag"]
    assert "226,000" in raw_line(MCS2026, int(row["source_line"]))


def test_world_total_rounded_suffix_becomes_flag(parsed):
    world = parsed["world"]
    row = world[(world["mineral_id"] == "cobalt") & (world["country_label"] == "World total")
                & (world["year"] == 2024) & (world["record_type"] == "production")].iloc[0]
    assert row["measure"] == "Mine production" and "rounded" in row["flag"]


def test_withheld_and_dash_values(parsed):
    world = parsed["world"]
    canada_ree = world[(world["mineral_id"] == "rare_earths") & (world["country_label"] == "Canada")
                       & (world["year"] == 2024) & (world["record_type"] == "production")].iloc[0]
    assert canada_ree["value"] == 0 and "zero" in canada_ree["flag"]       # '—'
    nir = parsed["salient"]
    w = nir[nir["value_text"] == "W"]
    assert len(w) > 0 and w["value"].isna().all() and w["flag"].str.contains("withheld").all()


def test_question_mark_value_logged(parsed):
    issue = [i for i in parsed["issues"] if i["raw_value"] == "?1"]
    assert issue and issue[0]["line"] == 5086


def test_import_sources_period_en_dash(parsed):
    sources = parsed["import_sources"]
    assert set(sources["period"]) == {"2021-24"}
    cobalt = sources[sources["mineral_id"] == "cobalt"]
    assert dict(zip(cobalt["country_label"], cobalt["share_pct"]))["Norway"] == 26


def test_blank_critical_flags_logged(parsed):
    blanks = [i for i in parsed["issues"] if i["reason"] == "blank critical-mineral flag"]
    assert len(blanks) == 2   # two Wollastonite rows
    crit = parsed["critical"].set_index("mineral_id")["critical_2025"]
    assert not crit["wollastonite"] and crit["gallium"] and crit["yttrium"]
