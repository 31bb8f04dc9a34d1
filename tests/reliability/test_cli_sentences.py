"""`rex build` where the database cannot be written (issue 28 item 8): a sentence naming the folder
and what to do, exit code 1, no traceback; found before the sources are read."""
from __future__ import annotations

import time

from rexlib import cli


def test_build_into_a_folder_that_cannot_be_made_is_a_sentence(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")                 # as a read-only tree does, mkdir fails
    monkeypatch.setenv("REX_DATA_DIR", str(blocker / "derived"))
    started = time.monotonic()
    code = cli.main(["build"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILED
    assert f"could not write the database in {blocker / 'derived'}" in err and "REX_DATA_DIR" in err
    assert "Traceback" not in err
    assert time.monotonic() - started < 3             # before reading data/raw (about 8 s)
