"""Claims chart: claimed value against the value computed from the data, per checkable claim."""
from __future__ import annotations

import altair as alt
import pandas as pd

from .base import WIDTH, empty, finish, need, builder, _set

VERDICTS = ["consistent", "differs", "not_comparable", "not_checkable"]
VERDICT_COLORS = ["#2e9e6b", "#c0392b", "#e0a100", "#9aa5b1"]


@builder
def claimed_vs_computed(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """Percent claims: a dot for the claim, a diamond for the data, a line between."""
    need(frame, "label", "claimed", "computed", "verdict")
    rows = frame.dropna(subset=["claimed", "computed"])
    if rows.empty:
        return empty(title, "No percentage claims with a computed value for these filters.", source)
    y = alt.Y("label:N", sort=list(rows["label"]), title=None, axis=alt.Axis(labelLimit=260, labelFontSize=10))
    tip = [alt.Tooltip("label:N"), alt.Tooltip("claimed:Q", format=".1f"), alt.Tooltip("computed:Q", format=".1f"), alt.Tooltip("verdict:N")]
    line = alt.Chart(rows).mark_rule(color="#bbb", strokeWidth=2).encode(y=y, x=alt.X("claimed:Q"), x2=alt.X2("computed:Q"))
    claim = alt.Chart(rows).mark_circle(size=80, color="#333").encode(
        y=y, x=alt.X("claimed:Q", title="Percent (dot = claim, diamond = data)"), tooltip=tip)
    data = alt.Chart(rows).mark_point(shape="diamond", size=110, filled=True).encode(
        y=y, x=alt.X("computed:Q"), color=alt.Color("verdict:N", scale=alt.Scale(domain=VERDICTS, range=VERDICT_COLORS),
                                             legend=alt.Legend(orient="top", title=None)), tooltip=tip)
    chart = _set(line + claim + data, width=WIDTH - 200, height=max(80, 20 * len(rows)))
    return finish(chart, title, source, subtitle)
