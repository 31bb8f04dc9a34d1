"""Supply charts: who produces, where, how it changed, reserves, IEA mining vs refining."""
from __future__ import annotations

import json
from functools import lru_cache

import altair as alt
import pandas as pd

from ..paths import RAW
from .base import EXTERNAL_DATASETS, ACCENT, CHINA, MUTED, NEUTRAL, WIDTH, WITHHELD, empty, finish, need, builder, _set

WORLD_ATLAS = RAW / "reference" / "world-atlas_countries-110m.json"
WORLD_DATASET = "world_atlas_countries_110m"


@lru_cache(maxsize=1)
def _topology() -> dict:
    with open(WORLD_ATLAS, encoding="utf-8") as handle:
        return json.load(handle)


EXTERNAL_DATASETS[WORLD_DATASET] = _topology


def _country_color(frame: pd.DataFrame) -> pd.Series:
    return frame["country"].map(lambda c: "China" if c == "CHN" else ("United States" if c == "USA" else "Other"))


_HIGHLIGHT = alt.Scale(domain=["China", "United States", "Other"], range=[CHINA, "#2c7fb8", NEUTRAL])


@builder
def world_share_map(frame: pd.DataFrame, *, title: str, source: list[str], value: str = "share_pct",
                    legend: str = "Share of world production (%)", subtitle=None):
    """Choropleth of ``value`` by country, offline from the bundled world-atlas TopoJSON.

    ``frame``: one row per country with ``iso_numeric`` (zero-padded ISO 3166 numeric, the
    TopoJSON feature id), ``name``, ``value``, ``label`` (text for the tooltip) and ``status``
    (``value`` / ``withheld``)."""
    need(frame, "iso_numeric", "name", value, "label", "status")
    rows = frame.dropna(subset=["iso_numeric"])
    if rows.empty:
        return empty(title, "No country rows to map.", source)
    # A named dataset: the 100 kB topology is attached by to_svg (see base.EXTERNAL_DATASETS) instead
    # of being deep-copied by Altair at every layer operation.
    countries = alt.Data(name=WORLD_DATASET, format=alt.DataFormat(type="topojson", feature="countries"))
    lookup = alt.LookupData(rows[["iso_numeric", "name", value, "label", "status"]], key="iso_numeric",
                            fields=["name", value, "label", "status"])
    base = alt.Chart(countries).mark_geoshape(fill="#eef1f4", stroke="white", strokeWidth=0.4)
    shares = (alt.Chart(countries).mark_geoshape(stroke="white", strokeWidth=0.4)
              .transform_lookup(lookup="id", from_=lookup)
              .transform_filter("datum.status === 'value'")
              .encode(color=alt.Color(f"{value}:Q", title=legend,
                                      scale=alt.Scale(scheme="orangered", domainMin=0, type="sqrt"),
                                      legend=alt.Legend(orient="bottom", gradientLength=260)),
                      tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("label:N", title="Value")]))
    withheld = (alt.Chart(countries).mark_geoshape(stroke="white", strokeWidth=0.4, fill=WITHHELD)
                .transform_lookup(lookup="id", from_=lookup)
                .transform_filter("datum.status === 'withheld'")
                .encode(tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("label:N", title="Value")]))
    chart = _set(base + withheld + shares, projection=alt.Projection(type="equalEarth"), width=WIDTH + 80,
                 height=330)
    sub = list([subtitle] if isinstance(subtitle, str) else (subtitle or []))
    sub.append("Lavender: listed but value withheld/not available. Pale grey: not listed by the publisher.")
    return finish(chart, title, source, sub)


@builder
def top_producers(frame: pd.DataFrame, *, title: str, source: list[str], unit: str, n: int = 12, subtitle=None):
    """Horizontal bars of production by country (aggregates excluded); withheld shown as a label."""
    need(frame, "country", "name", "value", "label")
    rows = frame.copy()
    rows["sort"] = rows["value"].fillna(-1)
    rows = rows.sort_values("sort", ascending=False).head(n)
    if rows.empty:
        return empty(title, "No producer rows for these parameters.", source)
    rows["highlight"] = _country_color(rows)
    rows["plot_value"] = rows["value"].fillna(0)
    y = alt.Y("name:N", sort=list(rows["name"]), title=None, axis=alt.Axis(labelLimit=180))
    bars = alt.Chart(rows).mark_bar(height={"band": 0.75}).encode(
        y=y, x=alt.X("plot_value:Q", title=unit),
        color=alt.Color("highlight:N", scale=_HIGHLIGHT, legend=None),
        tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("label:N", title="Value")])
    labels = alt.Chart(rows).mark_text(align="left", dx=4, fontSize=10.5, color="#333").encode(
        y=y, x=alt.X("plot_value:Q"), text=alt.Text("label:N"))
    chart = _set(bars + labels, width=WIDTH - 160, height=max(60, 22 * len(rows)))
    return finish(chart, title, source, subtitle)


@builder
def production_trend(frame: pd.DataFrame, *, title: str, source: list[str], unit: str, subtitle=None):
    """Lines by country over years (``country``, ``name``, ``year``, ``value``)."""
    need(frame, "name", "year", "value")
    rows = frame.dropna(subset=["value"])
    if rows.empty:
        return empty(title, "No numeric values across years (withheld or not available).", source)
    rows = rows.assign(highlight=_country_color(rows))
    base = alt.Chart(rows).encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=unit),
        color=alt.Color("name:N", title="Country", legend=alt.Legend(orient="right", labelLimit=160)),
        tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("year:O"),
                 alt.Tooltip("value:Q", title=unit, format=",.4"), alt.Tooltip("flag:N", title="Flag")])
    chart = _set(base.mark_line(strokeWidth=2) + base.mark_point(filled=True, size=40),
                 width=WIDTH - 140, height=240)
    return finish(chart, title, source, subtitle)


@builder
def reserves_bars(frame: pd.DataFrame, *, title: str, source: list[str], unit: str, n: int = 10):
    return top_producers(frame, title=title, source=source, unit=unit, n=n)


@builder
def mining_vs_refining(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None):
    """IEA shares side by side: one facet column per stage (``stage_label``), bars by country."""
    need(frame, "stage_label", "name", "share_pct", "country")
    if frame.empty:
        return empty(title, "The IEA workbook does not cover this mineral.", source)
    rows = frame.assign(highlight=_country_color(frame))
    chart = alt.Chart(rows).mark_bar().encode(
        y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=150)),
        x=alt.X("share_pct:Q", title="Share of world total (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("highlight:N", scale=_HIGHLIGHT, legend=None),
        tooltip=[alt.Tooltip("name:N", title="Country"), alt.Tooltip("stage_label:N", title="Stage"),
                 alt.Tooltip("share_pct:Q", title="Share %", format=".1f"),
                 alt.Tooltip("value_kt:Q", title="kt", format=",.1f")],
    ).properties(width=200, height=150).facet(
        column=alt.Column("stage_label:N", title=None, header=alt.Header(labelFontSize=12, labelFontWeight="bold")))
    chart = chart.resolve_scale(y="independent")
    return finish(chart, title, source, subtitle)


def share_tiles(tiles: list[dict]) -> str:
    """Tiles are HTML, not charts: [{'label', 'value', 'note'}]."""
    from .base import esc
    cells = "".join(
        f'<div class="rex-tile"><div class="rex-tile-label">{esc(t["label"])}</div>'
        f'<div class="rex-tile-value">{esc(t["value"])}</div>'
        f'<div class="rex-tile-note">{esc(t.get("note", ""))}</div></div>' for t in tiles)
    return f'<div class="rex-tiles">{cells}</div>'


__all__ = ["world_share_map", "top_producers", "production_trend", "reserves_bars", "mining_vs_refining",
           "share_tiles", "ACCENT", "MUTED"]
