"""What a material is: the EU screens wood, rubber, cork and hydrogen beside minerals; only
``mineral`` enters mineral rankings unless a caller asks for the others.

The category is declared once, per EU material, in ``rexlib/metadata/mappings/eu_crm_materials.csv``
(column ``category``: mineral, biotic, energy_carrier; the reader refuses any other value). A rex id
that no EU material names is a mineral (USGS and IEA cover minerals only)."""
from __future__ import annotations

import functools

import pandas as pd

from ..sources.eu_crm import MATERIALS_CSV

__all__ = ["material_category", "non_minerals"]


@functools.cache
def _categories() -> dict[str, str]:
    # A declaration file, not database data: it changes only with the code.
    frame = pd.read_csv(MATERIALS_CSV, dtype=str, keep_default_na=False)
    return dict(zip(frame["mineral_id"], frame["category"]))


def material_category(mineral_id: str) -> str:
    """``mineral`` / ``biotic`` / ``energy_carrier`` of a rex id (``mineral`` when undeclared)."""
    return _categories().get(mineral_id, "mineral")


def non_minerals() -> frozenset[str]:
    """Rex ids declared as something other than a mineral (hydrogen, roundwood, natural rubber ...)."""
    return frozenset(m for m, cat in _categories().items() if cat != "mineral")
