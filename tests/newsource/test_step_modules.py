"""A new source is one step module (issue 29): a module of the steps package that declares ``TABLES``
and ``STEP`` is registered (no list to edit), its tables join the catalogue the build validates,
writes and counts, and a malformed module fails naming the file and the fix. The step modules here
are written to a temporary package, as a new maintainer would write rexlib/etl/steps/<source>.py, and
read a real raw file (data/raw/reference/usgs_critical_minerals_2022.csv)."""
from __future__ import annotations

import textwrap

import pytest

from rexlib.etl import schema, steps
from rexlib.etl.row_counts import row_count_problems, write_generated, write_row_counts
from rexlib.etl.steps import StepError
from rexlib.etl.tablespec import world_table
from tests.conftest import RAW, raw_line

CRITICAL_2022 = RAW / "reference" / "usgs_critical_minerals_2022.csv"

# A step module as docs/architecture.md's recipe writes one: collect, TABLES, STEP.
CRITICAL_STEP = '''
    import pandas as pd

    from rexlib.etl.steps.context import Context, Step, StepResult
    from rexlib.etl.tablespec import Table

    FILE = "reference/usgs_critical_minerals_2022.csv"
    TABLES = (Table("critical_2022", "The USGS 2022 list of critical minerals, as published.",
                    {"mineral": "VARCHAR", "group": "VARCHAR"}, key=("mineral",), required=("mineral",)),)


    def collect_critical_2022(ctx: Context) -> StepResult:
        frame = pd.read_csv(ctx.raw_dir / FILE, dtype=str, keep_default_na=False)
        return StepResult({"critical_2022": frame[list(TABLES[0].columns)]})


    STEP = Step("critical_2022", collect_critical_2022, produces=("critical_2022",))
'''
# A second one reading the first's table (declared in `needs`): its module name sorts first.
GROUPS_STEP = '''
    from rexlib.etl.steps.context import Context, Step, StepResult
    from rexlib.etl.tablespec import Table

    TABLES = (Table("critical_groups", "Minerals per group of the 2022 list.",
                    {"group": "VARCHAR", "n": "INTEGER"}, key=("group",)),)


    def collect_a_groups(ctx: Context) -> StepResult:
        frame = ctx.need("critical_2022")
        return StepResult({"critical_groups": frame.groupby("group").size().rename("n").reset_index()})


    STEP = Step("a_groups", collect_a_groups, ("critical_groups",), needs=("critical_2022",))
'''


def _package(tmp_path, monkeypatch, modules: dict[str, str]) -> str:
    """A steps package in tmp_path holding ``modules`` (name -> source); returns its import name."""
    name = f"steps_{tmp_path.name.replace('-', '_')}"
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    for module, text in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(text))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_a_step_module_is_registered_and_its_table_is_validated_and_counted(tmp_path, monkeypatch):
    registry = steps.discover(_package(tmp_path, monkeypatch, {"critical_2022": CRITICAL_STEP}))
    assert [s.source for s in registry] == ["critical_2022"]
    catalogue = schema.catalogue(registry)
    assert catalogue["critical_2022"] is registry[0].tables[0]
    tables, _ = steps.run(RAW, tmp_path, registry)
    frame = tables["critical_2022"]
    # usgs_critical_minerals_2022.csv line 8: "cerium,rare earth (lanthanide)"; 50 minerals (51 lines)
    assert raw_line(CRITICAL_2022, 8).strip() == "cerium,rare earth (lanthanide)"
    assert frame.set_index("mineral").loc["cerium", "group"] == "rare earth (lanthanide)"
    assert schema.validate("critical_2022", frame, tables=catalogue) == []
    doubled = frame.iloc[[0, 0]]                       # aluminum twice: its declared key is refused
    assert "rows share a key ('mineral',)" in schema.validate("critical_2022", doubled, tables=catalogue)[0]
    # counted: a build refuses the table until its count is declared, naming the command
    counts = tmp_path / "row_counts.csv"
    counts.write_text("table,vintage,rows\n")
    problems = row_count_problems(tables, counts)
    assert problems[0] == "critical_2022: 50 rows built, none declared in row_counts.csv"
    assert "run `rex build --write-row-counts`" in problems[-1]
    write_row_counts(tables, counts)
    assert counts.read_text() == "table,vintage,rows\ncritical_2022,,50\n"
    assert row_count_problems(tables, counts) == []


def test_steps_run_in_module_name_order_after_what_they_need(tmp_path, monkeypatch):
    package = _package(tmp_path, monkeypatch, {"critical_2022": CRITICAL_STEP, "a_groups": GROUPS_STEP})
    registry = steps.discover(package)
    assert [s.source for s in registry] == ["a_groups", "critical_2022"]         # by module name
    assert [s.source for s in steps.ordered(registry)] == ["critical_2022", "a_groups"]   # `needs` first
    assert [s.source for s in steps.discover(package)] == ["a_groups", "critical_2022"]  # the same each time
    tables, _ = steps.run(RAW, tmp_path, registry)
    assert dict(zip(tables["critical_groups"]["group"], tables["critical_groups"]["n"]))["rare earth (lanthanide)"] == \
        (tables["critical_2022"]["group"] == "rare earth (lanthanide)").sum() > 0
    assert list(schema.catalogue(registry))[:2] == ["critical_2022", "critical_groups"]   # run order


def test_the_registry_is_the_step_modules_and_the_catalogue_their_tables():
    from rexlib.etl.steps import curated, reference, usgs_world
    assert [s.source for s in steps.REGISTRY] == sorted(s.source for s in steps.REGISTRY)
    assert [s.source for s in steps.ordered()][-1] == "reference"         # gathers every step's labels
    assert steps.REGISTRY == steps.discover()
    assert [schema.TABLES[n] for n in ("production", "reserves", "capacity")] == list(usgs_world.TABLES)
    assert schema.TABLES["minerals"] is reference.TABLES[0]
    assert schema.CURATED_TABLES == curated.CURATED_TABLES
    # every step table in the catalogue comes from its own module; the catalogue keeps them in run order
    run_order = [t for s in steps.ordered() for t in s.produces if t not in s.revises]
    assert list(schema.TABLES)[:len(run_order)] == run_order


def test_write_generated_writes_the_row_counts_and_the_data_dictionary(tmp_path, monkeypatch):
    from rexlib.etl.dictionary import markdown
    tables, _ = steps.run(RAW, tmp_path, steps.discover(_package(tmp_path, monkeypatch,
                                                                  {"critical_2022": CRITICAL_STEP})))
    (tmp_path / "docs").mkdir()
    page = tmp_path / "docs" / "architecture.md"
    page.write_text("# Layout\n\n<!-- tree: generated -->\nstale\n<!-- /tree -->\n\nThe rest.\n")
    written = write_generated(tables, tmp_path / "row_counts.csv", tmp_path / "docs" / "data_dictionary.md", page)
    assert [p.name for p in written] == ["row_counts.csv", "data_dictionary.md", "architecture.md"]
    from rexlib.core.layers import tree_markdown
    assert page.read_text() == f"# Layout\n\n<!-- tree: generated -->\n{tree_markdown()}\n<!-- /tree -->\n\nThe rest.\n"
    assert (tmp_path / "docs" / "data_dictionary.md").read_text() == markdown()
    assert "critical_2022,,50" in (tmp_path / "row_counts.csv").read_text()


def _never(ctx):
    raise AssertionError("a refused step ran")


def test_a_table_produced_but_not_declared_or_declared_but_not_produced_fails_naming_the_module():
    with pytest.raises(StepError, match=r"step 'bgs' produces table 'bgs_production', which no declaration "
                                        r"describes: declare it in rexlib/etl/steps/bgs.py, e.g. TABLES = \(world_table"):
        schema.catalogue((steps.Step("bgs", _never, ("bgs_production",)),))
    extra = schema.Table("bgs_reserves", "not produced", {"x": "VARCHAR"})
    with pytest.raises(StepError, match=r"step 'bgs' declares table 'bgs_reserves' in its TABLES but does not "
                                        r"produce it: add it to its STEP's `produces` \(rexlib/etl/steps/bgs.py\)"):
        schema.catalogue((steps.Step("bgs", _never, ("bgs_production",),
                                     tables=(world_table("bgs_production", "BGS"), extra)),))
    with pytest.raises(StepError, match="table 'quality_issues' is declared twice"):
        schema.catalogue((steps.Step("bgs", _never, ("quality_issues",), tables=(schema.TABLES["quality_issues"],)),))


@pytest.mark.parametrize("text, message", [
    (CRITICAL_STEP.replace('STEP = Step("critical_2022", collect_critical_2022, produces=("critical_2022",))', ""),
     r"critical_2022.py defines collect_critical_2022 but no STEP: add STEP = Step\('critical_2022', "
     r"collect_critical_2022, produces=\(<its tables>,\)\)"),
    (CRITICAL_STEP.replace('Step("critical_2022", collect', 'Step("usgs_critical", collect'),
     r"critical_2022.py: STEP's source is 'usgs_critical'; a step is named after its module: use 'critical_2022'"),
    (CRITICAL_STEP.replace('produces=("critical_2022",)', 'produces=("critical_2022")'),
     r"critical_2022.py: STEP's `produces` must be a tuple of table names.*got 'critical_2022'"),
    (CRITICAL_STEP.replace('STEP = Step("critical_2022", collect_critical_2022, produces=("critical_2022",))',
                           'STEP = ("critical_2022", collect_critical_2022)'),
     r"critical_2022.py: STEP must be a rexlib.etl.steps.Step, not tuple"),
    (CRITICAL_STEP.replace("TABLES = (Table(", "TABLES = [Table(").replace("required=(\"mineral\",)),)",
                                                                           "required=(\"mineral\",))]"),
     r"critical_2022.py: TABLES must be a tuple of rexlib.etl.tablespec.Table"),
], ids=["no STEP", "source is not the module", "produces a string", "STEP not a Step", "TABLES a list"])
def test_a_malformed_step_module_fails_naming_the_file_and_the_fix(tmp_path, monkeypatch, text, message):
    assert text != CRITICAL_STEP
    with pytest.raises(StepError, match=message):
        steps.discover(_package(tmp_path, monkeypatch, {"critical_2022": text}))
