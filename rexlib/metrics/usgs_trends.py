"""USGS MCS2026 Figure 10 (price growth) beside rex's own price series (issue 27): the comparison
of :func:`rexlib.etl.checks.usgs_trends.price_growth_comparison` (the build's publisher check) on the
stored tables, for the profile and the methods notes."""
from __future__ import annotations

import pandas as pd

from rexlib.query import api
from rexlib.etl.checks.usgs_trends import TOLERANCE_PP, price_growth_comparison
from rexlib.query.warehouse import query

__all__ = ["price_growth_beside_usgs", "TOLERANCE_PP"]


def price_growth_beside_usgs(mineral: str | None = None) -> pd.DataFrame:
    """:func:`rexlib.etl.checks.usgs_trends.price_growth_comparison` of Figure 10's rows (``mineral``'s
    when given) and the ``prices`` table."""
    fig = api.usgs_trends("price_growth", mineral)
    prices = query("SELECT mineral_id, measure, unit, year, value, flag FROM prices WHERE year IN (2021, 2024, 2025)")
    return price_growth_comparison(fig, prices)
