"""docs/data_dictionary.md is generated from the declarations and cannot go stale."""
import subprocess
import sys

import pytest

from rexlib.etl.dictionary import dictionary_frame, markdown
from rexlib.etl.schema import declared_tables
from rexlib.core.validate import InvalidArgument
from tests.conftest import PROJECT

DOC = PROJECT / "docs" / "data_dictionary.md"
REGENERATE = "python -m rexlib.etl.dictionary > docs/data_dictionary.md"


def test_committed_data_dictionary_is_the_generated_one():
    assert DOC.read_text(encoding="utf-8") == markdown(), f"docs/data_dictionary.md is stale: run `{REGENERATE}`"


def test_the_module_prints_the_page():
    out = subprocess.run([sys.executable, "-m", "rexlib.etl.dictionary"], capture_output=True, text=True,
                         encoding="utf-8", cwd=PROJECT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == markdown()


def test_every_table_and_column_is_on_the_page():
    page = markdown()
    for name, spec in declared_tables().items():
        section = page.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for column in spec.columns:
            assert f"| `{column}` |" in section, (name, column)


def test_dictionary_frame_is_what_the_explore_app_shows():
    frame = dictionary_frame("import_sources")
    assert list(frame.columns) == ["Column", "Type", "Key", "Unit", "Description"]
    rows = frame.set_index("Column")
    assert rows.at["country", "Key"] == "yes" and rows.at["share_pct", "Key"] == ""
    assert rows.at["share_pct", "Unit"] == "percent (0-100)" and "U.S. imports" in rows.at["share_pct", "Description"]
    with pytest.raises(InvalidArgument, match="unknown table"):
        dictionary_frame("no_such_table")
