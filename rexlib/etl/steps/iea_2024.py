"""IEA Critical Minerals Data Explorer (May 2024 workbook): supply by stage and country with its
totals (refining, refining_totals), and demand (sheets 1, 3.1, 3.2, 4.x; issue 16)."""
from __future__ import annotations

import pandas as pd

from rexlib.etl import corrections, series
from rexlib.etl.normalise import map_countries
from rexlib.sources import iea
from ..tablespec import Table
from .context import Context, Step, StepResult, Supply

WORKBOOK = "iea/IEA_CM_Data_Explorer_May2024.xlsx"

# IEA demand outlook (issue 16): the workbook's demand sheets, read by rexlib.sources.iea.read_iea_demand.
# Projected supply is NOT repeated here: sheet 2's base case (2030/2035/2040) is in ``refining``
# (scenario 'base_case') and ``refining_totals``.

# Descriptions and units of these columns: rexlib/metadata/fields.yml, like every other table's.

_IEA_NOTES = ("Workbook notes (sheet 1, A71): 'Lithium demand is in lithium (Li) content, not carbonate "
              "equivalent (LCE). Demand for magnet rare earth elements covers praseodymium (Pr), neodymium (Nd), "
              "terbium (Tb) and dysprosium (Dy). Graphite demand includes all grades of mined and synthetic "
              "graphite.'")
_IEA_YEARS = ("2023 is the observed base year (scenario 'observed'); 2030-2050 are projections in the IEA's "
              "Stated Policies (STEPS), Announced Pledges (APS) and Net Zero Emissions by 2050 (NZE) scenarios.")
DEMAND_TYPES = {"mineral_id": "VARCHAR", "mineral_label": "VARCHAR", "end_use": "VARCHAR",
                 "end_use_label": "VARCHAR", "is_total": "BOOLEAN", "scenario": "VARCHAR", "year": "INTEGER",
                 "year_type": "VARCHAR", "value_kt": "DOUBLE", "source_sheet": "VARCHAR", "source_cell": "VARCHAR"}
IEA_SCENARIOS = ("observed", "STEPS", "APS", "NZE")
IEA_END_USES = ("solar_pv", "wind", "other_low_emissions_power", "electric_vehicles", "grid_battery_storage",
                "electricity_networks", "hydrogen", "other_uses", "total_clean_technologies", "total_demand")
IEA_TECHNOLOGIES = ("solar_pv", "wind", "electric_vehicles", "grid_battery_storage", "electricity_networks",
                    "hydrogen")
YEAR_RULES = {"scenario": IEA_SCENARIOS, "year_type": ("observed", "projected")}

TABLES = (
    Table("refining", "IEA Critical Minerals Data Explorer (May 2024): mining and refining by top countries, kt.",
          {"mineral_id": "VARCHAR", "stage": "VARCHAR", "stage_label": "VARCHAR", "country": "VARCHAR",
           "year": "INTEGER", "value_kt": "DOUBLE", "share_pct": "DOUBLE", "scenario": "VARCHAR",
           "source": "VARCHAR", "source_file": "VARCHAR", "source_cell": "VARCHAR", "country_label": "VARCHAR",
           "value_kt_published": "DOUBLE", "note": "VARCHAR"},
          key=("mineral_id", "stage", "country", "year", "scenario"),
          required=("mineral_id", "stage", "country", "year", "scenario"),
          allowed={"stage": ("mine", "refinery", "chemicals", "battery_grade")},
          mineral_columns=("mineral_id",), country_columns=("country",)),
    Table("refining_totals", "IEA block totals and the workbook's own top-3 share rows.",
          {"mineral_id": "VARCHAR", "stage": "VARCHAR", "year": "INTEGER", "total_kt": "DOUBLE",
           "top3_share_pct": "DOUBLE", "source_cell": "VARCHAR"},
          key=("mineral_id", "stage", "year"), mineral_columns=("mineral_id",)),
    Table("iea_demand", "IEA Critical Minerals Data Explorer (May 2024), sheet '1 Total demand for key minerals': "
          "demand for copper, cobalt, lithium, nickel, magnet rare earth elements and graphite by end use "
          "(each clean technology, other uses, and the total rows), in kt. " + _IEA_YEARS + " " + _IEA_NOTES,
          dict(DEMAND_TYPES), key=("mineral_id", "end_use", "scenario", "year"),
          required=("mineral_id", "end_use", "scenario", "year", "year_type", "value_kt"),
          allowed={**YEAR_RULES, "end_use": IEA_END_USES}, mineral_columns=("mineral_id",)),
    Table("iea_cleantech_demand", "IEA Critical Minerals Data Explorer (May 2024), sheets '3.1 Cleantech demand by "
          "tech' (13 minerals by clean technology) and '3.2 Cleantech demand by mineral' (every mineral's "
          "clean-technology total, end_use 'total_clean_technologies', 37 minerals with the rare earths one by one), "
          "in kt. Graphite here is battery-grade graphite only, narrower than sheet 1's all grades. " + _IEA_YEARS
          + " " + _IEA_NOTES,
          dict(DEMAND_TYPES), key=("mineral_id", "end_use", "scenario", "year"),
          required=("mineral_id", "end_use", "scenario", "year", "year_type", "value_kt"),
          allowed={**YEAR_RULES, "end_use": IEA_END_USES}, mineral_columns=("mineral_id",)),
    Table("iea_tech_demand", "IEA Critical Minerals Data Explorer (May 2024), sheets 4.1-4.6 (solar PV, wind, "
          "electric vehicles, grid battery storage, electricity networks, hydrogen): mineral demand of one technology "
          "in the base case and the workbook's alternative technology cases, in kt. The workbook gives no "
          "sub-technology split, only these cases; an alternative case's 2023 column is as printed and can differ "
          "from the base case (logged in quality_issues). " + _IEA_YEARS + " " + _IEA_NOTES,
          {"technology": "VARCHAR", "case": "VARCHAR", "case_label": "VARCHAR", "mineral_id": "VARCHAR",
           "mineral_label": "VARCHAR", "scenario": "VARCHAR", "year": "INTEGER", "year_type": "VARCHAR",
           "value_kt": "DOUBLE", "source_sheet": "VARCHAR", "source_cell": "VARCHAR"},
          key=("technology", "case", "mineral_id", "scenario", "year"),
          required=("technology", "case", "mineral_id", "scenario", "year", "year_type", "value_kt"),
          allowed={**YEAR_RULES, "technology": IEA_TECHNOLOGIES}, mineral_columns=("mineral_id",)),
    Table("iea_demand_totals", "The IEA demand sheets' own total and share rows that are not observations: sheet 1's "
          "'Share of clean technologies in total demand' (percent), 3.1's 'Total <mineral>', 3.2's 'Total rare earth "
          "elements' and 'Total', and 4.x's 'Total <technology>' (sums over different minerals). The build's "
          "publisher checks compare the demand tables with them (rexlib.etl.checks.iea_demand).",
          {"kind": "VARCHAR", "label": "VARCHAR", "mineral_id": "VARCHAR", "technology": "VARCHAR", "case": "VARCHAR",
           "scenario": "VARCHAR", "year": "INTEGER", "year_type": "VARCHAR", "value": "DOUBLE", "unit": "VARCHAR",
           "source_sheet": "VARCHAR", "source_cell": "VARCHAR"},
          key=("source_sheet", "source_cell"),
          required=("kind", "scenario", "year", "value", "unit", "source_sheet", "source_cell"),
          allowed={**YEAR_RULES, "unit": ("kt", "%"), "kind": (
              "share_clean_technologies", "total_clean_technologies", "total_rare_earths", "total_all_minerals",
              "total_technology")},
          mineral_columns=("mineral_id",)),
)
SPEC = {t.name: t for t in TABLES}


def collect_iea_2024(ctx: Context) -> StepResult:
    path = ctx.raw_dir / WORKBOOK
    supply, totals, issues = iea.read_iea_supply(path)
    supply = supply.assign(source_file=WORKBOOK)
    supply, corrected = corrections.apply_value_corrections("refining", supply)
    issues += corrected
    supply = iea.block_shares(supply, totals)
    supply, labels = map_countries(supply, ctx.iso_path)
    supply["source"] = "IEA (2024), Critical Minerals Data Explorer, sheet " + supply["source_sheet"].astype(str)
    tables = {"refining": supply[list(SPEC["refining"].columns)].reset_index(drop=True),
              "refining_totals": totals[list(SPEC["refining_totals"].columns)].reset_index(drop=True)}
    demand_tables, demand_issues = iea.read_iea_demand(path)
    tables.update(demand_tables)
    return StepResult(tables, issues + demand_issues, labels)


def _iea_blocks(read, derived: dict) -> pd.DataFrame:
    """Both IEA editions' observed blocks with their shares (series.iea_with_shares)."""
    return series.iea_with_shares(read("refining"), read("iea_supply_2025"))


STEP = Step("iea_2024", collect_iea_2024,
            ("refining", "refining_totals", "iea_demand", "iea_cleantech_demand", "iea_tech_demand",
             "iea_demand_totals"),
            supplies=(Supply("iea", "iea_blocks", _iea_blocks),))
