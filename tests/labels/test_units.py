"""Issue 26 item 6: units and labels (tooltip units, assessment years, one top-3 rule, one scenario
basis, demand growth from a negligible base)."""
from __future__ import annotations

import re

import pytest

import rexlib.query.api as api


def test_mining_beside_processing_says_each_rows_unit(db):
    """Antimony: USGS mining in metric tons (China 40,000 t, MCS2026), EU processing shares only."""
    from rexlib.app.ui import mineral_profile
    spec_text = " ".join(mineral_profile.MineralProfile._mining_beside_processing(None, "antimony", "Antimony"))
    assert "40,000 metric tons" in spec_text
    assert "shares only (no tonnage)" in spec_text
    assert "thousand tonnes" not in spec_text and "40,000.0" not in spec_text


def test_eu_assessment_years_print_as_years(db):
    from rexlib.app.ui import common as c
    frame = api.eu_criticality("gallium")    # dimension_CRMsOverTime.csv: Gallium 2011 ... 2023
    html = c.table_html(frame, "x", columns={"material": "Material", "assessment_year": "Assessment"})
    assert "2011" in html and "2,011" not in html and "2,023" not in html


def test_one_iea_top3_rule(db):
    """IEA workbook sheet 2, graphite battery grade 2023: China H49 1851.9, Japan H50 123.5, United
    States H51 16.5, Germany H54 28.2, total 2037.2; the workbook's 'Top 3 share' (97.78) sums the
    three listed first (ranked by 2040). The one rule takes the year's three largest: 98.35 in both."""
    proj = api.projected_supply("graphite", "battery_grade", 2023).iloc[0]
    # the processing headline is now the 2024 observation (issue 27): compare the stored 2023 block
    conc = api.stored_concentration("graphite", "battery_grade", 2023, source="iea").iloc[0]
    assert proj["top3_share_pct"] == pytest.approx((1851.9 + 123.5 + 28.2) / 2037.2 * 100)
    assert proj["top3_share_pct"] == pytest.approx(conc["top3_share"])
    assert proj["top3_share_pct_iea"] == pytest.approx((1851.9 + 123.5 + 16.5) / 2037.2 * 100)


def test_one_us_exposure_per_mineral_whatever_the_stage(db):
    """Rare earths: MCS2026 salient NIR 2025 = 67, China 71 % of imports: 47.6 % at every stage."""
    from rexlib.metrics import disruption
    mine = disruption("rare_earths", ["CHN"], stage="mine").iloc[0]
    proc = disruption("rare_earths", ["CHN"], stage="processing").iloc[0]
    assert mine["nir_year"] == proc["nir_year"] == 2025
    assert mine["us_consumption_exposed_pct"] == pytest.approx(proc["us_consumption_exposed_pct"])
    assert proc["us_consumption_exposed_pct"] == pytest.approx(67 * 71 / 100)
    assert "nir_year_differs_from_supply_year" in proc["flags"]


def test_no_growth_multiple_from_a_negligible_base(db):
    """IEA sheet 3.2/4.x gallium clean-technology demand: 2023 0.0156 kt, 2040 STEPS 4.39 kt (282x)."""
    from rexlib.app.ui import outlook
    tiles = re.sub(r"<[^>]+>", " ", " ".join(outlook.Outlook._tiles("gallium", "STEPS", 2040, "all")))
    assert "282" not in tiles and "negligible 2023 base" in tiles
    assert "2023: 0.01555 kt" in tiles
    table = re.sub(r"<[^>]+>", " ", " ".join(outlook.Outlook._growth(None, "gallium", 2040)))
    assert "All clean technologies 0.016" in " ".join(table.split())
    assert "282" not in table


def test_claims_print_numbers_for_people(db):
    """The claims' values as people read them: C026 (data/curated/claims.csv line 27, 1240000000
    smartphones) read "1.24e+09", and C022's data "3.8e+05" (USGS 2024 world rare-earth mine
    production, 390,000 t), on the claims page and in published claims pages."""
    import re

    from rexlib.metrics.claims_check import check_claims
    from rexlib.app.ui import claims
    frame = check_claims(include_uncheckable=True).set_index("claim_id")
    assert frame.at["C026", "claimed"] == "1,240,000,000"
    cards = re.findall(r"claimed <b>([^<]*)</b>[^;]*; data: <b>([^<]*)</b>", "".join(claims.app(verdict="all").render()))
    assert len(cards) >= 20
    assert not [c for c in cards if re.search(r"\de[+-]\d", " ".join(c))], cards
