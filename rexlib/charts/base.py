"""Shared chart plumbing: Vega-Lite spec pieces, source lines, the finishing wrapper every chart
goes through, and the offline renderer (Vega-Lite -> static SVG with vl-convert; no JavaScript,
no network).

Why plain Vega-Lite dicts rather than Altair objects: a widget callback draws several charts, and
Altair's object model (a deep copy of the chart at every ``encode``/``+``/``properties``, then a
recursive ``to_dict``) cost 10–30 ms per chart, more than the query and the metric together. A
builder here writes the same JSON Altair would emit, in well under a millisecond. Anyone who
wants an Altair chart can have one: ``alt.Chart.from_dict(spec)``. ``REX_VALIDATE_CHARTS=1``
validates every spec against the Vega-Lite JSON schema before it is rendered.

Why static SVG first: Altair's default renderer loads vega from a CDN, which fails offline (Voila
shows "Error loading script"). An SVG string renders the same in Voila, JupyterLab and nbconvert
HTML; it is the first view of every app and the report format. Hover text survives as SVG
``<title>`` elements made from Vega's ARIA labels.

The interactive path lives here too (``chart_block``): next to its SVG each chart carries the spec it
was drawn from, and in the Voila apps the rex template's script (``rex_interactive.js``) draws that
same spec with vega-embed (tooltips, clicks, PNG/SVG export), from a Vega bundle written out of the
local vl-convert installation (``ensure_vega_bundle``): no CDN, no network.
"""
from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
import tempfile
import textwrap
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from rexlib.core.paths import RAW
from rexlib.core.fmt import fmt_num  # noqa: F401  (charts.base.fmt_num: the one rule, rexlib/core/fmt.py)

WIDTH = 560
FONT = "Helvetica, Arial, sans-serif"

# THE palette of every chart: Okabe & Ito's eight colours ("Color Universal Design", 2008), told apart
# under the common colour-vision deficiencies (protanopia, deuteranopia, tritanopia). A categorical
# scale takes its colours from CATEGORY (Vega's default category scheme is set to it in CONFIG), a
# quantity from a SEQUENTIAL scheme (one hue, ordered by lightness), ink and "no value" fills from
# NEUTRALS. Where a category matters (a verdict, a stage, a scenario) the marks also differ in shape
# (SHAPES) or carry a label. tests/pages/test_palette.py checks every spec the apps produce.
OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "bluish_green": "#009E73", "orange": "#E69F00",
             "sky_blue": "#56B4E9", "reddish_purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000"}
CATEGORY = list(OKABE_ITO.values())
SEQUENTIAL = ("orangered", "reds", "blues")
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
MUTED = "#5f6b76"
NEUTRAL = "#9aa5b1"
WITHHELD = "#c8c3d9"
INK = "#333333"
NEUTRALS = (MUTED, NEUTRAL, WITHHELD, INK, "#222222", "#444444", "#bbbbbb", "#eef1f4", "#9fb3c8", "#eceff1", "white")
CHINA = OKABE_ITO["vermillion"]
ACCENT = OKABE_ITO["blue"]


class ChartError(ValueError):
    """A chart builder got a frame without the columns it needs."""


# ---------------------------------------------------------------- spec pieces

VEGA_LITE = "6.4"        # the Vega-Lite version the specs are written for (vl-convert renders it)
SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
TYPES = {"N": "nominal", "Q": "quantitative", "O": "ordinal", "T": "temporal"}


def validating() -> bool:
    return os.environ.get("REX_VALIDATE_CHARTS", "") not in ("", "0", "false")


def field(shorthand: str, **props) -> dict:
    """An encoding channel: ``field("name:N", title=None)`` -> ``{"field": "name", "type": "nominal",
    "title": None}`` (``None`` is kept: it is JSON ``null``, e.g. no axis title)."""
    name, _, kind = shorthand.rpartition(":")
    return {"field": name, "type": TYPES[kind], **props}


def mark(kind: str, **props) -> dict:
    return {"type": kind, **props}


def data(frame: pd.DataFrame, fields=None) -> dict:
    """Inline data: the frame's rows as JSON-ready records, only the columns in ``fields`` (those
    the chart encodes, present in the frame) when given: a panel's frame carries notes and
    provenance columns a chart never reads, and converting them cost more than the chart."""
    if fields is not None:
        frame = frame[[f for f in dict.fromkeys(fields) if f in frame.columns]]
    return {"values": records(frame)}


def layer(*layers: dict, shared: pd.DataFrame | None = None, fields=None, **props) -> dict:
    """A layered spec; ``shared`` is the data of every layer that has none of its own (Vega-Lite
    inherits it), as Altair lifts data that all layers share; ``fields`` as in :func:`data`."""
    spec = {"layer": list(layers), **props}
    if shared is not None:
        spec["data"] = data(shared, fields)
    return spec


def _column_values(series: pd.Series) -> list | None:
    """One column as JSON-ready Python values (what altair's sanitize_pandas_dataframe gives), or
    None for a dtype left to Altair."""
    dtype = series.dtype
    name = str(dtype)
    if name in ("str", "string", "object"):
        values = series.tolist()
        out = []
        for v in values:
            if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
                out.append(None)
            elif isinstance(v, (str, bool, int, float)):
                out.append(v)
            else:
                return None          # arrays, timestamps, numpy scalars ... : Altair's path
        return out
    if name == "bool":
        return series.tolist()
    if name.startswith(("datetime", "timestamp")):
        return [("" if v is pd.NaT else v.isoformat()) for v in series]
    if isinstance(dtype, np.dtype) and np.issubdtype(dtype, np.integer):
        return series.tolist()
    if isinstance(dtype, np.dtype) and np.issubdtype(dtype, np.floating):
        return [None if (v != v or v in (math.inf, -math.inf)) else v for v in series.tolist()]
    if name in ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64",
                "boolean"):
        return [None if v is pd.NA else v for v in series.astype(object).tolist()]
    return None


_PLAIN = re.compile(r"^(str|float(16|32|64)|u?int(8|16|32|64)|bool)$")


def records(frame: pd.DataFrame) -> list[dict]:
    """A small DataFrame as a list of dicts, the values Altair's default transformer would give,
    without its per-call copy and per-dtype pandas work (about 10x faster on panel-sized frames)."""
    columns = list(frame.columns)
    if not all(isinstance(c, str) for c in columns) or isinstance(frame.index, pd.MultiIndex) \
            or len(set(columns)) != len(columns):
        return _altair_values(frame)
    if columns and all(_PLAIN.match(str(t)) for t in frame.dtypes):
        # One object array for the whole frame: numpy hands back Python str/int/float/bool.
        inf = (math.inf, -math.inf)
        return [{c: (None if (v.__class__ is float and (v != v or v in inf)) else v) for c, v in zip(columns, row)}
                for row in frame.to_numpy(dtype=object).tolist()]
    lists = []
    for i, col in enumerate(columns):
        values = _column_values(frame.iloc[:, i])
        if values is None:
            return _altair_values(frame)
        lists.append(values)
    return [dict(zip(columns, row)) for row in zip(*lists)] if lists else [{} for _ in range(len(frame))]


def _altair_values(frame: pd.DataFrame) -> list[dict]:
    """Altair's own conversion, for the frames ``records`` does not handle (arrays in cells,
    MultiIndex ...): rare, so Altair is imported only then."""
    from altair.utils.data import to_values
    return to_values(frame)["values"]


@lru_cache(maxsize=1)
def _releases() -> dict:
    from rexlib.core.provenance import load_sources
    return load_sources(RAW)["releases"]


def release(key: str) -> dict:
    """Release metadata from data/raw/sources.yml by release key (``usgs_mcs2026``) or vintage (``MCS2026``)."""
    releases = _releases()
    if key in releases:
        return releases[key]
    for meta in releases.values():
        if meta.get("vintage") == key:
            return meta
    raise KeyError(key)


CURATED_PUBLISHER = "rex curated policy dataset (hand-coded from five 2026 news/policy documents, cited row by row)"


def source_line(dataset: str, vintages=(), params: dict | None = None, *, releases=(),
                publisher: str | None = None) -> list[str]:
    """The chart footer: dataset, publisher, vintage, parameters. Returns wrapped lines."""
    cited = []
    for key in [*vintages, *releases]:
        if key is None or (isinstance(key, float) and pd.isna(key)):
            continue
        try:
            meta = release(str(key))
        except KeyError:
            cited.append(str(key))
            continue
        text = f"{meta['title']} ({meta['publisher']}"
        text += f", vintage {meta['vintage']})" if meta.get("vintage") else ")"
        if text not in cited:
            cited.append(text)
    parts = [f"Source: {dataset}"]
    if publisher:
        parts.append(publisher)
    parts.extend(cited)
    text = " — ".join(parts)
    if params:
        shown = ", ".join(f"{k}={v}" for k, v in params.items() if v is not None and v != "")
        if shown:
            text += f". Parameters: {shown}."
    return textwrap.wrap(text, 120)


CONFIG = {"font": FONT, "view": {"continuousHeight": 300, "continuousWidth": 300, "stroke": None},
          "range": {"category": CATEGORY},
          "axis": {"labelFontSize": 11, "titleFontSize": 11, "titleColor": INK, "gridColor": "#eceff1"},
          "legend": {"labelFontSize": 11, "titleFontSize": 11}}


# Flag vocabulary (rexlib.sources.values.FLAGS) -> words for tooltips.
FLAG_TEXT = {"estimated": "estimated", "withheld": "withheld (company data, W)",
             "not_available": "not available (NA)", "not_applicable": "not applicable", "net_exporter": "net exporter",
             "small": "less than half the unit", "zero": "zero", "lower_bound": "lower bound (>)",
             "upper_bound": "upper bound (<)", "range": "range", "rounded": "rounded", "revised": "revised",
             "reported": "reported", "qualitative": "qualitative only", "included_elsewhere": "included elsewhere",
             "unparsed": "unreadable cell"}


def flag_words(flag: object) -> str:
    """``"estimated;rounded"`` -> ``"estimated, rounded"``; no flag -> ``"none"`` (the value as published)."""
    if flag is None or (isinstance(flag, float) and math.isnan(flag)) or flag is pd.NA or not str(flag).strip(";"):
        return "none"
    return ", ".join(FLAG_TEXT.get(f, f.replace("_", " ")) for f in str(flag).split(";") if f)


def _humanize(name: str) -> str:
    text = name.replace("_pct", " (%)").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _quote(text: str) -> str:
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _tip_expr(items: list[dict]) -> str:
    """A Vega expression reading like the tooltip (``Country: China; Value: 839,000 · 98.9%``), for
    the marks' ARIA description: the static SVG's hover text (<title>) is made from it."""
    parts = []
    for item in items:
        if "field" not in item:
            continue
        ref = f"datum[{_quote(item['field'])}]"
        if item.get("type") == "quantitative":
            value = f"format({ref}, {_quote(item.get('format', ',.4~g'))})"
        elif item.get("type") == "temporal":
            value = f"timeFormat(toDate({ref}), {_quote(item.get('format', '%Y-%m-%d'))})"
        else:
            value = f"'' + {ref}"
        parts.append(f"{_quote(str(item.get('title') or item['field']) + ': ')} + (isValid({ref}) && {ref} !== '' "
                     f"? {value} : '—')")
    return " + '; ' + ".join(parts)


def _readable_tooltips(node) -> None:
    """Every tooltip item gets a title (a readable one from its field name when the builder gave
    none), and every mark with a tooltip an ARIA description that reads the same."""
    if isinstance(node, list):
        for child in node:
            _readable_tooltips(child)
        return
    if not isinstance(node, dict):
        return
    encoding = node.get("encoding")
    if isinstance(encoding, dict) and isinstance(encoding.get("tooltip"), list):
        for item in encoding["tooltip"]:
            if "field" in item and "title" not in item:
                item["title"] = _humanize(item["field"])
            # a year is 2025, not "2,025" (the default number format groups thousands)
            if (str(item.get("field", "")).endswith("year") and item.get("type") == "quantitative"
                    and "format" not in item):
                item["format"] = "d"
        if "description" not in encoding:
            expr = _tip_expr(encoding["tooltip"])
            if expr:
                encoding["description"] = {"value": {"expr": expr}}
    elif isinstance(encoding, dict) and "description" not in encoding and isinstance(node.get("mark"), (str, dict)):
        # a mark without a tooltip (a connecting rule, a label) gets no hover text: Vega's default
        # description lists its raw fields ("claim_mid: 10; label: ...")
        node["mark"] = {**(node["mark"] if isinstance(node["mark"], dict) else {"type": node["mark"]}), "aria": False}
    for key in ("layer", "vconcat", "hconcat", "concat", "spec"):
        if key in node:
            _readable_tooltips(node[key])


def finish(chart: dict, title: str, source: list[str], subtitle: str | list[str] | None = None) -> dict:
    """The finished spec: the chart with its title and optional subtitle, and the source line
    below it (a one-chart vconcat whose title sits at the bottom). The chart's data moves to the
    top level, where Altair's ``alt.vconcat`` puts it. Tooltips get readable titles."""
    _readable_tooltips(chart)
    sub = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    inner = dict(chart)
    top_data = inner.pop("data", None)
    heading = {"text": title, "anchor": "start", "fontSize": 14, "subtitleColor": MUTED, "subtitleFontSize": 11}
    if sub:
        heading["subtitle"] = sub
    inner["title"] = heading
    spec = {"$schema": SCHEMA_URL, "config": CONFIG, "vconcat": [inner],
            "title": {"text": source, "orient": "bottom", "anchor": "start", "fontSize": 9.5,
                      "fontWeight": "normal", "color": MUTED, "offset": 10}}
    if top_data is not None:
        spec["data"] = top_data
    return spec


def empty(title: str, message: str, source: list[str]) -> dict:
    """A chart that says why there is nothing to draw (still with its source line)."""
    chart = {"data": {"values": [{"text": message}]},
             "mark": mark("text", align="left", baseline="middle", fontSize=13, color=MUTED),
             "encoding": {"text": field("text:N"), "x": {"value": 0}, "y": {"value": 20}},
             "width": WIDTH, "height": 40}
    return finish(chart, title, source)


def need(frame: pd.DataFrame, *columns: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ChartError(f"chart needs columns {missing}; got {list(frame.columns)}")


_ARIA = re.compile(r'<(path|rect|circle|line|text|g|shape|image)\b([^>]*?)\saria-label="([^"]*)"([^>]*?)(/?)>')


def _titles(svg: str) -> str:
    """Turn Vega's per-mark aria-label into an SVG <title> child, so browsers show it on hover."""
    def repl(m: re.Match) -> str:
        tag, before, label, after, selfclose = m.groups()
        if tag in ("g", "text"):
            return m.group(0)
        opening = f"<{tag}{before} aria-label=\"{label}\"{after}>"
        title = f"<title>{label}</title>"
        return opening + title + (f"</{tag}>" if selfclose else "")
    return _ARIA.sub(repl, svg)


@lru_cache(maxsize=1)
def _vl_version() -> str:
    import vl_convert as vlc
    versions = vlc.get_vegalite_versions()
    return "v" + (VEGA_LITE if VEGA_LITE in versions else versions[-1]).replace(".", "_")


@lru_cache(maxsize=1)
def _schema_validator():
    import json
    from importlib import resources

    import jsonschema
    schema = json.loads(resources.files("altair.vegalite.v6.schema").joinpath("vega-lite-schema.json").read_text())
    return jsonschema.Draft7Validator(schema)


def validate_spec(spec: dict) -> None:
    """Raise ``jsonschema.ValidationError`` when ``spec`` is not valid Vega-Lite (v6 schema)."""
    _schema_validator().validate(spec)


# Named datasets that specs reference by name and that to_svg/to_dict_full attach (big static data).
EXTERNAL_DATASETS: dict = {}


def _named_data(spec, found: set) -> set:
    """Names of every ``{"name": ...}`` data reference in a spec (skips inline datasets and rows)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in ("datasets", "values"):
                continue
            if key in ("data", "from") and isinstance(value, dict):
                if isinstance(value.get("name"), str):
                    found.add(value["name"])
                inner = value.get("data")
                if isinstance(inner, dict) and isinstance(inner.get("name"), str):
                    found.add(inner["name"])
            if isinstance(value, (dict, list)):
                _named_data(value, found)
    elif isinstance(spec, list):
        for value in spec:
            if isinstance(value, (dict, list)):
                _named_data(value, found)
    return found


def to_dict_full(chart) -> dict:
    """The Vega-Lite spec with every named external dataset the spec uses attached. ``chart`` is
    a spec dict (what the builders return) or anything with ``to_dict()`` (an Altair chart)."""
    spec = chart.to_dict() if hasattr(chart, "to_dict") else dict(chart)
    if EXTERNAL_DATASETS:
        used = _named_data(spec, set())
        for name, loader in EXTERNAL_DATASETS.items():
            if name in used:
                spec["datasets"] = {**spec.get("datasets", {}), name: loader()}
    if validating():
        validate_spec(spec)
    return spec


_ID = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


def _unique_ids(svg: str) -> str:
    """Prefix every id in ``svg`` (and every ``url(#…)``/``href="#…"`` pointing at one) with a hash of
    the SVG: Vega numbers its gradients and clip paths from 0 in every chart (``gradient_0``), and a
    page holding two charts, or one chart twice (the app's static snapshot, hidden, and its live
    copy), resolved ``url(#gradient_0)`` to the first one in the page; when that one was hidden the
    colour legend of the visible chart painted nothing."""
    if 'id="' not in svg:
        return svg
    prefix = "rex" + hashlib.blake2b(svg.encode("utf-8"), digest_size=5).hexdigest() + "-"
    return _ID.sub(lambda m: m.group(1) + prefix + m.group(2), svg)


def to_svg(chart) -> str:
    """Render an Altair chart to an SVG string offline (vl-convert bundles Vega and Vega-Lite)."""
    import vl_convert as vlc
    spec = to_dict_full(chart)
    svg = vlc.vegalite_to_svg(spec, vl_version=_vl_version())
    # Responsive: keep the aspect ratio but let the SVG shrink in narrow layouts.
    svg = re.sub(r'^<svg ([^>]*?)width="([\d.]+)" height="([\d.]+)"',
                 lambda m: f'<svg {m.group(1)}width="{m.group(2)}" height="{m.group(3)}" '
                           f'style="max-width:100%;height:auto"', svg, count=1)
    return _unique_ids(_titles(svg))


def restamp_ids(html_text: str, old: str = "rex", new: str = "rexs") -> str:
    """The same HTML with the chart ids of :func:`_unique_ids` renamed (``rex…`` -> ``rexs…``), for a
    second copy of charts in one page (the static snapshot beside the live app)."""
    return re.sub(r'(\bid="|url\(#|href="#)' + old + r'([0-9a-f]{10}-)', lambda m: m.group(1) + new + m.group(2),
                  html_text)


# ---------------------------------------------------------------- the interactive path

def clickable(spec: dict, kind: str, field_name: str, **context: str) -> dict:
    """Declare what a chart's marks stand for: each mark is one ``kind`` (``"mineral"``,
    ``"country"``) whose id is the datum's ``field_name``; ``context`` names further datum fields a
    link may use (e.g. ``mineral="mineral_id"``). The ui layer decides where such a mark links to
    (``rexlib.app.ui.common.LINKS``); the page's script follows the link on click."""
    meta = dict(spec.get("usermeta", {}))
    meta["rex"] = {**meta.get("rex", {}), "entity": {"kind": kind, "field": field_name, "context": context}}
    spec["usermeta"] = meta
    return spec


def browser_spec(chart) -> dict:
    """The spec as the page's script draws it: the builder's spec with named external datasets left
    out (the script fetches them once from the template's static files, see ``write_datasets``)
    and listed in ``usermeta.rex.datasets``."""
    spec = chart.to_dict() if hasattr(chart, "to_dict") else dict(chart)
    used = sorted(n for n in _named_data(spec, set()) if n in EXTERNAL_DATASETS)
    if used:
        meta = dict(spec.get("usermeta", {}))
        meta["rex"] = {**meta.get("rex", {}), "datasets": used}
        spec["usermeta"] = meta
    return spec


def _chart_title(spec: dict) -> str:
    inner = (spec.get("vconcat") or [spec])[0]
    title = inner.get("title", "")
    return title.get("text", "") if isinstance(title, dict) else str(title or "")


def _script_json(value) -> str:
    """JSON safe inside ``<script>``: no ``</script>``, no ``<!--``."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False, default=str).replace("<", "\\u003c")


def chart_block(chart, svg: str) -> str:
    """A chart's HTML: its static SVG (first view, report format), the spec it was drawn from for the
    interactive view (``<script type="application/json">``, never executed), and PNG/SVG download
    buttons that only the page's script shows (in a report without the script they stay hidden).
    ``svg`` is passed in so the renderer stays swappable (tests and benchmarks replace it)."""
    spec = browser_spec(chart)
    name = re.sub(r"[^a-z0-9]+", "_", _chart_title(spec).lower()).strip("_")[:80] or "chart"
    tools = ('<div class="rex-chart-tools" role="group" aria-label="Download this chart">'
             '<button type="button" class="rex-dl-chart" data-format="png">PNG</button>'
             '<button type="button" class="rex-dl-chart" data-format="svg">SVG</button></div>')
    return (f'<div class="rex-chart" data-rex-name="{esc(name)}">{tools}{svg}'
            f'<script type="application/json" class="rex-spec">{_script_json(spec)}</script></div>')


_SPEC_SCRIPT = re.compile(r'<script type="application/json" class="rex-spec">.*?</script>', re.S)


# ---------------------------------------------------------------- charts the browser draws
# In a Voila page the page's script draws every chart from its spec with vega-embed anyway, so the
# kernel's SVG is only the first view. Drawing it costs ~0.2 s of kernel CPU per chart (vl-convert),
# ~70 % of a mineral-profile view: the kernel draws the first screen's charts (``fill_pending``) and
# leaves the others as a placeholder the script replaces (rex_interactive.js). Reports, JupyterLab
# and the in-process tests get SVG for every chart (``rexlib.app.ui.common.chart_html``).

PENDING_CLASS = "rex-chart-pending"
_PENDING = re.compile(r'<div class="' + PENDING_CLASS + r'"[^>]*>[^<]*</div>')
_BLOCK = re.compile(r'(<div class="rex-chart" data-rex-name="[^"]*">.*?)(' + _PENDING.pattern
                    + r')(<script type="application/json" class="rex-spec">(.*?)</script></div>)', re.S)


def pending_svg(chart) -> str:
    """The placeholder of a chart the browser will draw: a box about the chart's size (the plot's
    declared width and height plus room for axes, title and legend) saying it is being drawn."""
    spec = chart.to_dict() if hasattr(chart, "to_dict") else dict(chart)
    unit = spec["vconcat"][0] if len(spec.get("vconcat") or []) == 1 else spec
    width, height = unit.get("width"), unit.get("height")
    if isinstance(unit.get("spec"), dict):                     # a facet: one panel's size
        width, height = unit["spec"].get("width"), unit["spec"].get("height")
    style = (f"width:{int(width) + 120}px;" if isinstance(width, (int, float)) else "width:100%;") + (
        f"height:{int(height) + 90}px" if isinstance(height, (int, float)) else "height:320px")
    kind = ' data-rex-kind="map"' if _is_map(unit) else ""
    return (f'<div class="{PENDING_CLASS}"{kind} style="{style}" role="img" aria-label="'
            f'{esc(_chart_title(spec) or "chart")}, being drawn">Drawing the chart…</div>')


def _is_map(unit: dict) -> bool:
    """A map (a projection or geoshape marks), as rex_interactive.js's isMap."""
    def geo(mark) -> bool:
        return mark == "geoshape" or (isinstance(mark, dict) and mark.get("type") == "geoshape")
    return bool(unit.get("projection")) or geo(unit.get("mark")) or any(
        layer.get("projection") or geo(layer.get("mark")) for layer in unit.get("layer") or [])


def count_pending(html_text: str) -> int:
    return len(_PENDING.findall(html_text))


def fill_pending(parts: list[str], limit: int, draw) -> list[str]:
    """``parts`` with the first ``limit`` placeholders of :func:`pending_svg` replaced by the SVG of
    their chart's spec (``draw(spec_text)`` returns it; the spec in the page is the chart's own,
    named datasets re-attached by :func:`to_svg`). Later placeholders stay for the browser, and so
    do maps among the first: a world map's SVG is ~220 kB of country outlines (the page parses it
    twice, in the first view and in the live widget), ~10 times a bar chart's, where the page draws
    it from the topology it fetched once (measured on mineral_profile, benchmarks/results.md)."""
    out, left = [], limit
    for part in parts:
        if left <= 0 or PENDING_CLASS not in part:
            out.append(part)
            continue

        def one(match):
            nonlocal left
            if left <= 0:
                return match.group(0)
            left -= 1
            if 'data-rex-kind="map"' in match.group(2):
                return match.group(0)
            return match.group(1) + draw(match.group(4)) + match.group(3)
        out.append(_BLOCK.sub(one, part))
    return out


def svg_from_page_spec(spec_text: str) -> str:
    """The static SVG of a chart from the spec text :func:`chart_block` wrote into the page."""
    return to_svg(json.loads(spec_text))


# ---------------------------------------------------------------- notebooks opened in JupyterLab
# JupyterLab renders an untrusted notebook's text/html through its sanitizer, which drops <svg> (and
# <style>) but keeps <img> with any src (it checks URL schemes on href and cite only), and it renders
# no image/svg+xml output of an untrusted notebook (its SVG renderer is not "safe"; image/png is).
# Trusting a notebook is a signature in the reader's own notebook database (``jupyter trust``), which
# a notebook copied to another machine or opened by another user does not have: outputs that an
# untrusted notebook shows are what works for everyone.

IMAGE_CLASS = "rex-chart-img"
_CHART_SVG = re.compile(r'(<div class="rex-chart" data-rex-name="([^"]*)">(?:<div class="rex-chart-tools".*?</div>)?)'
                        r'(<svg\b.*?</svg>)', re.S)
_IMAGE = re.compile(r'<img class="' + IMAGE_CLASS + r'"[^>]*>')


def with_images(html_text: str) -> str:
    """Each chart's SVG followed by the same picture as an ``<img>`` (the SVG as a data URI): an
    untrusted notebook in JupyterLab shows the image (the sanitizer drops the SVG); where the page's
    own styles apply (a trusted notebook, an exported page) ``.rex-chart-img`` is hidden."""
    import base64

    def one(m: re.Match) -> str:
        svg = m.group(3)
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
        alt = esc(m.group(2).replace("_", " ") or "chart")
        return f'{m.group(1)}{svg}<img class="{IMAGE_CLASS}" alt="{alt}" src="{uri}">'
    return _CHART_SVG.sub(one, html_text)


def strip_images(html_text: str) -> str:
    """HTML without the images of :func:`with_images` (a page whose styles always apply: reports)."""
    return _IMAGE.sub("", html_text)


def notebook_bundle(chart) -> dict:
    """An Altair chart's output for a notebook (``rexlib.charts.notebook_charts``): a PNG, which
    JupyterLab shows in an untrusted notebook too, the SVG (preferred where trusted: crisp, with hover
    text) and the chart's title as text; both drawn offline by vl-convert."""
    import base64

    import vl_convert as vlc
    spec = to_dict_full(chart)
    png = vlc.vegalite_to_png(spec, vl_version=_vl_version())
    title = _chart_title(spec) or "chart"
    return {"image/png": base64.b64encode(png).decode("ascii"), "image/svg+xml": to_svg(spec),
            "text/plain": f"<chart: {title}>"}


def strip_specs(html_text: str) -> str:
    """HTML without the specs of :func:`chart_block` (for output no script will ever read: reports)."""
    return _SPEC_SCRIPT.sub("", html_text)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)      # served as a static file: readable like the rest of the package
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def bundle_version() -> str:
    """Which Vega bundle the installed vl-convert makes: its version and the Vega-Lite version used."""
    import vl_convert as vlc
    version = getattr(vlc, "__version__", "") or ""
    return f"vl-convert {version}; vega {vlc.get_vega_version()}; vega-embed {vlc.get_vega_embed_version()}; " \
           f"vega-lite {_vl_version()}"


BUNDLE = "rex-vega.js"


def ensure_vega_bundle(folder: Path) -> Path | None:
    """Write ``folder/rex-vega.js``: Vega, Vega-Lite and vega-embed from the local vl-convert
    installation (``vl_convert.javascript_bundle``; ~0.9 MB, ~4 s of CPU to make, so it is made once
    per installed version and kept; ``rex-vega.version`` says which). Several kernels starting at once
    make it once: the first takes a lock file; the others return None and their pages keep the static
    charts until the next visit. Returns the bundle's path, or None when it is not there yet or the
    folder cannot be written (read-only installation: the static SVG stays the view)."""
    import vl_convert as vlc
    bundle, stamp, lock = folder / BUNDLE, folder / "rex-vega.version", folder / ".rex-vega.lock"
    want = bundle_version()
    try:
        if bundle.exists() and stamp.exists() and stamp.read_text(encoding="utf-8").strip() == want:
            return bundle
        folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            try:
                stale = os.path.getmtime(lock) < time.time() - 120
            except OSError:
                stale = False
            if not stale:
                return None
            os.unlink(lock)
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        os.close(fd)
        try:
            _write_atomic(bundle, vlc.javascript_bundle(vl_version=_vl_version().replace("_", ".")))
            _write_atomic(stamp, want + "\n")
        finally:
            os.unlink(lock)
        return bundle
    except OSError:
        return None


def write_datasets(folder: Path) -> None:
    """Each named external dataset (``EXTERNAL_DATASETS``: the world map's topology) as
    ``folder/datasets/<name>.json``, for the page's script; rewritten when its content changed."""
    for name, loader in EXTERNAL_DATASETS.items():
        path = folder / "datasets" / f"{name}.json"
        text = json.dumps(loader(), separators=(",", ":"))
        try:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                _write_atomic(path, text)
        except OSError:
            return


def warm() -> None:
    """Start vl-convert's JavaScript engine once (about a second) so the first real chart is fast."""
    to_svg({"data": {"values": [{"x": 1}]}, "mark": {"type": "point"}, "encoding": {"x": field("x:Q")}})


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


