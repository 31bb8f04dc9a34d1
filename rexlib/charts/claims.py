"""Claims chart: claimed value against the value computed from the data, per checkable claim."""
from __future__ import annotations

import pandas as pd

from .base import WIDTH, empty, field, finish, layer, mark, need

VERDICTS = ["consistent", "differs", "not_comparable", "not_checkable"]
VERDICT_COLORS = ["#2e9e6b", "#c0392b", "#e0a100", "#9aa5b1"]


def claimed_vs_computed(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Percent claims: a dot for the claim, a diamond for the data, a line between."""
    need(frame, "label", "claimed", "computed", "verdict")
    rows = frame.dropna(subset=["claimed", "computed"])
    if rows.empty:
        return empty(title, "No percentage claims with a computed value for these filters.", source)
    rows = rows.assign(verdict_text=rows["verdict"].astype(str).str.replace("_", " "))
    y = field("label:N", sort=list(rows["label"]), title=None, axis={"labelLimit": 260, "labelFontSize": 10})
    tip = [field("label:N", title="Claim"), field("claimed:Q", format=".1f", title="Claimed (%)"),
           field("computed:Q", format=".1f", title="From the data (%)"), field("verdict_text:N", title="Verdict")]
    line = {"mark": mark("rule", color="#bbb", strokeWidth=2),
            "encoding": {"y": y, "x": field("claimed:Q"), "x2": {"field": "computed"}}}
    claim = {"mark": mark("circle", size=80, color="#333"),
             "encoding": {"y": y, "x": field("claimed:Q", title="Percent (dot = claim, diamond = data)"), "tooltip": tip}}
    computed = {"mark": mark("point", shape="diamond", size=110, filled=True), "encoding": {
        "y": y, "x": field("computed:Q"),
        "color": field("verdict:N", scale={"domain": VERDICTS, "range": VERDICT_COLORS},
                       legend={"orient": "top", "title": None}), "tooltip": tip}}
    chart = layer(line, claim, computed, shared=rows, fields=["label", "claimed", "computed", "verdict", "verdict_text"],
                  width=WIDTH - 200, height=max(80, 20 * len(rows)))
    return finish(chart, title, source, subtitle)
