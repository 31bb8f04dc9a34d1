"""Bad input fails fast (exit 2, valid choices named, nothing written); output problems exit 3.
No kernel is started by these tests."""
from __future__ import annotations

import errno

import pytest

from rexlib.reports import atomic, cli
from rexlib.reports.params import Parameter, ParameterError, coerce, make_job, slug
from rexlib.reports.plans import PLANS, all_minerals

from .conftest import PROBE, rex_report_refused


@pytest.mark.parametrize("args, expected", [
    (["mineral_profile", "-p", "minerl=cobalt"], ["unknown parameter 'minerl'", "Did you mean 'mineral'",
                                                  "Valid parameters: mineral", "stage", "year"]),
    (["mineral_profile", "-p", "mineral=cobolt"], ["unknown mineral 'cobolt'", "Did you mean 'cobalt'",
                                                   "Valid mineral values:", "lithium"]),
    (["mineral_profile", "-p", "mineral=cobalt", "-p", "year=1990"], ["unknown year 1990", "2021", "2025"]),
    (["mineral_profile", "-p", "mineral=cobalt", "-p", "year=twenty"], ["year must be a whole number", "2025"]),
    (["mineral_profile", "-p", "mineral=cobalt", "-p", "stage=smelter"], ["unknown stage 'smelter'",
                                                                          "Valid stage values: mine"]),
    (["import_reliance", "-p", "table_source=figures"], ["unknown table_source 'figures'", "figure, salient"]),
    (["mineral_prof"], ["unknown notebook 'mineral_prof'", "Did you mean 'mineral_profile'"]),
    (["mineral_profile", "-p", "mineral"], ["not of the form key=value"]),
    ([str(PROBE), "-p", "fail=maybe"], ["fail must be true or false"]),
])
def test_bad_parameters_exit_2_and_write_nothing(tmp_path, db, args, expected):
    root = tmp_path / "out"
    out = rex_report_refused(*args, "--output", root)
    assert out.returncode == 2, out.stderr
    for text in expected:
        assert text in out.stderr
    assert "nothing was rendered or written" in out.stderr
    assert not root.exists()


def test_plan_with_one_bad_entry_renders_nothing(tmp_path, db):
    plan = tmp_path / "plan.json"
    plan.write_text('{"jobs": [{"notebook": "mineral_profile", "params": {"mineral": "cobalt"}},'
                    ' {"notebook": "mineral_profile", "params": {"mineral": "unobtainium"}}]}')
    out = rex_report_refused("--plan", plan, "--output", tmp_path / "out")
    assert out.returncode == 2 and "unknown mineral 'unobtainium'" in out.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_plan_and_conflicting_arguments(tmp_path):
    assert cli.main(["--plan", "weekly", "--output", str(tmp_path / "o")]) == 2
    assert cli.main(["mineral_profile", "--plan", "daily", "--output", str(tmp_path / "o")]) == 2
    assert cli.main(["--output", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()


def test_values_are_normalised_and_named_stably(db):
    job = make_job("mineral_profile", {"mineral": " Cobalt ", "year": "2024"})
    assert job.params == {"mineral": "cobalt", "year": 2024}
    assert job.slug == "mineral=cobalt,year=2024"
    assert job.resolved["stage"] == "mine"
    assert slug({}) == "default"
    odd = slug({"q": "a b/c"})
    assert odd.startswith("q=a-b-c~") and "/" not in odd


def test_coerce_follows_the_default_type():
    year = Parameter("year", "2025", 2025, int)
    assert coerce(year, "2024") == 2024
    with pytest.raises(ValueError):
        coerce(year, "2024.5")
    assert coerce(Parameter("critical", '"2025"', "2025", str), 2022) == "2022"
    assert coerce(Parameter("x", "0.5", 0.5, float), "2") == 2.0
    assert coerce(Parameter("f", "False", False, bool), "yes") is True


def test_all_covers_production_and_critical_minerals(db):
    import rexlib
    minerals = rexlib.minerals()
    wanted = set(minerals.loc[minerals["has_production"] | minerals["critical_2022"] | minerals["critical_2025"],
                              "mineral_id"])
    assert set(all_minerals()) == wanted
    assert {"cobalt", "lithium", "gallium", "rare_earths"} <= wanted


def test_daily_plan_lists_profiles_and_overviews(db, capsys):
    assert cli.main(["--plan", "daily", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    profiles = [line for line in listed if line.startswith("mineral_profile/mineral=")]
    assert len(profiles) == len(all_minerals())
    # every critical mineral is rendered, including those without a world production table
    assert not [line for line in profiles if "not rendered" in line]
    assert "mineral_profile/mineral=hafnium" in profiles and "mineral_profile/mineral=cesium" in profiles
    for name in ("import_reliance", "chokepoints", "financing", "scenario", "claims"):
        assert any(line.startswith(f"{name}/") for line in listed), name
    assert [e["notebook"] for e in PLANS["daily"]][1:] == ["import_reliance", "chokepoints", "financing",
                                                           "scenario", "claims", "outlook", "outlook"]
    outlook = sorted(line.split(" ")[0] for line in listed if line.startswith("outlook/"))
    assert outlook == ["outlook/mineral=cobalt", "outlook/mineral=copper", "outlook/mineral=graphite",
                       "outlook/mineral=lithium", "outlook/mineral=magnet_rare_earths", "outlook/mineral=nickel",
                       "outlook/view=overview"], outlook


def test_unwritable_output_exits_3(tmp_path, db, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert cli.main([str(PROBE), "--output", str(blocker / "reports"), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "cannot write" in err and "Not a directory" in err


def test_disk_full_exits_3_with_a_clear_message(tmp_path, db, capsys, monkeypatch):
    def full(_fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(atomic.os, "fsync", full)
    assert cli.main([str(PROBE), "--output", str(tmp_path / "out"), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "No space left on device" in err and "the disk is full" in err
    assert not list((tmp_path / "out").rglob("*.html"))


def test_atomic_write_leaves_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "page.html"
    atomic.write_text(target, "old")

    def boom(*_a):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(atomic.OutputError):
        atomic.write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


def test_parameter_error_lists_all_problems(db):
    with pytest.raises(ParameterError) as info:
        make_job("mineral_profile", {"minerl": "x", "yaer": 1})
    assert len(info.value.problems) == 2


def test_latest_is_a_symlink_or_a_redirect_page(tmp_path, monkeypatch):
    from rexlib.reports import index
    for day in ("2026-01-01", "2026-01-03", "2026-01-02"):
        (tmp_path / day).mkdir()
        index.write_index(tmp_path / day, "now")
    (tmp_path / "2026-01-04").mkdir()                      # no index yet: not "latest"
    index.update_latest(tmp_path)
    assert (tmp_path / "latest").is_symlink() and (tmp_path / "latest").resolve().name == "2026-01-03"

    def no_symlinks(*_a, **_k):
        raise OSError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(index.os, "symlink", no_symlinks)
    index.update_latest(tmp_path)
    page = (tmp_path / "latest" / "index.html").read_text()
    assert not (tmp_path / "latest").is_symlink()
    assert 'url=../2026-01-03/index.html' in page
    monkeypatch.undo()
    index.update_latest(tmp_path)                          # symlinks work again: back to a link
    assert (tmp_path / "latest").is_symlink()
