"""Concentration across minerals: HHI with its bound, China's share, governance-weighted HHI,
mining-vs-processing gaps."""
from __future__ import annotations

import pandas as pd

from rexlib.core.ids import stage_word
from .base import ACCENT, CHINA, INK, MUTED, NEUTRAL, WIDTH, clickable, data, empty, field, finish, flag_words, layer, mark, need

# The two stage families in the gap chart's legend, in the words of rexlib/metadata/mappings/stages.csv.
STAGE_LEGEND = (stage_word("mining").capitalize(), stage_word("processing").capitalize())


def hhi_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """HHI per mineral (bar = lower bound ``hhi``; tick = ``hhi_high``), colour = China's share."""
    need(frame, "name", "hhi", "hhi_high", "china_share")
    if frame.empty:
        return empty(title, "No minerals with a world total for these parameters.", source)
    rows = frame.assign(china=frame["china_share"].fillna(-1))
    y = field("name:N", sort=list(rows["name"]), title=None, axis={"labelLimit": 190, "labelFontSize": 10.5})
    tip = [field("name:N", title="Mineral"), field("hhi:Q", format=",.0f", title="HHI (lower bound, 0–10,000)"),
           field("hhi_high:Q", format=",.0f", title="HHI upper bound"),
           field("china_share:Q", format=".1f", title="China's share (%)"),
           field("top1_country:N", title="Top producer (ISO code)"),
           field("year:O", title="Year (or averaging period)"), field("flag_text:N", title="Notes")]
    rows = rows.assign(flag_text=rows["flags"].map(flag_words) if "flags" in rows.columns else "")
    bars = {"mark": mark("bar", height={"band": 0.7}), "encoding": {
        "y": y, "x": field("hhi:Q", title="HHI (0–10,000; 2,500+ = highly concentrated)", scale={"domain": [0, 10000]}),
        "color": field("china:Q", title="China's share (%)", scale={"scheme": "reds", "domain": [0, 100]}),
        "tooltip": tip}}
    ticks = {"mark": mark("tick", color=INK, thickness=1.5, size=10),
             "encoding": {"y": y, "x": field("hhi_high:Q"), "tooltip": tip}}
    rule = {"data": {"values": [{"x": 2500}]}, "mark": mark("rule", strokeDash=[4, 3], color=MUTED),
            "encoding": {"x": field("x:Q")}}
    ids = ["mineral_id"] if "mineral_id" in rows.columns else []
    chart = layer(bars, ticks, rule, shared=rows, fields=["name", "hhi", "hhi_high", "china", "china_share",
                                                         "top1_country", "year", "flag_text", *ids],
                  width=WIDTH - 160, height=max(80, 15 * len(rows)))
    spec = finish(chart, title, source, subtitle)
    return clickable(spec, "mineral", "mineral_id") if ids else spec


def governance_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Governance-weighted HHI (EU method, 0–10) per mineral."""
    need(frame, "name", "hhi_wgi")
    if frame.empty:
        return empty(title, "No minerals for these parameters.", source)
    y = field("name:N", sort=list(frame["name"]), title=None, axis={"labelLimit": 190, "labelFontSize": 10.5})
    ids = ["mineral_id"] if "mineral_id" in frame.columns else []
    chart = {"data": data(frame, ["name", "hhi_wgi", "hhi", "wgi_weighted_mean", *ids]), "mark": mark("bar", color=ACCENT, height={"band": 0.7}), "encoding": {
        "y": y, "x": field("hhi_wgi:Q", title="HHI_WGI (0–10; higher = concentrated in poorly governed countries)"),
        "tooltip": [field("name:N", title="Mineral"), field("hhi_wgi:Q", format=".2f", title="HHI_WGI (0–10)"),
                    field("hhi:Q", format=",.0f", title="HHI (0–10,000)"),
                    field("wgi_weighted_mean:Q", format=".2f", title="Producers' governance, share-weighted (WGI)")]},
        "width": WIDTH - 160, "height": max(80, 15 * len(frame))}
    spec = finish(chart, title, source, subtitle)
    return clickable(spec, "mineral", "mineral_id") if ids else spec


def gap_dumbbell(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """China's share at the mine stage (grey) and at the processing stage (red), per mineral."""
    need(frame, "name", "china_mine_share", "china_processing_share")
    if frame.empty:
        return empty(title, "No mineral has both stages.", source)
    ids = ["mineral_id"] if "mineral_id" in frame.columns else []
    long = frame.melt(id_vars=["name", "china_gap_pp", "source", *ids],
                      value_vars=["china_mine_share", "china_processing_share"], var_name="stage", value_name="share")
    long["stage"] = long["stage"].map({"china_mine_share": STAGE_LEGEND[0], "china_processing_share": STAGE_LEGEND[1]})
    y = field("name:N", sort=list(frame["name"]), title=None, axis={"labelLimit": 190})
    line = {"mark": mark("line", color="#bbbbbb", strokeWidth=2),
            "encoding": {"y": y, "x": field("share:Q"), "detail": field("name:N")}}
    dots = {"mark": mark("point", size=90, opacity=1, filled=True), "encoding": {
        "y": y, "x": field("share:Q", title="China's share of world total (%)", scale={"domain": [0, 100]}),
        "color": field("stage:N", scale={"domain": list(STAGE_LEGEND), "range": [NEUTRAL, CHINA]},
                       title=None, legend={"orient": "top"}),
        "shape": field("stage:N", scale={"domain": list(STAGE_LEGEND), "range": ["circle", "square"]},
                       title=None, legend={"orient": "top"}),
        "tooltip": [field("name:N", title="Mineral"), field("stage:N", title="Stage"),
                    field("share:Q", format=".1f", title="China's share (%)"),
                    field("china_gap_pp:Q", format="+.1f", title="Processing minus mining (percentage points)"),
                    field("source:N", title="Source")]}}
    chart = layer(line, dots, shared=long, width=WIDTH - 160, height=max(80, 22 * len(frame)))
    spec = finish(chart, title, source, subtitle)
    return clickable(spec, "mineral", "mineral_id") if ids else spec
