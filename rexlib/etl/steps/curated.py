"""The hand-curated tables of data/curated/ (deals, agreements, groups, export controls, claims,
intensities): each row cited; a missing file gives an empty table of the declared columns."""
from __future__ import annotations

import pandas as pd

from ..schema import CURATED_TABLES, curated_spec
from rexlib.sources import curated as curated_source
from .context import Context, StepResult


def collect_curated(ctx: Context) -> StepResult:
    tables = {}
    for name in CURATED_TABLES:
        path = ctx.curated_dir / f"{name}.csv"
        if path.exists():
            tables[name] = curated_source.read_curated(path, curated_spec(name))
        else:
            tables[name] = pd.DataFrame({c: pd.Series(dtype="object") for c in curated_spec(name).columns})
    return StepResult(tables)
