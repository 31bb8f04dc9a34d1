"""The build's derived ``concentration`` / ``concentration_wgi`` tables equal what rexlib.metrics
computes on demand (the apps read the stored rows; the metric functions stay the reference)."""
from __future__ import annotations

import pandas as pd
import pytest

from rexlib.query import api
from rexlib import metrics as m
from rexlib.query.warehouse import query
from rexlib.etl.schema import TABLES


@pytest.fixture(scope="module", autouse=True)
def _db(db):
    return db


def _same(stored: pd.DataFrame, computed: pd.DataFrame) -> None:
    # Exact values (no tolerance): the stored rows replay the metric's own arithmetic. Integer
    # widths differ (DuckDB INTEGER vs numpy int64); None and NaN are both "missing".
    pd.testing.assert_frame_equal(stored.reset_index(drop=True), computed.reset_index(drop=True),
                                  check_dtype=False, check_exact=True)


def test_cobalt_mine_2024_stored_row():
    # MCS2026: DRC 226,000 t of 302,000 t; HHI 5,750 (remainder spread thin) to 5,757 (as one producer).
    row = api.stored_concentration("cobalt", "mine", 2024).iloc[0]
    assert row["top1_country"] == "COD"
    assert round(row["top1_share"], 1) == 74.8
    assert round(row["hhi"]) == 5_750 and round(row["hhi_high"]) == 5_757
    _same(api.stored_concentration("cobalt", "mine", 2024), m.concentration("cobalt", "mine", 2024))


def test_rare_earths_china_2025_stored_row():
    row = api.stored_concentration("rare_earths", "mine", 2025).iloc[0]
    assert row["china_share"] == pytest.approx(270_000 / 390_000 * 100)
    assert round(row["china_share"], 1) == 69.2


@pytest.mark.parametrize("stage,year", [("mine", 2024), ("mine", 2025), ("refinery", 2023), ("smelter", 2021),
                                        ("metal", 2025), ("mine", None)])
def test_stored_table_equals_concentration_table(stage, year):
    _same(api.stored_concentration_table(stage, year), m.concentration_table(stage, year))


def test_stored_table_critical_list_and_iea():
    _same(api.stored_concentration_table("mine", 2025, critical="2025"),
          m.concentration_table("mine", 2025, critical="2025"))
    for stage in ("mine", "refinery"):
        _same(api.stored_concentration_table(stage, source="iea"), m.concentration_table(stage, source="iea"))
    _same(api.stored_concentration_table("mine", 2040, source="iea"), m.concentration_table("mine", 2040, source="iea"))


@pytest.mark.parametrize("stage,year", [("mine", 2024), ("refinery", 2025)])
def test_stored_governance_equals_governance_table(stage, year):
    # The same formula (rexlib.core.formulas.hhi_wgi) over the same shares; the parts are added in
    # another order, so the last bits may differ.
    stored = api.stored_governance_table(stage, year).reset_index(drop=True)
    computed = m.governance_table(stage, year).reset_index(drop=True)
    pd.testing.assert_frame_equal(stored, computed, check_dtype=False, rtol=1e-12)


def test_every_measure_of_several_measure_series():
    # Series with more than one measure (iron ore: usable ore / iron content ...): each stored
    # measure equals concentration(measure=...), and the default equals concentration().
    multi = query("SELECT mineral_id, stage, year FROM concentration WHERE source = 'usgs' "
                  "GROUP BY ALL HAVING count(*) > 1 ORDER BY ALL")
    assert len(multi) >= 10
    for rec in multi.itertuples():
        rows = query("SELECT measure FROM concentration WHERE source = 'usgs' AND mineral_id = ? AND stage = ? "
                     "AND year = ?", [rec.mineral_id, rec.stage, rec.year])
        for measure in rows["measure"]:
            _same(api.stored_concentration(rec.mineral_id, rec.stage, rec.year, measure=measure),
                  m.concentration(rec.mineral_id, rec.stage, rec.year, measure=measure))
        _same(api.stored_concentration(rec.mineral_id, rec.stage, rec.year),
              m.concentration(rec.mineral_id, rec.stage, rec.year))


def test_every_series_is_stored():
    missing = query("SELECT DISTINCT mineral_id, stage, year FROM production EXCEPT "
                    "SELECT mineral_id, stage, year FROM concentration WHERE source = 'usgs' AND is_default_measure")
    assert missing.empty, missing
    defaults = query("SELECT source, mineral_id, stage, year, count(*) AS n FROM concentration "
                     "WHERE is_default_measure GROUP BY ALL HAVING n <> 1")
    assert defaults.empty
    assert list(query("SELECT * FROM concentration LIMIT 0").columns) == list(TABLES["concentration"].columns)


def test_stored_errors_match_metric_errors():
    for args, kwargs in [(("cobalt", "mine", 2019), {}), (("cobalt", "plant", 2024), {}),
                         (("cobalt", "mine", 2024), {"measure": "nope"}), (("unobtainium",), {})]:
        with pytest.raises(m._common.v.InvalidArgument) as stored:
            api.stored_concentration(*args, **kwargs)
        with pytest.raises(m._common.v.InvalidArgument) as computed:
            m.concentration(*args, **kwargs)
        assert str(stored.value) == str(computed.value)


@pytest.mark.slow
def test_every_stored_row_equals_the_metric():
    """All of it: every stage × year table (USGS and IEA), and the series those tables leave out."""
    for rec in query("SELECT DISTINCT stage, year FROM production ORDER BY ALL").itertuples():
        _same(api.stored_concentration_table(rec.stage, rec.year), m.concentration_table(rec.stage, rec.year))
    for rec in query("SELECT DISTINCT stage, year FROM refining ORDER BY ALL").itertuples():
        _same(api.stored_concentration_table(rec.stage, rec.year, source="iea"),
              m.concentration_table(rec.stage, rec.year, source="iea"))
    left_out = query("SELECT mineral_id, stage, year FROM concentration WHERE source = 'usgs' AND is_default_measure "
                     "AND NOT (world_total IS NOT NULL AND world_reported IS NOT NULL AND has_listed_producer)")
    assert len(left_out) > 0
    for rec in left_out.itertuples():
        _same(api.stored_concentration(rec.mineral_id, rec.stage, rec.year),
              m.concentration(rec.mineral_id, rec.stage, rec.year))


@pytest.mark.parametrize("args,kwargs", [(("mine", 2019), {}), (("moon", 2024), {}), (("mine", "2024"), {}),
                                         (("mine", 2019), {"critical": "x"}), (("mine", True), {}),
                                         (("mine", 2024), {"source": "nope"})])
def test_stored_table_validates_like_the_metric(args, kwargs):
    try:
        expected = m.concentration_table(*args, **kwargs)
    except m._common.v.InvalidArgument as error:
        with pytest.raises(m._common.v.InvalidArgument) as stored:
            api.stored_concentration_table(*args, **kwargs)
        assert str(stored.value) == str(error)
    else:
        _same(api.stored_concentration_table(*args, **kwargs), expected)
