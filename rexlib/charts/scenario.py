"""Scenario charts: world supply before and after a cut; coalition coverage by mineral."""
from __future__ import annotations

import pandas as pd

from .base import ACCENT, CHINA, OKABE_ITO, WIDTH, data, empty, field, finish, mark, need


def disruption_waterfall(row: pd.Series, *, title: str, source: list[str], subtitle=None) -> dict:
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
    chart = {"data": data(steps), "mark": mark("bar", size=46), "encoding": {
        "x": field("step:N", title=None, axis={"labelAngle": 0, "labelLimit": 160}),
        "y": field("start:Q", title=unit), "y2": {"field": "end"},
        "color": field("kind:N", scale={"domain": ["supply", "loss", "gain"], "range": [ACCENT, CHINA, OKABE_ITO["bluish_green"]]},
                       legend=None),
        "tooltip": [field("step:N", title="Step"), field("amount:Q", format=",.4", title=unit)]},
        "width": WIDTH - 60, "height": 260}
    return finish(chart, title, source, subtitle)


def coverage_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Share of mine production, refining and U.S. imports a group covers, per mineral."""
    need(frame, "name", "measure", "covered_pct")
    rows = frame.dropna(subset=["covered_pct"])
    if rows.empty:
        return empty(title, "The group covers nothing measurable.", source)
    chart = {"data": data(rows, ["name", "measure", "covered_pct"]), "mark": mark("bar"), "encoding": {
        "y": field("name:N", title=None, sort={"field": "covered_pct", "op": "max", "order": "descending"},
                   axis={"labelLimit": 180, "labelFontSize": 10}),
        "x": field("covered_pct:Q", title="Covered by the group (%)", scale={"domain": [0, 100]}),
        "yOffset": field("measure:N"),
        "color": field("measure:N", title=None, legend={"orient": "top"}),
        "tooltip": [field("name:N", title="Mineral"), field("measure:N", title="Measure"),
                    field("covered_pct:Q", format=".1f", title="Covered by the group (%)")]},
        "width": WIDTH - 160, "height": max(80, 30 * rows["name"].nunique())}
    return finish(chart, title, source, subtitle)
