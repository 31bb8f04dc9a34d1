"""The outlook app's view model: parameter validation (bad values name the valid ones), and the
sections carry the workbook's numbers (lithium, sheet 1 E37/B37)."""
from __future__ import annotations


import pytest

from rexlib.app.ui import cache
from rexlib.app.ui import outlook
from rexlib.core.validate import InvalidArgument


@pytest.fixture
def fresh(db):
    cache.clear_all()
    yield
    cache.clear_all()


def _values(**kw):
    return {**outlook.DEFAULTS, **kw}


def test_validate_names_the_valid_values(fresh):
    assert outlook._validate(_values(mineral="Copper", scenario="nze"), set())["scenario"] == "NZE"
    with pytest.raises(InvalidArgument, match="Valid end_use values: all, electric_vehicles, grid_battery_storage, "
                                              "other_uses"):
        outlook._validate(_values(end_use="wind"), {"end_use"})
    # an end use the next mineral lacks falls back to 'all' unless the URL asked for it
    assert outlook._validate(_values(end_use="wind"), set())["end_use"] == "all"
    with pytest.raises(InvalidArgument, match="Valid supplier values: .*CHN"):
        outlook._validate(_values(supplier="ATL"), {"supplier"})
    with pytest.raises(InvalidArgument, match="Valid view values: mineral, overview"):
        outlook._validate(_values(view="map"), {"view"})
    with pytest.raises(InvalidArgument, match="Valid mineral values: .*gallium"):
        outlook._validate(_values(mineral="unobtainium"), {"mineral"})


def test_sections_show_the_workbook_numbers(fresh):
    app = outlook.app(mineral="lithium", scenario="STEPS", year=2035)
    app.widget()
    html = app.snapshot()
    assert "735.9 kt" in html and "4.45×" in html          # sheet 1 E37 735.866, / B37 165.3723
    assert "STEPS 4.45× · APS 5.46× · NZE 6.62×" in html
    assert html.count("Source: IEA (2024), Critical Minerals Data Explorer") >= 8
    app.view.value = "overview"
    assert "Which scenario the announced supply covers" in app.snapshot()


def test_demand_section_for_the_mineral_profile(fresh):
    li = "".join(outlook.demand_section("lithium"))
    assert "Demand outlook (IEA scenarios)" in li and "Lithium: total demand, 2040 (STEPS)" in li
    assert "990.5 kt" in li                          # sheet 1 F37 990.541
    assert 'href="outlook.ipynb?mineral=lithium&amp;scenario=STEPS&amp;year=2040"' in li and "<svg" in li
    ree = "".join(outlook.demand_section("rare_earths"))
    assert "Shown for Magnet rare earths (Nd, Pr, Dy, Tb)" in ree and "mineral=magnet_rare_earths" in ree
    nd = "".join(outlook.demand_section("neodymium"))   # its own sheet 3.2 row, not the magnet group
    assert "only clean-technology demand for Neodymium" in nd
    none = "".join(outlook.demand_section("antimony"))
    assert "gives no demand outlook for Antimony" in none and "<svg" not in none
