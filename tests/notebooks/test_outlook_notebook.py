"""notebooks/outlook.ipynb under papermill, as tests/notebooks/test_notebooks.py runs the others:
non-default parameters reach the app, charts are drawn, no error; a bad parameter is friendly.
(nbval runs the committed notebook through pytest's --nbval-lax; see pyproject.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from .test_notebooks import ERROR_BOX, _html_outputs

papermill = pytest.importorskip("papermill")
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "outlook.ipynb"

CASES = [   # (parameters, charts drawn at least)
    ({"mineral": "nickel", "scenario": "NZE", "year": 2050, "end_use": "electric_vehicles", "supplier": "IDN"}, 8),
    ({"mineral": "gallium", "scenario": "APS", "year": 2040}, 4),              # clean technologies only
    ({"view": "overview", "scenario": "APS", "year": 2030}, 3),
]


def _run(tmp_path, params):
    out = tmp_path / "outlook.ipynb"
    nb = papermill.execute_notebook(str(NOTEBOOK), str(out), parameters=params, cwd=str(NOTEBOOK.parent),
                                    kernel_name="python3", progress_bar=False)
    return _html_outputs(nb)


@pytest.mark.slow
@pytest.mark.parametrize("params,charts", CASES, ids=["-".join(map(str, p.values())) for p, _ in CASES])
def test_outlook_notebook_runs(params, charts, tmp_path, db):
    html = _run(tmp_path, params)
    assert ERROR_BOX not in html, re.search(r'rex-msg-error">([^<]*)', html).group(1)
    assert len(re.findall(r'<svg[^>]*class="marks"', html)) >= charts
    assert re.search(r'class="mark-(rect|symbol|line|shape|rule|text|area)', html)
    assert html.count("Source:") >= 3 and "data:text/csv;base64," in html
    for key in ("scenario", "year"):
        assert f"{key}={params[key]}" in html
    if "mineral" in params:
        assert f"mineral={params['mineral']}" in html


@pytest.mark.slow
def test_bad_parameter_is_friendly(tmp_path, db):
    html = _run(tmp_path, {"mineral": "unobtainium"})
    assert ERROR_BOX in html and "Valid mineral values" in html and "lithium" in html
    assert "Traceback" not in html and re.search(r'<svg[^>]*class="marks"', html)
