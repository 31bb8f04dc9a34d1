"""Hand-curated CSV tables in ``data/curated/`` (they ARE the source): read with declared types.

Rules: empty cells are nulls; booleans are ``true``/``false``; dates are ISO ``YYYY-MM-DD`` (an
invalid date fails the build naming file, row and value); amounts are plain numbers.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd


class CuratedTableError(ValueError):
    """A curated CSV breaks its declaration (unknown column, bad date, bad number, bad boolean)."""


def read_curated(path: Path, table) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    unknown = [c for c in raw.columns if c not in table.columns]
    missing = [c for c in table.columns if c not in raw.columns]
    if unknown or missing:
        raise CuratedTableError(f"{path.name}: columns differ from the schema "
                                f"(unknown {unknown}, missing {missing}); declared: {list(table.columns)}")
    frame = pd.DataFrame(index=raw.index)
    for col, dtype in table.columns.items():
        text = raw[col].str.strip()
        blank = text == ""
        if dtype == "DATE":
            parsed = pd.to_datetime(text.where(~blank), format="%Y-%m-%d", errors="coerce")
            bad = parsed.isna() & ~blank
            if bad.any():
                i = bad.idxmax()
                raise CuratedTableError(f"{path.name} row {i + 2} column {col}: {text[i]!r} is not a date (YYYY-MM-DD)")
            frame[col] = parsed.dt.date
        elif dtype in ("DOUBLE", "INTEGER"):
            parsed = pd.to_numeric(text.where(~blank), errors="coerce")
            bad = parsed.isna() & ~blank
            if bad.any():
                i = bad.idxmax()
                raise CuratedTableError(f"{path.name} row {i + 2} column {col}: {text[i]!r} is not a number")
            if (parsed < 0).any() and col.startswith("amount"):
                i = (parsed < 0).idxmax()
                raise CuratedTableError(f"{path.name} row {i + 2} column {col}: amounts are non-negative")
            frame[col] = parsed.astype("Int64") if dtype == "INTEGER" else parsed
        elif dtype == "BOOLEAN":
            lowered = text.str.lower()
            bad = ~lowered.isin(["true", "false", ""])
            if bad.any():
                i = bad.idxmax()
                raise CuratedTableError(f"{path.name} row {i + 2} column {col}: {text[i]!r} is not true/false")
            frame[col] = lowered.map({"true": True, "false": False, "": None})
        else:
            frame[col] = text.where(~blank, None)
    return frame
