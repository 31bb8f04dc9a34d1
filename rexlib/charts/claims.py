"""Claims chart: claimed value against the value computed from the data, per checkable claim."""
from __future__ import annotations

import pandas as pd

from .base import INK, NEUTRAL, OKABE_ITO, SHAPES, WIDTH, empty, field, finish, layer, mark, need

VERDICTS = ["consistent", "differs", "not_comparable", "not_checkable"]
VERDICT_COLORS = [OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"], OKABE_ITO["orange"], NEUTRAL]
VERDICT_SHAPES = [SHAPES[0], SHAPES[4], SHAPES[2], SHAPES[1]]    # circle, cross, triangle, square


def claimed_vs_computed(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Percent claims: a dot for a claimed value, a bar for a claimed range (``claimed_low`` to
    ``claimed_high``; a one-sided bound is a dot at its bound), a mark for the data whose colour AND
    shape say the verdict (readable without colour), a line between. The tooltip prints the claim as stated (``claimed``: "70–90", "12"), never NaN."""
    need(frame, "label", "claimed", "claimed_value", "claimed_low", "claimed_high", "computed", "verdict")
    rows = frame.copy()
    point = pd.to_numeric(rows["claimed_value"], errors="coerce")
    low, high = pd.to_numeric(rows["claimed_low"], errors="coerce"), pd.to_numeric(rows["claimed_high"], errors="coerce")
    rows["claim_lo"] = point.fillna(low).fillna(high)
    rows["claim_hi"] = point.fillna(high).fillna(low)
    rows["claimed_text"] = rows["claimed"].astype(str)
    rows = rows.dropna(subset=["claim_lo", "computed"])
    if rows.empty:
        return empty(title, "No percentage claims with a computed value for these filters.", source)
    rows = rows.assign(verdict_text=rows["verdict"].astype(str).str.replace("_", " "),
                       claim_mid=(rows["claim_lo"] + rows["claim_hi"]) / 2)
    y = field("label:N", sort=list(rows["label"]), title=None, axis={"labelLimit": 260, "labelFontSize": 10})
    tip = [field("label:N", title="Claim"), field("claimed_text:N", title="Claimed (%)"),
           field("computed:Q", format=".1f", title="From the data (%)"), field("verdict_text:N", title="Verdict")]
    line = {"mark": mark("rule", color="#bbbbbb", strokeWidth=2),
            "encoding": {"y": y, "x": field("claim_mid:Q"), "x2": {"field": "computed"}}}
    claim = {"mark": mark("rule", color=INK, strokeWidth=8, strokeCap="round"),
             "encoding": {"y": y, "x": field("claim_lo:Q", title="Percent (dark dot or bar = claim; coloured mark = data)"),
                          "x2": {"field": "claim_hi"}, "tooltip": tip}}
    verdict_legend = {"orient": "top", "title": None, "labelExpr": "replace(datum.label, '_', ' ')"}
    computed = {"mark": mark("point", size=120, filled=True), "encoding": {
        "y": y, "x": field("computed:Q"),
        "color": field("verdict:N", scale={"domain": VERDICTS, "range": VERDICT_COLORS}, legend=verdict_legend),
        "shape": field("verdict:N", scale={"domain": VERDICTS, "range": VERDICT_SHAPES}, legend=verdict_legend),
        "tooltip": tip}}
    chart = layer(line, claim, computed, shared=rows,
                  fields=["label", "claimed_text", "claim_lo", "claim_hi", "claim_mid", "computed", "verdict",
                          "verdict_text"],
                  width=WIDTH - 200, height=max(80, 20 * len(rows)))
    return finish(chart, title, source, subtitle)
