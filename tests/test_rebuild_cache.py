"""A rebuild is seen by every process on its next query, and the one cache never hands out a result
computed from older data (issue "One number, one rule": one cache keyed by the database identity;
issue "Reliability ... round two" item 1)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rexlib.core.paths import CURATED, PROJECT

pytestmark = pytest.mark.slow

DEAL = "D001"   # data/curated/deals.csv line 2: Project Vault, EXIM loan, 10000000000


def _set_amount(curated: Path, amount: str) -> None:
    path = curated / "deals.csv"
    text = path.read_text(encoding="utf-8")
    assert ",10000000000," in text
    path.write_text(text.replace(",10000000000,", f",{amount},", 1), encoding="utf-8")


def test_rebuild_in_another_process_is_seen_and_never_cached_stale(tmp_path, monkeypatch, db):
    import rexlib
    from rexlib.query import api, warehouse

    from tests.conftest import copy_prebuilt
    curated = tmp_path / "curated"
    shutil.copytree(CURATED, curated)
    data_dir = copy_prebuilt(db, tmp_path / "derived")     # built from these inputs (the session's build)
    monkeypatch.setenv("REX_DATA_DIR", str(data_dir))
    monkeypatch.setenv("REX_AUTO_BUILD", "0")     # built from a copy of data/curated: keep it
    warehouse.reset()
    try:
        before = rexlib.deals(include_aggregates=True).set_index("deal_id").at[DEAL, "amount_usd"]
        assert before == 10_000_000_000
        old_identity = warehouse.identity()
        # A second process rebuilds with a changed value (what `rex build` does on a shared host).
        _set_amount(curated, "12345000000")
        code = ("from pathlib import Path; from rexlib.etl.build import build; from rexlib.core.paths import RAW; "
                f"build(RAW, Path({str(curated)!r}), Path({str(data_dir)!r}))")
        subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT,
                       env={**os.environ, "REX_DATA_DIR": str(data_dir)})
        # Same process, no reset, no clear_caches: the next query sees the new file.
        after = rexlib.deals(include_aggregates=True).set_index("deal_id").at[DEAL, "amount_usd"]
        assert after == 12_345_000_000
        assert warehouse.identity() != old_identity
        # The cached API call is keyed by identity: the old result is not served under the new key.
        info = api._mineral_ids.cache_info()
        assert info.currsize <= 2
        assert rexlib.production("cobalt", year=2024).equals(rexlib.production("cobalt", year=2024))
    finally:
        monkeypatch.delenv("REX_DATA_DIR")
        warehouse.reset()


def test_a_repeated_api_call_is_served_from_the_cache(db):
    import rexlib
    from rexlib.query import api
    first = rexlib.production("lithium", year=2024)
    hits = api._production.cache_info().hits
    second = rexlib.production("lithium", year=2024)
    assert api._production.cache_info().hits == hits + 1
    second["value"] = 0            # callers may modify what they get; the cache is unaffected
    assert rexlib.production("lithium", year=2024)["value"].equals(first["value"])
