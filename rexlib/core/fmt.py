"""Numbers for people, one rule for every surface (charts, tables, claims): the bottom layer, it
imports nothing of rexlib."""
from __future__ import annotations

import math


def fmt_num(value) -> str:
    """Thousands separators for big numbers (1,240,000,000, never 1.24e+09), four significant
    digits for small ones (0.016); "" for a missing value."""
    if value is None:
        return ""
    try:
        if math.isnan(value):
            return ""
    except TypeError:
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def fmt_usd(value) -> str:
    """Dollars for people: "$12 bn", "$1.33 bn", "$71 m", "$580"; "" for a missing value (the caller
    says why: "not disclosed", "not computable"), never "$0.00 bn"."""
    text = fmt_num(value)
    if not text:
        return ""
    size = abs(value)
    if size >= 1e9:
        return f"${value / 1e9:,.2f}".rstrip("0").rstrip(".") + " bn"
    if size >= 1e6:
        return f"${value / 1e6:,.0f} m"
    return f"${value:,.0f}"


_UPPER = {"usd": "USD", "eu": "EU", "us": "U.S.", "iea": "IEA", "usgs": "USGS", "nir": "NIR", "reo": "REO",
          "hhi": "HHI", "ai": "AI", "msp": "MSP", "pgm": "PGM", "crm": "CRM", "ev": "EV", "gdp": "GDP"}


def words(identifier) -> str:
    """An id as page text: ``not_checkable`` -> "not checkable", ``usd_per_t`` -> "USD per t"
    (a metric, unit, verdict or flag id; a mineral or country has its own name in the database)."""
    if identifier is None or (isinstance(identifier, float) and math.isnan(identifier)):
        return ""
    return " ".join(_UPPER.get(part, part) for part in str(identifier).replace("_", " ").split())
