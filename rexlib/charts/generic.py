"""Generic charts for ad-hoc query results (the explore app)."""
from __future__ import annotations

import pandas as pd

from .base import ACCENT, WIDTH, data, empty, finish, mark


def _first(frame: pd.DataFrame, numeric: bool) -> str | None:
    for col in frame.columns:
        is_num = pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        if is_num == numeric and not (numeric and col.lower() in ("year", "rank", "source_line")):
            return col
    return None


def quick_bar(frame: pd.DataFrame, *, title: str, source: list[str], max_bars: int = 30) -> dict:
    """Bars of the first numeric column by the first text column (first ``max_bars`` rows)."""
    label, value = _first(frame, False), _first(frame, True)
    if frame.empty or label is None or value is None:
        return empty(title, "Nothing to chart: the result needs a text column and a numeric column.", source)
    rows = frame[[label, value]].dropna().head(max_bars).copy()
    rows[label] = rows[label].astype(str)
    # Repeated labels (several years, measures) are numbered so that no bars stack silently.
    if rows[label].duplicated().any():
        rows[label] = rows[label] + " #" + (rows.groupby(label).cumcount() + 1).astype(str)
    chart = {"data": data(rows), "mark": mark("bar", color=ACCENT), "encoding": {
        "y": {"field": label, "type": "nominal", "sort": None, "title": label, "axis": {"labelLimit": 220}},
        "x": {"field": value, "type": "quantitative", "title": value},
        "tooltip": [{"field": label, "type": "nominal"}, {"field": value, "type": "quantitative", "format": ","}]},
        "width": WIDTH - 180, "height": max(60, 18 * len(rows))}
    return finish(chart, title, source, f"First {len(rows)} rows: {value} by {label}")
