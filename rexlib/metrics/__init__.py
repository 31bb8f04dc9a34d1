"""Analytics on the rex database: pure functions, DataFrames in and out.

One module per job (see docs/methods.md for every formula, unit, source and simplification):

* :mod:`.concentration` — shares, HHI with remainder bounds, China/top-1 shares, mine vs processing;
* :mod:`.governance` — WGI-weighted HHI (EU 2017 method, WGI 2022);
* :mod:`.coverage` — what share of production/refining/U.S. imports a country group covers;
* :mod:`.risk` — USGS-style score, the EU supply risk recomputed (EU method on the EC 2023 shares), weight sensitivity;
* :mod:`.scenario` — supply-cut scenarios and export-control presets;
* :mod:`.financing` — deal dollars by mineral × stage and unfinanced high-risk pairs;
* :mod:`.claims_check` — documents' claims checked against the data;
* :mod:`.prices` — price volatility and deal price floors;
* :mod:`.vintage` — USGS revisions between MCS editions;
* :mod:`.stockpile` — Project Vault: what a budget buys at USGS prices, months of U.S. net imports covered;
* :mod:`.export_controls` — export controls over time: shares of world mining, processing and U.S.
  imports held by countries with a control in force (USGS MCS2026 Table 4), claims about them;
* :mod:`.usgs_trends` — USGS Fig. 10 price growth beside rex's price series;
* :mod:`.outlook` — IEA demand outlook: growth vs 2023, clean-tech share, supply-demand balance,
  projected concentration, exposure of 2030 demand to a cut.
"""
from __future__ import annotations

from ._common import clear_caches
from .claims_check import check_claims, count_nir
from .concentration import (biggest_processing_gaps, concentration, concentration_table, hhi, hhi_bounds,
                            mining_vs_processing_gap)
from .coverage import coalition_coverage, covered_share, least_covered, members_of
from .financing import deal_flows, deal_totals, financing_by_mineral_stage, financing_gaps
from .governance import governance_table, hhi_wgi, hhi_wgi_of_shares, wgi_fill_value, wgi_scores
from .prices import price_floors, price_volatility
from .risk import risk_scores, risk_sensitivity
from .scenario import disruption, disruption_inputs, disruption_of, export_control_presets, most_exposed_minerals
from .vintage import iea_vintage_change, vintage_diff
from .stockpile import stockpile, stockpile_presets
from . import outlook  # demand outlook; its functions take the API's frames

__all__ = [
    "hhi", "hhi_bounds", "concentration", "concentration_table", "mining_vs_processing_gap",
    "biggest_processing_gaps", "wgi_scores", "wgi_fill_value", "hhi_wgi", "hhi_wgi_of_shares",
    "governance_table", "coalition_coverage", "covered_share", "least_covered", "members_of",
    "risk_scores", "risk_sensitivity", "disruption", "disruption_inputs", "disruption_of", "most_exposed_minerals",
    "export_control_presets",
    "deal_flows", "deal_totals", "financing_by_mineral_stage", "financing_gaps", "check_claims", "count_nir",
    "price_volatility", "price_floors", "vintage_diff", "iea_vintage_change", "clear_caches", "stockpile", "stockpile_presets",
]
