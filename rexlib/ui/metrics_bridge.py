"""Adapters from rexlib.metrics results to panel pieces (tiles, frames)."""
from __future__ import annotations

import pandas as pd


def concentration_tiles(mineral, stage, year, rows: pd.DataFrame, facts: dict) -> list[dict]:
    return [{"label": "HHI", "value": "…", "note": "rexlib.metrics not available yet"}]
