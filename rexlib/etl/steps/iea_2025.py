"""IEA 2025 edition, observed 2024: the UNOFFICIAL third-party JSON conversion, vintage IEA2025 (issue 27)."""
from __future__ import annotations

from rexlib.etl import corrections
from rexlib.etl.normalise import map_countries
from rexlib.core.provenance import load_sources
from ..schema import TABLES
from rexlib.sources import iea, iea_conversion
from .context import Context, StepResult

RELEASE = "iea_cm_explorer_2025_conversion"


def collect_iea_2025(ctx: Context) -> StepResult:
    conv, issues = iea_conversion.read_iea_conversion(ctx.raw_dir / iea_conversion.REL_PATH)
    grade = load_sources(ctx.raw_dir)["releases"][RELEASE]["provenance_grade"]
    common = dict(vintage=iea_conversion.VINTAGE, source_file=iea_conversion.REL_PATH)
    supply, corrected = corrections.apply_value_corrections("iea_supply_2025", conv["supply"].assign(**common))
    issues += corrected
    supply, labels = map_countries(iea.block_shares(supply, conv["totals"]), ctx.iso_path)
    tables = {
        "iea_supply_2025": supply.assign(provenance=grade)[list(TABLES["iea_supply_2025"].columns)],
        "iea_supply_totals_2025": conv["totals"].assign(**common)[list(TABLES["iea_supply_totals_2025"].columns)],
        "iea_demand_2025": conv["demand"].assign(**common)[list(TABLES["iea_demand_2025"].columns)]}
    return StepResult(tables, issues, labels)
