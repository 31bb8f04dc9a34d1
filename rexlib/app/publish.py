"""``rex publish``: every linkable view of the read-only apps as a static page, drawn by the page.

One renderer, three outputs: a page is the app's own notebook run in-process (its code cells, the
view's values as its parameters cell, as papermill injects them), the app's sections built as for a
Voila page (``ui.common.page_drawing``: the same section-cache keys, first-screen charts as SVG, the
others as specs the page's script draws with the local Vega bundle), laid out as the live app lays
them out (``ui.common.blocks_html``). What a page adds: plain ``<select>`` controls whose options go
to the neighbouring published view, "Open in the live app", "Cite this page".

Which views: from each app's default view (its notebook's parameters, validated), every view its
controls reach (each option of each control, validated by the app's own validator as a URL value
would be), within the app's ``publish_axes`` (groups of parameters crossed; the others at the
notebook's value). The crawl reads the options from the rendered app, so there is no list of values
to keep.

Layout (a static host answers the query-string links users share)::

    site/index.html                       the landing page
    site/<app>/index.html                 the app's default view
    site/<app>/<slug>.html                another view (slug: reports.params.slug of its URL parameters)
    site/<app>/views.js                   query string -> file, for the page's routing script
    site/static/                          rex-vega.js, rex_interactive.js, rex_site.js/.css, datasets/
    site/.rex-publish.json                each page's key, its view and the views it links to

``/<app>/?mineral=gallium&year=2024`` on a static host loads ``<app>/index.html``, whose first script
finds the file in ``views.js`` and replaces the page with it; ``rex serve`` answers it server-side
(``resolve_request``). Each page's key is the data fingerprint (build_info.json: inputs and the code
that shapes them), rexlib's code hash (``ui.cache.code_hash``, as the section cache) and the view: a
publish after a build that changed nothing renders nothing.
"""
from __future__ import annotations

import ast
import hashlib
import html
import itertools
import json
import os
import re
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from rexlib.core.paths import derived_dir

PUBLISHED = ("mineral_profile", "import_reliance", "chokepoints", "financing", "claims", "outlook",
             "country_profile")
STATIC_SRC = Path(__file__).resolve().parent / "site_static"
MANIFEST = ".rex-publish.json"
SITE_VERSION = "1"          # bump when the page layout changes outside rexlib's Python code


def default_out() -> Path:
    return derived_dir() / "site"


# ---------------------------------------------------------------- parameters (the apps' own)

@lru_cache(maxsize=None)
def _declared(app: str) -> dict:
    from rexlib.reports.params import notebook_parameters, notebook_path
    return notebook_parameters(notebook_path(app))


@lru_cache(maxsize=None)
def _validator(app: str):
    from rexlib.reports.params import app_validator, notebook_path
    return app_validator(notebook_path(app))


def canonical(app: str, given: dict, base: dict | None = None) -> dict:
    """The view the app shows for URL values ``given`` over ``base`` (default: the notebook's own
    values): every parameter, validated by the app's validator with ``given`` marked explicit, as
    the app resolves its URL. Raises InvalidArgument (or ValueError for a value of the wrong type)."""
    from rexlib.reports.params import coerce
    declared = _declared(app)
    values = {name: p.default for name, p in declared.items()}
    if base:
        values.update(base)
    explicit = set()
    for name, raw in given.items():
        if name not in declared:
            from rexlib.core.validate import InvalidArgument
            raise InvalidArgument(name, raw, list(declared), f" ({app} takes no parameter {name!r})")
        values[name] = coerce(declared[name], raw)
        explicit.add(name)
    out = _validator(app)(dict(values), explicit)
    return {name: out.get(name, values[name]) for name in declared}


@lru_cache(maxsize=None)
def default_view(app: str) -> dict:
    return canonical(app, {})


def url_query(app: str, params: dict) -> dict[str, str]:
    """The URL parameters of a view: those that differ from the default view, in the notebook's order."""
    default = default_view(app)      # (the notebook's order, whatever order ``params`` came in: the file name)
    return {name: _text(params[name]) for name in default if name in params and params[name] != default[name]}


def _text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def query_key(query: dict) -> str:
    """A query string in one form (names sorted, ``live`` and empty values dropped), as the page's
    routing script (rex_site.js, ``norm``) writes it: ``encodeURIComponent`` of each name and value."""
    items = sorted((k, v) for k, v in query.items() if k != "live" and str(v) != "")
    return "&".join(f"{quote(str(k), safe=_JS_SAFE)}={quote(str(v), safe=_JS_SAFE)}" for k, v in items)


_JS_SAFE = "!'()*~"


def page_file(app: str, params: dict) -> str:
    """The view's file, relative to the site: ``<app>/index.html`` or ``<app>/<slug>.html``."""
    from rexlib.reports.params import slug
    query = url_query(app, params)
    return f"{app}/index.html" if not query else f"{app}/{slug(query)}.html"


@lru_cache(maxsize=None)
def _axes(app: str) -> tuple:
    return _app_class(app).publish_axes or ()


def is_published(app: str, params: dict) -> bool:
    """A view is published when, for one of the app's ``publish_axes`` groups, every parameter
    outside the group has the default view's value."""
    default = default_view(app)
    return any(all(params[n] == default[n] for n in params if n not in group) for group in _axes(app))


@lru_cache(maxsize=None)
def _app_class(app: str):
    """The ``ui.common.App`` subclass the app's notebook builds."""
    import importlib
    from .ui import common as c
    module = importlib.import_module(f"rexlib.app.ui.{app}")
    found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, c.App) and v is not c.App
             and v.__module__ == module.__name__]
    return found[0]


def live_url(app: str, query: dict, prefix: str = "../") -> str:
    """The view in the live Voila app (``rex serve``), which computes it for the visitor."""
    qs = "&".join(f"{quote(k, safe=_JS_SAFE)}={quote(str(v), safe=_JS_SAFE)}" for k, v in query.items())
    return f"{prefix}voila/render/{app}.ipynb?" + (qs + "&" if qs else "") + "live=1"


# ---------------------------------------------------------------- running the notebook in-process

@lru_cache(maxsize=None)
def _notebook_code(app: str) -> tuple:
    """(body, last expression) compiled from the notebook's code cells, the parameters cell left out."""
    import nbformat
    from rexlib.reports.params import notebook_path
    nb = nbformat.read(str(notebook_path(app)), as_version=4)
    source = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code"
                       and "parameters" not in cell.get("metadata", {}).get("tags", []))
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    body = compile(tree, f"<{app}.ipynb>", "exec")
    expr = compile(ast.Expression(last.value), f"<{app}.ipynb>", "eval") if last is not None else None
    return body, expr


def run_notebook(app: str, params: dict):
    """What the notebook's last cell shows, run here with ``params`` as its parameters (papermill's way)."""
    body, expr = _notebook_code(app)
    namespace = dict(params)
    exec(body, namespace)
    return eval(expr, namespace) if expr is not None else None


# ---------------------------------------------------------------- one page

@dataclass
class SiteInfo:
    """What every page says about the data and the build (the footer, "Cite this page")."""
    fingerprint: str = "?"
    built_at: str = "?"
    published_at: str = ""
    vintages: list = field(default_factory=list)


def site_info() -> SiteInfo:
    from rexlib.query.warehouse import ensure_built
    ensure_built()
    try:
        info = json.loads((derived_dir() / "build_info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    return SiteInfo(fingerprint=str(info.get("fingerprint") or "?"), built_at=str(info.get("built_at") or "?"),
                    published_at=datetime.now(timezone.utc).strftime("%Y-%m-%d"))


def page_key(app: str, params: dict, info: SiteInfo) -> str:
    from .ui.cache import code_hash
    text = repr((SITE_VERSION, info.fingerprint, code_hash(), _static_hash(), app, sorted(params.items())))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@lru_cache(maxsize=1)
def _static_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(STATIC_SRC.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _options(control) -> list[tuple[str, object]]:
    labels = getattr(control, "_options_labels", None)
    values = getattr(control, "_options_values", None)
    if labels is None or values is None:
        return []
    return list(zip(labels, values))


def controls_html(app: str, instance, params: dict, prefix: str = "") -> tuple[str, list[dict]]:
    """A ``<select>`` per URL parameter held by a control with options; each option's value is the
    address of the view that choice opens (the app's validator decides it, with that parameter
    explicit, as when a visitor changes the control). Returns the HTML and the published views
    linked."""
    from rexlib.charts.base import esc
    from .ui.common import human_label
    out, links = [], []
    for name in params:
        control = instance.url_control(name)
        options = _options(control) if control is not None else []
        if not options or getattr(control, "disabled", False):
            continue
        label = getattr(control, "description", "") or name
        items = []
        for text, value in options:
            try:
                target = params if value == params[name] else canonical(app, {name: value}, base=params)
            except Exception:       # an option the validator refuses here: not offered
                continue
            if target == params:
                href = ""
            elif is_published(app, target):
                href = prefix + page_file(app, target).split("/", 1)[1]
                links.append(target)
            else:
                href = live_url(app, url_query(app, target))
            selected = " selected" if value == params[name] else ""
            items.append(f'<option value="{esc(href)}"{selected}>{esc(human_label(str(text)))}</option>')
        out.append(f'<label class="rex-control">{esc(label)} <select class="rex-go" name="{esc(name)}">'
                   + "".join(items) + "</select></label>")
    return '<form class="rex-controls" onsubmit="return false">' + "".join(out) + "</form>", links


_APP_LINK = re.compile(r'href="(\w+)\.ipynb(\?[^"]*)?"')


def site_links(text: str, prefix: str) -> str:
    """Links written for Voila (``mineral_profile.ipynb?mineral=x``) as links into the site; those of
    an app that is not published (scenario, explore) to the live app."""
    def link(m: re.Match) -> str:
        app, query = m.group(1), m.group(2) or ""
        if app in PUBLISHED:
            return f'href="{prefix}{app}/{query}"'
        return f'href="{prefix}voila/render/{app}.ipynb{query}"'
    return _APP_LINK.sub(link, text)


def render_view(app: str, params: dict, info: SiteInfo) -> tuple[str, list[dict]]:
    """The page of one view and the published views its controls link to."""
    from .ui import common as c
    with c.page_drawing():
        instance = run_notebook(app, params)
        instance._defaults = default_view(app)     # the notebook's own view (the URL state is relative to it)
        instance.refresh()
    values = [s.value for s in instance.body.children]
    controls, links = controls_html(app, instance, params)
    query = url_query(app, params)
    body = (f'<h1>{c.esc(instance.title)}</h1><p class="rex-lede">{c.esc(instance.lede)}</p>'
            + "".join(instance.notes) + controls
            + f'<p class="rex-live-link"><a href="{c.esc(live_url(app, query))}">Open in the live app</a> '
              '(change every setting; computed for you)</p>'
            + c.share_html(query)
            + f'<div class="rex-body">{c.blocks_html(values)}</div>')
    page = page_html(title=instance.page_title(), body=site_links(body, "../"), info=info, prefix="../",
                     app=app, query=query_key(query), cited=_cited(values))
    return page, links


def _cited(values: list[str]) -> list[dict]:
    """The releases of data/raw/sources.yml the page's sections name: by title (source lines), by
    vintage code (``MCS2026``) or by publisher (``European Commission``, the notes on EU figures)."""
    from rexlib.charts.base import _releases
    text = html.unescape("".join(values))

    def publisher(meta: dict) -> str:
        return str(meta.get("publisher") or "").split(",")[0].strip()

    releases = list(_releases().values())
    found = [m for m in releases if any(w and w in text for w in (m.get("title"), m.get("vintage")))]
    # a publisher named without a title or vintage (``the European Commission's 2023 study``): its
    # release, unless one of its releases is already cited by name
    cited_publishers = {publisher(m) for m in found}
    found += [m for m in releases if m not in found and len(publisher(m)) > 12 and publisher(m) in text
              and publisher(m) not in cited_publishers]
    return found


NAV = [("mineral_profile", "Minerals"), ("import_reliance", "Import reliance"), ("chokepoints", "Chokepoints"),
       ("financing", "Financing"), ("claims", "Claims"), ("outlook", "Outlook"), ("country_profile", "Countries")]


def page_html(*, title: str, body: str, info: SiteInfo, prefix: str, app: str = "", query: str = "",
              cited: list[dict] = ()) -> str:
    from rexlib.charts.base import CURATED_PUBLISHER, esc
    from .ui.common import CSS, tab_title
    nav = "".join(f'<a href="{prefix}{a}/"{" aria-current=page" if a == app else ""}>{esc(t)}</a>' for a, t in NAV)
    cite = "".join(f'<li>{esc(m.get("citation", m["title"]))} <span class="rex-note">Licence: '
                   f'{esc(m.get("licence") or "see the publisher")}.'
                   + (" Unofficial: " + esc(m["provenance_grade"]) + "." if m.get("provenance_grade") else "")
                   + "</span></li>" for m in cited)
    cite += f'<li>{esc(CURATED_PUBLISHER)}; each row cites its document.</li>' if "curated" in body else ""
    routing = (f'<script>window.REX_PAGE={{app:{json.dumps(app)},query:{json.dumps(query)}}};</script>'
               f'<script src="{prefix}static/rex_route.js"></script>') if app else ""
    return f"""<!doctype html>
<html lang="en" data-rex-site="1"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(tab_title(title))}</title>
{routing}
<link rel="stylesheet" href="{prefix}static/rex_site.css">
<link rel="modulepreload" href="{prefix}static/rex-vega.js">
{CSS}
</head><body>
<header class="rex-site-nav"><a class="rex-home" href="{prefix}index.html">rex</a>{nav}</header>
<main class="rex-app rex-page">
{body}
<section class="rex-cite"><h2 class="rex-h2">Cite this page</h2>
<p>rex, critical-minerals workbook: “{esc(title)}”. Data built {esc(info.built_at[:10])} (build {esc(info.fingerprint)}),
page published {esc(info.published_at)}. The figures come from:</p>
<ul>{cite or '<li>see each chart’s source line</li>'}</ul></section>
</main>
<script src="{prefix}static/rex_interactive.js" defer></script>
<script src="{prefix}static/rex_site.js" defer></script>
</body></html>
"""


def render_landing(info: SiteInfo) -> str:
    from .ui import common as c, index
    shown = run_notebook("index", {p: d.default for p, d in _declared("index").items()})
    text = getattr(shown, "data", str(shown))
    text = text.replace(c.CSS, "")
    return page_html(title=index.LANDING_TITLE, body=site_links(text, ""), info=info, prefix="")


# ---------------------------------------------------------------- the site

def _write(path: Path, text: str) -> bool:
    """Write ``text`` atomically, and its ``.gz`` beside it for a static host's ``gzip_static`` and
    rex serve (``site_files.write_gzip``); False when the file already held it (nothing written)."""
    from .site_files import write_atomically, write_gzip
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            write_gzip(path, data, refresh=False)
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    write_gzip(path, data)      # after the file: a .gz not older than its file is its current one
    return True


def write_static(out: Path) -> None:
    """The page's scripts and styles, the Vega bundle and the map's topology, in ``out/static``."""
    from .ui.common import TEMPLATE_STATIC, ensure_assets
    ensure_assets()
    static = out / "static"
    for path in sorted(STATIC_SRC.iterdir()):
        _write(static / path.name, path.read_text(encoding="utf-8"))
    _write(static / "rex_interactive.js", (TEMPLATE_STATIC / "rex_interactive.js").read_text(encoding="utf-8"))
    for path in [TEMPLATE_STATIC / "rex-vega.js", *sorted((TEMPLATE_STATIC / "datasets").glob("*.json"))]:
        _write(static / path.relative_to(TEMPLATE_STATIC), path.read_text(encoding="utf-8"))


def _aliases(app: str, params: dict) -> list[str]:
    """The query strings (``query_key`` form) that open this view: its URL parameters, and each
    subset of its parameters the app's validator resolves to it (``?mineral=gallium`` -> gallium's
    primary stage and latest year)."""
    keys = {query_key(url_query(app, params)), query_key({k: _text(v) for k, v in params.items()})}
    names = [n for n in params if any(n in group for group in _axes(app))]
    for size in range(0, min(len(names), 4) + 1):
        for subset in itertools.combinations(names, size):
            given = {n: _text(params[n]) for n in subset}
            try:
                if canonical(app, given) == params:
                    keys.add(query_key(given))
            except Exception:
                continue
    return sorted(keys)


@dataclass
class Report:
    rendered: int = 0
    written: int = 0
    skipped: int = 0
    failed: list = field(default_factory=list)
    pages: int = 0
    seconds: float = 0.0
    render_seconds: float = 0.0


def worker_init() -> None:
    """A rendering process: the database open, the SVG renderer started."""
    from .ui import common as c
    c.warm()


def render_into(out: str, app: str, params: dict) -> str:
    """Render one view into the site at ``out`` (``rex serve``: a view asked for before the
    background publish reached it). The next publish finds it without a key and renders it again."""
    root = Path(out)
    write_static(root)
    page, _ = render_view(app, params, site_info())
    rel = page_file(app, params)
    _write(root / rel, page)
    return rel


def render_landing_into(out: str) -> str:
    root = Path(out)
    write_static(root)
    _write(root / "index.html", render_landing(site_info()))
    return "index.html"


def _render_job(app: str, params: dict, info: SiteInfo):
    started = time.process_time()
    try:
        page, links = render_view(app, params, info)
        return page, links, None, time.process_time() - started
    except Exception as error:    # noqa: BLE001 - one failing view must not stop the publish
        import traceback
        traceback.print_exc(file=sys.stderr)
        return None, [], f"{type(error).__name__}: {error}", time.process_time() - started


def publish(out: Path | None = None, *, apps=PUBLISHED, views: list[tuple[str, dict]] | None = None,
            workers: int = 2, force: bool = False, crawl: bool = True, limit: int | None = None,
            log=None) -> Report:
    """Render every published view of ``apps`` into ``out`` (those not rendered with the same key
    before). ``views`` starts the crawl from these (app, URL parameters) instead of each app's
    default view; ``crawl=False`` renders only them; ``limit`` stops after that many views per app."""
    started = time.monotonic()
    out = Path(out or default_out())
    say = log or (lambda text: print(text, file=sys.stderr, flush=True))
    info = site_info()
    write_static(out)
    manifest_path = out / MANIFEST
    try:
        old = json.loads(manifest_path.read_text(encoding="utf-8")).get("pages", {})
    except (OSError, ValueError):
        old = {}
    pages: dict = {} if crawl and views is None and set(apps) >= set(PUBLISHED) else dict(old)
    report = Report()

    start = [(a, default_view(a)) for a in (apps if views is None else dict.fromkeys(a for a, _ in views))]
    # (each app's folder starts with its default view: index.html also routes the shared links)
    start += [(a, canonical(a, q)) for a, q in views or [] if canonical(a, q) != default_view(a)]
    queue = deque(start)
    seen = {(a, json.dumps(p, sort_keys=True, default=str)) for a, p in start}
    per_app: dict[str, int] = {}
    pending: dict = {}
    executor = None
    if workers > 1:
        import concurrent.futures
        import multiprocessing
        executor = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                                          initializer=worker_init)

    def follow(app: str, links: list) -> None:
        if not crawl:
            return
        for target in links:
            ident = (app, json.dumps(target, sort_keys=True, default=str))
            if ident in seen:
                continue
            if limit is not None and per_app.get(app, 0) + sum(1 for a, _ in queue if a == app) >= limit:
                continue
            seen.add(ident)
            queue.append((app, target))

    def finish(app: str, params: dict, key: str, result) -> None:
        page, links, error, cpu = result
        rel = page_file(app, params)
        report.rendered += 1
        report.render_seconds += cpu
        if error:
            report.failed.append((rel, error))
            say(f"rex publish: {rel}: FAILED {error}")
            return
        report.written += _write(out / rel, page)
        pages[rel] = {"key": key, "app": app, "params": params, "links": links}
        follow(app, links)

    try:
        while queue or pending:
            while queue:
                app, params = queue.popleft()
                per_app[app] = per_app.get(app, 0) + 1
                rel = page_file(app, params)
                key = page_key(app, params, info)
                entry = old.get(rel)
                if not force and entry and entry.get("key") == key and (out / rel).exists():
                    pages[rel] = entry
                    report.skipped += 1
                    follow(app, [p for p in entry.get("links", [])])
                    continue
                if executor is None:
                    finish(app, params, key, _render_job(app, params, info))
                else:
                    pending[executor.submit(_render_job, app, params, info)] = (app, params, key)
            if pending:
                import concurrent.futures
                done, _ = concurrent.futures.wait(list(pending), return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    app, params, key = pending.pop(future)
                    finish(app, params, key, future.result())
                    if report.rendered % 50 == 0:
                        _write(manifest_path, json.dumps({"version": SITE_VERSION, "fingerprint": info.fingerprint,
                                                          "pages": {**old, **pages}}, sort_keys=True, default=str))
                        say(f"rex publish: {report.rendered} rendered, {report.skipped} up to date "
                            f"({time.monotonic() - started:.0f} s)")
    finally:
        if executor is not None:
            executor.shutdown(cancel_futures=True)

    landing_key = page_key("index", {}, info)
    if force or old.get("index.html", {}).get("key") != landing_key or not (out / "index.html").exists():
        report.written += _write(out / "index.html", render_landing(info))
        report.rendered += 1
    else:
        report.skipped += 1
    pages["index.html"] = {"key": landing_key, "app": "index", "params": {}, "links": []}
    write_routes(out, pages)
    _write(manifest_path, json.dumps({"version": SITE_VERSION, "fingerprint": info.fingerprint,
                                      "pages": pages}, sort_keys=True, default=str))
    report.pages = len(pages)
    report.seconds = time.monotonic() - started
    return report


def write_routes(out: Path, pages: dict) -> None:
    """``<app>/views.js``: every query string that opens a published view -> its file."""
    by_app: dict[str, dict] = {}
    for rel, entry in pages.items():
        if entry["app"] == "index":
            continue
        routes = by_app.setdefault(entry["app"], {})
        for key in entry.get("aliases") or _aliases(entry["app"], entry["params"]):
            routes.setdefault(key, rel.split("/", 1)[1])
        entry["aliases"] = entry.get("aliases") or sorted(k for k, v in routes.items() if v == rel.split("/", 1)[1])
    for app, routes in by_app.items():
        _write(out / app / "views.js", "window.REX_VIEWS=" + json.dumps(routes, sort_keys=True,
                                                                         separators=(",", ":")) + ";\n")


# ---------------------------------------------------------------- rex serve's side

def resolve_request(app: str, query: dict) -> dict | None:
    """The published view a URL asks for (``query``: name -> last value), or None when the app is not
    published, the values are not valid (the live app explains why) or the view is not a published one."""
    if app not in PUBLISHED:
        return None
    given = {k: v for k, v in query.items() if k != "live" and str(v).strip() != ""}
    try:
        params = canonical(app, given)
    except Exception:
        return None
    return params if is_published(app, params) else None


PUBLISH_EXAMPLES = """\
examples:
  rex publish                            # every view, into data/derived/site (only what changed)
  rex publish --out /srv/rex             # a folder any static web server can serve
  rex build && rex publish               # what the scheduled run does
  rex publish --app mineral_profile --limit 20   # a quick look"""


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="rex publish", formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=PUBLISH_EXAMPLES, description=(
        "Render every linkable view of the read-only apps into a folder of static pages (HTML, charts "
        "drawn by the page's local Vega bundle, CSV downloads). Only views whose data, code or "
        "parameters changed since the last publish are rendered again."))
    parser.add_argument("--out", type=Path, default=None, help=f"the site folder (default {default_out()})")
    parser.add_argument("--app", action="append", choices=PUBLISHED, help="only this app (repeatable)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes rendering pages (default: 2 or the number of cores)")
    parser.add_argument("--force", action="store_true", help="render every page, even those up to date")
    parser.add_argument("--limit", type=int, default=None, help="at most N views per app (a quick look)")
    args = parser.parse_args(argv)
    import signal
    # Stopped (rex serve's background publish ends with the server): leave through the finally
    # that shuts the rendering processes down, not leaving them behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report = publish(args.out, apps=tuple(args.app or PUBLISHED), workers=args.workers, force=args.force,
                     limit=args.limit)
    out = args.out or default_out()
    print(f"published {report.pages} pages in {out} in {report.seconds:.1f} s: {report.rendered} rendered "
          f"({report.render_seconds:.0f} CPU s), {report.written} files changed, {report.skipped} up to date, "
          f"{len(report.failed)} failed")
    for rel, error in report.failed[:20]:
        print(f"  {rel}: {error}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
