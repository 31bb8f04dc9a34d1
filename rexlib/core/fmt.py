"""Numbers and documents for people, one rule for every surface (charts, tables, claims): the bottom
layer, it imports nothing of rexlib (it reads one declaration, ``metadata/documents.yml``)."""
from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources


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


@lru_cache(maxsize=1)
def _documents() -> dict:
    import yaml
    text = (resources.files("rexlib.metadata") / "documents.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["documents"]


def cite_document(source_doc, title=None) -> str:
    """A curated row's document as page text: “headline”, publisher, date (``metadata/documents.yml``),
    never its file name: ``“Trump Administration Draws the Line on Critical Minerals”, Rare Earth
    Exchanges, 3–7 February 2026``. A row taken from a publisher's raw file (USGS Table 5, whose title
    names it) is cited by its title alone."""
    declared = _documents().get(source_doc)
    parts = [f"“{title}”" if isinstance(title, str) and title.strip() else "an untitled article"]
    if declared is None:
        return parts[0]
    parts += [declared[k] for k in ("publisher", "date") if declared.get(k)]
    return ", ".join(parts) + ("" if declared.get("date") else " (undated)")
