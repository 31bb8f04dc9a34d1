"""Readers that are running while a build replaces the database keep working and never see a
half-built file (separate processes, as apps and reports are)."""
import subprocess
import sys
import textwrap

import pytest

from rexlib.etl.build import build
from tests.conftest import RAW, copy_prebuilt

READER = textwrap.dedent("""
    import sys, time, duckdb
    path, seconds = sys.argv[1], float(sys.argv[2])
    end, reads, held = time.time() + seconds, 0, duckdb.connect(path, read_only=True)
    while time.time() < end:
        # a long-lived connection (an app's kernel) and fresh ones (new sessions)
        assert held.execute("SELECT count(*) FROM production").fetchone()[0] > 9000
        con = duckdb.connect(path, read_only=True)
        n = con.execute("SELECT count(*) FROM production_latest WHERE mineral_id = 'cobalt'").fetchone()[0]
        assert n > 10, n
        con.close()
        reads += 1
    print(reads)
""")


@pytest.mark.slow
def test_readers_survive_concurrent_rebuilds(tmp_path, db):
    out = copy_prebuilt(db, tmp_path / "derived")       # the first build: the session's, as built
    db = out / "rex.duckdb"
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(db), "25"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for _ in range(2):
        build(raw_dir=RAW, curated_dir=RAW.parent / "curated", out_dir=out)
    for reader in readers:
        stdout, stderr = reader.communicate(timeout=120)
        assert reader.returncode == 0, stderr
        assert int(stdout) > 5
    assert not [p for p in out.iterdir() if p.name.startswith(".build-") or p.name.startswith(".old-")]
