"""The widget-panel framework every app uses: URL parameters, friendly errors, chart/table HTML,
CSV downloads, and one display path that works in Voila, JupyterLab and static HTML.

Display model. An app is a column of ipywidgets: controls on top, then HTML sections (SVG charts,
tables with a CSV link, tiles). Widget callbacks re-render the sections. The app also writes a
static snapshot of its first state as an ordinary ``text/html`` output, just before the live widget;
when the live widget renders it hides the snapshot with a CSS rule, so every front end shows it once:
- papermill and nbconvert HTML show the charts without a widget manager (which nbconvert would load
  from a CDN);
- in Voila the snapshot is the first view while the page's scripts load and the widget manager
  connects to the kernel (seconds); it is the same HTML the live sections hold, built after the
  request's URL parameters were applied, with a note that the controls are loading. Its output
  carries the metadata ``{"rex": "preview"}``: the ``rex`` Voila template (rexlib/app/voila_config)
  writes it into the page as HTML, visible as soon as it arrives, where Voila's own templates would
  wait for their front-end bundle to render it.

In Voila the template's script (``rex_interactive.js``) also draws each chart's spec with vega-embed
(tooltips, clicks, PNG/SVG export) over its static SVG, keeps the address bar in sync with the
controls (``history.replaceState`` from the ``.rex-state`` element the app updates on every
refresh) and fills the "Link to this view" box. Layout: sections flow in a wrapping row, charts side
by side where two fit (1,280 px screens and up), tables full width and scrolling inside their
section. Colours are JupyterLab's ``--jp-*`` variables, the light theme's colours as fallbacks.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlencode

import ipywidgets as w
import numpy as np
import pandas as pd
from IPython.display import HTML, display

from rexlib.core.validate import InvalidArgument
from rexlib.charts.base import (chart_block, ensure_vega_bundle, esc, fill_pending, flag_words, pending_svg,
                                restamp_ids, strip_specs, svg_from_page_spec, to_svg, with_images, write_datasets)
from rexlib.core.fmt import words
from rexlib.core.paths import PROJECT
from . import cache as _cache

CSS = """
<style>
.rex-app{font-family:Helvetica,Arial,sans-serif;color:var(--jp-content-font-color1,#1d2731);max-width:1840px}
.rex-app h1{font-size:22px;margin:4px 0 2px 0;color:var(--jp-content-font-color0,#1d2731)}
.rex-lede{color:var(--jp-content-font-color2,#5f6b76);margin:0 0 10px 0;font-size:14px;max-width:1100px}
.rex-msg{padding:8px 12px;border-radius:4px;margin:6px 0;font-size:13.5px;line-height:1.4;
  color:var(--jp-content-font-color1,#1d2731);max-width:1100px}
.rex-msg-error{background:#fdecea;background:color-mix(in srgb,var(--jp-error-color1,#c0392b) 12%,var(--jp-layout-color0,#fff));border-left:4px solid var(--jp-error-color1,#c0392b)}
.rex-msg-warn{background:#fff6e0;background:color-mix(in srgb,var(--jp-warn-color1,#e0a100) 14%,var(--jp-layout-color0,#fff));border-left:4px solid var(--jp-warn-color1,#e0a100)}
.rex-msg-info{background:#eaf2fb;background:color-mix(in srgb,var(--jp-brand-color1,#1f6fb2) 10%,var(--jp-layout-color0,#fff));border-left:4px solid var(--jp-brand-color1,#1f6fb2)}
.rex-chart{margin:8px 0 14px 0;overflow-x:auto;position:relative;min-width:0}
.rex-chart > svg,.rex-chart .rex-vega{background:#fff;border-radius:4px}
.rex-chart-img{display:none}
.rex-chart .rex-vega{display:block;width:100%}
.rex-chart-pending{display:flex;align-items:center;justify-content:center;max-width:100%;box-sizing:border-box;
  background:#f6f8fa;border:1px dashed #d0d7de;border-radius:4px;color:#57606a;font-size:12px}
.rex-chart:has(> .rex-chart-pending) > .rex-chart-tools{display:none !important}
.rex-chart .vega-embed{display:block}
.rex-chart .vega-embed details summary{position:absolute;right:4px;top:4px}
.rex-chart-tools{display:none;position:absolute;right:4px;top:4px;gap:4px;z-index:2}
.rex-js .rex-chart-tools{display:flex}
.rex-js .rex-chart.rex-interactive > .rex-chart-tools{display:none}
.rex-chart-tools button{font-size:11px;padding:1px 6px;border:1px solid #c9d1d9;border-radius:3px;background:#fff;
  color:#1d2731;cursor:pointer;opacity:.75}
.rex-chart-tools button:hover,.rex-chart-tools button:focus{opacity:1}
.rex-chart.rex-clickable .rex-vega{cursor:pointer}
.rex-h2{font-size:16px;font-weight:bold;margin:16px 0 4px 0;border-bottom:1px solid var(--jp-border-color2,#e3e7eb);
  padding-bottom:2px;color:var(--jp-content-font-color0,#1d2731)}
.rex-table-wrap{max-height:420px;overflow:auto;width:fit-content;border:1px solid var(--jp-border-color2,#e3e7eb);border-radius:4px;
  margin:4px 0;max-width:100%}
.rex-table{border-collapse:collapse;font-size:12.5px;margin:0;color:var(--jp-content-font-color1,#1d2731)}
.rex-table th{background:var(--jp-layout-color2,#f3f5f7);text-align:left;padding:3px 8px;
  border-bottom:1px solid var(--jp-border-color1,#d5dbe0);position:sticky;top:0}
.rex-table td{padding:3px 8px;border-bottom:1px solid var(--jp-border-color2,#eef0f2);vertical-align:top}
.rex-table td.num{text-align:right;font-variant-numeric:tabular-nums}
.rex-dl{font-size:12px;margin:2px 0 10px 0}
.rex-dl a,.rex-app a{color:var(--jp-content-link-color,#1f6fb2)}
.rex-tiles{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.rex-tile{border:1px solid var(--jp-border-color2,#dfe3e8);border-radius:6px;padding:8px 12px;min-width:150px;max-width:240px;
  background:var(--jp-layout-color1,#fafbfc)}
.rex-tile-label{font-size:12px;color:var(--jp-content-font-color2,#5f6b76)}
.rex-tile-value{font-size:22px;font-weight:bold;margin:2px 0}
.rex-tile-note{font-size:11px;color:var(--jp-content-font-color2,#5f6b76)}
.rex-cards{display:flex;flex-direction:column;gap:8px}
.rex-card{border:1px solid var(--jp-border-color2,#dfe3e8);border-radius:6px;padding:8px 12px}
.rex-verdict{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:bold}
.rex-note{font-size:12px;color:var(--jp-content-font-color2,#5f6b76)}
.rex-body{display:flex;flex-wrap:wrap;align-items:flex-start;column-gap:40px;width:100%;overflow:visible}
.rex-block{display:flex;flex-wrap:wrap;align-items:flex-start;column-gap:28px;min-width:0;overflow:visible}
.rex-body > .rex-block-full{flex:1 1 100%}
.rex-body > .rex-block-half{flex:1 1 720px;max-width:100%}
.rex-block > .rex-part-wide{flex:1 1 100%;min-width:0;width:auto !important}
.rex-block > .rex-part-chart{flex:1 1 560px;min-width:0;max-width:100%;width:auto !important}
.rex-block > .rex-part > .widget-html-content{width:100%}
.rex-share{display:none;align-items:center;gap:6px;font-size:12px;margin:2px 0 6px 0;
  color:var(--jp-content-font-color2,#5f6b76)}
.rex-js .rex-share{display:flex}
/* a control is never wider than its column (a 460-px coalition select on a 390-px phone) */
.rex-live .widget-dropdown{max-width:calc(100% - 2 * var(--jp-widgets-margin, 2px));box-sizing:border-box}
.rex-live .widget-dropdown > select{min-width:0;max-width:100%}
.rex-share label{display:flex;align-items:center;gap:6px;flex:0 1 720px;min-width:0}
.rex-share input{flex:1 1 auto;min-width:200px;font-size:12px;padding:2px 6px;border:1px solid var(--jp-border-color1,#c9d1d9);
  border-radius:3px;background:var(--jp-layout-color0,#fff);color:var(--jp-content-font-color1,#1d2731)}
.rex-share button{font-size:12px;padding:2px 8px;border:1px solid var(--jp-border-color1,#c9d1d9);border-radius:3px;
  background:var(--jp-layout-color1,#f6f8fa);color:var(--jp-content-font-color1,#1d2731);cursor:pointer}
</style>
"""

HIDE_SNAPSHOT = "<style>.rex-static{display:none !important}</style>"
PREVIEW_NOTE = '<div class="rex-note rex-preview-note">Loading the interactive controls…</div>'


# ---------------------------------------------------------------- where are we running

def in_voila() -> bool:
    """Voila sets these in every kernel it starts (preheated or not)."""
    return "VOILA_PREHEAT" in os.environ or "VOILA_BASE_URL" in os.environ


_request_seen = False     # this kernel has been handed its request (preheated kernels only)
_default_view = False     # building the default view before the request: do not wait for it


def awaiting_request() -> bool:
    """True in a preheated (pooled) Voila kernel whose page request has not arrived yet."""
    return os.environ.get("VOILA_PREHEAT") == "True" and not _request_seen


def query_params() -> dict[str, str]:
    """The page URL's query string as {name: last non-empty value}; empty outside Voila
    (``query_lists`` has every value, for the notes on empty and repeated ones).

    With preheated kernels the notebook runs before any request exists; ``request.wait_for_request``
    blocks until Voila hands this kernel to a page and copies the request (QUERY_STRING ...) into
    ``os.environ``. Without preheating Voila puts QUERY_STRING in the kernel's environment.
    While the default view is built ahead of the request (``App.__new__``) there are no URL
    parameters yet: the notebook's own values are the default view."""
    given = {k: [v for v in values if v.strip()] for k, values in query_lists().items()}
    return {k: values[-1] for k, values in given.items() if values}


def query_lists() -> dict[str, list[str]]:
    """The page URL's query string as {name: [every value, empty ones too]}; empty outside Voila."""
    global _request_seen
    if not in_voila():
        return {}
    if _default_view:
        return {}
    if not _request_seen:     # the request comes once per kernel; a second wait would never end
        if os.environ.get("VOILA_PREHEAT") == "True":
            from .request import wait_for_request
            wait_for_request()    # logs to the server log; on failure the env holds no query string
        _request_seen = True
    return parse_qs(os.environ.get("QUERY_STRING", ""), keep_blank_values=True)


SHOWN_CHARS = 60       # a URL value longer than this is shown shortened in a message (a 10 kB value is not echoed)


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``repr(value)``, shortened to about ``limit`` characters (with its length) when longer."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit - 3]}...' ({len(str(value)):,} characters)"


def url_value_notes(lists: dict[str, list[str]], params: list) -> list[str]:
    """Warnings for URL parameters of this app given empty (``mineral=``) or more than once."""
    notes = []
    for p in params:
        values = lists.get(p.name, [])
        given = [v for v in values if v.strip()]
        if values and not given:
            notes.append(message(f"URL parameter {p.name}= is empty; using {p.value}.", "warn"))
        elif len(values) > 1:
            listed = ", ".join(shown(v) for v in values[:10]) + (" ..." if len(values) > 10 else "")
            notes.append(message(f"URL parameter {p.name} was given {len(values)} times ({listed}); "
                                 f"using {shown(given[-1])}.", "warn"))
    return notes


def names_listed(names: list[str], most: int = 10) -> str:
    """URL parameter names for a message: the first ``most``, each shortened to 40 characters."""
    return ", ".join(n if len(n) <= 40 else n[:37] + "..." for n in names[:most]) + (" ..." if len(names) > most else "")


def ignored_url_note(page: str) -> str:
    """A note for a page that takes no URL parameters when the URL gave some (empty otherwise)."""
    names = sorted(query_lists())
    if not names:
        return ""
    return message(f"Ignored URL parameter(s): {names_listed(names)}. {page} takes no URL parameters.", "warn")


# ---------------------------------------------------------------- HTML pieces

def message(text: str, kind: str = "error") -> str:
    return f'<div class="rex-msg rex-msg-{kind}">{esc(text)}</div>'


def friendly(error: Exception, *, source: str = "") -> str:
    """A message for a bad argument; lists the valid values (never a traceback)."""
    where = f" (from {source})" if source else ""
    if isinstance(error, InvalidArgument):
        text = str(error)
        if len(error.valid) > 60:   # the library's message shortens long lists; a page can show all
            text = text.split(" Valid ")[0] + f" Valid {error.name} values: {', '.join(error.valid)}."
        return message(f"Could not use that value{where}: {text}", "error")
    return message(f"Something went wrong{where}: {type(error).__name__}: {error}", "error")


def heading(text: str) -> str:
    return f'<div class="rex-h2">{esc(text)}</div>'


NOTEBOOKS = PROJECT / "notebooks"
# What a chart's marks link to, by what they stand for (``charts.base.clickable``): the app and its
# URL parameter. A country's profile is an app of its own once it exists (issue 17); until then a
# country on a mineral's chart opens the scenario of that country cutting its supply of the mineral.
LINKS = {"mineral": ("mineral_profile", "mineral"), "country": ("country_profile", "country")}


def _link(entity: dict) -> str | None:
    """The URL template (``app.ipynb?param={field}``; the page fills in the clicked datum's fields)
    for a chart's entity declaration, or None when no app takes it."""
    kind, field_name, context = entity.get("kind"), entity.get("field"), entity.get("context", {})
    if kind not in LINKS or not field_name:
        return None
    app, param = LINKS[kind]
    if (NOTEBOOKS / f"{app}.ipynb").exists():
        return f"{app}.ipynb?{param}={{{field_name}}}"
    if kind == "country" and "mineral" in context:
        extra = f"&stage={{{context['stage']}}}" if "stage" in context else ""
        return f"scenario.ipynb?mineral={{{context['mineral']}}}{extra}&supplier={{{field_name}}}"
    return None


def chart_html(chart) -> str:
    """A chart section: static SVG (``to_svg``, swappable) plus what the page needs to draw it
    interactively (``charts.base.chart_block``), with the link its marks open when clicked."""
    entity = chart.get("usermeta", {}).get("rex", {}).get("entity") if isinstance(chart, dict) else None
    if entity:
        link = _link(entity)
        meta = dict(chart["usermeta"])
        meta["rex"] = {**meta["rex"], "link": link} if link else {k: v for k, v in meta["rex"].items() if k != "entity"}
        chart = {**chart, "usermeta": meta}
    return chart_block(chart, pending_svg(chart) if browser_draws() else to_svg(chart))


# In Voila the kernel draws as SVG the charts in a view's first this-many chart positions (the first
# screen: mineral_profile's map and top producers side by side, import_reliance's bars), maps
# excepted (charts.base.fill_pending); the page's script draws the others from their specs, and
# every chart of a later refresh (a widget change), as it redraws every chart with vega-embed
# anyway. Measured on mineral_profile (benchmarks/results.md): a new view 1.4-1.75 -> 0.4-0.6 CPU s.
FIRST_SCREEN_CHARTS = 2
_assets_ready: bool | None = None    # ensure_assets() once per kernel


def browser_draws() -> bool:
    """True in a Voila kernel whose page can draw charts itself (the rex template's Vega bundle is
    in place, ``ensure_assets``), and while ``rex publish`` renders a page (``page_drawing``):
    charts are then sent as placeholders and specs (``chart_html``) and only the first screen's
    get SVG (``first_screen``). Reports, JupyterLab and the tests' in-process apps always get SVG.
    ``REX_KERNEL_SVG=all`` keeps every chart's SVG in Voila too."""
    return ((in_voila() or _page_drawing) and os.environ.get("REX_KERNEL_SVG", "") != "all"
            and _cache.real_renderer(to_svg) and assets_ready())


_page_drawing = False     # rex publish is rendering a static page (rexlib.app.publish): its script draws


class page_drawing:
    """``with page_drawing():`` apps built inside draw as for a Voila page (placeholders past the
    first screen, the same section-cache keys), for ``rex publish``'s static pages."""

    def __enter__(self):
        global _page_drawing
        self._before, _page_drawing = _page_drawing, True
        return self

    def __exit__(self, *exc):
        global _page_drawing
        _page_drawing = self._before


def assets_ready() -> bool:
    """``ensure_assets()``, once per kernel."""
    global _assets_ready
    if _assets_ready is None:
        _assets_ready = ensure_assets()
    return _assets_ready


# The section cache's keys carry the renderer in use (``to_svg``, which tests and benchmarks swap)
# and who draws the charts; read at each lookup.
_cache.drawing = lambda: (to_svg, browser_draws())


def first_screen(parts: list[str], limit: int = FIRST_SCREEN_CHARTS) -> list[str]:
    """``parts`` with the SVG of the first ``limit`` charts the browser would draw (a view's first
    render: the static first view, before the page's script has loaded). Each SVG is cached like a
    section (in memory and on disk), keyed by its chart's spec."""
    svgs = _cache.sections("svg")
    return fill_pending(parts, limit, lambda spec_text: svgs.get(
        ("svg", hashlib.sha256(spec_text.encode("utf-8")).hexdigest()), lambda: svg_from_page_spec(spec_text)))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "table"


def csv_link(frame: pd.DataFrame, name: str) -> str:
    """A download link holding the CSV itself (data URI): works in Voila, Lab and static HTML."""
    payload = base64.b64encode(frame.to_csv(index=False).encode("utf-8")).decode("ascii")
    filename = _slug(name) + ".csv"
    return (f'<div class="rex-dl"><a download="{filename}" href="data:text/csv;base64,{payload}">'
            f'⬇ Download CSV ({len(frame)} rows): {esc(filename)}</a></div>')


def _fmt(value, column: str, raw: bool = False) -> tuple[str, bool]:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA or value is pd.NaT:
        return "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        # a year or a raw file's line number is a label, not a quantity: no thousands separator
        return (f"{value}" if "year" in column or column.endswith("line") else f"{value:,}"), True
    if isinstance(value, (float, np.floating)):
        if "year" in column:
            return f"{value:.0f}", True
        if 0 < abs(value) < 0.05:       # would print as 0.0: two significant digits (0.016 kt)
            return f"{value:.2g}", True
        return (f"{value:,.1f}" if abs(value) < 1e6 else f"{value:,.0f}"), True
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d"), False
    text = str(value)
    if raw:
        return text, False
    if "flag" in column and text:
        return flag_words(text), False
    if "_" in text and _ID_CELL.match(text):    # a kind, a status, flags, ids: words (the CSV keeps the ids)
        return ", ".join(words(part) for part in text.split(";")), False
    return text, False


# a cell holding only snake_case ids (``investment_commitment``, ``zirconium;rare_earths``, flags joined by ';')
_ID_CELL = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*(?:;[a-z0-9]+(?:_[a-z0-9]+)*)*$")


def table_html(frame: pd.DataFrame, name: str, *, columns: dict[str, str] | None = None,
               max_rows: int = 40, download: pd.DataFrame | None = None, raw: bool = False) -> str:
    """An HTML table (first ``max_rows`` rows) plus a CSV link with every row.

    Cells of ids and flags read as words (``investment_commitment`` -> "investment commitment"), except
    with ``raw`` (the explore app: what the SQL returned, column names as typed).

    ``columns`` maps column -> header; ``download`` is the frame offered as CSV (default: ``frame``)."""
    shown = frame if columns is None else frame[list(columns)].rename(columns=columns)
    if frame.empty:
        return message(f"No rows for {name}.", "info")
    head = "".join(f"<th>{esc(c)}</th>" for c in shown.columns)
    body = []
    # a year is told by the frame's own column name (``assessment_year`` shown as "Assessment"): 2011, not 2,011
    names = [str(c).lower() for c in (list(columns) if columns is not None else shown.columns)]
    for row in shown.head(max_rows).itertuples(index=False):
        cells = []
        for col, value in zip(names, row):
            text, numeric = _fmt(value, col, raw)
            cells.append(f'<td class="num">{esc(text)}</td>' if numeric else f"<td>{esc(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<div class="rex-note">Showing {max_rows} of {len(shown)} rows; the CSV has all.</div>'
            if len(shown) > max_rows else "")
    return (f'<div class="rex-table-wrap"><table class="rex-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>'
            + more + csv_link(frame if download is None else download, name))


# ---------------------------------------------------------------- parameters

_warmed = False


def warm() -> None:
    """Open the database and start the SVG renderer once per kernel (about a second together)."""
    global _warmed
    if _warmed:
        return
    from rexlib.query import api
    from rexlib.charts.base import warm as warm_charts
    api.minerals()
    warm_charts()
    if in_voila():
        assets_ready()
    _warmed = True


TEMPLATE_STATIC = Path(__file__).resolve().parent.parent / "voila_config" / "jupyter" / "voila" / "templates" / "rex" / "static"


def ensure_assets(folder: Path = TEMPLATE_STATIC) -> bool:
    """The Vega bundle and the named datasets the page's script needs, in the rex template's static
    folder (served at ``/voila/templates/rex/static/``). True when the bundle is there."""
    write_datasets(folder)
    return ensure_vega_bundle(folder) is not None


@dataclass
class Param:
    """One app parameter: its notebook value, how to validate it, and where the value came from."""
    name: str
    value: object
    fallback: object = None          # used when the notebook value itself is invalid
    kind: type = str


@dataclass
class Resolved:
    values: dict
    notes: list[str] = field(default_factory=list)   # HTML messages to show above the app
    from_url: set = field(default_factory=set)
    params: list = field(default_factory=list)       # the app's Params (names and notebook values)
    defaults: dict = field(default_factory=dict)     # the notebook's own view (no URL), validated


def resolve(params: list[Param], validate: Callable[[dict, set], dict], warmup: Callable | None = None) -> Resolved:
    """Merge notebook parameters with URL parameters and validate them.

    ``validate(values, explicit)`` returns the cleaned values and raises InvalidArgument for a value
    that cannot be used; ``explicit`` names the values the URL set. On an invalid URL value the
    message lists the valid values and the notebook value is used instead; on an invalid notebook
    value the parameter's fallback is used."""
    warm()   # before waiting for the request, so a preheated kernel has done the slow start-up
    if warmup is not None and in_voila():
        try:
            warmup()   # e.g. the default view's slow metrics, cached
        except Exception:
            pass
    url = query_params()
    values = {p.name: p.value for p in params}
    notes: list[str] = url_value_notes(query_lists(), params)
    explicit: set = set()
    known = {p.name for p in params}
    unknown = sorted(set(url) - known - {"live"})     # live=1: a published view opened in the live app
    if unknown:
        notes.append(message(f"Ignored unknown URL parameter(s): {names_listed(unknown)}. "
                             f"This app takes: {', '.join(sorted(known))}.", "warn"))
    for p in params:
        if p.name in url:
            raw = url[p.name]
            if p.kind is int:
                try:
                    values[p.name] = int(raw)
                except ValueError:
                    notes.append(message(f"URL parameter {p.name}={shown(raw)} is not a whole number; "
                                         f"using {p.value}.", "error"))
                    continue
            elif p.kind is float:
                try:
                    values[p.name] = float(raw)
                except (ValueError, OverflowError):
                    notes.append(message(f"URL parameter {p.name}={shown(raw)} is not a number; using {p.value}.",
                                         "error"))
                    continue
            else:
                values[p.name] = raw
            explicit.add(p.name)
    for _ in range(len(params) + 1):
        try:
            resolved = Resolved(validate(dict(values), set(explicit)), notes, explicit, list(params))
            resolved.defaults = resolved.values if not url else _defaults(params, validate)
            resolved.notes += _fallback_note()
            return resolved
        except InvalidArgument as error:
            bad = next((p for p in params if p.name == error.name), None)
            if bad is None:
                bad = next((p for p in params if p.name in explicit), params[0])
            origin = "the URL" if bad.name in explicit else "the notebook parameters"
            notes.append(friendly(error, source=origin))
            if bad.name in explicit:
                explicit.discard(bad.name)
                values[bad.name] = bad.value
            else:
                values[bad.name] = bad.fallback
    # Still invalid (an error that names no parameter it can undo): the app's own defaults, said so.
    fallback = {p.name: p.fallback if p.fallback is not None else p.value for p in params}
    notes.append(message("The URL parameters could not be used together; showing the app's default view.", "warn"))
    resolved = Resolved(validate(dict(fallback), set()), notes, set(), list(params))
    resolved.defaults = resolved.values
    resolved.notes += _fallback_note()
    return resolved


def _fallback_note() -> list[str]:
    """A note when this kernel answers from the last good database (a failed automatic rebuild;
    the message itself is in the server log)."""
    if _cache.warehouse.fallback_reason() is None:
        return []
    return [message("The data's inputs changed but the database could not be rebuilt; this page shows the last "
                    "good database. `rex build` on the server says why.", "warn")]


def _defaults(params: list[Param], validate: Callable[[dict, set], dict]) -> dict:
    """The view the notebook's own values give (what a link without a query string shows)."""
    try:
        return validate({p.name: p.value for p in params}, set())
    except InvalidArgument:
        return {p.name: p.value for p in params}


# ---------------------------------------------------------------- the app shell

def _widget_registry() -> dict:
    """ipywidgets' {model_id: widget} of every live widget in this kernel."""
    from ipywidgets.widgets import widget as _widget
    return _widget._instances if hasattr(_widget, "_instances") else w.Widget.widgets   # 8.x / 7.x


def _live_widget_ids() -> set:
    return set(_widget_registry())


def _close_widgets(ids) -> None:
    registry = _widget_registry()
    for model_id in ids:
        widget = registry.get(model_id)
        if widget is not None:
            widget.close()


def render_default_view(cls, args: tuple, kwargs: dict) -> None:
    """Build ``cls(*args, **kwargs)`` without URL parameters, render it, then close its widgets.

    Run in a preheated kernel before the request arrives: the queries, metric tables and section
    HTML (SVG charts included) of the notebook's default view land in this kernel's caches, so a
    visit with the default parameters, or one sharing sections with them, only looks them up. Its
    widgets are closed so the page's widget manager never receives them. A failure here costs
    only the head start: the real instance renders (and reports) as it would have."""
    global _default_view
    before = _live_widget_ids()
    _default_view = True
    try:
        cls(*args, **kwargs).refresh()
        cls.warm()
    except Exception:      # never in the page; the kernel's stderr goes to the server log
        traceback.print_exc(file=sys.__stderr__)
    finally:
        _default_view = False
        _close_widgets(_live_widget_ids() - before)


_VIEWS_RENDERED: set = set()
# Apps whose controls are named apart from their URL parameters. Kept here rather than as each
# class's ``url_controls`` while those modules are being rewritten; move a line to its class then.
_URL_CONTROLS = {"ImportReliance": {"critical": "list", "table_source": "source"},
                 "Scenario": {"cut_pct": "cut", "ramp_up_pct": "ramp"}}


class App:
    """Controls + HTML sections. Subclasses set ``title``/``lede``, build ``controls`` and implement
    ``render() -> list[str]`` (one HTML string per section, from the current control values).

    In a preheated Voila kernel the first construction of each app class renders the default view
    before waiting for the request (``render_default_view``); the subclass needs nothing for it."""

    title = ""
    lede = ""

    def __new__(cls, *args, **kwargs):
        if awaiting_request() and not _default_view and cls not in _VIEWS_RENDERED:
            _VIEWS_RENDERED.add(cls)
            render_default_view(cls, args, kwargs)
        return super().__new__(cls)

    def __init__(self, resolved: Resolved | None = None):
        self.notes = list(resolved.notes) if resolved else []
        self._params: list[Param] = list(resolved.params) if resolved else []
        self._defaults: dict = dict(resolved.defaults) if resolved else {}
        self.header = w.HTML(CSS + f'<div class="rex-app"><h1>{esc(self.title)}</h1>'
                                   f'<p class="rex-lede">{esc(self.lede)}</p></div>')
        self.messages = w.HTML("".join(self.notes))
        self.status = w.HTML()
        self.share = w.HTML()          # the view's URL state and the "Link to this view" box
        self.sections: list[w.HTML] = []
        self.body = w.Box([])          # the sections in order (what the app shows; not displayed itself)
        self.blocks_box = w.Box([], layout=w.Layout(display="flex", flex_flow="row wrap", width="100%"))
        self.blocks_box.add_class("rex-body")   # the sections grouped into blocks (layout_blocks), displayed
        self._blocks: list[w.Box] = []
        self._muted = False

    # subclasses -------------------------------------------------
    @classmethod
    def warm(cls) -> None:
        """Load what the controls' values need (the data layer's memo caches), in a preheated
        kernel after the default view and before the request: a visitor's widget changes then
        only look data up, and their sections come from the shared on-disk tier when any kernel
        drew them before. Subclasses override; keep it to a second or two of queries."""

    def controls(self) -> list[w.Widget]:
        return []

    # URL parameter -> name of the control holding it, where the two differ (default: the same name)
    url_controls: dict[str, str] = {}

    # Which views ``rex publish`` renders as static pages: groups of URL parameters whose values
    # (the controls' options, validated by the app's own validator) are crossed, the other
    # parameters at the notebook's value; the union over the groups. None: not published (the
    # view computes on request: explore, scenario).
    publish_axes: tuple[tuple[str, ...], ...] | None = None

    def url_state(self) -> dict[str, str]:
        """The URL parameters that reproduce the current view: each parameter whose control's value
        differs from the notebook's own view (a link to the default view has no query string)."""
        out = {}
        for param in self._params:
            control = self.url_control(param.name)
            value = getattr(control, "value", None) if control is not None else None
            if value is None or value == "" or value == self._defaults.get(param.name, param.value):
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            out[param.name] = str(value)
        return out

    def url_control(self, name: str) -> w.Widget | None:
        """The control holding URL parameter ``name`` (None when no widget holds it)."""
        names = {**_URL_CONTROLS.get(type(self).__name__, {}), **self.url_controls}
        control = getattr(self, names.get(name, name), None)
        return control if isinstance(control, w.Widget) else None

    def page_title(self) -> str:
        """The view's name for a browser tab (``tab_title``: the published page's and the live app's):
        the app's title and the labels of the controls set away from the notebook's own view. Apps
        override it with a sentence."""
        picked = []
        for param in self._params:
            control = self.url_control(param.name)
            value = getattr(control, "value", None)
            if value is None or value == self._defaults.get(param.name, param.value):
                continue
            label = getattr(control, "label", None)
            picked.append(human_label(str(label if label is not None else value)))
        return self.title + (": " + ", ".join(picked) if picked else "")

    def render(self) -> list[str]:
        raise NotImplementedError

    # machinery --------------------------------------------------
    def watch(self, *widgets: w.Widget) -> None:
        for widget in widgets:
            widget.observe(self._changed, names="value")

    def _changed(self, _change=None) -> None:
        if not self._muted:
            self.refresh()

    def muted(self):
        """Context manager: change several controls, refresh once."""
        app = self

        class _Mute:
            def __enter__(self):
                app._muted = True

            def __exit__(self, *exc):
                app._muted = False
        return _Mute()

    def refresh(self) -> None:
        self.status.value = '<span class="rex-note">Updating…</span>'
        try:
            parts = self.render()
            if not self.sections and browser_draws():
                parts = first_screen(parts)
        except InvalidArgument as error:
            parts = [friendly(error)]
        except Exception as error:  # the page must never show a traceback
            traceback.print_exc(file=sys.__stderr__)  # the server log; sys.stderr would reach the page
            parts = [friendly(error)]
        while len(self.sections) < len(parts):
            self.sections.append(w.HTML())
        for section, part in zip(self.sections, parts):
            if section.value != part:
                section.value = part
            classes = ("rex-part", f"rex-part-{part_kind(part)}")
            if tuple(section._dom_classes) != classes:
                section._dom_classes = classes
        for section in self.sections[len(parts):]:
            section.value = ""
        self.body.children = tuple(self.sections[:len(parts)])
        plan = layout_blocks(parts)
        while len(self._blocks) < len(plan):
            self._blocks.append(w.Box(layout=w.Layout(display="flex", flex_flow="row wrap", overflow="visible")))
        for box, (kind, indices) in zip(self._blocks, plan):
            children = tuple(self.sections[i] for i in indices)
            if tuple(box.children) != children:
                box.children = children
            classes = ("rex-block", f"rex-block-{kind}")
            if tuple(box._dom_classes) != classes:
                box._dom_classes = classes
        self.blocks_box.children = tuple(self._blocks[:len(plan)])
        self.status.value = ""
        share = share_html(self.url_state(), self.page_title())
        if self.share.value != share:
            self.share.value = share

    def widget(self) -> w.VBox:
        if not self.sections:
            self.refresh()
        # Last child: the rule hiding the snapshot comes after the live sections, not ahead of them.
        hide = w.HTML(HIDE_SNAPSHOT)
        box = w.VBox([self.header, self.messages, w.Box(self.controls(), layout=w.Layout(
            display="flex", flex_flow="row wrap", gap="4px 16px", margin="4px 0 8px 0")), self.share, self.status,
            self.blocks_box, hide], layout=w.Layout(max_width="1840px"))
        box.add_class("rex-live")
        return box

    def snapshot(self, note: str = "") -> str:
        """The current view as one HTML string (the same sections, laid out as the live app). Its
        chart ids are renamed (``charts.base.restamp_ids``): in Voila it sits, hidden, in the same
        page as the live copy, whose gradients and clip paths must stay the ones ``url(#…)`` finds."""
        blocks = blocks_html([s.value for s in self.body.children])
        return (CSS + f'<div class="rex-static rex-app" data-rex-title="{esc(tab_title(self.page_title()))}">'
                f'<h1>{esc(self.title)}</h1><p class="rex-lede">{esc(self.lede)}</p>' + note
                + "".join(self.notes) + f'<div class="rex-body">{restamp_ids(blocks)}</div></div>')

    def _ipython_display_(self) -> None:
        live = self.widget()
        if in_voila():
            display(HTML(self.snapshot(PREVIEW_NOTE)), metadata={"rex": "preview"})
        else:   # a report or JupyterLab: no script reads the specs; each chart also as an <img>, which
            # JupyterLab keeps in an untrusted notebook (charts.base.with_images)
            display(HTML(with_images(strip_specs(self.snapshot()))))
        display(live)


_CODE_SUFFIX = re.compile(r"(?: \([A-Z]{3}\)| \[[A-Za-z0-9_]+\])+$")


def human_label(text: str) -> str:
    """An option's label as page text: the name without the code or id the live app's pickers show
    for typing (``Chile (CHL)`` -> ``Chile``; ``… (FORGE) [forge_members]`` -> ``… (FORGE)``)."""
    return _CODE_SUFFIX.sub("", text) or text


def blocks_html(values: list[str]) -> str:
    """Sections laid out as the live app lays them out (``layout_blocks``), as one HTML string."""
    return "".join(f'<div class="rex-block rex-block-{kind}">'
                   + "".join(f'<div class="rex-part rex-part-{part_kind(values[i])}">{values[i]}</div>'
                             for i in indices) + "</div>" for kind, indices in layout_blocks(values))


def part_kind(part: str) -> str:
    """How a section lays out: ``chart`` (beside another chart where two fit) or ``wide``."""
    return "chart" if part.startswith('<div class="rex-chart"') else "wide"


_SMALL = ('<div class="rex-h2"', '<div class="rex-msg', '<div class="rex-note', '<div class="rex-chart"')


def layout_blocks(parts: list[str]) -> list[tuple[str, list[int]]]:
    """Group sections into blocks, a heading starting each: ``(kind, indices)``. A block of at most a
    heading, one chart and messages is ``half`` (two such blocks sit side by side where they fit,
    1,920 px screens); one with tables or several charts is ``full`` (its charts pair inside it)."""
    groups: list[list[int]] = []
    for i, part in enumerate(parts):
        if not groups or (part.startswith('<div class="rex-h2"') and groups[-1]):
            groups.append([])
        groups[-1].append(i)
    plan = []
    for indices in groups:
        chunk = [parts[i] for i in indices]
        charts = sum(part_kind(p) == "chart" for p in chunk)
        half = (chunk[0].startswith('<div class="rex-h2"') and charts <= 1 and len(chunk) <= 4
                and all(p.startswith(_SMALL) or not p for p in chunk))
        plan.append(("half" if half else "full", indices))
    return plan


def tab_title(title: str) -> str:
    """The browser tab's title of a view named ``title`` (``App.page_title``; the landing page's
    ``index.LANDING_TITLE``): a published page's ``<title>`` (``rex publish``) and, through
    ``data-rex-title``, which the page's script copies to ``document.title``, the live app's."""
    return f"{title} · rex"


def share_html(state: dict[str, str], title: str = "") -> str:
    """The view's URL state for the page's script (``data-query``: it calls history.replaceState
    with it; ``data-rex-title``: the tab's title of the view named ``title``, see ``tab_title``) and a
    "Link to this view" box the script fills with the full address. Hidden where no script runs
    (JupyterLab, reports)."""
    query = urlencode(state)
    titled = f' data-rex-title="{esc(tab_title(title))}"' if title else ""
    return (f'<div class="rex-share rex-state" data-query="{esc(query)}"{titled}>'
            f'<label>Link to this view: <input class="rex-share-url" type="text" readonly '
            f'value="{esc("?" + query if query else "")}" aria-label="Link to this view"></label>'
            '<button type="button" class="rex-copy-link">Copy link</button></div>')


def dropdown(description: str, options, value, width: str = "240px") -> w.Dropdown:
    return w.Dropdown(description=description, options=options, value=value,
                      style={"description_width": "initial"}, layout=w.Layout(width=width))


def say_ignored_url_params(page: str) -> None:
    """In Voila, show a note when the URL gives parameters to a page that takes none (the landing
    page, the research notebooks: their parameters cell is set with papermill, not the URL).
    Shows nothing elsewhere (papermill, nbval, JupyterLab)."""
    note = ignored_url_note(page)
    if note:
        from IPython.display import HTML, display
        display(HTML(CSS + note))
