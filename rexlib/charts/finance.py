"""Financing charts: deals over time, dollars by a grouping, financing beside vulnerability."""
from __future__ import annotations

import altair as alt
import pandas as pd

from .base import ACCENT, WIDTH, empty, finish, need, builder, _set


@builder
def deals_timeline(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """One point per deal: date × USD (log), colour = agency, shape = instrument."""
    need(frame, "announced_date", "amount_usd", "agency", "instrument", "label")
    rows = frame.dropna(subset=["announced_date", "amount_usd"])
    rows = rows[rows["amount_usd"] > 0]
    if rows.empty:
        return empty(title, "No dated deals with a USD amount for these filters.", source)
    chart = alt.Chart(rows).mark_point(size=110, filled=True, opacity=0.85).encode(
        x=alt.X("announced_date:T", title="Announced", axis=alt.Axis(format="%b %Y")),
        y=alt.Y("amount_usd:Q", title="USD (log scale)", scale=alt.Scale(type="log"), axis=alt.Axis(format="$.2s")),
        color=alt.Color("agency:N", title="Agency", legend=alt.Legend(labelLimit=160)),
        shape=alt.Shape("instrument:N", title="Instrument"),
        tooltip=[alt.Tooltip("label:N", title="Deal"), alt.Tooltip("agency:N"), alt.Tooltip("instrument:N"),
                 alt.Tooltip("amount_usd:Q", format="$,.0f", title="USD"),
                 alt.Tooltip("announced_date:T", format="%Y-%m-%d", title="Date")],
    ).properties(width=WIDTH - 120, height=280)
    return finish(chart, title, source, subtitle)


@builder
def amount_bars(frame: pd.DataFrame, *, by: str, title: str, source: list[str], subtitle=None):
    """USD by ``group`` (column ``usd``; ``n_deals`` shown as text)."""
    need(frame, "group", "usd", "n_deals")
    if frame.empty:
        return empty(title, "No deals with amounts for these filters.", source)
    rows = frame.assign(text=[f"${u / 1e9:,.2f} bn · {n} deal{'s' if n != 1 else ''}" for u, n in
                              zip(frame["usd"], frame["n_deals"])])
    y = alt.Y("group:N", sort=list(rows["group"]), title=by, axis=alt.Axis(labelLimit=200))
    bars = alt.Chart(rows).mark_bar(color=ACCENT).encode(
        y=y, x=alt.X("usd:Q", title="USD", axis=alt.Axis(format="$.2s")),
        tooltip=[alt.Tooltip("group:N", title=by), alt.Tooltip("usd:Q", format="$,.0f"), alt.Tooltip("n_deals:Q")])
    text = alt.Chart(rows).mark_text(align="left", dx=3, fontSize=10).encode(y=y, x=alt.X("usd:Q"), text=alt.Text("text:N"))
    chart = _set(bars + text, width=WIDTH - 220, height=max(60, 20 * len(rows)))
    return finish(chart, title, source, subtitle)


@builder
def vulnerability_scatter(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """Supply-risk score (x) against deal dollars (y, log; unfinanced at the floor)."""
    need(frame, "name", "score", "usd", "financed")
    if frame.empty:
        return empty(title, "No scored minerals.", source)
    floor = 1e6
    rows = frame.assign(plot_usd=frame["usd"].fillna(0).clip(lower=floor),
                        status=frame["financed"].map({True: "financed", False: "no deal found"}))
    base = alt.Chart(rows).encode(
        x=alt.X("score:Q", title="Supply-risk score (EU method; higher = riskier)"),
        y=alt.Y("plot_usd:Q", title="Deal USD (log; $1M line = none)", scale=alt.Scale(type="log"),
                axis=alt.Axis(format="$.2s")),
        tooltip=[alt.Tooltip("name:N", title="Mineral"), alt.Tooltip("stage:N"), alt.Tooltip("score:Q", format=".2f"),
                 alt.Tooltip("usd:Q", format="$,.0f", title="USD"), alt.Tooltip("status:N")])
    points = base.mark_circle(size=80).encode(
        color=alt.Color("status:N", scale=alt.Scale(domain=["financed", "no deal found"], range=[ACCENT, "#c0392b"]),
                        title=None, legend=alt.Legend(orient="top")))
    labels = base.mark_text(align="left", dx=6, fontSize=9.5, color="#444").encode(text=alt.Text("name:N"))
    chart = _set(points + labels, width=WIDTH, height=300)
    return finish(chart, title, source, subtitle)
