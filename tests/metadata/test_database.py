"""The declarations travel inside the built database: a COMMENT ON COLUMN for every column (from
fields.yml), the primary key of every keyed table, the declared types, and the citations (sources,
source_files from data/raw/sources.yml)."""
import datetime
import shutil

import duckdb
import pytest

from rexlib.etl.build import BuildError, _declare
from rexlib.query.db import connect
from rexlib.metadata.fields import comment
from rexlib.core.provenance import load_sources
from rexlib.etl.schema import BUILD_TABLES, declared_tables
from tests.conftest import RAW


@pytest.fixture(scope="module")
def con(db):
    # rexlib's own read-only connection: DuckDB refuses a second connection to one file with another
    # configuration in the same process (the apps' tests hold one).
    connection = connect(db)
    yield connection
    connection.close()


def _columns(con) -> dict[tuple[str, str], tuple[str, str | None]]:
    rows = con.execute("SELECT table_name, column_name, data_type, comment FROM duckdb_columns() "
                       "WHERE schema_name = 'main' AND NOT internal").fetchall()
    return {(t, c): (dtype, note) for t, c, dtype, note in rows}


def test_every_table_in_the_database_is_declared(con):
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    assert present == set(declared_tables())


def test_every_column_has_its_comment_from_fields_yml(con):
    columns = _columns(con)
    declared = {(t, c) for t, spec in declared_tables().items() for c in spec.columns}
    assert set(columns) == declared
    wrong = [f"{t}.{c}" for (t, c), (_, note) in columns.items() if note != comment(t, c)]
    assert wrong == []
    # a real one, as a user of the DuckDB file sees it
    assert columns[("import_reliance", "nir_bound")][1].startswith("How to read nir_pct: '=' exact")


def test_column_types_are_the_declared_types(con):
    columns = _columns(con)
    wrong = [(t, c, columns[(t, c)][0], dtype) for t, spec in declared_tables().items()
             for c, dtype in spec.columns.items() if columns[(t, c)][0] != dtype]
    assert wrong == []


def test_every_declared_key_is_the_tables_primary_key(con):
    rows = con.execute("SELECT table_name, constraint_column_names FROM duckdb_constraints() "
                       "WHERE constraint_type = 'PRIMARY KEY'").fetchall()
    keys = {t: tuple(cols) for t, cols in rows}
    assert keys == {name: spec.key for name, spec in declared_tables().items() if spec.key}


def test_the_primary_key_refuses_a_duplicate_row(db, tmp_path):
    # MCS2026_Commodities_Data.csv line 1854: COBALT, Congo (Kinshasa), Mine production, 2024, "226,000"
    copy = tmp_path / "rex.duckdb"
    shutil.copy(db, copy)
    writable = duckdb.connect(str(copy))
    try:
        row = "FROM production WHERE mineral_id = 'cobalt' AND country = 'COD' AND year = 2024 AND vintage = 'MCS2026' " \
              "AND stage = 'mine'"
        assert writable.execute(f"SELECT value {row}").fetchall() == [(226000.0,)]
        with pytest.raises(duckdb.ConstraintException, match="primary key"):
            writable.execute(f"INSERT INTO production SELECT * {row}")
    finally:
        writable.close()


def test_sources_table_equals_the_releases_of_sources_yml(con):
    declared = load_sources(RAW)
    rows = con.execute("SELECT * FROM sources ORDER BY id").df()
    assert sorted(rows["id"]) == sorted(declared["releases"])
    for rec in rows.to_dict("records"):
        release = declared["releases"][rec["id"]]
        for column in ("publisher", "title", "citation", "doi", "url", "licence", "vintage", "note"):
            expected = release.get(column)
            assert (None if rec[column] != rec[column] else rec[column]) == expected, (rec["id"], column)
        assert rec["date_published"] == str(release["date_published"])     # as declared (a date, or a year)
    usgs = rows.set_index("id").loc["usgs_mcs2026"]
    assert usgs["doi"] == "10.5066/P1WKQ63T" and usgs["vintage"] == "MCS2026"


def test_source_files_table_equals_the_files_of_sources_yml(con):
    declared = load_sources(RAW)
    rows = con.execute("SELECT path, release, bytes, sha256 FROM source_files ORDER BY path").fetchall()
    assert rows == sorted((f["path"], f["release"], f["bytes"], f["sha256"]) for f in declared["files"])
    # every row that names its raw file names one declared there
    with_file = [t for t, spec in declared_tables().items() if "source_file" in spec.columns]
    assert {"production", "import_reliance", "us_salient", "usgs_leading_source"} <= set(with_file)
    for table in with_file:
        orphans = con.execute(f'SELECT DISTINCT x.source_file FROM "{table}" x '
                              "LEFT JOIN source_files f ON f.path = x.source_file "
                              "WHERE x.source_file IS NOT NULL AND f.path IS NULL").fetchall()   # curated rows name none
        assert orphans == [], table


def test_a_null_in_a_key_column_fails_the_build_naming_it():
    memory = duckdb.connect()
    memory.execute("CREATE TABLE build_info AS SELECT * FROM (VALUES ('fingerprint', 'x'), (NULL, 'y')) v(key, value)")
    with pytest.raises(BuildError, match=r"build_info: NULL in primary-key column\(s\) \{'key': 1\}"):
        _declare(memory, "build_info", BUILD_TABLES["build_info"])
    memory.execute("UPDATE build_info SET key = 'fingerprint'")
    with pytest.raises(BuildError, match=r"build_info: rows share a primary key \('key',\)"):
        _declare(memory, "build_info", BUILD_TABLES["build_info"])
