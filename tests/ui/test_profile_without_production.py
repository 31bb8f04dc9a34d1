"""The mineral profile for minerals USGS publishes no world production table for (cesium, hafnium,
rubidium, PGMs other than Pt/Pd, individual rare earths): what it shows, what it refuses."""
from __future__ import annotations

import pytest

from rexlib.reports.plans import all_minerals
from rexlib.app.ui import data as d
from rexlib.app.ui import mineral_profile as mp
from rexlib.core.validate import InvalidArgument


def test_every_mineral_of_the_daily_plan_is_a_profile_mineral(db):
    profile = {m for _, m in d.profile_minerals()}
    assert set(all_minerals()) <= profile
    without = sorted(m for m in all_minerals() if not d.has_production(m))
    # the 22 critical minerals that used to be "not rendered"
    assert {"cesium", "hafnium", "rubidium", "pgm_iridium", "pgm_rhodium", "pgm_ruthenium", "neodymium",
            "dysprosium", "terbium", "thulium", "ytterbium"} <= set(without)


def test_related_production_follows_the_usgs_chapter(db):
    assert d.related_production("hafnium") == ["zirconium"]                      # ZIRCONIUM AND HAFNIUM
    assert d.related_production("neodymium") == ["rare_earths"]                  # RARE EARTHS
    assert d.related_production("dysprosium") == ["rare_earths"]                 # RARE EARTHS (Heavy)
    assert d.related_production("thulium") == ["rare_earths"]                    # no chapter: REE family
    assert set(d.related_production("pgm_rhodium")) == {"pgm_palladium", "pgm_platinum"}
    assert d.related_production("cesium") == []                                  # its own chapter, no table


def test_leading_producer_of_the_related_table_is_the_published_share(db):
    lead = d.leading_producer("rare_earths")
    # MCS2026: China 270,000 t of 390,000 t world mine production in 2025 = 69.2 %
    assert (lead["country"], lead["year"], lead["vintage"]) == ("China", 2025, "MCS2026")
    assert lead["share_pct"] == pytest.approx(69.23, abs=0.01)


def test_us_supply_keeps_flags_and_one_unit(db):
    frame, facts = d.us_supply_frame("hafnium")
    assert facts["unit"] == "metric tons" and set(frame["unit"]) == {"metric tons"}
    # MCS2026 line 8737: Imports: Hafnium, wrought, 2021 = NA -> missing with its flag, never 0
    row = frame[(frame["measure"] == "Imports: Hafnium, wrought") & (frame["year"] == 2021)].iloc[0]
    assert row["value"] != row["value"] and row["flag"] == "not_available" and row["label"] == "not available (NA)"
    est = frame[(frame["measure"] == "Imports: Hafnium, unwrought") & (frame["year"] == 2025)].iloc[0]
    assert est["value"] == 72 and est["label"] == "72 (e)"


def test_price_series_draws_only_multi_year_measures_in_one_unit(db):
    nd = d.price_series(d.prices_frame("neodymium"))
    assert len(nd) == 5 and nd["unit"].nunique() == 1 and nd["year"].tolist() == [2021, 2022, 2023, 2024, 2025]
    cesium = d.price_series(d.prices_frame("cesium"))        # nine single-year catalogue prices
    assert cesium.empty


def test_profile_without_production_renders_what_usgs_publishes(db):
    app = mp.app(mineral="hafnium")
    html = "".join(app.render())
    assert "USGS publishes no world production table by country for Hafnium" in html
    assert "Zirconium (mine, 2025): leading producer" in html
    assert "U.S. supply" in html and "Hafnium: U.S. prices" in html
    assert html.count("<svg") >= 3                      # supply lines, prices, import sources
    assert "Where Hafnium is produced" not in html     # no production map pretending to be its own
    assert app.stage.disabled and app.year.disabled and app.measure.disabled


def test_switching_between_minerals_with_and_without_production(db):
    app = mp.app(mineral="cobalt", stage="mine", year=2024)
    app.widget()
    app.mineral.value = "neodymium"
    assert app.stage.disabled and app.stage.value is None
    assert "no world production table" in app.sections[0].value
    app.mineral.value = "cobalt"
    assert not app.stage.disabled and (app.stage.value, app.year.value) == ("mine", 2024)   # year kept
    assert "Where Cobalt is produced" in "".join(s.value for s in app.sections)


def test_validation_for_minerals_without_production(db):
    assert mp.validate_params({"mineral": "Cesium", "stage": "mine", "year": 2024}, {"mineral", "year"}) == \
        {"mineral": "cesium", "stage": "mine", "year": 2024}
    with pytest.raises(InvalidArgument, match="unknown year 1999"):
        mp.validate_params({"mineral": "cesium", "stage": "mine", "year": 1999}, {"year"})
    with pytest.raises(InvalidArgument, match="unknown stage"):
        mp.validate_params({"mineral": "cesium", "stage": "orbit", "year": 2024}, {"stage"})
    with pytest.raises(InvalidArgument, match="no table for this mineral"):
        mp.validate_params({"mineral": "uranium", "stage": "mine", "year": 2024}, set())
