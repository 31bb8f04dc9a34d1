"""The shared section cache is private to its user (issue 20 item 7): ~/.cache/rex, sections/ and
every folder below are 0700. Before: only the last folder was (os.makedirs gives the mode to the
leaf only), so ~/.cache/rex and sections/ were 0755, readable by every user of the machine."""
from __future__ import annotations

import os
import stat

import pytest

from rexlib.core.private_dir import makedirs_private
from rexlib.app.ui import cache


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_every_cache_folder_is_0700(tmp_path, monkeypatch, db):
    home = tmp_path / "home"
    monkeypatch.delenv("REX_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("REX_SHARED_CACHE", "1")
    shared = cache.SharedSections()
    stamp = cache.db_stamp()
    shared.store(stamp, "mineral_profile", ("cobalt", 2025), "<p>x</p>")
    assert shared.writes == 1
    base = home / ".cache" / "rex"
    folders = [base, base / "sections", base / "sections" / os.path.basename(shared.folder(stamp)),
               base / "sections" / os.path.basename(shared.folder(stamp)) / "mineral_profile"]
    for folder in folders:
        assert _mode(folder) == 0o700, (folder, oct(_mode(folder)))


def test_folders_left_open_by_an_older_version_are_closed(tmp_path):
    base = tmp_path / "rex"
    (base / "sections").mkdir(parents=True, mode=0o755)
    os.chmod(base, 0o755)
    os.chmod(base / "sections", 0o755)
    makedirs_private(str(base / "sections" / "abc"), str(base))
    assert [_mode(p) for p in (base, base / "sections", base / "sections" / "abc")] == [0o700] * 3


def test_a_path_outside_the_base_is_refused(tmp_path):
    with pytest.raises(ValueError):
        makedirs_private(str(tmp_path / "elsewhere"), str(tmp_path / "rex"))
