"""Executed notebook -> one self-contained HTML page (code hidden, no scripts, readable offline).

The apps write a static snapshot of their first state (SVG charts, tables, CSV links as data URIs)
as an ordinary ``text/html`` output when they run outside Voila; that is what the report shows.
The live ipywidgets output and the saved widget state are dropped from the page (nbconvert would
load a widget manager from a CDN for them), as are stderr streams (kernel warnings). The template
extends nbconvert's ``lab`` template with the CDN scripts (require.js, MathJax, Mermaid, widgets)
removed and a header naming the report, its parameters and the data it was rendered from.
"""
from __future__ import annotations

import copy
import html
import re

import jinja2

from ..charts.base import strip_images

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

TEMPLATE = r"""{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style type="text/css">
.rex-report-head{font-family:Helvetica,Arial,sans-serif;color:#1d2731;max-width:1100px;margin:12px 20px 4px 20px;
  padding:8px 12px;border:1px solid #dfe3e8;border-radius:6px;background:#fafbfc;font-size:12.5px;line-height:1.5}
.rex-report-head b{color:#1d2731}
.rex-report-head .rex-report-title{font-size:15px;font-weight:bold}
.rex-report-head a{color:#1f6fb2}
.rex-report-head .muted{color:#5f6b76}
@media print{.rex-report-head a.nav{display:none}}
</style>
{%- endblock extra_css -%}
{%- block body_header -%}
{{ super() }}
{{ resources.rex_header }}
{%- endblock body_header -%}
"""


def _exporter():
    from nbconvert import HTMLExporter
    return HTMLExporter(template_name="lab", template_file="rex_report.html.j2",
                        extra_loaders=[jinja2.DictLoader({"rex_report.html.j2": TEMPLATE})],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        embed_images=True, theme="light")


def for_page(nb):
    """A copy of the executed notebook without the parts a static page cannot show."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            if WIDGET_MIME in out.get("data", {}):
                continue
            if "text/html" in out.get("data", {}):     # the page shows the SVG: no second copy as <img>
                out["data"]["text/html"] = strip_images("".join(out["data"]["text/html"]))
            kept.append(out)
        cell["outputs"] = kept
    return nb


def title_of(notebook: str) -> str:
    return notebook.replace("_", " ").strip().capitalize()


def header(meta: dict) -> str:
    e = html.escape
    params = meta.get("params") or {}
    shown = ", ".join(f"{e(str(k))}={e(str(v))}" for k, v in params.items()) or "defaults"
    resolved = meta.get("resolved") or {}
    full = ", ".join(f"{e(str(k))}={e(str(v))}" for k, v in resolved.items())
    vintages = ", ".join(meta.get("vintages") or []) or "—"
    return (
        '<div class="rex-report-head">'
        f'<div class="rex-report-title">{e(title_of(meta["notebook"]))} · {shown}</div>'
        f'<div>Parameters: {full or "none"}</div>'
        f'<div>Data: vintage {e(vintages)} · database built {e(str(meta.get("built_at") or "?"))} '
        f'· fingerprint <code>{e(str(meta.get("fingerprint") or "?"))}</code></div>'
        f'<div class="muted">Rendered {e(meta.get("rendered_at", ""))} by rex report '
        f'(rexlib {e(str(meta.get("rexlib_version", "")))}, notebook {e(meta["notebook"])}.ipynb '
        f'sha256 {e(str(meta.get("notebook_sha256", ""))[:12])}) · '
        f'<a class="nav" href="../index.html">all reports of {e(str(meta.get("date", "")))}</a> · '
        f'<a class="nav" href="{e(meta["slug"])}.ipynb">executed notebook</a></div>'
        '</div>')


_EXTERNAL = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


def external_resources(page: str) -> list[str]:
    """Script/stylesheet tags that would load from the network (a report must have none)."""
    return [m.group(0) for m in _EXTERNAL.finditer(page)]


def to_html(nb, meta: dict) -> str:
    body, _ = _exporter().from_notebook_node(for_page(nb), resources={"rex_header": header(meta),
                                                                      "metadata": {"name": title_of(meta["notebook"])}})
    return body
