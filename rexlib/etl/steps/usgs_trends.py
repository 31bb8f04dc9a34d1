"""USGS MCS2026 industry trends (issue 27): T4 and T5 reconciled with the curated export_controls
and agreements (which this step revises); T6 (end uses), Fig. 13 (scrap) and Fig. 10 (price
growth) as published; T4's country labels joined to country_labels."""
from __future__ import annotations

import pandas as pd

from rexlib.etl import reconcile
from rexlib.etl.normalise import map_countries
from ..schema import TABLES
from rexlib.sources import usgs_trends
from .context import Context, StepError, StepResult

AS_PUBLISHED = (("usgs_end_uses", usgs_trends.read_t6, usgs_trends.T6_FILE),
                ("usgs_scrap", usgs_trends.read_fig13, usgs_trends.FIG13_FILE),
                ("usgs_price_growth", usgs_trends.read_fig10, usgs_trends.FIG10_FILE))


def collect_usgs_trends(ctx: Context) -> StepResult:
    issues: list[dict] = []
    tables: dict[str, pd.DataFrame] = {}
    try:
        t4, more = usgs_trends.read_t4(ctx.raw_dir / usgs_trends.T4_FILE)
        issues += more
        t4, labels = map_countries(t4, ctx.iso_path)
        t5, more = usgs_trends.read_t5(ctx.raw_dir / usgs_trends.T5_FILE)
        issues += more
        matches = pd.read_csv(usgs_trends.T5_MATCHES, dtype=str, keep_default_na=False)
        tables["export_controls"] = reconcile.export_controls(ctx.need("export_controls"), t4)
        tables["agreements"] = reconcile.agreements(ctx.need("agreements"), t5, matches)
    except (usgs_trends.TrendsError, reconcile.ReconcileError) as exc:
        raise StepError(str(exc)) from exc
    for name, reader, rel in AS_PUBLISHED:
        frame, more = reader(ctx.raw_dir / rel)
        issues += more
        tables[name] = frame[list(TABLES[name].columns)]
    return StepResult(tables, issues, labels)
