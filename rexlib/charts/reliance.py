"""U.S. net import reliance and import sources, with the publisher's bounds drawn honestly."""
from __future__ import annotations

import pandas as pd

from .base import ACCENT, INK, MUTED, NEUTRAL, OKABE_ITO as OI, WIDTH, data, empty, field, finish, layer, mark, need

# Category -> colour. Bounds keep their own colours: ">95" is not "100", "<50" is not "25".
NIR_CATEGORIES = ["exact", "more than (>)", "less than (<)", "net exporter (E)", "not available / withheld"]
NIR_COLORS = [OI["blue"], OI["sky_blue"], OI["orange"], OI["bluish_green"], NEUTRAL]


def nir_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """One bar per mineral, sorted by NIR. Needs ``name``, ``plot_pct`` (bar length; bounds drawn at
    the bound, exporters and unknowns at 0), ``category`` (one of NIR_CATEGORIES) and ``label``."""
    need(frame, "name", "plot_pct", "category", "label")
    if frame.empty:
        return empty(title, "No minerals match these filters.", source)
    order = list(frame["name"])
    y = field("name:N", sort=order, title=None, axis={"labelLimit": 200, "labelFontSize": 10.5})
    bars = {"mark": mark("bar", height={"band": 0.7}), "encoding": {
        "y": y, "x": field("plot_pct:Q", title="Net import reliance, % of apparent consumption",
                           scale={"domain": [0, 100]}),
        "color": field("category:N", title="USGS value", scale={"domain": NIR_CATEGORIES, "range": NIR_COLORS},
                       legend={"orient": "top", "direction": "horizontal", "columns": 3}),
        "tooltip": [field("name:N", title="Mineral"), field("label:N", title="Net import reliance (% of consumption)"),
                    field("category:N", title="USGS value")]}}
    labels = {"mark": mark("text", align="left", dx=3, fontSize=10, color=INK),
              "encoding": {"y": y, "x": field("plot_pct:Q"), "text": field("label:N")}}
    rule = {"data": {"values": [{"x": 50}]}, "mark": mark("rule", strokeDash=[4, 3], color=MUTED),
            "encoding": {"x": field("x:Q")}}
    chart = layer(bars, labels, rule, shared=frame, fields=["name", "plot_pct", "category", "label"], width=WIDTH - 140,
                  height=max(80, 15 * len(frame)))
    return finish(chart, title, source, subtitle)


def import_sources_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """U.S. import sources: bars of share where USGS gives shares, else rank markers."""
    need(frame, "name", "rank", "share_pct")
    if frame.empty:
        return empty(title, "USGS lists no major import sources for this mineral.", source)
    rows = frame.copy()
    has_share = rows["share_pct"].notna().any()
    rows["rank_label"] = rows["rank"].map(lambda r: "other" if pd.isna(r) else f"#{int(r)}")
    order = list(rows["name"])
    y = field("name:N", sort=order, title=None, axis={"labelLimit": 200})
    size = {"width": WIDTH - 200, "height": max(60, 24 * len(rows))}
    if has_share:
        rows["label"] = rows["share_pct"].map(lambda s: "" if pd.isna(s) else f"{s:.0f}%")
        bars = {"mark": mark("bar", color=ACCENT), "encoding": {
            "y": y, "x": field("share_pct:Q", title="Share of U.S. imports (%)"),
            "tooltip": [field("name:N", title="Country"), field("rank_label:N", title="Rank among U.S. import sources"),
                        field("share_pct:Q", format=".0f", title="Share of U.S. imports (%)")]}}
        text = {"mark": mark("text", align="left", dx=3, fontSize=10.5),
                "encoding": {"y": y, "x": field("share_pct:Q"), "text": field("label:N")}}
        chart = layer(bars, text, shared=rows, fields=["name", "share_pct", "rank_label", "label"], **size)
    else:
        chart = {"data": data(rows, ["name", "rank_label"]), "mark": mark("text", align="left", fontSize=12, fontWeight="bold", color=ACCENT),
                 "encoding": {"y": y, "x": {"value": 4}, "text": field("rank_label:N"),
                              "tooltip": [field("name:N", title="Country"),
                                          field("rank_label:N", title="Rank among U.S. import sources")]}, **size}
        subtitle = [*(subtitle or []), "USGS gives a rank only (no shares) in this table."]
    return finish(chart, title, source, subtitle)


def us_statistics_lines(frame: pd.DataFrame, *, title: str, source: list[str], unit: str, subtitle=None) -> dict:
    """U.S. salient statistics (or prices) over years: one line per ``series``; ``value`` in ``unit``.
    Withheld / not-available years have no point (a gap, never a zero); the tooltip shows the
    publisher's label (``label``: value with its flags)."""
    need(frame, "series", "year", "value", "label")
    rows = frame.dropna(subset=["value"])
    if rows.empty:
        return empty(title, "Every value is withheld (W) or not available (NA).", source)
    encoding = {
        "x": field("year:O", title=None, axis={"labelAngle": 0}),
        "y": field("value:Q", title=unit),
        "color": field("series:N", title=None, legend={"orient": "bottom", "columns": 1, "labelLimit": 420}),
        "tooltip": [field("series:N", title="Measure"), field("year:O", title="Year"), field("label:N", title=unit)]}
    chart = layer({"mark": mark("line", strokeWidth=2), "encoding": encoding},
                  {"mark": mark("point", filled=True, size=40), "encoding": encoding},
                  shared=rows, width=WIDTH - 140, height=220)
    return finish(chart, title, source, subtitle)
