"""Shared chart plumbing: source lines, the finishing wrapper every chart goes through, and the
offline renderer (Vega-Lite -> static SVG with vl-convert; no JavaScript, no network).

Why static SVG: Altair's default renderer loads vega from a CDN, which fails offline (Voila shows
"Error loading script"). An SVG string renders the same in Voila, JupyterLab and nbconvert HTML.
Hover text survives as SVG ``<title>`` elements made from Vega's ARIA labels.
"""
from __future__ import annotations

import html
import re
import textwrap
from functools import lru_cache

import altair as alt
import pandas as pd

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


def finish(chart: alt.TopLevelMixin, title: str, source: list[str], subtitle: str | list[str] | None = None):
    """Wrap a chart so it carries its title, optional subtitle and the source line (bottom)."""
    sub = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    inner = chart.properties(title=alt.TitleParams(title, subtitle=sub or alt.Undefined, anchor="start",
                                                   fontSize=14, subtitleColor=MUTED, subtitleFontSize=11))
    return (alt.vconcat(inner, title=alt.TitleParams(source, orient="bottom", anchor="start", fontSize=9.5,
                                                     fontWeight="normal", color=MUTED, offset=10))
            .configure(font=FONT)
            .configure_view(stroke=None)
            .configure_axis(labelFontSize=11, titleFontSize=11, titleColor="#333", gridColor="#eceff1")
            .configure_legend(labelFontSize=11, titleFontSize=11))


def empty(title: str, message: str, source: list[str]):
    """A chart that says why there is nothing to draw (still with its source line)."""
    frame = pd.DataFrame({"text": [message]})
    chart = (alt.Chart(frame).mark_text(align="left", baseline="middle", fontSize=13, color=MUTED)
             .encode(text="text:N", x=alt.value(0), y=alt.value(20)).properties(width=WIDTH, height=40))
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


def to_dict_full(chart) -> dict:
    """The Vega-Lite spec with every named external dataset the spec uses attached."""
    spec = chart.to_dict() if hasattr(chart, "to_dict") else dict(chart)
    text = None
    for name, loader in EXTERNAL_DATASETS.items():
        text = text or str(spec)
        if f"'name': '{name}'" in text:
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
    to_svg(alt.Chart(pd.DataFrame({"x": [1]})).mark_point().encode(x="x:Q"))


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def fmt_num(value: float) -> str:
    """Thousands separators for big numbers, four significant digits for small ones."""
    if value is None or pd.isna(value):
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"
