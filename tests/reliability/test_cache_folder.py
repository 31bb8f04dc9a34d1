"""The shared section cache in a folder given by REX_CACHE_DIR (issue 28 items 6 and 7): a shared
folder is never chmod-ed (before: /tmp lost its sticky bit and became 0700), rex makes a folder of
its own inside it, and one install's new fingerprint folder does not delete another install's."""
from __future__ import annotations

import json
import os
import stat

import pytest

from rexlib.app.ui import cache


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def shared_dir(tmp_path, monkeypatch, db):
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o1777)                      # like /tmp
    monkeypatch.setenv("REX_CACHE_DIR", str(folder))
    monkeypatch.setenv("REX_SHARED_CACHE", "1")
    return folder


def test_a_shared_folder_keeps_its_mode_and_rex_uses_a_folder_of_its_own(shared_dir):
    shared = cache.SharedSections()
    shared.store(cache.db_stamp(), "mineral_profile", ("cobalt", 2025), "<p>x</p>")
    assert shared.writes == 1
    assert _mode(shared_dir) == 0o1777
    own = shared_dir / f"rex-{os.getuid()}"
    assert _mode(own) == 0o700 and os.stat(own).st_uid == os.getuid()
    assert [p.name for p in shared_dir.iterdir()] == [own.name]


def test_another_installs_fingerprint_folder_is_kept_and_our_stale_one_removed(shared_dir):
    shared = cache.SharedSections()
    stamp = cache.db_stamp()
    # Another checkout's database (another path) and an older build of ours (same path, other inode).
    other_install = ("/elsewhere/data/derived/rex.duckdb", 1, 2, 3, "build_id=other")
    our_old_build = (stamp[0], 4, 5, 6, "build_id=old")
    shared.store(other_install, "mineral_profile", "k", "<p>theirs</p>")
    shared.store(our_old_build, "mineral_profile", "k", "<p>our old</p>")
    shared.store(stamp, "mineral_profile", "k", "<p>ours</p>")
    assert shared.load(other_install, "mineral_profile", "k") == "<p>theirs</p>"
    assert shared.load(our_old_build, "mineral_profile", "k") is None
    assert shared.load(stamp, "mineral_profile", "k") == "<p>ours</p>"
    owner = json.loads((shared_dir / f"rex-{os.getuid()}" / "sections" / os.path.basename(shared.folder(stamp))
                        / "owner").read_text())
    assert owner == {"database": stamp[0]}


def test_a_folder_of_ours_owned_by_someone_else_turns_the_tier_off(shared_dir, capfd):
    if os.getuid() != 0:
        pytest.skip("making a folder another user owns needs root")
    squatted = shared_dir / f"rex-{os.getuid()}"
    squatted.mkdir()
    os.chown(squatted, 12345, 12345)
    shared = cache.SharedSections()
    shared.store(cache.db_stamp(), "mineral_profile", "k", "<p>x</p>")
    assert shared.disabled and shared.writes == 0 and list(squatted.iterdir()) == []
    assert "belongs to another user" in capfd.readouterr().err
