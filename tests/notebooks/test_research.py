"""The narrated research notebooks (notebooks/research/) run under papermill with their own and with
other parameters, draw their Altair charts, and their prose carries the numbers the cells computed
(IPython Markdown from f-strings): other parameters give other numbers, and the numbers are the
publisher's (a real row of the MCS2026 data release). nbval runs them too (pytest's testpaths
include notebooks/, with --nbval-lax)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import MCS2026, raw_line

papermill = pytest.importorskip("papermill")

RESEARCH = Path(__file__).resolve().parents[2] / "notebooks" / "research"
NOTEBOOKS = sorted(RESEARCH.glob("*.ipynb"))


def _run(name: str, tmp_path, **params):
    out = tmp_path / f"{name}.ipynb"
    return papermill.execute_notebook(str(RESEARCH / f"{name}.ipynb"), str(out), parameters=params,
                                      cwd=str(RESEARCH), kernel_name="python3", progress_bar=False)


def _outputs(nb) -> tuple[list[str], int]:
    """(the prose the cells wrote, the number of charts drawn); fails on any error output."""
    prose, charts = [], 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{out.get('ename')}: {out.get('evalue')}"
            assert "Traceback" not in out.get("text", ""), out["text"][:400]
            data = out.get("data", {})
            if "text/markdown" in data:
                prose.append(data["text/markdown"])
            charts += "image/svg+xml" in data
    return prose, charts


def test_there_are_research_notebooks_with_one_parameters_cell_and_no_outputs():
    import nbformat
    assert len(NOTEBOOKS) >= 3
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), path.name
        assert len([c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]) == 1, path.name
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, f"{path.name} has outputs"
                # the numbers in the text are computed: no prose with literal figures in code cells
                assert "Markdown(\"" not in cell.source and "Markdown('" not in cell.source, path.name


def test_research_notebooks_are_not_apps():
    """Kept out of the Voila app list (the landing page links only the apps)."""
    from rexlib.app.ui import index
    slugs = {slug for slug, *_ in index.APPS}
    assert not slugs & {p.stem for p in NOTEBOOKS}
    assert all(not (RESEARCH.parent / p.name).exists() for p in NOTEBOOKS)


@pytest.mark.slow
def test_gallium_ban_prose_carries_the_publishers_numbers(tmp_path, db):
    prose, charts = _outputs(_run("gallium_export_ban", tmp_path))
    assert charts >= 2 and prose
    text = " ".join(prose)
    # MCS2026 data release, gallium, 2024: China 839,000 kg (line 2551), world total 848,000 kg (line 2555)
    assert '"839,000"' in raw_line(MCS2026, 2551) and ",China," in raw_line(MCS2026, 2551)
    assert '"848,000"' in raw_line(MCS2026, 2555) and "World total" in raw_line(MCS2026, 2555)
    assert "839,000 of 848,000 kilograms" in text
    assert f"**{839_000 / 848_000 * 100:.1f}%** of the world's gallium in 2024" in text


@pytest.mark.slow
def test_gallium_ban_prose_follows_other_parameters(tmp_path, db):
    prose, charts = _outputs(_run("gallium_export_ban", tmp_path, mineral="graphite", stage="mine", year=2023,
                                  ramp_ups=[0, 50]))
    text = " ".join(prose)
    assert charts >= 2 and "world's graphite in 2023" in text and "839,000" not in text
    assert not re.search(r"\bnan\b", text), text


@pytest.mark.slow
@pytest.mark.parametrize("params", [{"supplier": "CAN", "year": 2024, "critical": "2022"}],
                         ids=["canada-2024"])   # with its defaults it runs under nbval
def test_import_dependence_runs_and_writes_its_numbers(params, tmp_path, db):
    prose, charts = _outputs(_run("us_import_dependence", tmp_path, **params))
    text = " ".join(prose)
    assert charts >= 2 and len(prose) == 2
    assert not re.search(r"\bnan\b", text), text
    supplier = params.get("supplier", "CHN")
    assert f"produced by {supplier} or imported from it" in text
    year = params.get("year", 2025)
    assert f"For {year}, USGS gives" in text
    # The count of entirely imported minerals is the one the library's rows give.
    import rexlib
    nir = rexlib.import_reliance(year)
    listed = nir[nir[f"critical_{params.get('critical', '2025')}"].fillna(False).astype(bool)]
    full = listed[(listed["nir_bound"] == "=") & (listed["nir_pct"] >= 100)]["mineral_id"].nunique()
    assert f"**{full}** minerals are entirely imported" in text


@pytest.mark.slow
@pytest.mark.parametrize("params", [{"year": 2022, "critical": "2022", "top": 8}], ids=["2022"])   # defaults: nbval
def test_china_mining_processing_runs(params, tmp_path, db):
    prose, charts = _outputs(_run("china_mining_processing", tmp_path, **params))
    text = " ".join(prose)
    assert charts >= 2 and len(prose) == 2
    assert f"with a USGS world mine total for {params.get('year', 2025)}" in text
    assert not re.search(r"\bnan\b", text), text
