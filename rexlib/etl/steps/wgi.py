"""World Bank Worldwide Governance Indicators (2023 update)."""
from __future__ import annotations

from rexlib.sources import wgi
from ..tablespec import Table
from .context import Context, Step, StepResult

WGI_FILE = "wgi/WGIData.csv"

# The tables this step makes (rexlib/etl/schema.py gathers them; descriptions and units: metadata/fields.yml).
TABLES = (
    Table("governance", "World Bank Worldwide Governance Indicators (2023 update), estimates.",
          {"iso3": "VARCHAR", "indicator": "VARCHAR", "indicator_name": "VARCHAR", "year": "INTEGER",
           "value": "DOUBLE"},
          key=("iso3", "indicator", "year")),
)
SPEC = {t.name: t for t in TABLES}


def collect_wgi(ctx: Context) -> StepResult:
    gov, issues = wgi.read_wgi(ctx.raw_dir / WGI_FILE)
    return StepResult({"governance": gov[list(SPEC["governance"].columns)].reset_index(drop=True)}, issues)


STEP = Step("wgi", collect_wgi, ("governance",))
