"""USGS world production, reserves and capacity: MCS2026 commodities file + the legacy world files
(MCS2023-MCS2025), corrected, labelled, mapped to countries, aligned and de-duplicated."""
from __future__ import annotations

import pandas as pd

from rexlib.etl import corrections, series
from rexlib.etl.normalise import align_measures, map_countries, normalise_units
from rexlib.core.ids import MINERALS
from rexlib.sources import usgs_world_legacy
from ..tablespec import world_table
from .context import Context, Step, StepResult, Supply
from .shared import mcs2026

RECORDS = ("production", "reserves", "capacity")

# The tables this step makes (rexlib/etl/schema.py gathers them; descriptions and units: metadata/fields.yml).
TABLES = (
    world_table("production", "World production by country (USGS MCS2023-MCS2026), one row per vintage."),
    world_table("reserves", "World reserves by country (USGS MCS2023-MCS2026)."),
    world_table("capacity", "World production capacity by country (USGS MCS2025-MCS2026)."),
)
SPEC = {t.name: t for t in TABLES}


def collect_usgs_world(ctx: Context) -> StepResult:
    issues: list[dict] = []
    mcs = mcs2026(ctx)
    legacy, legacy_issues = usgs_world_legacy.read_legacy_world(ctx.raw_dir / "usgs")
    issues += legacy_issues
    legacy = legacy.copy()
    legacy["source_file"] = "usgs/" + legacy["source_file"].astype(str)

    world = pd.concat([mcs["world"], legacy], ignore_index=True)
    # Publisher errors (rexlib/metadata/corrections.yml), on the rows as read, before any rule.
    for record in RECORDS:
        world, corrected = corrections.apply_value_corrections(record, world, scope={"record_type": record})
        issues += corrected
    unlabelled = world["measure"].isna() | (world["measure"].astype(str).str.strip() == "")
    for row in world[unlabelled].itertuples():
        issues.append(dict(file=row.source_file, line=str(row.source_line), column="Type", raw_value="",
                           action="measure set to 'Production (unlabelled)'",
                           reason="the file gives no measure label for this row"))
    world.loc[unlabelled, "measure"] = "Production (unlabelled)"
    world = world[world["mineral_id"].isin(MINERALS)]
    world, labels = map_countries(world, ctx.iso_path)
    world = series.apply_stage_aliases(world)
    world = align_measures(world, issues)
    world = normalise_units(world, issues)
    world["qualifier"] = world["qualifier"].fillna("")
    world["value_text"] = world["value_text"].fillna("") if "value_text" in world else ""
    cols = list(SPEC["production"].columns)
    tables: dict[str, pd.DataFrame] = {}
    for record in RECORDS:
        part = world[world["record_type"] == record]
        tables[record] = dedupe_world(part[cols].reset_index(drop=True), issues, record)
    series.check_primary_stages(tables["production"])
    return StepResult(tables, issues, labels)


def dedupe_world(frame: pd.DataFrame, issues: list[dict], record: str) -> pd.DataFrame:
    """Rule: a key seen twice in one vintage (a country listed under two qualifiers that normalise
    alike) keeps the first published row; the others are logged, never silently merged."""
    key = list(SPEC[record].key)
    dup = frame.duplicated(key, keep="first")
    for row in frame[dup].itertuples():
        issues.append(dict(file=row.source_file, line=str(row.source_line), column="(key)",
                           raw_value=f"{row.mineral_id}/{row.stage}/{row.measure}/{row.country}/{row.year}",
                           action="row not loaded (duplicate key; first row kept)",
                           reason=f"duplicate {record} key in vintage {row.vintage}"))
    return frame[~dup].reset_index(drop=True)


STEP = Step("usgs_world", collect_usgs_world, ("production", "reserves", "capacity"),
            supplies=(Supply("usgs", "world_series", lambda read, derived: derived["production_latest"]),))
