"""Issue 26 item 3: import reliance and import sources are multiplied only for the same product
(series.yml product_rule). Real rows of data/raw/usgs/mcs2026/MCS2026_Commodities_Data.csv (MCS)."""
from __future__ import annotations

import pytest

from rexlib import metrics
from rexlib.etl import series
from tests.conftest import RAW, raw_line

MCS = RAW / "usgs/mcs2026/MCS2026_Commodities_Data.csv"


@pytest.mark.parametrize("mineral,supplier,nir_line,nir_text,source_line,share", [
    # feldspar: headline NIR of nepheline syenite ">95" (line 2334; feldspar's own is 18, line 2333)
    # x Turkey 93 % of *feldspar* imports (line 2335) gave "88 % of U.S. consumption exposed"
    ("feldspar", "TUR", 2334, ">95", 2335, 93),
    # mica: sheet 100 (line 4759) x China 42 % of scrap-and-flake imports (line 4760)
    ("mica", "CHN", 4759, "100", 4760, 42),
    # industrial diamond: stones 81 (line 2155) x China 77 % of bort, grit and dust (line 2156) = 62 %;
    # USGS names India, South Africa, Russia and Botswana for stones (lines 2160-2163)
    ("diamond_industrial", "CHN", 2155, "81", 2156, 77),
])
def test_different_products_are_not_multiplied(db, mineral, supplier, nir_line, nir_text, source_line, share):
    assert f",{nir_text}," in raw_line(MCS, nir_line) and f",{share}," in raw_line(MCS, source_line)
    row = metrics.disruption(mineral, supplier).iloc[0]
    assert row["import_share_basis"] == "different_products"
    assert row["us_consumption_exposed_pct"] != row["us_consumption_exposed_pct"]      # NaN, not a product
    assert row["us_consumption_at_risk_pct"] != row["us_consumption_at_risk_pct"]
    assert row["supplier_import_share_pct"] == share                                # the shares stay shown
    assert row["nir_product"] in row["exposure_note"] and row["import_measure"] in row["exposure_note"]
    assert not series.same_product(mineral, row["import_measure"])


def test_same_product_is_multiplied(db):
    # antimony: one NIR measure, 91 % in 2025; China 55 % of "Total metal and oxide" imports
    row = metrics.disruption("antimony", "CHN").iloc[0]
    assert row["import_share_basis"] == "shares"
    assert row["us_consumption_exposed_pct"] == pytest.approx(row["nir_pct"] * 55 / 100)
    # zinc: the declared pair (refined zinc NIR, refined metal import sources) is one product
    assert series.same_product("zinc", "Refined metal")


def test_most_exposed_ranking_has_no_cross_product_figure(db):
    table = metrics.most_exposed_minerals("CHN")
    crossed = table[table["import_share_basis"] == "different_products"]
    assert set(crossed["mineral_id"]) >= {"mica", "diamond_industrial"}
    assert crossed["us_consumption_exposed_pct"].isna().all()


def test_a_declared_pair_must_be_published():
    import pandas as pd
    frame = pd.DataFrame({"mineral_id": ["feldspar"], "measure": ["Feldspar"], "table_source": ["salient"]})
    with pytest.raises(series.SeriesRuleError, match="feldspar: import_sources 'Nepheline syenite'"):
        series.check_product_pairs(frame)
