"""Issue 26 item 5 (claims counted by the publisher's convention) and item 6's range claims."""
from __future__ import annotations

import re

import pytest

from rexlib.charts.claims import claimed_vs_computed
from rexlib.metrics import check_claims, count_nir


@pytest.fixture(scope="module")
def claims(db):
    return check_claims().set_index("claim_id")


def test_c002_is_counted_as_usgs_counts(claims):
    """MCS2025_Fig2_Net_Import_Reliance.csv line 29: RARE EARTHS, compounds and metals 80, "Includes
    lanthanides cerium, ..., thulium, and ytterbium"; line 34 BAUXITE >75; line 51 ALUMINUM 47.
    Counted per list member (14 lanthanides from RARE EARTHS, aluminum from BAUXITE): 28, against
    CSIS's 29 (main counted 13 rex ids and said 'differs')."""
    usgs = count_nir("MCS2025", low=50, high=100)
    assert len(usgs) == 28
    by = usgs.set_index("mineral_id")
    assert by.at["thulium", "nir_mineral_id"] == "rare_earths" and by.at["thulium", "nir_pct"] == 80
    assert by.at["aluminum", "nir_mineral_id"] == "bauxite" and by.at["aluminum", "nir_pct"] == 75
    assert len(count_nir("MCS2025", low=50, high=100, convention="rex_minerals")) == 13
    assert claims.at["C002", "computed"] == 28 and claims.at["C002", "verdict"] == "consistent"
    assert claims.at["C002", "convention"] == "usgs_list_members"
    assert claims.at["C001", "computed"] == 12 and claims.at["C001", "verdict"] == "consistent"
    # every checkable claim says which convention judged it
    checkable = claims[claims["verdict"] != "not_checkable"]
    assert checkable["convention"].notna().all()


def test_the_2022_list_view_keeps_rare_earths(db):
    from rexlib.app.ui import data as d
    frame = d.nir_table(2024, "2022", "all", "figure").set_index("mineral_id")
    assert frame.at["rare_earths", "nir_pct"] == 80      # Fig2 line 29, stands for the 14 lanthanides
    from rexlib.app.ui import import_reliance
    app = import_reliance.app(year=2024, critical="2022", table_source="figure")
    app.widget()
    text = " ".join(re.sub(r"<[^>]+>", " ", " ".join(app.render())).split())
    assert "Rare earths stands for cerium, dysprosium" in text and "Bauxite stands for aluminum" in text


def test_the_100_percent_tile_says_what_it_counts(db):
    from rexlib.app.ui import import_reliance
    app = import_reliance.app(year=2025, critical="2025", table_source="salient")
    app.widget()
    text = " ".join(re.sub(r"<[^>]+>", " ", " ".join(app.render())).split())
    assert "of the 46 minerals with a 2025 figure (2025 U.S. critical-minerals list: 60 minerals)" in text
    assert "Report Figure 2 does not list: Rare earths (heavy)" in text
    assert "of 46 2025 U.S. critical-minerals list" not in text


def test_range_claims_show_the_range_never_nan(claims):
    """C013 (claims.csv line 14): China's rare-earth refining share, 70 to 90 %."""
    pct = claims[claims["unit"] == "percent"].reset_index()
    pct["label"] = pct["claim_id"]
    spec = claimed_vs_computed(pct, title="t", source=["s"])
    rows = {r["label"]: r for r in spec["data"]["values"]}
    assert rows["C013"]["claimed_text"] == "70–90"
    assert (rows["C013"]["claim_lo"], rows["C013"]["claim_hi"]) == (70, 90)
    assert "nan" not in str(spec).lower()
