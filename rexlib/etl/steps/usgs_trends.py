"""USGS MCS2026 industry trends (issue 27): T4 and T5 reconciled with the curated export_controls
and agreements (which this step revises); T6 (end uses), Fig. 13 (scrap) and Fig. 10 (price
growth) as published; T4's country labels joined to country_labels."""
from __future__ import annotations

import pandas as pd

from rexlib.etl import reconcile
from rexlib.etl.normalise import map_countries
from rexlib.sources import usgs_trends
from ..tablespec import PROV, Table
from .context import Context, Step, StepError, StepResult

AS_PUBLISHED = (("usgs_end_uses", usgs_trends.read_t6, usgs_trends.T6_FILE),
                ("usgs_scrap", usgs_trends.read_fig13, usgs_trends.FIG13_FILE),
                ("usgs_price_growth", usgs_trends.read_fig10, usgs_trends.FIG10_FILE))

# USGS MCS2026 industry-trends tables read for issue 27 (rexlib/sources/usgs_trends.py). T4 and T5
# are reconciled into the curated export_controls and agreements (rexlib/etl/reconcile.py; rexlib/etl/steps/curated.py).

TABLES = (
    Table("usgs_end_uses", "USGS MCS2026 Table 6: the primary applications of each mineral of the 2025 U.S. "
          "critical minerals list, as printed (what it is used for).",
          {"mineral_id": "VARCHAR", "label": "VARCHAR", "applications": "VARCHAR", "chapter_note": "VARCHAR", **PROV},
          key=("label",), required=("label", "applications", "source_file", "source_line"),
          mineral_columns=("mineral_id",)),
    Table("usgs_scrap", "USGS MCS2026 Figure 13: the value of U.S. scrap by type (2025, estimated) and the percent "
          "of that value that was domestic, imported and exported.",
          {"mineral_id": "VARCHAR", "label": "VARCHAR", "year": "INTEGER", "flag": "VARCHAR",
           "scrap_value_musd": "DOUBLE", "pct_domestic": "DOUBLE", "pct_imported": "DOUBLE",
           "pct_exported": "DOUBLE", "critical_list": "BOOLEAN", **PROV},
          key=("label", "year"), required=("mineral_id", "label", "year", "scrap_value_musd", "source_line"),
          mineral_columns=("mineral_id",), flag_columns=("flag",)),
    Table("usgs_price_growth", "USGS MCS2026 Figure 10: price growth of critical minerals, 2024-2025 change and "
          "2021-2025 compound annual growth rate, in percent, per price series.",
          {"mineral_id": "VARCHAR", "label": "VARCHAR", "price_series": "VARCHAR", "pct_change_2024_2025": "DOUBLE",
           "cagr_2021_2025_pct": "DOUBLE", "basis": "VARCHAR", "source_file": "VARCHAR", "source_line": "INTEGER"},
          key=("label",), required=("mineral_id", "label", "source_line"),
          allowed={"basis": ("price", "unit value of imports")}, mineral_columns=("mineral_id",)),
)
SPEC = {t.name: t for t in TABLES}


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
        tables[name] = frame[list(SPEC[name].columns)]
    return StepResult(tables, issues, labels)


STEP = Step("usgs_trends", collect_usgs_trends,
            ("export_controls", "agreements", "usgs_end_uses", "usgs_scrap", "usgs_price_growth"),
            needs=("export_controls", "agreements"), revises=("export_controls", "agreements"))
