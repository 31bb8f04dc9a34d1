"""Processing in the apps (issue 15), in process: the profile's ``processing`` stage, the
chokepoints' processing view and the claims it makes checkable."""
from __future__ import annotations

import re

import pytest

import rexlib
from rexlib.metrics.claims_check import check_claims
from rexlib.app.ui import chokepoints, mineral_profile


def _text(app) -> str:
    return re.sub(r"<[^>]+>", " ", " ".join(s.value for s in app.sections))


@pytest.mark.parametrize("mineral,period,source_words", [
    ("gallium", "2025", "USGS Mineral Commodity Summaries"),
    ("rare_earths", "2024", "Critical Minerals Data Explorer"),     # the newest IEA observation (issue 27)
    ("tungsten", "2016-2020 average", "unofficial transcription"),
    ("dysprosium", "2016-2020 average", "unofficial transcription"),   # no USGS production table at all
])
def test_the_profile_draws_the_processing_stage(mineral, period, source_words, db):
    app = mineral_profile.app(mineral=mineral, stage="processing")
    app.widget()
    assert not app.notes and app.stage.value == "processing" and app.year.disabled
    text = _text(app)
    assert f"is processed ({period})" in text and source_words in text
    china = rexlib.supply_concentration("processing", mineral=mineral).iloc[0]["china_share"]
    assert f"{china:.1f}%" in text
    assert "Something went wrong" not in text


def test_switching_to_processing_and_back_keeps_the_controls_sane(db):
    app = mineral_profile.app(mineral="tungsten")
    app.widget()
    assert "processing" in app.stage.options
    app.stage.value = "processing"
    assert app.year.value is None and app.year.disabled
    app.stage.value = "mine"
    assert app.year.value == max(app.year.options) and not app.year.disabled
    assert "is produced" in _text(app)


def test_a_mineral_without_processing_says_so_for_the_url(db):
    app = mineral_profile.app(mineral="cement", stage="processing")
    assert app.notes and "processing" in app.notes[0]


def test_chokepoints_processing_covers_the_eu_minerals(db):
    app = chokepoints.app(stage="processing")
    app.widget()
    text = _text(app)
    for name in ("Gallium", "Germanium", "Tungsten", "Magnesium metal", "Rare earths"):
        assert name in text, name
    assert "unofficial transcription" in text and "Period" in text


def test_claims_on_graphite_and_antimony_processing(db):
    table = check_claims().set_index("claim_id")
    # IEA battery-grade graphite: China 90.9 % in 2023, 95.7 % in 2024 (the 2025 edition's UNOFFICIAL
    # conversion, the newest observation, issue 27) against the claimed 70-90 %
    assert table.loc["C088", "verdict"] == "differs"
    assert "Battery grade" in table.loc["C088", "data_source"]
    assert table.loc["C089", "verdict"] == "differs"                # EU 2016-2020: China ~50 % of antimony processing
    assert "2016-2020" in table.loc["C089", "data_source"] and "unofficial" in table.loc["C089", "data_source"]


def test_the_scenario_cuts_a_supplier_at_the_processing_stage(db):
    from rexlib.app.ui import scenario
    app = scenario.app(mineral="tungsten", stage="processing", supplier="CHN", cut_pct=50)
    app.widget()
    assert not app.notes and "processing" in app.stage.options
    text = " ".join(_text(app).split())
    china = rexlib.supply_shares("tungsten", "processing").set_index("country").loc["CHN", "share_pct"]
    assert f"processing {china:.1f}%" in text and f"lost {china / 2:.1f}%" in text
    assert "percent of world processing, not tonnes" in text


def test_the_profile_shows_the_eu_assessments_beside_rex_scores(db):
    from tests.conftest import RAW, raw_line
    # dimension_CRMsOverTime.csv line 307: gallium, 2023 assessment, SR 3.9, EI 3.7
    line = raw_line(RAW / "eu_crm" / "dimension_CRMsOverTime.csv", 307)
    assert line.startswith("Gallium") and "3.9" in line and "3.7" in line
    app = mineral_profile.app(mineral="gallium")
    app.widget()
    text = " ".join(_text(app).split())
    assert "Gallium: EU supply risk 2023 3.9 EI 3.7; EU critical" in text
    risk = rexlib.metrics.risk_scores().set_index("mineral_id").loc["gallium"]
    assert f"(U.S. view) {risk['usgs_sr']:.2f}" in text and f"(EU method, EC 2023 shares) {risk['eu_sr']:.2f}" in text
    assert "unofficial transcription" in text
