"""Financing charts: deals over time, dollars by a grouping, financing beside vulnerability."""
from __future__ import annotations

import pandas as pd

from .base import ACCENT, CHINA, WIDTH, data, empty, field, finish, layer, mark, need
from rexlib.core.fmt import fmt_usd


def deals_timeline(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """One point per deal: date × USD (log), colour = agency, shape = instrument."""
    need(frame, "announced_date", "amount_usd", "agency", "instrument", "label")
    rows = frame.dropna(subset=["announced_date", "amount_usd"])
    rows = rows[rows["amount_usd"] > 0]
    if rows.empty:
        return empty(title, "No dated deals with a USD amount for these filters.", source)
    chart = {"data": data(rows, ["announced_date", "amount_usd", "agency", "instrument", "label"]),
             "mark": mark("point", size=110, filled=True, opacity=0.85), "encoding": {
        "x": field("announced_date:T", title="Announced", axis={"format": "%b %Y", "tickCount": {"interval": "month", "step": 1}}),
        "y": field("amount_usd:Q", title="USD (log scale)", scale={"type": "log"}, axis={"format": "$.2s"}),
        "color": field("agency:N", title="Agency", legend={"labelLimit": 160}),
        "shape": field("instrument:N", title="Instrument"),
        "tooltip": [field("label:N", title="Deal"), field("agency:N", title="Agency"),
                    field("instrument:N", title="Instrument"),
                    field("amount_usd:Q", format="$,.0f", title="USD"),
                    field("announced_date:T", format="%Y-%m-%d", title="Date")]},
        "width": WIDTH - 120, "height": 280}
    return finish(chart, title, source, subtitle)


def amount_bars(frame: pd.DataFrame, *, by: str, title: str, source: list[str], subtitle=None) -> dict:
    """USD by ``group`` (column ``usd``; ``n_deals`` and, when given, ``n_with_amount`` shown as text).
    A group whose deals state no amount (``usd`` NaN, or ``n_with_amount`` 0) reads "not disclosed",
    never "$0.00 bn"; a group where only some do says how many did not."""
    need(frame, "group", "usd", "n_deals")
    if frame.empty:
        return empty(title, "No deals with amounts for these filters.", source)
    with_amount = frame["n_with_amount"] if "n_with_amount" in frame.columns else frame["n_deals"]
    texts, usd_texts = [], []
    for u, n, k in zip(frame["usd"], frame["n_deals"], with_amount):
        deals = f"{n} deal{'s' if n != 1 else ''}"
        if pd.isna(u) or k == 0:
            texts.append(f"not disclosed · {deals}")
            usd_texts.append("not disclosed")
            continue
        missing = n - k
        texts.append(f"{fmt_usd(u)} · {deals}" + (f" ({missing} not disclosed)" if missing else ""))
        usd_texts.append(f"${u:,.0f}" + (f" ({missing} of {n} deals not disclosed)" if missing else ""))
    rows = frame.assign(text=texts, usd_text=usd_texts,
                        usd=frame["usd"].where(~(frame["usd"].isna() | (with_amount == 0)), 0.0))
    y = field("group:N", sort=list(rows["group"]), title=by, axis={"labelLimit": 200})
    bars = {"mark": mark("bar", color=ACCENT), "encoding": {
        "y": y, "x": field("usd:Q", title="USD", axis={"format": "$.2s"}),
        "tooltip": [field("group:N", title=by), field("usd_text:N", title="USD"),
                    field("n_deals:Q", title="Deals")]}}
    text = {"mark": mark("text", align="left", dx=3, fontSize=10),
            "encoding": {"y": y, "x": field("usd:Q"), "text": field("text:N")}}
    chart = layer(bars, text, shared=rows, width=WIDTH - 220, height=max(60, 20 * len(rows)))
    return finish(chart, title, source, subtitle)


def vulnerability_scatter(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Supply-risk score (x) against deal dollars (y, log; unfinanced at the floor)."""
    need(frame, "name", "score", "usd", "financed")
    if frame.empty:
        return empty(title, "No scored minerals.", source)
    floor = 1e6
    rows = frame.assign(plot_usd=frame["usd"].fillna(0).clip(lower=floor),
                        status=frame["financed"].map({True: "financed", False: "no deal found"}))
    encoding = {
        "x": field("score:Q", title="Supply-risk score (EU method; higher = riskier)"),
        "y": field("plot_usd:Q", title="Deal USD (log; $1M line = none)", scale={"type": "log"},
                   axis={"format": "$.2s"}),
        "tooltip": [field("name:N", title="Mineral"), field("stage:N", title="Stage"),
                    field("score:Q", format=".2f", title="Supply-risk score"),
                    field("usd:Q", format="$,.0f", title="Deal USD"), field("status:N", title="Financing")]}
    status = {"domain": ["financed", "no deal found"]}
    points = {"mark": mark("point", size=80, filled=True), "encoding": {**encoding, "color": field(
        "status:N", scale={**status, "range": [ACCENT, CHINA]}, title=None, legend={"orient": "top"}),
        "shape": field("status:N", scale={**status, "range": ["circle", "cross"]}, title=None,
                       legend={"orient": "top"})}}
    labels = {"mark": mark("text", align="left", dx=6, fontSize=9.5, color="#444444"),
              "encoding": {**encoding, "text": field("name:N")}}
    chart = layer(points, labels, shared=rows, fields=["score", "plot_usd", "name", "stage", "usd", "status"],
                  width=WIDTH, height=300)
    return finish(chart, title, source, subtitle)
