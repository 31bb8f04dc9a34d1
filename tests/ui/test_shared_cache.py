"""The shared on-disk tier of the section cache (rexlib.app.ui.cache.SharedSections): a view rendered
by one kernel is read back by another; a rebuilt database or changed code never gets an old view;
a damaged file is rebuilt; a folder that cannot be written turns the tier off, never the app."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rexlib.app.ui import cache
from rexlib.app.ui import common  # noqa: F401  sets cache.drawing, as every app kernel does (the test passed only after another test imported it)


@pytest.fixture
def shared(tmp_path, monkeypatch, db):
    monkeypatch.setenv("REX_SHARED_CACHE", "1")
    monkeypatch.setenv("REX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "SHARED", cache.SharedSections())
    cache.clear_all()
    yield cache.SHARED
    cache.clear_all()


def _builder(value, calls):
    def build():
        calls.append(1)
        return value
    return build


def test_a_new_kernel_reads_the_view_another_kernel_rendered(shared):
    calls = []
    first = cache.SectionCache("test-app")
    assert first.get(("cobalt", 2025), _builder(["<p>a</p>", "<svg/>"], calls)) == ["<p>a</p>", "<svg/>"]
    second = cache.SectionCache("test-app")            # a new kernel: empty memory
    assert second.get(("cobalt", 2025), _builder(["other"], calls)) == ["<p>a</p>", "<svg/>"]
    assert len(calls) == 1 and second.shared_hits == 1
    assert second.get(("cobalt", 2024), _builder("<p>2024</p>", calls)) == "<p>2024</p>"
    assert len(calls) == 2                               # another key is another view


def test_real_app_html_is_identical_from_the_shared_tier(shared):
    from rexlib.app.ui import mineral_profile
    first = mineral_profile.app(mineral="gallium")
    first.widget()
    html = [s.value for s in first.body.children]
    assert any("<svg" in part for part in html)
    assert shared.writes > 0
    cache.clear_all()                                    # memory only: as in the next visitor's kernel
    again = mineral_profile.app(mineral="gallium")
    again.widget()
    assert [s.value for s in again.body.children] == html
    assert cache.sections("mineral_profile").shared_hits > 0


def test_a_rebuilt_database_or_changed_code_starts_a_new_folder(shared, monkeypatch):
    calls = []
    cache.SectionCache("t").get("k", _builder("old", calls))
    old_folder = shared.folder(cache.db_stamp())
    assert os.path.isdir(old_folder)
    stamp = cache.db_stamp()                       # (path, inode, mtime, size)
    monkeypatch.setattr(cache, "db_stamp", lambda: stamp[:2] + (stamp[2] + 1, stamp[3]))     # the database replaced
    assert cache.SectionCache("t").get("k", _builder("new", calls)) == "new"
    assert len(calls) == 2
    assert not os.path.exists(old_folder)               # the stale folder is removed
    monkeypatch.setattr(cache, "code_hash", lambda: "changed-code")
    assert cache.SectionCache("t").get("k", _builder("newer", calls)) == "newer"


def test_a_damaged_file_is_rebuilt(shared):
    calls = []
    cache.SectionCache("t").get("k", _builder("good", calls))
    files = list(Path(shared.root()).rglob("*.json"))
    assert len(files) == 1
    files[0].write_text('{"key": "\'k\'", "value": "trunc')
    assert cache.SectionCache("t").get("k", _builder("good again", calls)) == "good again"
    assert json.loads(files[0].read_text())["value"] == "good again"


def test_an_unwritable_folder_turns_the_tier_off_not_the_app(shared, monkeypatch, tmp_path, capfd):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("REX_CACHE_DIR", str(blocker))
    calls = []
    assert cache.SectionCache("t").get("k", _builder("fine", calls)) == "fine"
    assert shared.disabled
    assert cache.SectionCache("t").get("k", _builder("fine", calls)) == "fine"
    assert len(calls) == 2                               # memory only from then on
    assert "shared section cache off" in capfd.readouterr().err


def test_a_stand_in_renderer_is_never_shared(shared, monkeypatch):
    from rexlib.app.ui import common
    monkeypatch.setattr(common, "to_svg", lambda chart: "<svg></svg>")
    cache.SectionCache("t").get("k", _builder("placeholder", []))
    assert shared.writes == 0 and not list(Path(shared.root()).rglob("*.json"))


def test_switched_off_by_environment(shared, monkeypatch):
    monkeypatch.setenv("REX_SHARED_CACHE", "0")
    cache.SectionCache("t").get("k", _builder("x", []))
    assert shared.writes == 0


def test_trim_keeps_the_folder_under_its_bound(shared):
    for i in range(20):
        cache.SectionCache("t").get(("k", i), _builder("x" * 10_000, []))
    shared.max_bytes = 50_000
    shared.trim()
    total = sum(f.stat().st_size for f in Path(shared.root()).rglob("*.json"))
    assert 0 < total <= 50_000
