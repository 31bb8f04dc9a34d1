"""World Bank Worldwide Governance Indicators (2023 update)."""
from __future__ import annotations

from ..schema import TABLES
from rexlib.sources import wgi
from .context import Context, StepResult

WGI_FILE = "wgi/WGIData.csv"


def collect_wgi(ctx: Context) -> StepResult:
    gov, issues = wgi.read_wgi(ctx.raw_dir / WGI_FILE)
    return StepResult({"governance": gov[list(TABLES["governance"].columns)].reset_index(drop=True)}, issues)
