"""The Voila application behind ``rex serve``: Voila 0.5 with rex's guards (see ``RexVoila``).

- **Host header**: only requests whose ``Host`` names 127.0.0.1, localhost, the ``--host`` the
  server was started for, or an ``--allow-host`` name are answered (403 otherwise), on every route,
  the kernel websockets included. Voila turns jupyter_server's own check off
  (``allow_remote_access=True``), so a DNS-rebinding page (a foreign name resolving to 127.0.0.1,
  with a matching ``Origin``) could otherwise drive the widgets.
- **Closed tabs free their kernel**: Voila's page shuts its kernel down on ``beforeunload`` with a
  POST that must carry the ``_xsrf`` cookie, which only Voila's tree page set; a visitor who opened
  an app link directly got ``403 '_xsrf' argument missing`` and the kernel stayed (until the idle
  cull after 15 minutes; busy kernels never). The app page now sets the cookie. And because a
  closed tab may send nothing at all (a crash, a killed browser, a page closed before its scripts
  ran), every kernel handed to a page is watched (``KernelGuard``): a kernel whose page has no
  websocket connection and sent no heartbeat (``rex_alive.js`` in the rex template, every 10 s) for
  ``closed_tab_seconds`` is shut down, busy or not.
- **A kernel only for a page whose script runs**: a request for an app without the ``rex_page``
  cookie (a plain GET, a crawler, another site's ``<img>``) gets a small page that takes no kernel;
  its script sets the cookie (SameSite=Strict) and reloads, so a browser gets the app at once.
- **A bounded number of kernels**: beyond ``max_kernels`` kernels in use (preheated ones waiting in
  the pools not counted) a new visitor gets a short "busy, retry in a moment" page (HTTP 503 with
  Retry-After; it reloads itself) instead of another kernel.
- **No traceback in the browser**: kernel messages of type ``error`` and ``stderr`` streams are not
  forwarded over the kernel websocket; they go to the server log.
- A URL over 16 kB gets 414 and headers over 64 kB get 431, with a sentence (tornado closed the
  connection without an answer from 64 kB up; now from 1 MB).
- ``/voila/templates/<anything>`` that is not ``<template>/static/<file>`` is a 404, not a 500.
- **The published site** (``rex publish``, ``rexlib.app.publish``) at ``/``: ``/<app>/?<query>`` is
  the published page of that view (``SiteHandler``; a view not published yet is rendered on its first
  request, in a process of its own, and kept), and a link in the old form
  ``/voila/render/<app>.ipynb?<query>`` is redirected to it unless it carries ``live=1`` or the view
  is not a published one (then the live app computes it).
"""
from __future__ import annotations

import asyncio
import gc
import json
import re
import time

import tornado.web
from jupyter_server.utils import url_path_join
from tornado.httputil import HTTPServerRequest
from tornado.ioloop import PeriodicCallback
from tornado.routing import Matcher, Rule
from traitlets import Float, Int, List, Unicode
from voila.app import Voila
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler, read_header_from_binary_message

from .site_files import Files, accepts_gzip

LOCAL_NAMES = ("127.0.0.1", "localhost")
WILDCARDS = ("", "0.0.0.0", "::")


def host_name(host_header: str) -> str:
    """``example.org:8866`` -> ``example.org``; ``[::1]:8866`` -> ``::1``; lower case."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def allowed_hosts(bind: str, extra=()) -> frozenset:
    """127.0.0.1 and localhost, the interface the server binds (unless a wildcard) and ``extra``."""
    names = set(LOCAL_NAMES) | {host_name(h) for h in extra if h}
    if bind not in WILDCARDS:
        names.add(host_name(bind if ":" not in bind or bind.startswith("[") else f"[{bind}]"))
    return frozenset(names)


class ForeignHost(Matcher):
    """Matches the requests whose Host header is not one of ``allowed``."""

    def __init__(self, allowed: frozenset):
        self.allowed = allowed

    def match(self, request: HTTPServerRequest):
        return None if host_name(request.host) in self.allowed else {}


# Longer than any link rex makes (the longest, a country profile with added partners, is under 1 kB).
MAX_URL_BYTES = 16 * 1024
MAX_HEADERS_BYTES = 64 * 1024
# What tornado reads of a request's head before it gives up: above this it closes the connection
# without a word (its default, 64 kB, gave an empty answer to a 64-kB URL). Below it, a long URL or
# header gets 414 or 431.
READ_HEADER_BYTES = 1024 * 1024


class TooLong(Matcher):
    """Matches a request whose URL or headers are longer than rex answers."""

    def match(self, request: HTTPServerRequest):
        headers = sum(len(k) + len(v) + 4 for k, v in request.headers.get_all())
        return {} if len(request.uri) > MAX_URL_BYTES or headers > MAX_HEADERS_BYTES else None


class TooLongHandler(tornado.web.RequestHandler):
    """414 for a URL over MAX_URL_BYTES, 431 for headers over MAX_HEADERS_BYTES: a sentence, not an
    empty response."""

    def prepare(self):
        url = len(self.request.uri) > MAX_URL_BYTES
        self.set_status(414 if url else 431)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish((f"{self.get_status()}: the address is {len(self.request.uri):,} bytes long; rex answers "
                     f"addresses up to {MAX_URL_BYTES:,} bytes.\n") if url else
                    (f"431: the request's headers are longer than {MAX_HEADERS_BYTES:,} bytes (a cookie "
                     "too large?).\n"))

    def check_xsrf_cookie(self):       # refused anyway
        pass


class ForeignHostHandler(tornado.web.RequestHandler):
    """403 for every method; the server log says which Host was refused."""

    def prepare(self):
        self.application.settings.get("rex_log_refused", lambda *_: None)(self.request)
        self.set_status(403)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("403: this server answers only requests for the host names it was started for "
                    "(see rex serve --allow-host).\n")

    def check_xsrf_cookie(self):       # refused anyway
        pass


BUSY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{retry}">
<title>rex: busy</title>
<style>body{{font-family:Helvetica,Arial,sans-serif;color:#1d2731;max-width:640px;margin:60px auto;line-height:1.5}}
h1{{font-size:22px}}p{{color:#5f6b76}}</style></head>
<body><h1>The server is busy</h1>
<p>All {limit} places for visitors are taken right now. Retry in a moment: this page tries again by
itself every {retry} seconds. Places free up as other visitors close their tabs.</p></body></html>
"""


KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')

# A kernel is spent only on a page whose script runs (issue 28 item 3). A request for an app without
# the cookie below (a plain GET, a crawler, an <img> on another site's page) gets this page, which
# takes no kernel; in a browser its script sets the cookie and loads the app, once per browser. The
# cookie is SameSite=Strict, so another site's <img> or <iframe> never sends it.
PAGE_COOKIE = "rex_page"
SCRIPT_GATE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rex: loading</title>
<meta name="robots" content="noindex">
<style>body{font-family:Helvetica,Arial,sans-serif;color:#1d2731;max-width:640px;margin:60px auto;line-height:1.5}
p{color:#5f6b76}</style>
<script>
document.cookie = "%(cookie)s=1; path=/; max-age=31536000; SameSite=Strict";
if (document.cookie.indexOf("%(cookie)s=1") >= 0) { location.reload(); }
else { document.addEventListener("DOMContentLoaded", function () {
  document.getElementById("rex-gate").textContent = "This app needs cookies: allow them for this site and reload.";
}); }
</script></head>
<body><h1>rex</h1><p id="rex-gate" data-rex-gate="1">Loading the app…</p>
<noscript><p>This app runs in your browser and needs JavaScript. The published pages of rex need neither.</p></noscript>
</body></html>
""" % {"cookie": PAGE_COOKIE}


class RexVoilaHandler(TornadoVoilaHandler):
    """Voila's app page, with the ``_xsrf`` cookie set and the kernel limit applied. The page's kernel
    id is read from the HTML it streams (Voila's ``jupyter-config-data``) and handed to the guard."""

    @tornado.web.authenticated
    async def get(self, path=None):
        site: Site | None = self.settings.get("rex_site")
        if site is not None and self.settings.get("rex_old_links") == "published" and path:
            app = re.fullmatch(r"(\w+)\.ipynb", path)
            query = {k: v[-1].decode("utf-8", "replace") for k, v in self.request.query_arguments.items()}
            if app and app.group(1) in site.apps and "live" not in query:
                wanted = site.published_query(app.group(1), query)
                if wanted is not None:     # a published view: its page (the live app stays at &live=1)
                    self.redirect(f"{site.base}{app.group(1)}/" + (f"?{wanted}" if wanted else ""))
                    return
        if self.get_cookie(PAGE_COOKIE) != "1":     # no script has run: no kernel (SCRIPT_GATE_PAGE)
            self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(SCRIPT_GATE_PAGE)
            return
        guard: KernelGuard = self.settings["rex_guard"]
        if guard.full():
            guard.log.warning("rex: %d kernels in use (limit %d): busy page for %s",
                              guard.in_use_count(), guard.max_kernels, self.request.uri)
            self.set_status(503)
            self.set_header("Retry-After", str(guard.retry_seconds))
            self.set_header("Cache-Control", "no-store")
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(BUSY_PAGE.format(limit=guard.max_kernels, retry=guard.retry_seconds))
            return
        # Accessing xsrf_token sets the _xsrf cookie: the page's shutdown-on-close beacon sends it.
        self.xsrf_token
        self._rex_kernel = None
        guard.page_started()
        try:
            await super().get(path)
        finally:
            guard.page_finished(self._rex_kernel)

    def write(self, chunk):
        if getattr(self, "_rex_kernel", 1) is None and isinstance(chunk, str):
            found = KERNEL_ID.search(chunk)
            if found:
                self._rex_kernel = found.group(1)
                self.settings["rex_guard"].page_kernel(self._rex_kernel)
        return super().write(chunk)


def _frame_parts(message) -> tuple[str | None, dict | None, dict | None]:
    """(channel, header, content) of an outgoing kernel message, JSON or Jupyter's v1 binary framing."""
    if isinstance(message, (bytes, bytearray, memoryview)):
        data = bytes(message)
        try:
            count = int.from_bytes(data[:8], "little")
            offsets = [int.from_bytes(data[8 * (i + 1): 8 * (i + 2)], "little") for i in range(count)]
            channel = data[offsets[0]:offsets[1]].decode("utf-8")
            header = json.loads(data[offsets[1]:offsets[2]])
            end = offsets[5] if len(offsets) > 5 else len(data)
            content = json.loads(data[offsets[4]:end]) if header.get("msg_type") == "stream" else None
            return channel, header, content
        except (ValueError, IndexError, UnicodeDecodeError):
            return None, read_header_from_binary_message(data), None
    if isinstance(message, str):
        try:
            message = json.loads(message)
        except ValueError:
            return None, None, None
    if isinstance(message, dict):
        return message.get("channel"), message.get("header"), message.get("content")
    return None, None, None


def hidden_from_browser(message) -> str | None:
    """Why a kernel message must not reach the browser (``error``, a ``stderr`` stream), or None."""
    _channel, header, content = _frame_parts(message)
    kind = (header or {}).get("msg_type")
    if kind == "error":
        return "error"
    if kind == "stream" and (content or {}).get("name") == "stderr":
        return "stderr"
    if kind == "stream" and content is None and isinstance(message, (bytes, bytearray)) and b'"stderr"' in message:
        return "stderr"
    return None


class RexKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """The kernel websocket without tracebacks: error messages and stderr output go to the log.
    Its opening tells the guard that the page was shown (the guard's own check runs every 5 s and
    missed a page that connected and was closed in between: 180 s instead of 45 s)."""

    async def open(self, kernel_id):
        self.settings["rex_guard"].page_connected(kernel_id)
        return await super().open(kernel_id)

    def write_message(self, message, binary: bool = False):
        why = hidden_from_browser(message)
        if why is not None:
            self.log.warning("rex: kernel %s %s output kept from the browser: %s", getattr(self, "kernel_id", "?"),
                             why, _text_of(message)[:2000])
            return None
        return super().write_message(message, binary)


def _text_of(message) -> str:
    channel, header, content = _frame_parts(message)
    if content is None and isinstance(message, (bytes, bytearray)):
        return bytes(message)[-2000:].decode("utf-8", "replace")
    if content:
        return str(content.get("text") or content.get("evalue") or content)
    return str(header)


class SiteHandler(tornado.web.RequestHandler):
    """The published site (``rexlib.app.publish``): its files, and ``/<app>/?<query>`` answered with the
    page of that view. The files come from memory, gzipped when the browser takes it, with an ETag
    (``rexlib.app.site_files.Files``); a query string is looked up in the app's ``views.js`` (what a static
    host's page does in the browser), and only one not found there is resolved by the app's
    validator, as the live app would. A page not there yet is rendered on request (``Site.render``);
    a query the app refuses, or a view that is not published, goes to the live app, which explains
    or computes it."""

    async def get(self, path, include_body=True):
        site: Site = self.settings["rex_site"]
        app, _, rest = path.partition("/")
        if app in site.apps and rest in ("", "index.html") and self.request.query:
            query = {k: v[-1].decode("utf-8", "replace") for k, v in self.request.query_arguments.items()}
            key = site.norm(query)
            rel = site.files.route(app, key)
            entry = site.files.get(rel) if rel else None
            if entry is not None and entry.page_query is not None:
                if entry.page_query != key:      # another address of that view: the one users share
                    self.redirect(f"{site.base}{app}/" + (f"?{entry.page_query}" if entry.page_query else ""))
                    return
                return self._send(entry, include_body)
            params = site.resolve(app, query)
            if params is None:
                self.redirect(site.live_url(app, self.request.query))
                return
            wanted = site.query_key(app, params)
            if key != wanted:
                self.redirect(f"{site.base}{app}/" + (f"?{wanted}" if wanted else ""))
                return
            path = await site.ensure(app, params)
        elif path in ("", "index.html") or (app in site.apps and rest == ""):
            entry = site.files.get(f"{app}/index.html" if app in site.apps else "index.html")
            if entry is not None:
                return self._send(entry, include_body)
            path = await site.ensure_landing() if path in ("", "index.html") else await site.ensure(
                app, site.default(app))
        entry = site.files.get(path)
        if entry is None:
            if app in site.apps and rest.endswith(".html"):
                self.redirect(f"{site.base}{app}/")      # a page of an older publish: the app's own view
                return
            raise tornado.web.HTTPError(404)
        return self._send(entry, include_body)

    def head(self, path):
        return self.get(path, include_body=False)

    def _send(self, entry, include_body: bool):
        self.set_header("Content-Type", entry.content_type)
        self.set_header("Cache-Control", entry.cache_control)
        self.set_header("ETag", entry.etag)
        if entry.etag in (self.request.headers.get("If-None-Match") or ""):
            if entry.gzipped:
                self.set_header("Vary", "Accept-Encoding")
            self.set_status(304)
            return self.finish()
        body = entry.stored
        if entry.gzipped:
            self.set_header("Vary", "Accept-Encoding")
            if accepts_gzip(self.request.headers.get("Accept-Encoding")):
                self.set_header("Content-Encoding", "gzip")
            else:
                body = entry.body()
        # (RequestHandler.finish would hash the body for an ETag of its own: written here instead)
        self.set_header("Content-Length", len(body))
        if include_body:
            self.write(body)
        return self.finish()

    def compute_etag(self):
        return None


class Site:
    """What ``rex serve`` knows of the published site: where it is, which apps it holds, and a
    process that renders a missing view on request (one at a time; ``rexlib.app.publish.render_into``)."""

    def __init__(self, root, base: str, log):
        from concurrent.futures import ProcessPoolExecutor
        import multiprocessing
        from rexlib.app import publish as _publish
        self.publish = _publish
        self.root = root
        self.base = base
        self.log = log
        self.apps = set(_publish.PUBLISHED)
        self.files = Files(root)
        self._executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_publish.worker_init)
        self._rendering: dict = {}
        if not (root / "index.html").exists():
            # Nothing published yet (a fresh clone): start the rendering process now (Python, the
            # database, the SVG renderer: seconds), so the first visitor waits only for the page.
            self._executor.submit(int)

    def resolve(self, app, query):
        return self.publish.resolve_request(app, query)

    def published_query(self, app, query) -> str | None:
        """The query string of the published view a URL asks for (``views.js`` first, then the app's
        validator), or None when the view is not a published one."""
        rel = self.files.route(app, self.norm(query))
        entry = self.files.get(rel) if rel else None
        if entry is not None and entry.page_query is not None:
            return entry.page_query
        params = self.resolve(app, query)
        return None if params is None else self.query_key(app, params)

    def default(self, app):
        return self.publish.default_view(app)

    def query_key(self, app, params):
        return self.publish.query_key(self.publish.url_query(app, params))

    def norm(self, query):
        return self.publish.query_key(query)

    def live_url(self, app, query: str) -> str:
        return f"{self.base}voila/render/{app}.ipynb?" + (query + "&" if query else "") + "live=1"

    async def ensure(self, app, params) -> str:
        rel = self.publish.page_file(app, params)
        if not (self.root / rel).exists():
            await self._render(rel, self.publish.render_into, str(self.root), app, params)
        return rel

    async def ensure_landing(self) -> str:
        if not (self.root / "index.html").exists():
            await self._render("index.html", self.publish.render_landing_into, str(self.root))
        return "index.html"

    async def _render(self, rel, fn, *args):
        future = self._rendering.get(rel)
        if future is None:
            self.log.info("rex: %s is not published yet: rendering it for this request", rel)
            future = self._rendering[rel] = asyncio.wrap_future(self._executor.submit(fn, *args))
        try:
            await future
        finally:
            self._rendering.pop(rel, None)


class TemplateFiles(TemplateStaticFileHandler):
    """Voila's template static files; a path that is not ``<template>/static/<file>`` is a 404
    (Voila's handler answers such paths with a 500 from a failed assert or unpacking)."""

    def parse_url_path(self, path):
        parts = path.split("/", 2)
        if len(parts) != 3 or parts[1] != "static" or not parts[2] or not re.fullmatch(r"[\w.-]+", parts[0]):
            raise tornado.web.HTTPError(404)
        try:
            return super().parse_url_path(path)
        except (AssertionError, ValueError, OSError):
            raise tornado.web.HTTPError(404) from None

    @classmethod
    def get_absolute_path(cls, root, path):
        try:
            return super().get_absolute_path(root, path)
        except (AssertionError, ValueError, OSError):
            raise tornado.web.HTTPError(404) from None


class AliveHandler(tornado.web.RequestHandler):
    """``POST /voila/rex/alive/<kernel id>``: the page of that kernel is still open (rex_alive.js)."""

    def check_xsrf_cookie(self):       # a heartbeat changes nothing but a timestamp
        pass

    def post(self, kernel_id):
        self.settings["rex_guard"].beat(kernel_id)
        self.set_status(204)
        self.finish()


class KernelGuard:
    """The kernels that serve pages, whether their page is still open, how many there may be.

    A kernel is a page's from the moment its id appears in the page's HTML (``RexVoilaHandler``);
    preheated kernels waiting in a pool are not pages' kernels and are never shut down here. While
    the server is still sending a page (its kernel runs the notebook; under load that took 60 s),
    the page cannot have connected yet: its kernel is not watched until the page is sent, and the
    quiet time counts from then (it was counted from the kernel id in the HTML's head, so a page
    that took more than ``closed_tab_seconds`` to send lost its kernel before it was shown; found by
    the 20-session load test on CI, 2026-12-01). And a page that was sent but has not yet shown a
    sign of life (no websocket, no heartbeat) gets ``first_contact_seconds``: twenty pages loading
    JupyterLab's front end at once (95 scripts each, the browser on the server's two cores) sent
    their first heartbeat more than 45 s after their HTML; a tab closed before its scripts ran
    frees its kernel after that longer wait. A first heartbeat is no proof that the page will show:
    it comes from the page's head, and the same pages then sent none for 45 s while their scripts
    loaded; so a page counts as shown once its kernel websocket connected, and from then on a
    closed tab frees its kernel after ``closed_tab_seconds``."""

    def __init__(self, kernel_manager, log, *, max_kernels: int, closed_tab_seconds: float,
                 first_contact_seconds: float = 180.0, retry_seconds: int = 15):
        self.km = kernel_manager
        self.log = log
        self.max_kernels = max_kernels
        self.closed_tab_seconds = closed_tab_seconds
        self.first_contact_seconds = max(first_contact_seconds, closed_tab_seconds)
        self.connected: set[str] = set()        # page kernels whose page connected its websocket once
        self.retry_seconds = retry_seconds
        self.pages: dict[str, float] = {}      # page kernel -> last sign of life of its page (monotonic s)
        self.sending: set[str] = set()          # page kernels whose page the server is still sending
        self.waiting = 0                        # page requests admitted whose kernel id is not known yet
        self.reaped = 0

    def in_use_count(self) -> int:
        return len(self.pages) + self.waiting

    def full(self) -> bool:
        return self.max_kernels > 0 and self.in_use_count() >= self.max_kernels

    # the page handler -----------------------------------------------------
    def page_started(self) -> None:
        self.waiting += 1

    def page_kernel(self, kernel_id: str) -> None:
        if kernel_id not in self.pages:
            self.waiting -= 1
        self.pages[kernel_id] = time.monotonic()
        self.sending.add(kernel_id)

    def page_finished(self, kernel_id: str | None) -> None:
        if kernel_id is None:                  # the request ended before a kernel was known
            self.waiting -= 1
            return
        self.sending.discard(kernel_id)
        if kernel_id in self.pages:
            self.pages[kernel_id] = time.monotonic()

    def page_connected(self, kernel_id: str) -> None:
        """The page's front end opened its kernel websocket: it was shown."""
        if kernel_id in self.pages:
            self.connected.add(kernel_id)
            self.pages[kernel_id] = time.monotonic()

    def beat(self, kernel_id: str) -> None:
        if kernel_id in self.pages:
            self.pages[kernel_id] = time.monotonic()

    def _forget(self, kernel_id: str) -> None:
        self.pages.pop(kernel_id, None)
        self.sending.discard(kernel_id)
        self.connected.discard(kernel_id)

    # the reaper -------------------------------------------------------------
    async def reap(self) -> None:
        """Shut down page kernels whose page shows no sign of life for ``closed_tab_seconds``."""
        now = time.monotonic()
        alive = set(self.km.list_kernel_ids())
        connections = getattr(self.km, "_kernel_connections", {})
        for kernel_id in list(self.pages):
            if kernel_id not in alive:         # shut down by its page (beforeunload) or the culler
                self._forget(kernel_id)
                continue
            if kernel_id in self.sending or connections.get(kernel_id, 0) > 0:
                self.pages[kernel_id] = now
                continue
            quiet = now - self.pages[kernel_id]
            limit = self.closed_tab_seconds if kernel_id in self.connected else self.first_contact_seconds
            if quiet > limit:
                self.log.info("rex: kernel %s: no connection and no heartbeat from its page for %.0f s "
                              "(%s); shutting it down", kernel_id, quiet,
                              "its tab was open" if kernel_id in self.connected else "its page never connected")
                self._forget(kernel_id)
                self.reaped += 1
                try:
                    await self.km.shutdown_kernel(kernel_id)
                except Exception:        # noqa: BLE001 - already gone, or dying: nothing to keep
                    self.log.warning("rex: could not shut down kernel %s", kernel_id, exc_info=True)


class RexVoila(Voila):
    """Voila with the guards of this module (``rex serve`` sets the traits)."""

    rex_allowed_hosts = List(Unicode(), config=True, help="Host names accepted besides 127.0.0.1, "
                                                          "localhost and the --ip the server binds.")
    rex_max_kernels = Int(24, config=True, help="Kernels in use by pages at most (0: no limit).")
    rex_closed_tab_seconds = Float(45.0, config=True, help="Shut down a page's kernel after this long "
                                                            "without a connection or heartbeat.")
    rex_first_contact_seconds = Float(180.0, config=True, help="Shut down the kernel of a page that was "
                                      "sent but never connected, after this long without a heartbeat.")
    rex_reap_interval = Float(5.0, config=True, help="Seconds between checks of the page kernels.")
    rex_site_dir = Unicode("", config=True, help="The published site (rex publish) served at /; empty: none.")
    rex_old_links = Unicode("published", config=True, help="'published': /voila/render/<app>.ipynb?<query> of "
                            "a published view is redirected to its page; 'live': the live app answers it.")

    def init_settings(self):
        settings = super().init_settings()
        self.rex_hosts = allowed_hosts(self.ip, self.rex_allowed_hosts)
        self.rex_guard = KernelGuard(self.kernel_manager, self.log, max_kernels=self.rex_max_kernels,
                                     closed_tab_seconds=self.rex_closed_tab_seconds,
                                     first_contact_seconds=self.rex_first_contact_seconds)
        settings["rex_guard"] = self.rex_guard
        if self.rex_site_dir:
            from pathlib import Path
            self.rex_site = Site(Path(self.rex_site_dir), self.server_url if self.server_url.endswith("/")
                                 else self.server_url + "/", self.log)
            settings["rex_site"] = self.rex_site
            settings["rex_old_links"] = self.rex_old_links
        settings["rex_log_refused"] = lambda request: self.log.warning(
            "rex: refused a request for Host %r (%s %s); accepted: %s", request.host, request.method,
            request.uri, ", ".join(sorted(self.rex_hosts)))
        return settings

    def init_handlers(self):
        handlers = super().init_handlers()
        replace = {TornadoVoilaHandler: RexVoilaHandler, VoilaKernelWebsocketHandler: RexKernelWebsocketHandler,
                   TemplateStaticFileHandler: TemplateFiles}
        out = []
        for handler in handlers:
            if isinstance(handler, tuple) and handler[1] in replace:
                handler = (handler[0], replace[handler[1]], *handler[2:])
            out.append(handler)
        alive = (url_path_join(self.server_url, r"/voila/rex/alive/([\w-]+)"), AliveHandler)
        site = []
        if self.rex_site_dir:
            # The published site at / (Voila's tree page stays at /voila/tree); before Voila's
            # catch-all rules, after its own /voila/ routes.
            out = [h for h in out if not (isinstance(h, tuple) and h[0] == self.server_url)]
            site = [(url_path_join(self.server_url, r"/((?:%s)/(?:[^/]*)|static/.*|index\.html|)"
                                   % "|".join(sorted(self.rex_site.apps))), SiteHandler)]
        # First rule: a foreign Host header matches it, whatever the path.
        return [Rule(ForeignHost(self.rex_hosts), ForeignHostHandler), Rule(TooLong(), TooLongHandler), alive,
                *site, *out]

    def listen(self):
        self.rex_reaper = PeriodicCallback(self.rex_guard.reap, self.rex_reap_interval * 1000)
        self.rex_reaper.start()
        self.log.info("rex: accepting Host %s; at most %d kernels in use; a closed tab's kernel is shut "
                      "down after %.0f s", ", ".join(sorted(self.rex_hosts)), self.rex_max_kernels,
                      self.rex_closed_tab_seconds)
        listen = self.app.listen        # Voila calls app.listen(port, ip): read heads up to READ_HEADER_BYTES

        def listen_reading_long_heads(port, address="", **kwargs):
            # backlog: connections waiting to be accepted (tornado's default 128; nginx's 511): a
            # burst of visitors past it waits for SYN retransmits (1 s and more)
            return listen(port, address, max_header_size=READ_HEADER_BYTES, backlog=1024, **kwargs)
        self.app.listen = listen_reading_long_heads
        # Everything loaded so far (Voila, jupyter_server, the app's modules: a large heap) lives as long
        # as the server: kept out of the garbage collector's full passes, which took 260-330 ms each
        # and stopped every request behind them (200 concurrent requests for published pages: one
        # such pause was most of the p95 of 239 ms; benchmarks/published.py).
        gc.freeze()
        super().listen()
