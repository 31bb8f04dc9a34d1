"""Skip-when-up-to-date, a changed notebook, --force, an interrupted run, --pdf: on the tiny fixture notebook, so each
render is one short kernel."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import PROBE, PROJECT, browser, descendants, alive, rex_report, statuses, write_plan


@pytest.mark.slow
def test_skip_when_up_to_date_render_again_when_the_notebook_changes_and_force(tmp_path, db):
    """One report, four runs: rendered; up to date (nothing rendered); the notebook edited, so
    rendered again with the edit; --force renders it once more."""
    notebook = tmp_path / "probe.ipynb"
    notebook.write_bytes(PROBE.read_bytes())
    root = tmp_path / "out"
    html = root / "2026-01-06" / "probe" / "mineral=nickel.html"
    args = (notebook, "-p", "mineral=nickel", "--output", root, "--date", "2026-01-06")
    first = rex_report(*args)
    assert first.returncode == 0, first.stderr
    assert "1 ok" in first.stderr
    stamp = html.stat().st_mtime_ns
    again = rex_report(*args)
    assert again.returncode == 0, again.stderr
    assert "1 up-to-date" in again.stderr and html.stat().st_mtime_ns == stamp
    notebook.write_text(notebook.read_text().replace("Probe:", "Probe (edited):"))
    edited = rex_report(*args)
    assert edited.returncode == 0 and "1 ok" in edited.stderr, edited.stderr
    assert "Probe (edited):" in html.read_text()
    stamp = html.stat().st_mtime_ns
    forced = rex_report(*args, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "1 ok" in forced.stderr and html.stat().st_mtime_ns != stamp
    assert statuses(root / "2026-01-06") == {"probe/mineral=nickel": "ok"}


@pytest.mark.slow
def test_interrupted_run_leaves_no_partial_html_and_next_run_completes(tmp_path, db):
    root = tmp_path / "out"
    date_dir = root / "2026-01-07"
    plan = write_plan(tmp_path / "plan.json", [
        {"notebook": str(PROBE), "params": {"sleep": 2.0}, "each": {"mineral": ["cobalt", "lithium", "nickel"]}}])
    cmd = [sys.executable, "-m", "rexlib.cli", "report", "--plan", str(plan), "--output", str(root),
           "--date", "2026-01-07", "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    below: set[int] = set()
    deadline = time.monotonic() + 240
    try:
        # Kill once the first report is written and the second is under way (a kernel is running).
        while time.monotonic() < deadline:
            below |= descendants(proc.pid)
            done = list(date_dir.glob("probe/*.manifest.json")) if date_dir.exists() else []
            if done and any("ipykernel" in _cmdline(p) for p in descendants(proc.pid)):
                break
            assert proc.poll() is None, "the batch ended before it could be interrupted"
            time.sleep(0.2)
        else:
            pytest.fail("the batch did not get going in time")
        below |= descendants(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # The workers and their kernels go away by themselves.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(p) for p in below):
        time.sleep(0.2)
    assert not [p for p in below if alive(p)], "processes outlived the killed batch"

    # Every HTML file present is complete and has its manifest; nothing half-written has an .html name.
    pages = list(date_dir.rglob("*.html"))
    for page in pages:
        assert page.read_text().rstrip().endswith("</html>"), page
        if page.parent != date_dir:
            assert page.with_name(page.name[:-5] + ".manifest.json").exists()
    assert len([p for p in pages if p.parent != date_dir]) < 3

    rerun = subprocess.run(cmd, cwd=PROJECT, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert set(statuses(date_dir).values()) == {"ok"} and len(statuses(date_dir)) == 3
    assert "up-to-date" in rerun.stderr                      # the finished report was kept
    assert not list(root.rglob("*.tmp"))                     # leftovers of the killed run removed


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


@browser
@pytest.mark.browser
def test_pdf_output(tmp_path, db):
    root = tmp_path / "out"
    out = rex_report(PROBE, "-p", "mineral=lithium", "--pdf", "--output", root, "--date", "2026-01-08")
    assert out.returncode == 0, out.stderr
    pdf = root / "2026-01-08" / "probe" / "mineral=lithium.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5_000
    assert 'href="probe/mineral=lithium.pdf"' in (root / "2026-01-08" / "index.html").read_text()
