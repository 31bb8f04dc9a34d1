"""The build's step registry (rexlib/etl/steps/__init__.py): a registered step adds its tables, a
missing dependency fails naming it, steps run after what they need, and a supply source declared
in series.yml stage_families + the registry gets its rows in supply_shares (issue 29)."""
from __future__ import annotations

import copy

import pandas as pd
import pytest

from rexlib.etl import schema, series, steps
from rexlib.etl.steps import Step, StepError, StepResult, Supply
from rexlib.query.warehouse import query
from tests.conftest import RAW, raw_line

CRITICAL_2022 = RAW / "reference" / "usgs_critical_minerals_2022.csv"


def collect_critical_2022(ctx: steps.Context) -> StepResult:
    """A new source as a maintainer would add it: read a raw file, return its table and an issue."""
    frame = pd.read_csv(ctx.raw_dir / "reference" / "usgs_critical_minerals_2022.csv", dtype=str,
                        keep_default_na=False)
    issues = [dict(file="reference/usgs_critical_minerals_2022.csv", line="1", column="group", raw_value="",
                   action="kept", reason="empty group means no group")]
    return StepResult({"critical_2022": frame}, issues)


def collect_group_counts(ctx: steps.Context) -> StepResult:
    frame = ctx.need("critical_2022")
    return StepResult({"group_counts": frame.groupby("group").size().rename("n").reset_index()})


def _never(ctx):
    raise AssertionError("a step of a refused registry ran")


def test_a_registered_step_adds_its_table_and_its_issues(tmp_path):
    registry = (Step("critical_2022", collect_critical_2022, ("critical_2022",)),)
    tables, issues = steps.run(RAW, tmp_path, registry)
    assert list(tables) == ["critical_2022"]
    # usgs_critical_minerals_2022.csv line 8: "cerium,rare earth (lanthanide)"
    assert raw_line(CRITICAL_2022, 8).strip() == "cerium,rare earth (lanthanide)"
    row = tables["critical_2022"].set_index("mineral").loc["cerium"]
    assert row["group"] == "rare earth (lanthanide)"
    assert len(tables["critical_2022"]) == sum(1 for _ in open(CRITICAL_2022)) - 1
    assert issues[0]["reason"] == "empty group means no group"


def test_steps_run_after_the_steps_making_what_they_need(tmp_path):
    # listed consumer first: the registry order is moved to respect `needs`
    registry = (Step("group_counts", collect_group_counts, ("group_counts",), needs=("critical_2022",)),
                Step("critical_2022", collect_critical_2022, ("critical_2022",)))
    assert [s.source for s in steps.ordered(registry)] == ["critical_2022", "group_counts"]
    tables, _ = steps.run(RAW, tmp_path, registry)
    counts = tables["group_counts"].set_index("group")["n"]
    assert counts["rare earth (lanthanide)"] == (tables["critical_2022"]["group"] == "rare earth (lanthanide)").sum() > 0


def test_a_needed_table_no_step_makes_fails_naming_it(tmp_path):
    registry = (Step("group_counts", _never, ("group_counts",), needs=("critical_2022",)),)
    with pytest.raises(StepError, match=r"step 'group_counts' needs table 'critical_2022', which no step produces"):
        steps.run(RAW, tmp_path, registry)


def test_a_cycle_and_a_table_made_twice_are_refused():
    cycle = (Step("a", _never, ("ta",), needs=("tb",)), Step("b", _never, ("tb",), needs=("ta",)))
    with pytest.raises(StepError, match="cycle"):
        steps.ordered(cycle)
    twice = (Step("a", _never, ("t",)), Step("b", _never, ("t",)))
    with pytest.raises(StepError, match="produced by two steps, 'a' and 'b'.*revises"):
        steps.ordered(twice)


def test_a_step_returning_other_tables_than_it_declares_fails(tmp_path):
    registry = (Step("critical_2022", collect_critical_2022, ("critical_2022", "critical_extra")),)
    with pytest.raises(StepError, match=r"'critical_2022' returned tables \['critical_2022'\], but declares"):
        steps.run(RAW, tmp_path, registry)


def test_the_registry_makes_every_table_of_the_schema_once_in_a_valid_order():
    made = {t for step in steps.REGISTRY for t in step.produces}
    built_later = set(schema.DERIVED_TABLES) | {"quality_issues", "publisher_checks"}
    assert made == set(schema.TABLES) - built_later
    order = [s.source for s in steps.ordered()]
    assert order.index("curated") < order.index("usgs_trends")     # T4/T5 revise the curated tables
    assert order[-1] == "reference"                                 # gathers every step's country labels


def test_the_supply_sources_are_those_series_yml_declares():
    declared = {src for fam in series.stage_families().values() for src in fam["stages"]}
    assert steps.supply_sources() == declared == {"usgs", "iea", "eu_crm"}


def test_a_source_declared_in_stage_families_and_the_registry_gets_supply_rows(db, monkeypatch):
    """A second world-production source ("bgs", here fed USGS's own lithium rows) declared in
    series.yml stage_families and supplied through the registry appears in supply_shares with the
    same shares; series.py itself is not touched."""
    read = lambda name: query(f"SELECT * FROM \"{name}\" WHERE mineral_id = 'lithium' ORDER BY rowid")
    latest = read("production_latest")
    decl = copy.deepcopy(series.rules())
    decl["stage_families"]["mining"]["stages"]["bgs"] = ["mine"]
    decl["stage_families"]["mining"]["order"].append("bgs")
    decl["provenance"]["bgs"] = "official: British Geological Survey, World Mineral Production"
    monkeypatch.setattr(series, "rules", lambda: decl)
    registry = steps.REGISTRY + (Step("bgs", _never, ("bgs_production",),
                                      supplies=(Supply("bgs", "world_series", lambda r, d: d["bgs_latest"]),)),)
    supplies = steps.supply_frames(read, {"production_latest": latest, "bgs_latest": latest}, registry)
    out = series.supply_shares_table(supplies)
    mining = out[(out["mineral_id"] == "lithium") & (out["stage_family"] == "mining")]
    usgs = mining[mining["source"] == "usgs"].set_index("country")["share_pct"]
    bgs = mining[mining["source"] == "bgs"].set_index("country")["share_pct"]
    assert len(bgs) == len(usgs) > 5
    pd.testing.assert_series_equal(bgs.sort_index(), usgs.sort_index())
    assert set(mining[mining["source"] == "bgs"]["source_label"].str[:26]) == {"British Geological Survey,"}
    assert not mining[mining["source"] == "bgs"]["is_best"].any()     # last in the declared order
    # declared in series.yml but supplied by no step: a clear error, not silently no rows
    del supplies["bgs"]
    with pytest.raises(series.SeriesRuleError, match=r"source 'bgs' is supplied by no build step"):
        series.supply_shares_table(supplies)
