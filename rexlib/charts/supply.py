"""Supply charts: who produces, where, how it changed, reserves, IEA mining vs refining."""
from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from rexlib.core.paths import RAW
from .base import (EXTERNAL_DATASETS, ACCENT, CHINA, INK, OKABE_ITO, MUTED, NEUTRAL, WIDTH, WITHHELD, clickable, data, empty, field,
                   finish, flag_words, layer, mark, need)

WORLD_ATLAS = RAW / "reference" / "world-atlas_countries-110m.json"
WORLD_DATASET = "world_atlas_countries_110m"


@lru_cache(maxsize=1)
def _topology() -> dict:
    with open(WORLD_ATLAS, encoding="utf-8") as handle:
        return json.load(handle)


EXTERNAL_DATASETS[WORLD_DATASET] = _topology


def _country_color(frame: pd.DataFrame) -> pd.Series:
    return frame["country"].map(lambda c: "China" if c == "CHN" else ("United States" if c == "USA" else "Other"))


ZERO_FILL = "#9fb3c8"   # listed with zero production: not on the share scale

_HIGHLIGHT = {"domain": ["China", "United States", "Other"], "range": [CHINA, OKABE_ITO["sky_blue"], NEUTRAL]}


def world_share_map(frame: pd.DataFrame, *, title: str, source: list[str], value: str = "share_pct",
                    legend: str = "Share of world production (%)", subtitle=None) -> dict:
    """Choropleth of ``value`` by country, offline from the bundled world-atlas TopoJSON.

    ``frame``: one row per country with ``iso_numeric`` (zero-padded ISO 3166 numeric, the
    TopoJSON feature id), ``name``, ``value``, ``label`` (text for the tooltip) and ``status``
    (``value`` / ``withheld``)."""
    need(frame, "iso_numeric", "name", value, "label", "status")
    rows = frame.dropna(subset=["iso_numeric"])
    if rows.empty:
        return empty(title, "No country rows to map.", source)
    # A producer of 0 (USGS "—", the United States for gallium) is no producer: it gets its own fill,
    # never the lightest colour of the scale, which reads as a small producer.
    zero = rows["status"].eq("value") & (rows[value].eq(0) | (rows["value"].eq(0) if "value" in rows.columns else False))
    rows = rows.assign(status=rows["status"].where(~zero, "zero"))
    # A named dataset: the 100 kB topology is attached by to_svg (see base.EXTERNAL_DATASETS).
    countries = {"name": WORLD_DATASET, "format": {"type": "topojson", "feature": "countries"}}
    # Country id, mineral and stage ride along for the click (charts.base.clickable), flags in words.
    rows = rows.assign(flag_text=rows["flag"].map(flag_words)) if "flag" in rows.columns else rows
    looked_up = ["name", value, "label", "status"] + [c for c in ("flag_text", "country", "mineral_id", "stage")
                                                      if c in rows.columns]
    lookup = {"lookup": "id", "from": {"data": data(rows[["iso_numeric", *looked_up]]),
                                       "key": "iso_numeric", "fields": looked_up}}
    unit = next((u for u in rows["unit"].dropna().unique()), None) if "unit" in rows.columns else None
    tooltip = [field("name:N", title="Country"),
               field("label:N", title=f"Value ({unit}) · share of world" if unit else "Value · share of world")]
    if "flag_text" in rows.columns:
        tooltip.append(field("flag_text:N", title="Publisher's flag"))
    base = {"mark": mark("geoshape", fill="#eef1f4", stroke="white", strokeWidth=0.4)}
    withheld = {"mark": mark("geoshape", stroke="white", strokeWidth=0.4, fill=WITHHELD),
                "transform": [lookup, {"filter": "datum.status === 'withheld'"}],
                "encoding": {"tooltip": tooltip}}
    zeros = {"mark": mark("geoshape", stroke="white", strokeWidth=0.4, fill=ZERO_FILL),
             "transform": [lookup, {"filter": "datum.status === 'zero'"}],
             "encoding": {"tooltip": tooltip}}
    shares = {"mark": mark("geoshape", stroke="white", strokeWidth=0.4),
              "transform": [lookup, {"filter": "datum.status === 'value'"}],
              "encoding": {"color": field(f"{value}:Q", title=legend,
                                          scale={"scheme": "orangered", "domainMin": 0, "type": "sqrt"},
                                          legend={"orient": "bottom", "gradientLength": 260}),
                           "tooltip": tooltip}}
    chart = layer(base, withheld, zeros, shares, data=countries, projection={"type": "equalEarth"}, width=WIDTH + 80,
                  height=330)
    sub = list([subtitle] if isinstance(subtitle, str) else (subtitle or []))
    sub.append("Lavender: listed but value withheld/not available. Slate: listed with zero production. "
               "Pale grey: not listed by the publisher.")
    spec = finish(chart, title, source, sub)
    return _country_click(spec, rows.columns)


def _country_click(spec: dict, columns) -> dict:
    """Marks are countries (``country``); the mineral and stage, where the rows carry them, go along."""
    if "country" not in columns:
        return spec
    context = {key: col for key, col in (("mineral", "mineral_id"), ("stage", "stage")) if col in columns}
    return clickable(spec, "country", "country", **context)


def top_producers(frame: pd.DataFrame, *, title: str, source: list[str], unit: str, n: int = 12,
                  subtitle=None) -> dict:
    """Horizontal bars of production by country (aggregates excluded); withheld shown as a label."""
    need(frame, "country", "name", "value", "label")
    rows = frame.copy()
    rows["sort"] = rows["value"].fillna(-1)
    rows = rows.sort_values("sort", ascending=False).head(n)
    if rows.empty:
        return empty(title, "No producer rows for these parameters.", source)
    rows["highlight"] = _country_color(rows)
    rows["plot_value"] = rows["value"].fillna(0)
    rows["flag_text"] = rows["flag"].map(flag_words) if "flag" in rows.columns else ""
    y = field("name:N", sort=list(rows["name"]), title=None, axis={"labelLimit": 180})
    bars = {"mark": mark("bar", height={"band": 0.75}),
            "encoding": {"y": y, "x": field("plot_value:Q", title=unit),
                         "color": field("highlight:N", scale=_HIGHLIGHT, legend=None),
                         "tooltip": [field("name:N", title="Country"), field("label:N", title=f"{unit} · share of world"),
                                     field("flag_text:N", title="Publisher's flag")]}}
    labels = {"mark": mark("text", align="left", dx=4, fontSize=10.5, color=INK),
              "encoding": {"y": y, "x": field("plot_value:Q"), "text": field("label:N")}}
    extra = [c for c in ("country", "mineral_id", "stage") if c in rows.columns]
    chart = layer(bars, labels, shared=rows, fields=["name", "plot_value", "highlight", "label", "flag_text", *extra],
                  width=WIDTH - 160, height=max(60, 22 * len(rows)))
    return _country_click(finish(chart, title, source, subtitle), extra)


def production_trend(frame: pd.DataFrame, *, title: str, source: list[str], unit: str, subtitle=None) -> dict:
    """Lines by country over years (``country``, ``name``, ``year``, ``value``)."""
    need(frame, "name", "year", "value")
    rows = frame.dropna(subset=["value"])
    if rows.empty:
        return empty(title, "No numeric values across years (withheld or not available).", source)
    rows = rows.assign(highlight=_country_color(rows),
                       flag_text=rows["flag"].map(flag_words) if "flag" in rows.columns else "")
    encoding = {
        "x": field("year:O", title=None, axis={"labelAngle": 0}),
        "y": field("value:Q", title=unit),
        "color": field("name:N", title="Country", legend={"orient": "right", "labelLimit": 160}),
        "tooltip": [field("name:N", title="Country"), field("year:O", title="Year"),
                    field("value:Q", title=unit, format=",.4"), field("flag_text:N", title="Publisher's flag")]}
    chart = layer({"mark": mark("line", strokeWidth=2), "encoding": encoding},
                  {"mark": mark("point", filled=True, size=40), "encoding": encoding},
                  shared=rows, fields=["name", "year", "value", "flag_text"], width=WIDTH - 140, height=240)
    return finish(chart, title, source, subtitle)


def reserves_bars(frame: pd.DataFrame, *, title: str, source: list[str], unit: str, n: int = 10) -> dict:
    return top_producers(frame, title=title, source=source, unit=unit, n=n)


def mining_vs_refining(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Shares side by side: one facet column per stage (``stage_label``), bars by country.

    The tooltip's amount is ``amount_text`` when the rows carry it (each row in its own unit: a USGS
    series in metric tons, an EU share-only row says so), else ``value_kt`` in thousand tonnes (IEA)."""
    need(frame, "stage_label", "name", "share_pct", "country")
    if frame.empty:
        return empty(title, "The IEA workbook does not cover this mineral.", source)
    rows = frame.assign(highlight=_country_color(frame))
    if "amount_text" not in rows.columns:
        need(rows, "value_kt")
        rows["amount_text"] = [("" if pd.isna(v) else f"{v:,.1f} kt") for v in rows["value_kt"]]
    chart = {"data": data(rows, ["name", "share_pct", "highlight", "stage_label", "amount_text"]),
             "facet": {"column": field("stage_label:N", title=None,
                                       header={"labelFontSize": 12, "labelFontWeight": "bold"})},
             "spec": {"mark": mark("bar"), "width": 200, "height": 150, "encoding": {
                 "y": field("name:N", sort="-x", title=None, axis={"labelLimit": 150}),
                 "x": field("share_pct:Q", title="Share of world total (%)", scale={"domain": [0, 100]}),
                 "color": field("highlight:N", scale=_HIGHLIGHT, legend=None),
                 "tooltip": [field("name:N", title="Country"), field("stage_label:N", title="Stage"),
                             field("share_pct:Q", title="Share of world total (%)", format=".1f"),
                             field("amount_text:N", title="Amount")]}},
             "resolve": {"scale": {"y": "independent"}}}
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
