"""Plan files that name something other than a notebook, and what a killed run leaves behind
(issue 20 item 7)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import PROBE, PROJECT, alive, descendants, rex_report, rex_report_refused, write_plan

SECRET = "rex-test-secret-line-7f3a"


@pytest.mark.parametrize("name", ["secret.txt", "secret.ipynb", "secret.yml"])
def test_plan_naming_a_non_notebook_exits_2_without_quoting_it(tmp_path, name):
    """Before: nbformat's NotJSONError traceback, quoting the start of the file (exit 1); a plan naming
    /etc/passwd printed its first line."""
    target = tmp_path / name
    target.write_text(f"{SECRET}: not a notebook\nsecond line\n")
    plan = write_plan(tmp_path / "plan.json", [{"notebook": str(target)}])
    out = rex_report_refused("--plan", plan, "--output", tmp_path / "out")
    assert out.returncode == 2, out.stderr
    assert "is not a notebook" in out.stderr or "is not a Jupyter notebook" in out.stderr
    assert SECRET not in out.stderr + out.stdout and "Traceback" not in out.stderr
    assert not (tmp_path / "out").exists()


def test_plan_naming_a_file_outside_the_notebooks_folder(tmp_path):
    out = rex_report_refused("--plan", write_plan(tmp_path / "plan.json", [{"notebook": "../../../../../../etc/passwd"}]),
                     "--output", tmp_path / "out")
    assert out.returncode == 2 and "is not a notebook" in out.stderr
    assert "root:" not in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("entry, phrase", [
    ({"notebook": 3}, "'notebook' must be"),
    ({"notebook": "mineral_profile", "each": {"mineral": "cobalt"}}, "'each' must be"),
    ({"notebook": "mineral_profile", "params": ["mineral", "cobalt"]}, "'params' must be"),
    ({"notebook": "mineral_profile", "all": "yes"}, "'all' must be"),
])
def test_plan_entries_of_the_wrong_shape_exit_2(tmp_path, entry, phrase, db):
    out = rex_report_refused("--plan", write_plan(tmp_path / "plan.json", [entry]), "--output", tmp_path / "out")
    assert out.returncode == 2 and phrase in out.stderr and "Traceback" not in out.stderr


def _connection_files(folder: Path) -> list[Path]:
    found = []
    for path in folder.rglob("*.json"):
        try:
            if json.loads(path.read_text()).get("kernel_name") == "rex-report-python":
                found.append(path)
        except (OSError, ValueError):
            pass
    return found


def _leftovers(tmp: Path, runtime: Path) -> list[Path]:
    return ([p for p in tmp.iterdir() if p.name.startswith(("rex-kernels-", "rex-report-logs-"))]
            + _connection_files(runtime) + _connection_files(tmp))


@pytest.mark.slow
def test_the_next_run_removes_what_a_killed_run_left(tmp_path, db):
    """Before: SIGKILL (or SIGTERM) of ``rex report`` left /tmp/rex-kernels-*, /tmp/rex-report-logs-*
    and the kernels' connection files for good. Now the next run removes them."""
    tmp, runtime = tmp_path / "tmp", tmp_path / "runtime"
    tmp.mkdir()
    runtime.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "JUPYTER_RUNTIME_DIR": str(runtime)}
    plan = write_plan(tmp_path / "plan.json", [{"notebook": str(PROBE), "params": {"sleep": 30.0}}])
    proc = subprocess.Popen([sys.executable, "-m", "rexlib.cli", "report", "--plan", str(plan), "--output",
                             str(tmp_path / "out"), "--date", "2026-01-09", "--workers", "1"],
                            cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    below: set[int] = set()
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            below |= descendants(proc.pid)
            if _connection_files(tmp_path):          # a kernel is running
                break
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.2)
        else:
            pytest.fail("no kernel started in time")
        # the whole tree at once (as a container stop or the OOM killer does): nothing gets to clean up,
        # so what is left does not depend on how fast a loaded machine lets a worker notice
        below |= descendants(proc.pid)
        for pid in [proc.pid, *below]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(alive(p) for p in below):
        time.sleep(0.2)
    left = _leftovers(tmp, runtime)
    assert left, "the killed run left nothing: the test would show nothing"
    out = rex_report(PROBE, "-p", "mineral=lithium", "--output", tmp_path / "out", "--date", "2026-01-09",
                     env=env)
    assert out.returncode == 0, out.stderr
    assert _leftovers(tmp, runtime) == [], _leftovers(tmp, runtime)
