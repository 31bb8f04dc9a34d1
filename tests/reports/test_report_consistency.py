"""The report side of the consistency test (tests/test_consistency.py): the mineral profiles that the
suite's one `rex report` run rendered (tests/reports/conftest.py, small_plan) show the same tiles as
the library (HHI, top-3, China's share, the headline net import reliance)."""
from __future__ import annotations

from rexlib.app.ui.mineral_profile import DEFAULTS
from tests.test_consistency import expected_tiles, tiles

from .conftest import SHARED_RUN_MINERALS


def test_mineral_profile_reports_show_the_same_tiles(small_plan):
    _root, day, done = small_plan
    for mineral in SHARED_RUN_MINERALS:
        page = (day / "mineral_profile" / f"mineral={mineral}.html").read_text()
        shown = tiles(page)
        expected = expected_tiles(mineral, DEFAULTS["year"])     # the plan names the mineral only
        assert expected, mineral
        for label, value in expected.items():
            assert shown.get(label) == value, (mineral, label, shown)
