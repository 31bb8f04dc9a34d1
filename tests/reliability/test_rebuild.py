"""Rebuilds and the last good database (issue 28, items 1, 2 and 8): a held ``rexlib.connect()`` does
not keep the process on old data, a failed automatic rebuild falls back to the last good database
and says so, a corrupt database is rebuilt or named. One copy of the project (code, data/raw,
data/curated) is built once for the module; each test works on its own copy of that build."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rexlib.core.paths import CURATED, PROJECT, RAW

pytestmark = pytest.mark.slow

DEAL = "D001"        # data/curated/deals.csv line 2: Project Vault, EXIM loan, amount_usd 10000000000
OLD, NEW = 10_000_000_000, 12_345_678_901
DEAL_SQL = f"SELECT CAST(amount_usd AS BIGINT) AS amount_usd FROM deals WHERE deal_id = '{DEAL}'"


def set_amount(curated: Path, amount: str) -> None:
    path = curated / "deals.csv"
    text = path.read_text(encoding="utf-8")
    assert ",10000000000," in text
    path.write_text(text.replace(",10000000000,", f",{amount},", 1), encoding="utf-8")


def run(tree: Path, code: list[str], **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("REX_DATA_DIR", "REX_AUTO_BUILD")}
    full.update(PYTHONPATH=str(tree), **env)
    return subprocess.run([sys.executable, *code], cwd=tree, env=full, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def built_tree(tmp_path_factory, db):
    """A clone as far as rex sees it (rexlib, data/raw, data/curated) with its database built: the
    session's build of the same inputs, copied (the fingerprint is of the bytes, so rex sees it fresh;
    a first build in a fresh clone is tests/test_build.py's)."""
    from tests.conftest import copy_prebuilt
    tree = tmp_path_factory.mktemp("clone")
    shutil.copytree(PROJECT / "rexlib", tree / "rexlib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(RAW, tree / "data" / "raw")
    shutil.copytree(CURATED, tree / "data" / "curated")
    copy_prebuilt(db, tree / "data" / "derived")
    from rexlib.etl.build import fingerprint
    built = json.loads((tree / "data" / "derived" / "build_info.json").read_text())["fingerprint"]
    assert built == fingerprint(tree / "data" / "raw", tree / "data" / "curated")    # fresh for the clone's rex
    return tree


@pytest.fixture
def tree(built_tree, tmp_path):
    """This test's own copy of the built clone (the link rex.duckdb kept as a link)."""
    copy = tmp_path / "clone"
    shutil.copytree(built_tree, copy, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", ".build.lock"))
    return copy


def test_a_held_connection_does_not_keep_old_numbers_after_a_rebuild(tree, monkeypatch, tmp_path):
    """Item 1: the README's ``con = rexlib.connect()`` held open, then ``rexlib.build()`` with D001
    changed: the next query returns the new amount, under the new build's identity."""
    import rexlib
    from rexlib.query import warehouse
    from rexlib.etl.build import build
    from rexlib.app.ui import cache

    derived = tree / "data" / "derived"
    monkeypatch.setenv("REX_DATA_DIR", str(derived))
    monkeypatch.setenv("REX_AUTO_BUILD", "0")          # built from the clone's inputs: keep it
    monkeypatch.setenv("REX_SHARED_CACHE", "1")
    monkeypatch.setenv("REX_CACHE_DIR", str(tmp_path / "cache"))
    warehouse.reset()
    try:
        held = rexlib.connect()
        assert held.execute(DEAL_SQL).fetchone()[0] == OLD
        assert rexlib.deals(include_aggregates=True).set_index("deal_id").at[DEAL, "amount_usd"] == OLD
        old_folder = cache.SHARED.folder(warehouse.identity())
        set_amount(tree / "data" / "curated", str(NEW))
        build(tree / "data" / "raw", tree / "data" / "curated", derived)
        after = rexlib.deals(include_aggregates=True).set_index("deal_id").at[DEAL, "amount_usd"]
        assert after == NEW
        # The identity names the data the connection reads: its build id is the new build's.
        new_id = json.loads((derived / "build_info.json").read_text())["build_id"]
        ident = warehouse.identity()
        assert f"build_id={new_id}" in ident[-1]
        assert warehouse.query("SELECT value FROM build_info WHERE key = 'build_id'").iat[0, 0] == new_id
        assert cache.SHARED.folder(ident) != old_folder
        # a fresh connection sees the new data too; the held one keeps its snapshot
        fresh = rexlib.connect()
        assert fresh.execute(DEAL_SQL).fetchone()[0] == NEW
        fresh.close()
        assert held.execute(DEAL_SQL).fetchone()[0] == OLD
        held.close()
    finally:
        warehouse.reset()


def test_a_failed_automatic_rebuild_falls_back_to_the_last_good_database(tree):
    """Item 2: a bad curated edit (D001 amount ``12345678901x``). `rex build` refuses with a sentence;
    ``import rexlib`` and `rex sql` answer from the last good database with one warning each, and
    only the first of them tries the rebuild (the failure is recorded beside the database)."""
    set_amount(tree / "data" / "curated", "12345678901x")
    first = run(tree, ["-c", "import rexlib; print(int(rexlib.deals(include_aggregates=True)"
                             f".set_index('deal_id').at['{DEAL}', 'amount_usd']))"])
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == str(OLD)
    assert first.stderr.count("could not be rebuilt") == 1, first.stderr
    assert "12345678901x" in first.stderr and "Traceback" not in first.stderr
    # an app's page (what a Voila kernel runs) says so too: the server log alone would not tell a visitor
    page = run(tree, ["-c", "import rexlib; from rexlib.app.ui import common as c; r = c.resolve("
                            "[c.Param('country', 'CHL', 'CHL')], lambda values, explicit: "
                            "dict(values, country=rexlib.query.api.country_code(values['country']))); "
                            "print(' '.join(r.notes))"])
    assert page.returncode == 0, page.stderr
    assert "could not be rebuilt; this page shows the last good database" in page.stdout
    started = time.monotonic()
    sql = run(tree, ["-m", "rexlib.cli", "sql", DEAL_SQL])
    assert sql.returncode == 0, sql.stderr
    assert str(OLD) in sql.stdout
    assert sql.stderr.count("could not be rebuilt") == 1 and "building the database" not in sql.stderr
    assert time.monotonic() - started < 20
    refused = run(tree, ["-m", "rexlib.cli", "build"])
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "12345678901x" in refused.stderr and "last good database" in refused.stderr


def test_a_corrupt_database_is_named_or_rebuilt(tree):
    """Item 8: ``rex info`` on a corrupt database file: with automatic builds off a sentence saying
    to run `rex build`; with them on (the default) the file is rebuilt and the command answers."""
    db = tree / "data" / "derived" / "rex.duckdb"
    real = db.resolve()
    data = real.read_bytes()
    real.write_bytes(data[: len(data) // 2])             # truncated
    off = run(tree, ["-m", "rexlib.cli", "info"], REX_AUTO_BUILD="0")
    assert off.returncode == 1 and "Traceback" not in off.stderr, off.stderr
    assert "cannot be read" in off.stderr and "rex build" in off.stderr
    sql = run(tree, ["-m", "rexlib.cli", "sql", DEAL_SQL], REX_AUTO_BUILD="0")
    assert sql.returncode == 1 and "Traceback" not in sql.stderr and "rex build" in sql.stderr, sql.stderr
    on = run(tree, ["-m", "rexlib.cli", "info"])
    assert on.returncode == 0, on.stderr
    assert "rebuilding it" in on.stderr and "deals" in on.stdout


def test_a_full_disk_while_writing_is_a_sentence_and_keeps_the_last_good_database(tree, monkeypatch, capsys):
    """Item 8: DuckDB's "No space left on device" while writing the new file (injected where DuckDB
    raises it): `rex build` says so in a sentence and the last good database is untouched.
    Item 9: what a build killed mid-way left (its staging folder, named with its pid) is removed."""
    import duckdb

    from rexlib.etl import build as build_module
    from rexlib import cli

    derived = tree / "data" / "derived"
    before = (derived / "rex.duckdb").resolve()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = derived / f".build-{dead.stdout.strip()}-k1ll3d"
    (left / "parquet").mkdir(parents=True)
    (left / "rex.duckdb").write_bytes(b"\0" * 65536)
    (derived / f".old-parquet-{dead.stdout.strip()}").mkdir()

    def full_disk(tables, out, meta):
        raise duckdb.IOException(f'IO Error: Could not write file "{out}/rex.duckdb": No space left on device')
    monkeypatch.setattr(build_module, "_write_database", full_disk)
    monkeypatch.setenv("REX_DATA_DIR", str(derived))
    code = cli.main(["build"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILED and "No space left on device" in err and "Traceback" not in err
    assert "last good database" in err
    assert (derived / "rex.duckdb").resolve() == before
    assert not [p for p in derived.iterdir() if p.name.startswith((".build-", ".old-parquet-"))]
