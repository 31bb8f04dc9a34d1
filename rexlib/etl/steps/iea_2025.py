"""IEA 2025 edition, observed 2024: the UNOFFICIAL third-party JSON conversion, vintage IEA2025 (issue 27)."""
from __future__ import annotations

from rexlib.etl import corrections
from rexlib.etl.normalise import map_countries
from rexlib.core.provenance import load_sources
from rexlib.sources import iea, iea_conversion
from ..tablespec import Table
from .context import Context, Step, StepResult
from .iea_2024 import DEMAND_TYPES, IEA_END_USES, YEAR_RULES

RELEASE = "iea_cm_explorer_2025_conversion"

# IEA 2025 edition, observed year 2024 (issue 27 item 4): an UNOFFICIAL third-party JSON conversion
# (rexlib/sources/iea_conversion.py), the second IEA vintage 'IEA2025' beside the May 2024 workbook's tables.
_IEA2025 = ("IEA Critical Minerals Data Explorer, 2025 edition (observed year 2024), UNOFFICIAL third-party JSON "
            "conversion (data/raw/iea/iea_2025_edition_conversion/iea.json; the IEA workbook itself not obtained). ")

TABLES = (
    Table("iea_supply_2025", _IEA2025 + "Mining and refining by country for the six key minerals: 2024 observed, "
          "2030/2035/2040 base case, kt (as `refining` is for the 2024 edition).",
          {"mineral_id": "VARCHAR", "stage": "VARCHAR", "stage_label": "VARCHAR", "country": "VARCHAR",
           "country_label": "VARCHAR", "year": "INTEGER", "value_kt": "DOUBLE", "share_pct": "DOUBLE",
           "scenario": "VARCHAR", "vintage": "VARCHAR", "provenance": "VARCHAR", "source_file": "VARCHAR",
           "source_path": "VARCHAR"},
          key=("mineral_id", "stage", "country", "year", "scenario"),
          required=("mineral_id", "stage", "country", "year", "scenario", "value_kt", "vintage", "provenance"),
          allowed={"stage": ("mine", "refinery", "chemicals", "battery_grade"),
                   "scenario": ("observed", "base_case")},
          mineral_columns=("mineral_id",), country_columns=("country",)),
    Table("iea_supply_totals_2025", _IEA2025 + "Block totals and the conversion's top-3 share.",
          {"mineral_id": "VARCHAR", "stage": "VARCHAR", "year": "INTEGER", "scenario": "VARCHAR",
           "total_kt": "DOUBLE", "top3_share_pct": "DOUBLE", "vintage": "VARCHAR", "source_path": "VARCHAR"},
          key=("mineral_id", "stage", "year"), required=("mineral_id", "stage", "year", "total_kt"),
          mineral_columns=("mineral_id",)),
    Table("iea_demand_2025", _IEA2025 + "Demand for the six key minerals by end use (as `iea_demand`), kt: 2024 "
          "observed, 2030-2050 under STEPS, APS and NZE.",
          {**{k: t for k, t in DEMAND_TYPES.items() if k not in ("source_sheet", "source_cell")},
           "vintage": "VARCHAR", "source_path": "VARCHAR"},
          key=("mineral_id", "end_use", "scenario", "year"),
          required=("mineral_id", "end_use", "scenario", "year", "year_type", "value_kt"),
          allowed={**YEAR_RULES, "end_use": IEA_END_USES}, mineral_columns=("mineral_id",)),
)
SPEC = {t.name: t for t in TABLES}


def collect_iea_2025(ctx: Context) -> StepResult:
    conv, issues = iea_conversion.read_iea_conversion(ctx.raw_dir / iea_conversion.REL_PATH)
    grade = load_sources(ctx.raw_dir)["releases"][RELEASE]["provenance_grade"]
    common = dict(vintage=iea_conversion.VINTAGE, source_file=iea_conversion.REL_PATH)
    supply, corrected = corrections.apply_value_corrections("iea_supply_2025", conv["supply"].assign(**common))
    issues += corrected
    supply, labels = map_countries(iea.block_shares(supply, conv["totals"]), ctx.iso_path)
    tables = {
        "iea_supply_2025": supply.assign(provenance=grade)[list(SPEC["iea_supply_2025"].columns)],
        "iea_supply_totals_2025": conv["totals"].assign(**common)[list(SPEC["iea_supply_totals_2025"].columns)],
        "iea_demand_2025": conv["demand"].assign(**common)[list(SPEC["iea_demand_2025"].columns)]}
    return StepResult(tables, issues, labels)


STEP = Step("iea_2025", collect_iea_2025, ("iea_supply_2025", "iea_supply_totals_2025", "iea_demand_2025"))
