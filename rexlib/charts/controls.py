"""Export controls over time (issue 27): what came under control when, and the share of supply the
controlling countries hold, year by year."""
from __future__ import annotations

import pandas as pd

from .base import NEUTRAL, OKABE_ITO, SHAPES, WIDTH, empty, field, finish, layer, mark, need

KIND_DOMAIN = ["licensing", "quota", "ban", "reprieve", "unspecified"]
# the one palette (charts.base, Okabe-Ito), and a shape per kind: the kinds read without colour too
KIND_COLORS = [OKABE_ITO["vermillion"], OKABE_ITO["orange"], OKABE_ITO["blue"], OKABE_ITO["bluish_green"], NEUTRAL]
KIND_SHAPES = SHAPES[:len(KIND_DOMAIN)]
MEASURES = {"mining_pct": "World mining", "processing_pct": "World processing", "import_pct": "U.S. imports"}
MEASURE_COLORS = [OKABE_ITO["orange"], OKABE_ITO["vermillion"], OKABE_ITO["blue"]]
MEASURE_SHAPES = ["circle", "square", "triangle-up"]


def control_timeline(frame: pd.DataFrame, *, title: str, source: list[str], by: str = "country_name",
                     subtitle=None) -> dict:
    """One mark per (row label ``by``, year a control took effect), coloured by kind. Needs ``by``,
    ``effective_year``, ``kind``, ``country_name``, ``mineral_name``, ``products``. Undated rows
    (curated rows the documents do not date) are left out and counted in the subtitle."""
    need(frame, by, "effective_year", "kind", "country_name", "mineral_name", "products")
    dated = frame[frame["effective_year"].notna()].copy()
    if dated.empty:
        return empty(title, "No dated export control names this selection.", source)
    dated["effective_year"] = dated["effective_year"].astype(int)
    undated = len(frame) - len(dated)
    sub = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    if undated:
        sub.append(f"{undated} undated control(s) named in the documents are listed in the table, not drawn")
    order = list(dict.fromkeys(dated.sort_values(["effective_year", by])[by]))
    lo, hi = min(int(dated["effective_year"].min()), 2022), max(int(dated["effective_year"].max()), 2026)
    y = field(f"{by}:N", sort=order, title=None, axis={"labelLimit": 200})
    points = {"mark": mark("point", filled=True, size=110, opacity=0.9), "encoding": {
        "y": y, "x": field("effective_year:O", title="Year the control took effect",
                           scale={"domain": list(range(lo, hi + 1))}),
        "color": field("kind:N", title="Kind", scale={"domain": KIND_DOMAIN, "range": KIND_COLORS},
                       legend={"orient": "top", "direction": "horizontal"}),
        "shape": field("kind:N", title="Kind", scale={"domain": KIND_DOMAIN, "range": KIND_SHAPES},
                       legend={"orient": "top", "direction": "horizontal"}),
        "tooltip": [field("mineral_name:N", title="Mineral"), field("country_name:N", title="Country"),
                    field("kind:N", title="Kind"), field("effective_year:O", title="In force from"),
                    field("products:N", title="What (as the source words it)")]}}
    chart = layer(points, shared=dated, fields=[by, "effective_year", "kind", "country_name", "mineral_name",
                                                "products"],
                  width=WIDTH - 200, height=max(60, 22 * len(order)))
    return finish(chart, title, source, sub)


def control_share_lines(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Share (%) of world mining, world processing and U.S. imports held by the countries with a
    control in force, per year (``year``, ``mining_pct``, ``processing_pct``, ``import_pct``,
    ``countries``: the rows of one kind). Unknown shares (no series with a world) are not drawn."""
    need(frame, "year", "countries", *MEASURES)
    long = frame.melt(id_vars=["year", "countries"], value_vars=list(MEASURES), var_name="measure", value_name="pct")
    long = long[long["pct"].notna()].copy()
    if long.empty:
        return empty(title, "No series with a world total to share for this mineral.", source)
    long["measure"] = long["measure"].map(MEASURES)
    long["countries"] = long["countries"].replace("", "none")
    enc = {"x": field("year:O", title=None), "y": field("pct:Q", title="Share held by countries with a control (%)",
                                                       scale={"domain": [0, 100]}),
           "color": field("measure:N", title=None, scale={"domain": [m for m in MEASURES.values() if m in set(long["measure"])],
                                                          "range": [c for m, c in zip(MEASURES.values(), MEASURE_COLORS)
                                                                    if m in set(long["measure"])]},
                          legend={"orient": "top", "direction": "horizontal"})}
    lines = {"mark": mark("line", point=True, strokeWidth=2), "encoding": {
        **enc, "tooltip": [field("year:O", title="Year"), field("measure:N", title="Share of"),
                           field("pct:Q", title="Share (%)", format=".1f"),
                           field("countries:N", title="Countries with a control in force")]}}
    chart = layer(lines, shared=long, fields=["year", "pct", "measure", "countries"],
                  width=WIDTH - 120, height=200)
    return finish(chart, title, source, subtitle)
