"""IEA Critical Minerals Data Explorer (May 2024 workbook): supply by stage and country with its
totals (refining, refining_totals), and demand (sheets 1, 3.1, 3.2, 4.x; issue 16)."""
from __future__ import annotations

from rexlib.etl import corrections
from rexlib.etl.normalise import map_countries
from ..schema import TABLES
from rexlib.sources import iea
from .context import Context, StepResult

WORKBOOK = "iea/IEA_CM_Data_Explorer_May2024.xlsx"


def collect_iea_2024(ctx: Context) -> StepResult:
    path = ctx.raw_dir / WORKBOOK
    supply, totals, issues = iea.read_iea_supply(path)
    supply = supply.assign(source_file=WORKBOOK)
    supply, corrected = corrections.apply_value_corrections("refining", supply)
    issues += corrected
    supply = iea.block_shares(supply, totals)
    supply, labels = map_countries(supply, ctx.iso_path)
    supply["source"] = "IEA (2024), Critical Minerals Data Explorer, sheet " + supply["source_sheet"].astype(str)
    tables = {"refining": supply[list(TABLES["refining"].columns)].reset_index(drop=True),
              "refining_totals": totals[list(TABLES["refining_totals"].columns)].reset_index(drop=True)}
    demand_tables, demand_issues = iea.read_iea_demand(path)
    tables.update(demand_tables)
    return StepResult(tables, issues + demand_issues, labels)
