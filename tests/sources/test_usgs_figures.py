from rexlib.sources.usgs_figures import mineral_for_label, read_fig2, read_t7, strip_footnote
from tests.conftest import RAW

FIG2_2025 = RAW / "usgs/mcs2025/industry_trends/MCS2025_Fig2_Net_Import_Reliance.csv"
T7 = RAW / "usgs/mcs2026/industry_trends/MCS2026_T7_Critical_Minerals_Salient.csv"


def test_labels_with_products_and_footnotes():
    assert mineral_for_label("COBALT, metal, oxides, and salts") == ("cobalt", "metal, oxides, and salts")
    assert mineral_for_label("Rare earths (compounds and metals)9")[0] == "rare_earths"
    assert mineral_for_label("Arsenic ")[0] == "arsenic"
    assert strip_footnote("China3 ") == "China"


def test_fig2_2025_hundred_percent_rows():
    fig, sources, issues = read_fig2(FIG2_2025, "MCS2025", "x")
    full = fig[(fig["nir_value"] == 100) & (fig["nir_flags"] == "")]
    assert len(full) == 15 and set(fig["year"]) == {2024}
    gallium = sources[sources["mineral_id"] == "gallium"].sort_values("rank")
    assert list(gallium["country_label"]) == ["Japan", "China", "Germany", "Canada"]
    assert set(sources["period"]) == {"2020-2023"}


def test_t7_header_typo_and_shares():
    t7, _ = read_t7(T7, "x")
    cobalt = t7.set_index("mineral_id").loc["cobalt"]
    assert cobalt["leading_share_pct"] == 74 and cobalt["leading_country_label"] == "Congo (Kinshasa)"
    assert t7.set_index("mineral_id").loc["boron", "leading_share_flag"] == "withheld"
