"""Every app notebook runs under papermill with non-default parameters, draws its charts (inline
SVG from vl-convert) and shows no error: no error output, no friendly-error box, no traceback."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

papermill = pytest.importorskip("papermill")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
ERROR_BOX = '<div class="rex-msg rex-msg-error">'

# One papermill run per app notebook, with non-default parameters: what papermill proves is that the
# notebook takes its parameters and runs headless (nbval runs each with its defaults; Voila in the
# browser tests). The data's edge cases of an app are rendered in process (EDGE_CASES below).
CASES = [
    ("mineral_profile", {"mineral": "gallium", "stage": "refinery", "year": 2024}),     # China-dominated
    ("import_reliance", {"year": 2022, "critical": "2022", "group": "all", "mineral": "cobalt"}),
    ("chokepoints", {"stage": "refinery", "year": 2024, "critical": "2025", "top": 15}),
    ("financing", {"by": "mineral", "agency": "DFC"}),
    ("scenario", {"mineral": "cobalt", "supplier": "COD", "cut_pct": 50, "ramp_up_pct": 20,
                  "group": "forge_members"}),
    ("claims", {"verdict": "differs", "topic": "all"}),
    ("explore", {"table": "deals", "example": "deals_by_agency"}),
]

# The views whose data is unusual, drawn by the app code the notebooks call (App.render), in process.
EDGE_CASES = [
    ("mineral_profile", {"mineral": "germanium", "stage": "refinery", "year": 2023}),   # every value withheld/NA
    ("mineral_profile", {"mineral": "antimony", "stage": "mine", "year": 2022}),        # no IEA refining data
    ("mineral_profile", {"mineral": "lithium", "stage": "mine", "year": 2024}),         # IEA mining + chemicals
    ("mineral_profile", {"mineral": "hafnium", "year": 2024}),                          # no world production table
    ("import_reliance", {"year": 2024, "critical": "all", "table_source": "figure", "mineral": "graphite"}),
    ("scenario", {"preset": "X003:graphite"}),
]


def _html_outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                raise AssertionError(f"error output: {out.get('ename')}: {out.get('evalue')}")
            if out.get("name") == "stderr" and "Traceback" in out.get("text", ""):
                raise AssertionError(f"traceback on stderr: {out['text'][:500]}")
            data = out.get("data", {})
            parts.append(data.get("text/html", "") if isinstance(data.get("text/html", ""), str)
                         else "".join(data.get("text/html", "")))
    return "".join(parts)


def _assert_drawn(html: str) -> None:
    assert ERROR_BOX not in html, re.search(r'rex-msg-error">([^<]*)', html).group(1)
    assert re.search(r'<svg[^>]*class="marks"', html), "no chart drawn"
    assert re.search(r'class="mark-(rect|symbol|line|shape|rule|text)', html), "charts have no marks"
    assert "Source:" in html, "charts must carry a source line"


@pytest.mark.slow
@pytest.mark.parametrize("name,params", CASES, ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in CASES])
def test_notebook_runs_with_parameters(name, params, tmp_path, db):
    out = tmp_path / f"{name}.ipynb"
    nb = papermill.execute_notebook(str(NOTEBOOKS / f"{name}.ipynb"), str(out), parameters=params,
                                    cwd=str(NOTEBOOKS), kernel_name="python3", progress_bar=False)
    html = _html_outputs(nb)
    _assert_drawn(html)
    assert "data:text/csv;base64," in html, "tables must offer a CSV download"
    # Parameters reached the app: the source line names them.
    for key, value in params.items():
        if key in ("mineral", "stage", "year", "agency", "by", "verdict", "table") and value != "all":
            assert f"{key}={value}" in html or str(value) in html


@pytest.mark.parametrize("name,params", EDGE_CASES, ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in EDGE_CASES])
def test_app_draws_the_unusual_views(name, params, db):
    import importlib
    app = importlib.import_module(f"rexlib.app.ui.{name}").app(**params)
    html = "".join(app.render())
    _assert_drawn(html)
    assert "Traceback" not in html


@pytest.mark.slow
def test_invalid_parameter_gives_friendly_message(tmp_path, db):
    out = tmp_path / "bad.ipynb"
    nb = papermill.execute_notebook(str(NOTEBOOKS / "mineral_profile.ipynb"), str(out),
                                    parameters={"mineral": "unobtainium"}, cwd=str(NOTEBOOKS),
                                    kernel_name="python3", progress_bar=False)
    html = _html_outputs(nb)
    assert ERROR_BOX in html and "Valid mineral values" in html and "cobalt" in html
    assert "Traceback" not in html
    assert re.search(r'<svg[^>]*class="marks"', html), "the app still draws its default view"


def test_notebooks_are_committed_without_outputs():
    import nbformat
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: one cell tagged 'parameters'"
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs"
