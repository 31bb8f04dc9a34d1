"""Shared chart plumbing: source lines, the finishing wrapper every chart goes through, and the
offline renderer (Vega-Lite -> static SVG with vl-convert; no JavaScript, no network).

Why static SVG: Altair's default renderer loads vega from a CDN, which fails offline (Voila shows
"Error loading script"). An SVG string renders the same in Voila, JupyterLab and nbconvert HTML.
Hover text survives as SVG ``<title>`` elements made from Vega's ARIA labels.
"""
from __future__ import annotations

import functools
import html
import math
import os
import re
import textwrap
from functools import lru_cache

import altair as alt
import numpy as np
import pandas as pd
from altair.utils import schemapi as _schemapi

from ..paths import RAW

WIDTH = 560
FONT = "Helvetica, Arial, sans-serif"
MUTED = "#5f6b76"
CHINA = "#c0392b"
ACCENT = "#1f6fb2"
NEUTRAL = "#9aa5b1"
WITHHELD = "#c8c3d9"


class ChartError(ValueError):
    """A chart builder got a frame without the columns it needs."""


# ---------------------------------------------------------------- speed: validation and data
#
# Altair validates every schema object against the Vega-Lite JSON schema when it is built
# (``schemapi.DEBUG_MODE``) and again in ``to_dict()``; in a widget callback that was about 40 %
# of the time. The builders here produce the same specs every time, so they run with validation
# off; ``REX_VALIDATE_CHARTS=1`` turns it back on (construction and to_dict) to check them.

def validating() -> bool:
    return os.environ.get("REX_VALIDATE_CHARTS", "") not in ("", "0", "false")


def builder(fn):
    """Decorator for chart builders: build without Altair's per-object schema validation.

    Scoped to the builder (a researcher's own Altair charts keep Altair's default)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if validating():
            return fn(*args, **kwargs)
        with _schemapi.debug_mode(False):
            return fn(*args, **kwargs)
    return wrapper


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
        return alt.utils.data.to_values(frame)["values"]
    if columns and all(_PLAIN.match(str(t)) for t in frame.dtypes):
        # One object array for the whole frame: numpy hands back Python str/int/float/bool.
        inf = (math.inf, -math.inf)
        return [{c: (None if (v.__class__ is float and (v != v or v in inf)) else v) for c, v in zip(columns, row)}
                for row in frame.to_numpy(dtype=object).tolist()]
    lists = []
    for i, col in enumerate(columns):
        values = _column_values(frame.iloc[:, i])
        if values is None:
            return alt.utils.data.to_values(frame)["values"]
        lists.append(values)
    if len(set(columns)) != len(columns):
        return alt.utils.data.to_values(frame)["values"]
    return [dict(zip(columns, row)) for row in zip(*lists)] if lists else [{} for _ in range(len(frame))]


def _fast_transformer(data, max_rows: int = 5000):
    """Altair data transformer: DataFrames through ``records``; anything else as Altair does."""
    if isinstance(data, pd.DataFrame):
        if max_rows is not None and len(data) > max_rows:
            return alt.vegalite.data.default_data_transformer(data, max_rows=max_rows)
        return {"values": records(data)}
    return alt.vegalite.data.default_data_transformer(data, max_rows=max_rows)


alt.data_transformers.register("rex_fast", _fast_transformer)


@lru_cache(maxsize=1)
def _releases() -> dict:
    from ..provenance import load_sources
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


def _set(chart, **props):
    """``chart.properties(**props)`` without Altair's constructor round trip.

    ``properties()`` copies the chart by calling its class again, and a LayerChart's constructor
    deep-copies every layer three times (and validates the property); the chart is already
    combined, so a copy of its attribute dict is the same object model. Falls back to
    ``properties()`` for anything that is not a plain Altair schema object."""
    kwds = getattr(chart, "_kwds", None)
    if not isinstance(kwds, dict) or validating():
        return chart.properties(**props)
    copy = object.__new__(type(chart))
    object.__setattr__(copy, "_args", chart._args)
    object.__setattr__(copy, "_kwds", {**kwds, **props})
    return copy


def _vconcat(inner, **props) -> alt.VConcatChart:
    """``alt.VConcatChart(vconcat=[inner], **props)`` for one already-built chart, without the
    constructor's deep copies: the inner chart's data is lifted to the top level exactly as
    Altair's ``_combine_subchart_data`` does (our charts carry no selection parameters)."""
    if validating() or not isinstance(getattr(inner, "_kwds", None), dict) or \
            not alt.utils.is_undefined(inner._kwds.get("params", alt.Undefined)):
        return alt.VConcatChart(vconcat=[inner], **props)
    data = inner._kwds.get("data", alt.Undefined)
    if not alt.utils.is_undefined(data):
        inner = _set(inner, data=alt.Undefined)
    top = object.__new__(alt.VConcatChart)
    kwds = {name: alt.Undefined for name in _vconcat_keys()}
    kwds.update(props, data=data, vconcat=[inner])
    object.__setattr__(top, "_args", ())
    object.__setattr__(top, "_kwds", kwds)
    return top


@lru_cache(maxsize=1)
def _vconcat_keys() -> tuple:
    """The attribute names Altair's VConcatChart constructor fills in (all Undefined by default)."""
    with _schemapi.debug_mode(False):
        probe = alt.VConcatChart(vconcat=[alt.Chart().mark_point()])
    return tuple(probe._kwds)


@builder
def finish(chart: alt.TopLevelMixin, title: str, source: list[str], subtitle: str | list[str] | None = None):
    """Wrap a chart so it carries its title, optional subtitle and the source line (bottom).

    Built without Altair's copy-and-reconstruct steps (``.properties``, ``vconcat``, four
    ``.configure_*``): each deep-copied the whole chart and re-ran the composite constructors.
    The spec is the same as ``alt.vconcat(chart.properties(title=...), title=...).configure(...)``."""
    sub = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    inner = _set(chart, title=alt.TitleParams(title, subtitle=sub or alt.Undefined, anchor="start",
                                              fontSize=14, subtitleColor=MUTED, subtitleFontSize=11))
    config = alt.Config(font=FONT, view=alt.ViewConfig(stroke=None),
                        axis=alt.AxisConfig(labelFontSize=11, titleFontSize=11, titleColor="#333",
                                            gridColor="#eceff1"),
                        legend=alt.LegendConfig(labelFontSize=11, titleFontSize=11))
    return _vconcat(inner, config=config,
                    title=alt.TitleParams(source, orient="bottom", anchor="start", fontSize=9.5,
                                          fontWeight="normal", color=MUTED, offset=10))


@builder
def empty(title: str, message: str, source: list[str]):
    """A chart that says why there is nothing to draw (still with its source line)."""
    frame = pd.DataFrame({"text": [message]})
    chart = (alt.Chart(frame).mark_text(align="left", baseline="middle", fontSize=13, color=MUTED)
             .encode(text=alt.Text("text:N"), x=alt.XValue(0), y=alt.YValue(20)).properties(width=WIDTH, height=40))
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


def _vl_version() -> str:
    import vl_convert as vlc
    major_minor = "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    versions = [v.replace(".", "_") for v in vlc.get_vegalite_versions()]
    return "v" + (major_minor if major_minor in versions else versions[-1])


# Named datasets that specs reference by name and that to_svg/to_dict_full attach (big static data).
EXTERNAL_DATASETS: dict = {}


def _named_data(spec, found: set) -> set:
    """Names of every ``{"name": ...}`` data reference in a spec (skips inline datasets)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "datasets":
                continue
            if key in ("data", "from") and isinstance(value, dict):
                if isinstance(value.get("name"), str):
                    found.add(value["name"])
                data = value.get("data")
                if isinstance(data, dict) and isinstance(data.get("name"), str):
                    found.add(data["name"])
            if isinstance(value, (dict, list)):
                _named_data(value, found)
    elif isinstance(spec, list):
        for value in spec:
            if isinstance(value, (dict, list)):
                _named_data(value, found)
    return found


def to_dict_full(chart) -> dict:
    """The Vega-Lite spec with every named external dataset the spec uses attached.

    Without schema validation (see ``validating``) and with the fast DataFrame conversion."""
    if hasattr(chart, "to_dict"):
        check = validating()
        with alt.data_transformers.enable("rex_fast"), _schemapi.debug_mode(check):
            spec = chart.to_dict(validate=check)
    else:
        spec = dict(chart)
    if EXTERNAL_DATASETS:
        used = _named_data(spec, set())
        for name, loader in EXTERNAL_DATASETS.items():
            if name in used:
                spec.setdefault("datasets", {})[name] = loader()
    return spec


def to_svg(chart) -> str:
    """Render an Altair chart to an SVG string offline (vl-convert bundles Vega and Vega-Lite)."""
    import vl_convert as vlc
    spec = to_dict_full(chart)
    svg = vlc.vegalite_to_svg(spec, vl_version=_vl_version())
    # Responsive: keep the aspect ratio but let the SVG shrink in narrow layouts.
    svg = re.sub(r'^<svg ([^>]*?)width="([\d.]+)" height="([\d.]+)"',
                 lambda m: f'<svg {m.group(1)}width="{m.group(2)}" height="{m.group(3)}" '
                           f'style="max-width:100%;height:auto"', svg, count=1)
    return _titles(svg)


def warm() -> None:
    """Start vl-convert's JavaScript engine once (about a second) so the first real chart is fast."""
    to_svg(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x=alt.X("x:Q")))


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def fmt_num(value: float) -> str:
    """Thousands separators for big numbers, four significant digits for small ones."""
    if value is None or pd.isna(value):
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"
