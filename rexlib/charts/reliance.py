"""U.S. net import reliance and import sources, with the publisher's bounds drawn honestly."""
from __future__ import annotations

import altair as alt
import pandas as pd

from .base import MUTED, WIDTH, empty, finish, need, builder, _set

# Category -> colour. Bounds keep their own colours: ">95" is not "100", "<50" is not "25".
NIR_CATEGORIES = ["exact", "more than (>)", "less than (<)", "net exporter (E)", "not available / withheld"]
NIR_COLORS = ["#1f6fb2", "#7fb3e0", "#f0b35a", "#2e9e6b", "#b9c0c8"]


@builder
def nir_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """One bar per mineral, sorted by NIR. Needs ``name``, ``plot_pct`` (bar length; bounds drawn at
    the bound, exporters and unknowns at 0), ``category`` (one of NIR_CATEGORIES) and ``label``."""
    need(frame, "name", "plot_pct", "category", "label")
    if frame.empty:
        return empty(title, "No minerals match these filters.", source)
    order = list(frame["name"])
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=200, labelFontSize=10.5))
    bars = alt.Chart(frame).mark_bar(height={"band": 0.7}).encode(
        y=y, x=alt.X("plot_pct:Q", title="Net import reliance, % of apparent consumption",
                     scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("category:N", title="USGS value", scale=alt.Scale(domain=NIR_CATEGORIES, range=NIR_COLORS),
                        legend=alt.Legend(orient="top", direction="horizontal", columns=3)),
        tooltip=[alt.Tooltip("name:N", title="Mineral"), alt.Tooltip("label:N", title="NIR"),
                 alt.Tooltip("category:N", title="Kind")])
    labels = alt.Chart(frame).mark_text(align="left", dx=3, fontSize=10, color="#333").encode(
        y=y, x=alt.X("plot_pct:Q"), text=alt.Text("label:N"))
    rule = alt.Chart(pd.DataFrame({"x": [50]})).mark_rule(strokeDash=[4, 3], color=MUTED).encode(x=alt.X("x:Q"))
    chart = _set(bars + labels + rule, width=WIDTH - 140, height=max(80, 15 * len(frame)))
    return finish(chart, title, source, subtitle)


@builder
def import_sources_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """U.S. import sources: bars of share where USGS gives shares, else rank markers."""
    need(frame, "name", "rank", "share_pct")
    if frame.empty:
        return empty(title, "USGS lists no major import sources for this mineral.", source)
    rows = frame.copy()
    has_share = rows["share_pct"].notna().any()
    rows["rank_label"] = rows["rank"].map(lambda r: "other" if pd.isna(r) else f"#{int(r)}")
    order = list(rows["name"])
    y = alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=200))
    if has_share:
        rows["label"] = rows["share_pct"].map(lambda s: "" if pd.isna(s) else f"{s:.0f}%")
        bars = alt.Chart(rows).mark_bar(color="#1f6fb2").encode(
            y=y, x=alt.X("share_pct:Q", title="Share of U.S. imports (%)"),
            tooltip=[alt.Tooltip("name:N"), alt.Tooltip("rank_label:N"), alt.Tooltip("share_pct:Q", format=".0f")])
        text = alt.Chart(rows).mark_text(align="left", dx=3, fontSize=10.5).encode(y=y, x=alt.X("share_pct:Q"), text=alt.Text("label:N"))
        chart = bars + text
    else:
        chart = alt.Chart(rows).mark_text(align="left", fontSize=12, fontWeight="bold", color="#1f6fb2").encode(
            y=y, x=alt.XValue(4), text=alt.Text("rank_label:N"), tooltip=[alt.Tooltip("name:N"), alt.Tooltip("rank_label:N")])
        subtitle = [*(subtitle or []), "USGS gives a rank only (no shares) in this table."]
    return finish(chart.properties(width=WIDTH - 200, height=max(60, 24 * len(rows))), title, source, subtitle)


@builder
def us_statistics_lines(frame: pd.DataFrame, *, title: str, source: list[str], unit: str, subtitle=None):
    """U.S. salient statistics (or prices) over years: one line per ``series``; ``value`` in ``unit``.
    Withheld / not-available years have no point (a gap, never a zero); the tooltip shows the
    publisher's label (``label``: value with its flags)."""
    need(frame, "series", "year", "value", "label")
    rows = frame.dropna(subset=["value"])
    if rows.empty:
        return empty(title, "Every value is withheld (W) or not available (NA).", source)
    base = alt.Chart(rows).encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=unit),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom", columns=1, labelLimit=420)),
        tooltip=[alt.Tooltip("series:N", title="Measure"), alt.Tooltip("year:O"),
                 alt.Tooltip("label:N", title=unit)])
    chart = _set(base.mark_line(strokeWidth=2) + base.mark_point(filled=True, size=40), width=WIDTH - 140, height=220)
    return finish(chart, title, source, subtitle)
