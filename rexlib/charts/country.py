"""Country profile charts: one country's share of world mining and processing across minerals."""
from __future__ import annotations

import pandas as pd

from .base import ACCENT, OKABE_ITO, WIDTH, clickable, data, empty, field, finish, mark, need

STAGE_COLOURS = {"mining": ACCENT, "processing": OKABE_ITO["orange"]}


def country_shares(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Horizontal bars: the country's share (percent of the world total) per mineral, one bar per
    stage (``stage_label``: mining / processing). Columns: mineral, mineral_id, stage_label,
    share_pct, rank, year, source_label. Each bar opens the mineral's profile when clicked."""
    need(frame, "mineral", "mineral_id", "stage_label", "share_pct")
    rows = frame.dropna(subset=["share_pct"])
    if rows.empty:
        return empty(title, "No USGS or IEA series gives this country a share of world production.", source)
    chart = {"data": data(rows, ["mineral", "mineral_id", "stage_label", "share_pct", "rank", "year", "source_label"]),
             "mark": mark("bar"), "encoding": {
        "y": field("mineral:N", title=None, sort={"field": "share_pct", "op": "max", "order": "descending"},
                   axis={"labelLimit": 200, "labelFontSize": 10}),
        "x": field("share_pct:Q", title="Share of world total (%)", scale={"zero": True, "nice": True},
                   axis={"tickCount": 8}),
        "yOffset": field("stage_label:N"),
        "color": field("stage_label:N", title=None, legend={"orient": "top"},
                       scale={"domain": list(STAGE_COLOURS), "range": list(STAGE_COLOURS.values())}),
        "tooltip": [field("mineral:N", title="Mineral"), field("stage_label:N", title="Stage"),
                    field("share_pct:Q", format=".1f", title="Share of world (%)"), field("rank:Q", title="Rank"),
                    # a year (USGS, IEA) or a period (the EU study's 2016-2020 averages): text, not a number
                    field("year:N", title="Year or period"), field("source_label:N", title="Series")]},
        "width": WIDTH - 200, "height": max(80, 26 * rows["mineral"].nunique())}
    return clickable(finish(chart, title, source, subtitle), "mineral", "mineral_id")
