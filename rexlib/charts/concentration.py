"""Concentration across minerals: HHI with its bound, China's share, governance-weighted HHI,
mining-vs-processing gaps."""
from __future__ import annotations

import pandas as pd

from .base import CHINA, MUTED, NEUTRAL, WIDTH, data, empty, field, finish, layer, mark, need


def hhi_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """HHI per mineral (bar = lower bound ``hhi``; tick = ``hhi_high``), colour = China's share."""
    need(frame, "name", "hhi", "hhi_high", "china_share")
    if frame.empty:
        return empty(title, "No minerals with a world total for these parameters.", source)
    rows = frame.assign(china=frame["china_share"].fillna(-1))
    y = field("name:N", sort=list(rows["name"]), title=None, axis={"labelLimit": 190, "labelFontSize": 10.5})
    tip = [field("name:N", title="Mineral"), field("hhi:Q", format=",.0f", title="HHI (lower bound)"),
           field("hhi_high:Q", format=",.0f", title="HHI upper bound"),
           field("china_share:Q", format=".1f", title="China share %"),
           field("top1_country:N", title="Top producer"), field("year:O")]
    bars = {"mark": mark("bar", height={"band": 0.7}), "encoding": {
        "y": y, "x": field("hhi:Q", title="HHI (0–10,000; 2,500+ = highly concentrated)", scale={"domain": [0, 10000]}),
        "color": field("china:Q", title="China's share (%)", scale={"scheme": "reds", "domain": [0, 100]}),
        "tooltip": tip}}
    ticks = {"mark": mark("tick", color="#333", thickness=1.5, size=10),
             "encoding": {"y": y, "x": field("hhi_high:Q"), "tooltip": tip}}
    rule = {"data": {"values": [{"x": 2500}]}, "mark": mark("rule", strokeDash=[4, 3], color=MUTED),
            "encoding": {"x": field("x:Q")}}
    chart = layer(bars, ticks, rule, shared=rows, fields=["name", "hhi", "hhi_high", "china", "china_share",
                                                         "top1_country", "year"],
                  width=WIDTH - 160, height=max(80, 15 * len(rows)))
    return finish(chart, title, source, subtitle)


def governance_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Governance-weighted HHI (EU method, 0–10) per mineral."""
    need(frame, "name", "hhi_wgi")
    if frame.empty:
        return empty(title, "No minerals for these parameters.", source)
    y = field("name:N", sort=list(frame["name"]), title=None, axis={"labelLimit": 190, "labelFontSize": 10.5})
    chart = {"data": data(frame, ["name", "hhi_wgi", "hhi", "wgi_weighted_mean"]), "mark": mark("bar", color="#6a51a3", height={"band": 0.7}), "encoding": {
        "y": y, "x": field("hhi_wgi:Q", title="HHI_WGI (0–10; higher = concentrated in poorly governed countries)"),
        "tooltip": [field("name:N", title="Mineral"), field("hhi_wgi:Q", format=".2f"),
                    field("hhi:Q", format=",.0f", title="HHI"), field("wgi_weighted_mean:Q", format=".2f")]},
        "width": WIDTH - 160, "height": max(80, 15 * len(frame))}
    return finish(chart, title, source, subtitle)


def gap_dumbbell(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """China's share at the mine stage (grey) and at the processing stage (red), per mineral."""
    need(frame, "name", "china_mine_share", "china_processing_share")
    if frame.empty:
        return empty(title, "No mineral has both stages.", source)
    long = frame.melt(id_vars=["name", "china_gap_pp", "source"], value_vars=["china_mine_share", "china_processing_share"],
                      var_name="stage", value_name="share")
    long["stage"] = long["stage"].map({"china_mine_share": "Mining", "china_processing_share": "Processing"})
    y = field("name:N", sort=list(frame["name"]), title=None, axis={"labelLimit": 190})
    line = {"mark": mark("line", color="#bbb", strokeWidth=2),
            "encoding": {"y": y, "x": field("share:Q"), "detail": field("name:N")}}
    dots = {"mark": mark("circle", size=90, opacity=1), "encoding": {
        "y": y, "x": field("share:Q", title="China's share of world total (%)", scale={"domain": [0, 100]}),
        "color": field("stage:N", scale={"domain": ["Mining", "Processing"], "range": [NEUTRAL, CHINA]},
                       title=None, legend={"orient": "top"}),
        "tooltip": [field("name:N", title="Mineral"), field("stage:N"), field("share:Q", format=".1f"),
                    field("china_gap_pp:Q", format="+.1f", title="Gap (pp)"), field("source:N")]}}
    chart = layer(line, dots, shared=long, width=WIDTH - 160, height=max(80, 22 * len(frame)))
    return finish(chart, title, source, subtitle)
