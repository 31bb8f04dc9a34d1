"""A curated number made unparsable fails the build unless allow-listed in rexlib/metadata/corrections.yml
(issue 20 item 7).

Before: MCS2026 line 1854 (Cobalt, Congo (Kinshasa), mine production 2024, "226,000") changed to
"22x,000" with a re-declared checksum built fine: the value became NULL with the flag 'unparsed'
and a row in quality_issues, and vanished from every chart."""
from __future__ import annotations

import shutil

import pytest

from rexlib.etl import unparsed_check
from rexlib.etl.build import BuildError, build
from rexlib.core.paths import derived_dir

from .conftest import MCS2026, raw_line
from .test_corrupt_data import CURATED, MAIN, mutate_lines, raw_copy  # noqa: F401 - the fixture

LINE = 1854


def _break_cobalt(lines):
    lines = list(lines)
    assert b'"226,000"' in lines[LINE - 1]
    lines[LINE - 1] = lines[LINE - 1].replace(b'"226,000"', b'"22x,000"')
    return lines


@pytest.fixture
def previous_build(tmp_path, db):
    """An output folder holding the current good build's Parquet files: "the previous build"."""
    out = tmp_path / "out"
    out.mkdir()
    shutil.copytree(derived_dir() / "parquet", out / "parquet")
    return out


@pytest.mark.slow
def test_a_number_that_became_unparsable_fails_the_build(raw_copy, previous_build):
    assert '"226,000"' in raw_line(MCS2026, LINE)
    mutate_lines(raw_copy, _break_cobalt)
    with pytest.raises(BuildError) as error:
        build(raw_dir=raw_copy, curated_dir=CURATED, out_dir=previous_build)
    text = str(error.value)
    assert "production (mineral_id=cobalt" in text and "country=COD" in text and "year=2024" in text
    assert "was 226000 in the previous build and is unparsed now ('22x,000'" in text
    assert "MCS2026_Commodities_Data.csv line 1854" in text
    assert not (previous_build / "rex.duckdb").exists()            # nothing was written


@pytest.mark.slow
def test_allow_listed_it_builds_with_a_null_and_a_quality_row(raw_copy, previous_build, tmp_path, monkeypatch):
    from rexlib.etl import corrections
    entry = dict(id="test_cobalt_withdrawn", check="unparsed_regression",
                 subject=["production", "mineral_id=cobalt", "country=COD", "year=2024", "vintage=MCS2026"],
                 provider="test", action="value kept NULL, flag unparsed", reason="test: the publisher withdrew the figure",
                 status="open")
    registry = corrections.entries()
    monkeypatch.setattr(corrections, "entries", lambda: (*registry, entry))
    mutate_lines(raw_copy, _break_cobalt)
    build(raw_dir=raw_copy, curated_dir=CURATED, out_dir=previous_build)
    import duckdb
    con = duckdb.connect(str(previous_build / "rex.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT value, flag FROM production WHERE mineral_id = 'cobalt' AND stage = 'mine' "
                          "AND country = 'COD' AND year = 2024 AND vintage = 'MCS2026'").fetchone()
        issues = con.execute("SELECT count(*) FROM quality_issues WHERE raw_value = '22x,000'").fetchone()[0]
    finally:
        con.close()
    assert row[0] is None and "unparsed" in row[1] and issues == 1


def test_no_previous_build_no_comparison(raw_copy, tmp_path):
    assert unparsed_check.unparsed_regressions({}, tmp_path / "nothing-here") == []


def test_an_allow_list_entry_needs_a_reason(tmp_path, previous_build):
    entry = dict(id="no_reason", check="unparsed_regression", subject=["production", "mineral_id=cobalt"], reason="")
    problems = unparsed_check.unparsed_regressions({}, previous_build, [entry])
    assert problems and "needs a reason" in problems[0]
