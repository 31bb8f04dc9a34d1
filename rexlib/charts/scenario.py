"""Scenario charts: world supply before and after a cut; coalition coverage by mineral."""
from __future__ import annotations

import altair as alt
import pandas as pd

from .base import ACCENT, CHINA, WIDTH, empty, finish, need, builder


@builder
def disruption_waterfall(row: pd.Series, *, title: str, source: list[str], subtitle=None):
    """World supply, the suppliers' cut, others' ramp-up and what remains (one disruption row)."""
    if row is None or pd.isna(row.get("world_total")):
        return empty(title, "No world total for this mineral and stage: the cut cannot be sized.", source)
    unit = row["unit"]
    steps = pd.DataFrame([
        {"step": "1 World supply", "start": 0, "end": row["world_total"], "kind": "supply"},
        {"step": "2 Cut by suppliers", "start": row["world_total"] - row["supply_lost"], "end": row["world_total"],
         "kind": "loss"},
        {"step": "3 Ramp-up elsewhere", "start": row["world_total"] - row["supply_lost"],
         "end": row["world_total"] - row["supply_lost"] + row["ramp_up"], "kind": "gain"},
        {"step": "4 Remaining supply", "start": 0, "end": row["remaining_supply"], "kind": "supply"},
    ])
    steps["amount"] = steps["end"] - steps["start"]
    chart = alt.Chart(steps).mark_bar(size=46).encode(
        x=alt.X("step:N", title=None, axis=alt.Axis(labelAngle=0, labelLimit=160)),
        y=alt.Y("start:Q", title=unit), y2=alt.Y2("end:Q"),
        color=alt.Color("kind:N", scale=alt.Scale(domain=["supply", "loss", "gain"], range=[ACCENT, CHINA, "#2e9e6b"]),
                        legend=None),
        tooltip=[alt.Tooltip("step:N"), alt.Tooltip("amount:Q", format=",.4", title=unit)],
    ).properties(width=WIDTH - 60, height=260)
    return finish(chart, title, source, subtitle)


@builder
def coverage_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """Share of mine production, refining and U.S. imports a group covers, per mineral."""
    need(frame, "name", "measure", "covered_pct")
    rows = frame.dropna(subset=["covered_pct"])
    if rows.empty:
        return empty(title, "The group covers nothing measurable.", source)
    chart = alt.Chart(rows).mark_bar().encode(
        y=alt.Y("name:N", title=None, sort=alt.EncodingSortField("covered_pct", op="max", order="descending"),
                axis=alt.Axis(labelLimit=180, labelFontSize=10)),
        x=alt.X("covered_pct:Q", title="Covered by the group (%)", scale=alt.Scale(domain=[0, 100])),
        yOffset=alt.YOffset("measure:N"),
        color=alt.Color("measure:N", title=None, legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("name:N"), alt.Tooltip("measure:N"), alt.Tooltip("covered_pct:Q", format=".1f")],
    ).properties(width=WIDTH - 160, height=max(80, 30 * rows["name"].nunique()))
    return finish(chart, title, source, subtitle)
