"""The build: checksums declared, the last good database kept on a refused build, atomic replace,
first use. (Refusals of changed or corrupt raw files: test_corrupt_data.py.)"""
import shutil

import duckdb
import pytest

from rexlib.etl.build import BuildError, build, collect
from rexlib.query.db import connect
from rexlib.core.provenance import verify_checksums
from tests.conftest import RAW

CURATED = RAW.parent / "curated"


@pytest.fixture(scope="module")
def raw_copy(tmp_path_factory):
    dest = tmp_path_factory.mktemp("raw") / "raw"
    shutil.copytree(RAW, dest)
    return dest


def test_every_declared_checksum_matches():
    sources = verify_checksums(RAW)
    assert len(sources["files"]) >= 200
    for entry in sources["files"]:
        release = sources["releases"][entry["release"]]
        assert release["citation"] and release["licence"] and release["date_published"]


@pytest.mark.slow
def test_failed_build_keeps_last_good_database(raw_copy, tmp_path, monkeypatch, db):
    """The one test of "the last good database survives a refused build" (a refusal by validation;
    the refusals by raw-file structure are in test_corrupt_data.py). The good database: the session's
    build of the same files, copied (tests.conftest.copy_prebuilt)."""
    from tests.conftest import copy_prebuilt
    out = copy_prebuilt(db, tmp_path / "out")
    good = (out / "rex.duckdb").resolve()
    before = good.stat().st_ino
    import rexlib.build as build_module

    def broken_collect(*args, **kwargs):
        tables, issues = collect(*args, **kwargs)
        # a duplicated key: validation must refuse the whole build
        import pandas as pd
        tables["production"] = pd.concat([tables["production"], tables["production"].iloc[[0]]], ignore_index=True)
        return tables, issues

    monkeypatch.setattr(build_module, "collect", broken_collect)
    with pytest.raises(BuildError, match="production: 2 rows share a key"):
        build(raw_dir=raw_copy, curated_dir=CURATED, out_dir=out)
    assert (out / "rex.duckdb").resolve() == good and good.stat().st_ino == before
    con = duckdb.connect(str(good), read_only=True)
    assert con.execute("SELECT count(*) FROM production").fetchone()[0] > 9000
    assert not [p for p in out.iterdir() if p.name.startswith(".build-")]


def test_database_tables_and_latest_view(db):
    con = connect(db)
    vintages = {r[0] for r in con.execute("SELECT DISTINCT vintage FROM production").fetchall()}
    assert vintages == {"MCS2023", "MCS2024", "MCS2025", "MCS2026"}
    years = {r[0] for r in con.execute("SELECT DISTINCT year FROM production_latest").fetchall()}
    assert {2021, 2022, 2023, 2024, 2025} <= years
    # 2024 exists in MCS2025 and MCS2026: the latest view keeps MCS2026.
    v = con.execute("SELECT vintage, value FROM production_latest WHERE mineral_id='cobalt' AND stage='mine' "
                    "AND country='COD' AND year=2024").fetchall()
    assert v == [("MCS2026", 226000.0)]
    # no silent zeros: every NULL value has a flag that says why
    n = con.execute("SELECT count(*) FROM production WHERE value IS NULL AND (flag IS NULL OR flag = '')").fetchone()[0]
    assert n == 0


def test_quality_issues_explain_every_unparsed_value(db):
    con = connect(db)
    unparsed = con.execute("SELECT count(*) FROM production WHERE flag LIKE '%unparsed%'").fetchone()[0]
    logged = con.execute("SELECT count(*) FROM quality_issues WHERE action LIKE '%unparsed%' "
                         "OR action LIKE '%left empty%'").fetchone()[0]
    assert logged >= unparsed
    assert con.execute("SELECT count(*) FROM quality_issues WHERE reason = '' OR action = ''").fetchone()[0] == 0


def test_publisher_checks_pass_or_are_allow_listed_with_reason(db):
    con = connect(db)
    rows = con.execute('SELECT "check", status, count(*) FROM publisher_checks GROUP BY ALL').fetchall()
    statuses = {(c, s) for c, s, _ in rows}
    assert ("world_total", "fail") not in statuses and ("t7_leading_share", "fail") not in statuses
    assert con.execute("SELECT count(*) FROM publisher_checks WHERE status = 'allowed' AND reason = ''").fetchone()[0] == 0
    t7 = con.execute("SELECT count(*) FROM publisher_checks WHERE \"check\"='t7_leading_share' AND status='pass'").fetchone()[0]
    assert t7 >= 35


@pytest.mark.slow
def test_first_use_builds_a_missing_database(tmp_path):
    """A fresh clone has no database: the first query builds it (and must not deadlock)."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, REX_DATA_DIR=str(tmp_path / "derived"))
    out = subprocess.run([sys.executable, "-c", "import rexlib; print(len(rexlib.production('cobalt', 'mine', 2024)))"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) > 10 and (tmp_path / "derived" / "rex.duckdb").exists()
