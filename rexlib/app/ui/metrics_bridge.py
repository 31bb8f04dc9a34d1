"""Cached calls into rexlib.metrics (some take seconds) and adapters to panel pieces (tiles).
Concentration and HHI_WGI come from the tables the build stores (``rexlib.query.api.stored_*``, the
same rows the metric functions compute), one small query instead of a pass over every mineral."""
from __future__ import annotations

import pandas as pd

from rexlib.query import api
from rexlib.etl import series
from rexlib import metrics as m
from rexlib.metrics.country import country_name  # noqa: F401  (page text: CHN -> China; mb.country_name)
from rexlib.metrics._common import mineral_names  # noqa: F401  (page text: rare_earths -> Rare earths)
from rexlib.charts.base import fmt_num
from .cache import memo


@memo(64)
def concentration_table(stage: str, year: int | None, source: str = "usgs") -> pd.DataFrame:
    return api.stored_concentration_table(stage, year, source)


@memo(1)
def risk_table() -> pd.DataFrame:
    """rex's USGS-style score and its recomputation of the EU's supply risk for every mineral (rexlib.metrics.risk_scores)."""
    return m.risk_scores()


@memo(4)
def supply_concentration(stage: str = "processing") -> pd.DataFrame:
    """Every mineral's best series at a stage family (rexlib.query.api.supply_concentration)."""
    return api.supply_concentration(stage)


@memo(32)
def governance_table(stage: str, year: int | None) -> pd.DataFrame:
    return api.stored_governance_table(stage, year)


@memo(4)
def gaps(year: int | None = None) -> pd.DataFrame:
    return m.mining_vs_processing_gap(None, year)


@memo(2)
def financing_by_mineral_stage() -> pd.DataFrame:
    return m.financing_by_mineral_stage()


@memo(4)
def financing_gaps(method: str = "eu") -> pd.DataFrame:
    return m.financing_gaps(method)


@memo(2)
def deal_flows() -> pd.DataFrame:
    return m.deal_flows()


@memo(64)
def deal_totals(by: str, agency: str | None) -> pd.DataFrame:
    return m.deal_totals(by, agency, flows=deal_flows())


@memo(2)
def check_claims() -> pd.DataFrame:
    return m.check_claims(include_uncheckable=True)


@memo(1)
def presets() -> pd.DataFrame:
    return m.export_control_presets()


@memo(64)
def disruption_inputs(mineral: str, suppliers: tuple[str, ...], stage: str) -> dict:
    return m.disruption_inputs(mineral, list(suppliers), stage)


@memo(256)
def disruption(mineral: str, suppliers: tuple[str, ...], stage: str, cut_pct: float, ramp_up_pct: float) -> pd.DataFrame:
    """``m.disruption``; moving the cut or ramp-up sliders reuses the series and import exposure
    of the mineral and suppliers on screen (only the arithmetic depends on them)."""
    return m.disruption_of(disruption_inputs(mineral, suppliers, stage), cut_pct, ramp_up_pct)


@memo(64)
def coalition_coverage(group: str) -> pd.DataFrame:
    return m.coalition_coverage(group)


@memo(256)
def concentration(mineral: str, stage: str, year: int, measure: str | None = None,
                  qualifier: str | None = None) -> pd.DataFrame:
    """The stored concentration of the series on screen (``measure`` is the series measure the
    profile draws; an unknown one is an error, never a silent switch to another series)."""
    return api.stored_concentration(mineral, stage, year, measure=measure, qualifier=qualifier)


def concentration_tiles(mineral, stage, year, rows: pd.DataFrame, facts: dict) -> list[dict]:
    """HHI (with its bound), top-3 share and China's share for the drawn measure."""
    conc = concentration(mineral, stage, year, facts.get("measure"), facts.get("qualifier") or None).iloc[0]
    flags = str(conc["flags"] or "")
    basis = conc["share_basis"]
    if basis not in series.SHARE_OF:     # U.S. only, or forms not comparable: no share-based figure
        why = series.BASIS_WORDS[basis]
        return [{"label": "HHI (concentration)", "value": "n/a", "note": why},
                {"label": "Top-3 producers' share", "value": "n/a", "note": why},
                {"label": "China's share", "value": "n/a", "note": why}]
    of = "of the world total" if basis == "world_published" else "of the listed producers (no world total)"
    if conc["n_countries"] == 0:
        hhi_value, hhi_note = "n/a", "no producer values (withheld/NA)"
    else:
        hhi_value = fmt_num(conc["hhi"])
        hhi_note = ("lower bound; up to " + fmt_num(conc["hhi_high"])) if "hhi_is_lower_bound" in flags else "0–10,000"
    china = conc["china_share"]
    if pd.isna(china):
        china_value, china_note = "withheld", "China's value is withheld or unknown"
    elif "china_not_listed" in flags:
        china_value, china_note = "not listed", "China not in the USGS table"
    else:
        china_value, china_note = f"{china:.1f}%", of
    top3 = conc["top3_share"]
    if basis != "world_published":
        hhi_note += "; " + of
    return [
        {"label": "HHI (concentration)", "value": hhi_value, "note": hhi_note},
        {"label": "Top-3 producers' share", "value": "n/a" if pd.isna(top3) else f"{top3:.1f}%",
         "note": f"top: {country_name(conc['top1_country']) if conc['top1_country'] else '—'}"
                 + ("" if basis == "world_published" else f"; {of}")},
        {"label": "China's share", "value": china_value, "note": china_note},
    ]


# --- issue 27: export controls over time, Fig. 10 beside rex's prices --------------------------------

@memo(256)
def control_exposure(mineral: str) -> pd.DataFrame:
    """rexlib.metrics.export_controls.export_control_exposure for 2022-2026."""
    from rexlib.metrics import export_controls as ec
    return ec.export_control_exposure(mineral)


@memo(256)
def control_timeline(mineral: str | None = None, country: str | None = None) -> pd.DataFrame:
    from rexlib.metrics import export_controls as ec
    return ec.export_control_timeline(mineral, country)


@memo(8)
def control_exposure_table(year: int = 2025, kind: str = "any") -> pd.DataFrame:
    from rexlib.metrics import export_controls as ec
    return ec.export_control_exposure_table(year, kind)


@memo(2)
def price_growth() -> pd.DataFrame:
    from rexlib.metrics.usgs_trends import price_growth_beside_usgs
    return price_growth_beside_usgs()
