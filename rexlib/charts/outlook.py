"""Demand-outlook charts (IEA scenarios): demand by end use over time, the three scenarios side by
side, supply against demand, growth multipliers, projected concentration, exposure of 2030 demand
to a cut, and a mineral-to-technology flow (a static Sankey drawn with Vega-Lite area and rect marks,
its layout computed here: no JavaScript, no network)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from rexlib.core.ids import STAGE_WORDS
from .base import ACCENT, CATEGORY, CHINA, INK, MUTED, NEUTRAL, OKABE_ITO as OI, WIDTH, data, empty, field, finish, layer, mark, need

SCENARIO_COLORS = {"domain": ["STEPS", "APS", "NZE"], "range": [OI["blue"], OI["orange"], OI["bluish_green"]]}
SCENARIO_SHAPES = {"domain": ["STEPS", "APS", "NZE"], "range": ["circle", "square", "triangle-up"]}
END_USE_ORDER = ["electric_vehicles", "grid_battery_storage", "solar_pv", "wind", "other_low_emissions_power",
                 "electricity_networks", "hydrogen", "other_uses"]
END_USE_NAMES = {"electric_vehicles": "Electric vehicles", "grid_battery_storage": "Grid battery storage",
                 "solar_pv": "Solar PV", "wind": "Wind", "other_low_emissions_power": "Other low-emissions power",
                 "electricity_networks": "Electricity networks", "hydrogen": "Hydrogen", "other_uses": "Other uses"}
END_USE_COLORS = {"domain": [END_USE_NAMES[e] for e in END_USE_ORDER],
                  "range": [OI["blue"], OI["sky_blue"], OI["yellow"], OI["bluish_green"], OI["reddish_purple"],
                            OI["vermillion"], OI["orange"], NEUTRAL]}


def end_use_name(end_use: str) -> str:
    return END_USE_NAMES.get(end_use, str(end_use).replace("_", " ").capitalize())


def _year_axis() -> dict:
    return field("year:O", title=None, axis={"labelAngle": 0})


def demand_stacked(frame: pd.DataFrame, *, title: str, source: list[str], highlight: str | None = None,
                   subtitle=None) -> dict:
    """Stacked bars of demand (kt) by end use per year (``end_use``, ``year``, ``value_kt``).
    ``highlight`` (an end use) keeps full colour, the others fade."""
    need(frame, "end_use", "year", "value_kt")
    rows = frame[frame["value_kt"].notna()]
    if rows.empty:
        return empty(title, "No demand rows for these parameters.", source)
    rows = rows.assign(name=rows["end_use"].map(end_use_name),
                       order=rows["end_use"].map({e: i for i, e in enumerate(END_USE_ORDER)}).fillna(99),
                       faded=(rows["end_use"] != highlight) if highlight else False)
    present = set(rows["name"])
    pairs = [(n, c) for n, c in zip(END_USE_COLORS["domain"], END_USE_COLORS["range"]) if n in present]
    extra = sorted(present - {n for n, _ in pairs})
    scale = {"domain": [n for n, _ in pairs] + extra, "range": [c for _, c in pairs] + [MUTED] * len(extra)}
    enc = {"x": _year_axis(), "y": field("value_kt:Q", title="kt", stack="zero"),
           "color": field("name:N", title="End use", scale=scale, legend={"orient": "right"}),
           "order": field("order:Q"),
           "opacity": ({"condition": {"test": "datum.faded", "value": 0.25}, "value": 1} if highlight else {"value": 1}),
           "tooltip": [field("name:N", title="End use"), field("year:O"), field("value_kt:Q", format=",.1f", title="kt"),
                       field("source_cell:N", title="Cell")]}
    chart = {"data": data(rows, ["name", "year", "value_kt", "order", "faded", "source_cell"]),
             "mark": mark("bar", width={"band": 0.7}), "encoding": enc, "width": WIDTH - 140, "height": 260}
    return finish(chart, title, source, subtitle)


def scenario_lines(frame: pd.DataFrame, *, title: str, source: list[str], supply: pd.DataFrame | None = None,
                   subtitle=None) -> dict:
    """Total demand per scenario over the years (each line starts at the observed 2023 value);
    ``supply`` (``year``, ``total_kt``, ``stage_label``) adds the base-case supply as dashed lines."""
    need(frame, "scenario", "year", "value_kt")
    if frame.empty:
        return empty(title, "No demand rows for these parameters.", source)
    enc = {"x": field("year:Q", title=None, axis={"format": "d", "values": sorted(int(y) for y in frame["year"].unique())},
                      scale={"zero": False}),
           "y": field("value_kt:Q", title="kt"),
           "color": field("scenario:N", title="Scenario", scale=SCENARIO_COLORS, legend={"orient": "top"}),
           "tooltip": [field("scenario:N"), field("year:Q", format="d"), field("value_kt:Q", format=",.1f", title="kt")]}
    layers = [{"data": data(frame, ["scenario", "year", "value_kt"]), "mark": mark("line", strokeWidth=2.5),
               "encoding": enc},
              {"data": data(frame, ["scenario", "year", "value_kt"]), "mark": mark("point", filled=True, size=55),
               "encoding": {**enc, "shape": field("scenario:N", title="Scenario", scale=SCENARIO_SHAPES,
                                                   legend={"orient": "top"})}}]
    if supply is not None and len(supply):
        s = supply.assign(label="Supply: " + supply["stage_label"].astype(str))
        senc = {"x": field("year:Q"), "y": field("total_kt:Q"),
                "strokeDash": field("label:N", title="Base-case supply", legend={"orient": "top"}),
                "tooltip": [field("label:N"), field("year:Q", format="d"), field("total_kt:Q", format=",.1f", title="kt")]}
        layers.append({"data": data(s, ["label", "year", "total_kt"]), "mark": mark("line", color=MUTED, strokeWidth=1.8),
                       "encoding": senc})
    chart = layer(*layers, width=WIDTH - 60, height=260)
    return finish(chart, title, source, subtitle)


def supply_vs_demand(balance: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Bars: demand per scenario (observed 2023, then STEPS/APS/NZE) per year; ticks: base-case supply
    per stage. ``balance``: rows of ``rexlib.metrics.outlook.supply_demand_balance`` for one mineral."""
    need(balance, "stage", "year", "scenario", "supply_kt", "demand_kt", "gap_kt")
    if balance.empty:
        return empty(title, "The workbook projects no supply for this mineral.", source)
    dem = balance.drop_duplicates(["year", "scenario", "demand_kt"]).copy()
    dem["series"] = dem["scenario"].replace({"observed": "Demand 2023 (observed)"})
    offset = {"STEPS": -1.1, "APS": 0.0, "NZE": 1.1, "observed": 0.0}
    dem["x"] = dem["year"] + dem["scenario"].map(offset)
    sup = balance.drop_duplicates(["stage", "year"]).copy()
    sup["series"] = "Supply: " + sup["stage"].map(STAGE_WORDS).fillna(sup["stage"])
    sup["x0"], sup["x1"] = sup["year"] - 2.0, sup["year"] + 2.0
    domain = ["Demand 2023 (observed)"] + SCENARIO_COLORS["domain"] + sorted(sup["series"].unique())
    color_range = [NEUTRAL] + SCENARIO_COLORS["range"] + [OI["black"], OI["reddish_purple"]][:sup["series"].nunique()]
    color = {"domain": domain, "range": color_range}
    xs = field("x:Q", title=None, scale={"domain": [2021, 2042], "nice": False},
               axis={"values": sorted(int(y) for y in balance["year"].unique()), "format": "d", "grid": False})
    bars = {"data": data(dem, ["x", "year", "series", "scenario", "demand_kt"]), "mark": mark("bar", size=13),
            "encoding": {"x": xs, "y": field("demand_kt:Q", title="kt"),
                         "color": field("series:N", title=None, scale=color, legend={"orient": "top", "columns": 4}),
                         "tooltip": [field("series:N", title="Demand"), field("year:O"),
                                     field("demand_kt:Q", format=",.1f", title="kt")]}}
    ticks = {"data": data(sup, ["x0", "x1", "year", "series", "supply_kt"]),
             "mark": mark("rule", strokeWidth=2.5),
             "encoding": {"x": field("x0:Q"), "x2": {"field": "x1"}, "y": field("supply_kt:Q"),
                          "color": field("series:N", scale=color),
                          "tooltip": [field("series:N", title="Base-case supply"), field("year:O"),
                                      field("supply_kt:Q", format=",.1f", title="kt")]}}
    chart = layer(bars, ticks, width=WIDTH - 60, height=270)
    return finish(chart, title, source, subtitle)


def growth_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Horizontal bars of growth multiples (``name``, ``scenario``, ``multiple``), one group per row name."""
    need(frame, "name", "scenario", "multiple")
    rows = frame.dropna(subset=["multiple"])
    if rows.empty:
        return empty(title, "No growth multiples (the 2023 base is zero, negligible or missing).", source)
    order = list(dict.fromkeys(rows.sort_values("multiple", ascending=False)["name"]))
    y = field("name:N", sort=order, title=None, axis={"labelLimit": 190})
    enc = {"y": y, "yOffset": field("scenario:N", sort=["STEPS", "APS", "NZE"]),
           "x": field("multiple:Q", title="× 2023 demand"),
           "color": field("scenario:N", title="Scenario", scale=SCENARIO_COLORS, legend={"orient": "top"}),
           "tooltip": [field("name:N"), field("scenario:N"), field("multiple:Q", format=".2f", title="× 2023"),
                       field("value_kt:Q", format=",.4~r", title="kt"), field("base_kt:Q", format=",.4~r", title="2023 kt")]}
    bars = {"mark": mark("bar", height={"band": 0.8}), "encoding": enc}
    one = {"data": {"values": [{"x": 1}]}, "mark": mark("rule", color=MUTED, strokeDash=[3, 3]),
           "encoding": {"x": field("x:Q")}}
    chart = layer(bars, one, shared=rows, fields=["name", "scenario", "multiple", "value_kt", "base_kt"],
                  width=WIDTH - 180, height=max(90, 16 * len(rows)))
    return finish(chart, title, source, subtitle)


def concentration_lines(frame: pd.DataFrame, *, title: str, source: list[str], measure: str = "top3_share",
                        subtitle=None) -> dict:
    """Top-3 / China share (%) or HHI of IEA supply blocks over 2023–2040 (``label``, ``year``, ``measure``)."""
    need(frame, "label", "year", measure)
    rows = frame.dropna(subset=[measure])
    if rows.empty:
        return empty(title, "No IEA supply blocks for these parameters.", source)
    titles = {"top3_share": "Top-3 share (%)", "china_share": "China's share (%)", "hhi": "HHI (lower bound)"}
    enc = {"x": field("year:Q", title=None, axis={"format": "d", "values": [2023, 2030, 2035, 2040]},
                      scale={"zero": False}),
           "y": field(f"{measure}:Q", title=titles.get(measure, measure),
                      scale={"domain": [0, 100]} if measure != "hhi" else {"domain": [0, 10000]}),
           "color": field("label:N", title=None, legend={"orient": "right", "labelLimit": 220}),
           "tooltip": [field("label:N"), field("year:Q", format="d"), field(f"{measure}:Q", format=",.1f"),
                       field("top1_country:N", title="Top supplier")]}
    chart = layer({"mark": mark("line", strokeWidth=2), "encoding": enc},
                  {"mark": mark("point", filled=True, size=40), "encoding": enc},
                  shared=rows, fields=["label", "year", measure, "top1_country"], width=WIDTH - 180, height=230)
    return finish(chart, title, source, subtitle)


def exposure_bars(frame: pd.DataFrame, *, title: str, source: list[str], subtitle=None) -> dict:
    """Per scenario: the share of demand the supplier's projected supply represents and the shortfall
    after the cut (percent of that scenario's demand). ``frame``: rows of
    ``rexlib.metrics.outlook.demand_exposure``."""
    need(frame, "scenario", "supplier_share_of_demand_pct", "shortfall_pct")
    if frame.empty:
        return empty(title, "No demand for this mineral in that year.", source)
    long = frame.melt(id_vars=["scenario", "demand_kt"], value_vars=["supplier_share_of_demand_pct", "shortfall_pct"],
                      var_name="measure", value_name="pct")
    long["measure"] = long["measure"].map({"supplier_share_of_demand_pct": "Supplier's projected supply",
                                           "shortfall_pct": "Shortfall after the cut"})
    enc = {"y": field("scenario:N", sort=["STEPS", "APS", "NZE"], title=None),
           "yOffset": field("measure:N"), "x": field("pct:Q", title="% of the scenario's demand"),
           "color": field("measure:N", title=None, scale={"domain": ["Supplier's projected supply",
                                                                     "Shortfall after the cut"],
                                                          "range": [ACCENT, CHINA]}, legend={"orient": "top"}),
           "tooltip": [field("scenario:N"), field("measure:N"), field("pct:Q", format=".1f", title="%"),
                       field("demand_kt:Q", format=",.1f", title="Demand kt")]}
    chart = {"data": data(long, ["scenario", "measure", "pct", "demand_kt"]), "mark": mark("bar"), "encoding": enc,
             "width": WIDTH - 160, "height": 150}
    return finish(chart, title, source, subtitle)


# ---------------------------------------------------------------- flow (Sankey) layout

def _smooth(n: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, n)
    return t * t * (3 - 2 * t)      # smoothstep: a band leaves and arrives horizontally


def sankey_layout(flows: pd.DataFrame, *, gap_share: float = 0.02, samples: int = 24) -> tuple[pd.DataFrame, ...]:
    """Node rectangles and band polygons of a two-column Sankey (source ``left`` -> target ``right``).

    ``flows``: ``left``, ``right``, ``value`` (> 0). Nodes are stacked top-down by total, with a gap of
    ``gap_share`` of the grand total between nodes; a band's width at each end equals its value.
    Returns ``(nodes, bands)``: nodes ``side``, ``name``, ``y0``, ``y1``, ``value``; bands ``band``,
    ``left``, ``right``, ``value``, ``x`` (0..1), ``y_top``, ``y_bottom`` (``samples`` points each)."""
    f = flows[flows["value"] > 0].copy()
    total = float(f["value"].sum())
    gap = total * gap_share
    nodes, pos = [], {}
    for side in ("left", "right"):
        sums = f.groupby(side)["value"].sum().sort_values(ascending=False)
        y = 0.0
        for name, value in sums.items():
            nodes.append(dict(side=side, name=name, y0=y, y1=y + value, value=float(value)))
            pos[(side, name)] = y
            y += value + gap
    # bands: ordered within a left node by their right node's position, and vice versa
    right_rank = {n["name"]: n["y0"] for n in nodes if n["side"] == "right"}
    left_rank = {n["name"]: n["y0"] for n in nodes if n["side"] == "left"}
    f["rr"] = f["right"].map(right_rank)
    f["lr"] = f["left"].map(left_rank)
    left_cursor = {k[1]: v for k, v in pos.items() if k[0] == "left"}
    right_cursor = {k[1]: v for k, v in pos.items() if k[0] == "right"}
    starts = {}
    for r in f.sort_values(["lr", "rr"]).itertuples():
        starts[(r.left, r.right)] = [left_cursor[r.left], None]
        left_cursor[r.left] += r.value
    for r in f.sort_values(["rr", "lr"]).itertuples():
        starts[(r.left, r.right)][1] = right_cursor[r.right]
        right_cursor[r.right] += r.value
    ordered = list(f.itertuples())
    n = len(ordered)
    y_left = np.array([starts[(r.left, r.right)][0] for r in ordered])
    y_right = np.array([starts[(r.left, r.right)][1] for r in ordered])
    values = np.array([r.value for r in ordered], dtype=float)
    shape = _smooth(samples)
    top = (y_left[:, None] + (y_right - y_left)[:, None] * shape[None, :]).ravel()
    bands = pd.DataFrame({
        "band": np.repeat(np.arange(n), samples), "left": np.repeat([r.left for r in ordered], samples),
        "right": np.repeat([r.right for r in ordered], samples), "value": np.repeat(values, samples),
        "x": np.tile(np.linspace(0.0, 1.0, samples), n), "y_top": top,
        "y_bottom": top + np.repeat(values, samples)})
    return pd.DataFrame(nodes), bands


def flow_sankey(flows: pd.DataFrame, *, title: str, source: list[str], highlight: str | None = None,
                unit: str = "kt", subtitle=None) -> dict:
    """Mineral -> technology flow: minerals on the left, technologies on the right, band width = kt.

    ``flows``: ``left`` (mineral name), ``right`` (technology name), ``value`` (kt). ``highlight``
    (a left name) keeps full colour; the other bands fade."""
    need(flows, "left", "right", "value")
    rows = flows[flows["value"] > 0]
    if rows.empty:
        return empty(title, "No clean-technology demand to draw for these parameters.", source)
    nodes, bands = sankey_layout(rows)
    height = 420
    extent = float(max(nodes["y1"].max(), 1e-9))
    bands["faded"] = (bands["left"] != highlight) if highlight else False
    left = nodes[nodes["side"] == "left"].assign(x0=-0.06, x1=0.0, lx=-0.075, align="right")
    right = nodes[nodes["side"] == "right"].assign(x0=1.0, x1=1.06, lx=1.075, align="left")
    boxes = pd.concat([left, right], ignore_index=True)
    boxes["mid"] = (boxes["y0"] + boxes["y1"]) / 2
    boxes["label"] = [f"{n} ({v:,.0f} {unit})" if v >= 10 else f"{n} ({v:,.2g} {unit})"
                      for n, v in zip(boxes["name"], boxes["value"])]
    # labels of nodes thinner than a text line would overlap: only the larger ones are labelled
    boxes["show"] = (boxes["y1"] - boxes["y0"]) / extent * height >= 9
    yscale = {"domain": [0, extent], "reverse": True}
    xscale = {"domain": [-0.55, 1.55]}
    area = {"data": data(bands, ["band", "left", "right", "value", "x", "y_top", "y_bottom", "faded"]),
            "mark": mark("area", interpolate="linear"),
            "encoding": {"x": field("x:Q", scale=xscale, axis=None), "y": field("y_top:Q", scale=yscale, axis=None),
                         "y2": {"field": "y_bottom"}, "detail": field("band:N"),
                         "color": field("left:N", legend=None, scale={"range": CATEGORY}),
                         "opacity": ({"condition": {"test": "datum.faded", "value": 0.18}, "value": 0.8}
                                     if highlight else {"value": 0.7}),
                         "tooltip": [field("left:N", title="Mineral"), field("right:N", title="Technology"),
                                     field("value:Q", format=",.3~f", title=unit)]}}
    rects = {"data": data(boxes, ["name", "side", "x0", "x1", "y0", "y1", "value"]), "mark": mark("rect", color=INK),
             "encoding": {"x": field("x0:Q", scale=xscale, axis=None), "x2": {"field": "x1"},
                          "y": field("y0:Q", scale=yscale, axis=None), "y2": {"field": "y1"},
                          "tooltip": [field("name:N"), field("value:Q", format=",.3~f", title=unit)]}}
    shown = boxes[boxes["show"]]
    texts = []
    for align, part in shown.groupby("align"):
        texts.append({"data": data(part, ["lx", "mid", "label"]), "mark": mark("text", align=align, baseline="middle",
                                                                                fontSize=10.5, color="#222222"),
                      "encoding": {"x": field("lx:Q", scale=xscale, axis=None), "y": field("mid:Q", scale=yscale, axis=None),
                                   "text": field("label:N")}})
    chart = layer(area, rects, *texts, width=WIDTH + 40, height=height)
    return finish(chart, title, source, subtitle)
