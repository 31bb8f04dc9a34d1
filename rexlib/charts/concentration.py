"""Concentration across minerals: HHI with its bound, China's share, governance-weighted HHI,
mining-vs-processing gaps."""
from __future__ import annotations

import altair as alt
import pandas as pd

from .base import CHINA, MUTED, NEUTRAL, WIDTH, empty, finish, need, builder, _set


@builder
def hhi_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """HHI per mineral (bar = lower bound ``hhi``; tick = ``hhi_high``), colour = China's share."""
    need(frame, "name", "hhi", "hhi_high", "china_share")
    if frame.empty:
        return empty(title, "No minerals with a world total for these parameters.", source)
    rows = frame.assign(china=frame["china_share"].fillna(-1))
    y = alt.Y("name:N", sort=list(rows["name"]), title=None, axis=alt.Axis(labelLimit=190, labelFontSize=10.5))
    tip = [alt.Tooltip("name:N", title="Mineral"), alt.Tooltip("hhi:Q", format=",.0f", title="HHI (lower bound)"),
           alt.Tooltip("hhi_high:Q", format=",.0f", title="HHI upper bound"),
           alt.Tooltip("china_share:Q", format=".1f", title="China share %"),
           alt.Tooltip("top1_country:N", title="Top producer"), alt.Tooltip("year:O")]
    bars = alt.Chart(rows).mark_bar(height={"band": 0.7}).encode(
        y=y, x=alt.X("hhi:Q", title="HHI (0–10,000; 2,500+ = highly concentrated)", scale=alt.Scale(domain=[0, 10000])),
        color=alt.Color("china:Q", title="China's share (%)", scale=alt.Scale(scheme="reds", domain=[0, 100])),
        tooltip=tip)
    ticks = alt.Chart(rows).mark_tick(color="#333", thickness=1.5, size=10).encode(y=y, x=alt.X("hhi_high:Q"), tooltip=tip)
    rule = alt.Chart(pd.DataFrame({"x": [2500]})).mark_rule(strokeDash=[4, 3], color=MUTED).encode(x=alt.X("x:Q"))
    chart = _set(bars + ticks + rule, width=WIDTH - 160, height=max(80, 15 * len(rows)))
    return finish(chart, title, source, subtitle)


@builder
def governance_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """Governance-weighted HHI (EU method, 0–10) per mineral."""
    need(frame, "name", "hhi_wgi")
    if frame.empty:
        return empty(title, "No minerals for these parameters.", source)
    y = alt.Y("name:N", sort=list(frame["name"]), title=None, axis=alt.Axis(labelLimit=190, labelFontSize=10.5))
    chart = alt.Chart(frame).mark_bar(color="#6a51a3", height={"band": 0.7}).encode(
        y=y, x=alt.X("hhi_wgi:Q", title="HHI_WGI (0–10; higher = concentrated in poorly governed countries)"),
        tooltip=[alt.Tooltip("name:N", title="Mineral"), alt.Tooltip("hhi_wgi:Q", format=".2f"),
                 alt.Tooltip("hhi:Q", format=",.0f", title="HHI"), alt.Tooltip("wgi_weighted_mean:Q", format=".2f")],
    ).properties(width=WIDTH - 160, height=max(80, 15 * len(frame)))
    return finish(chart, title, source, subtitle)


@builder
def gap_dumbbell(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """China's share at the mine stage (grey) and at the processing stage (red), per mineral."""
    need(frame, "name", "china_mine_share", "china_processing_share")
    if frame.empty:
        return empty(title, "No mineral has both stages.", source)
    long = frame.melt(id_vars=["name", "china_gap_pp", "source"], value_vars=["china_mine_share", "china_processing_share"],
                      var_name="stage", value_name="share")
    long["stage"] = long["stage"].map({"china_mine_share": "Mining", "china_processing_share": "Processing"})
    y = alt.Y("name:N", sort=list(frame["name"]), title=None, axis=alt.Axis(labelLimit=190))
    line = alt.Chart(long).mark_line(color="#bbb", strokeWidth=2).encode(y=y, x=alt.X("share:Q"), detail=alt.Detail("name:N"))
    dots = alt.Chart(long).mark_circle(size=90, opacity=1).encode(
        y=y, x=alt.X("share:Q", title="China's share of world total (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("stage:N", scale=alt.Scale(domain=["Mining", "Processing"], range=[NEUTRAL, CHINA]),
                        title=None, legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("name:N", title="Mineral"), alt.Tooltip("stage:N"), alt.Tooltip("share:Q", format=".1f"),
                 alt.Tooltip("china_gap_pp:Q", format="+.1f", title="Gap (pp)"), alt.Tooltip("source:N")])
    chart = _set(line + dots, width=WIDTH - 160, height=max(80, 22 * len(frame)))
    return finish(chart, title, source, subtitle)
