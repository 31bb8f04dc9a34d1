"""The published folder (``rex publish``) as a web server answers it: which files are sent compressed,
with what caching headers, and, for ``rex serve``, the files held in memory.

One rule for both servers of the folder: ``deploy/nginx/rex.conf.template`` says the same in nginx's
words (``gzip_static``, ``Cache-Control``). ``rex publish`` writes a ``.gz`` beside each page, script
and dataset (``write_gzip``); nginx sends it as is, and ``rex serve`` reads it once into memory
(``Files``): a published page then costs the server one ``stat`` and one write, where tornado's
``StaticFileHandler`` read the file in 64-kB chunks, flushing after each, and sent it uncompressed
(200 concurrent requests: p95 239 ms in benchmarks/results.md, 2026-12-07).

Imports nothing of rexlib.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import os
import re
import tempfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

# Text files compressed once at publish (a page of ~170 kB is ~25 kB gzipped).
COMPRESSED = (".html", ".js", ".css", ".json", ".svg", ".csv", ".txt")
GZIP_LEVEL = 6

# Pages and each app's views.js are republished in place: revalidated on every visit (ETag -> 304).
# Scripts, styles and datasets in static/ keep their names across publishes: kept an hour.
REVALIDATE = "no-cache"
STATIC = "public, max-age=3600"


def cache_control(rel: str) -> str:
    """The Cache-Control of a file of the site (``rel``: its path in the site, with ``/``)."""
    return STATIC if rel.startswith("static/") else REVALIDATE


def write_gzip(path: Path, data: bytes, *, refresh: bool = True) -> None:
    """``path.gz`` beside ``path`` holding ``data`` gzipped (deterministic: no name, no time), written
    atomically; when ``refresh`` is False an existing one is kept."""
    if path.suffix not in COMPRESSED or path.name.startswith("."):
        return
    target = path.with_name(path.name + ".gz")
    if not refresh and target.exists():
        return
    write_atomically(target, gzip.compress(data, GZIP_LEVEL, mtime=0))


def write_atomically(path: Path, data: bytes) -> None:
    """``data`` into ``path`` through a hidden temporary file renamed over it (readable by all): a
    server never sends half a file, and a killed publish leaves the old one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def accepts_gzip(header: str | None) -> bool:
    """Whether an ``Accept-Encoding`` header takes gzip (``gzip;q=0`` refuses it)."""
    for part in (header or "").lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = re.search(r"q\s*=\s*([0-9.]+)", params)
            return not (q and float(q.group(1) or 0) == 0)
    return False


@dataclass
class Entry:
    """One file of the site as it is sent: a compressible one held only gzipped (the whole site is
    ~40 MB so, ~250 MB as it is), unpacked for the rare client that takes no gzip."""
    stored: bytes
    gzipped: bool
    etag: str
    content_type: str
    cache_control: str
    stamp: tuple
    page_query: str | None = None    # a page's own query string (``window.REX_PAGE``), None otherwise

    def body(self) -> bytes:
        return gzip.decompress(self.stored) if self.gzipped else self.stored


_PAGE = re.compile(rb'window\.REX_PAGE=\{app:"\w*",query:("(?:[^"\\]|\\.)*")\}')
_VIEWS = re.compile(rb"^window\.REX_VIEWS=(\{.*\});\s*$", re.S)


def _content_type(rel: str) -> str:
    kind = mimetypes.guess_type(rel)[0] or "application/octet-stream"
    if rel.endswith(".js"):
        kind = "text/javascript"
    return kind + ("; charset=utf-8" if kind.startswith("text/") or kind.endswith(("json", "svg+xml")) else "")


class Files:
    """The site's files in memory, least recently used dropped past ``limit`` bytes. Each lookup
    checks the file's ``stat`` (a publish replaces files atomically), so a republished page is sent
    at once; the ``.gz`` written by ``rex publish`` is used when it is not older than the file,
    otherwise the file is compressed here, once."""

    def __init__(self, root: Path, limit: int = 128 * 1024 * 1024):
        self.root = Path(root)
        self.limit = limit
        self.size = 0
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._routes: dict[str, tuple[tuple, dict]] = {}

    @staticmethod
    def safe(rel: str) -> bool:
        """A path inside the site that names no hidden file (the manifest, files being written)."""
        return bool(rel) and "\x00" not in rel and "\\" not in rel and not rel.startswith("/") and \
            not any(part in ("", ".", "..") or part.startswith(".") for part in rel.split("/"))

    def get(self, rel: str) -> Entry | None:
        if not self.safe(rel):
            return None
        path = os.path.join(self.root, rel)
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not (st.st_mode & 0o170000 == 0o100000):      # a regular file only
            return None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        entry = self._entries.get(rel)
        if entry is not None and entry.stamp == stamp:
            self._entries.move_to_end(rel)
            return entry
        entry = self._load(rel, path, st, stamp)
        old = self._entries.pop(rel, None)
        if old is not None:
            self.size -= len(old.stored)
        self._entries[rel] = entry
        self.size += len(entry.stored)
        while self.size > self.limit and len(self._entries) > 1:
            _, dropped = self._entries.popitem(last=False)
            self.size -= len(dropped.stored)
        return entry

    def _load(self, rel: str, path: str, st, stamp: tuple) -> Entry:
        with open(path, "rb") as handle:
            body = handle.read()
        gzipped = None
        if rel.endswith(COMPRESSED) and len(body) > 1024:
            try:
                gz = os.stat(path + ".gz")
                if gz.st_mtime_ns >= st.st_mtime_ns:
                    with open(path + ".gz", "rb") as handle:
                        gzipped = handle.read()
                    if gzip.decompress(gzipped) != body:     # written for an earlier version
                        gzipped = None
            except (OSError, EOFError, gzip.BadGzipFile):
                gzipped = None
            if gzipped is None:
                gzipped = gzip.compress(body, GZIP_LEVEL, mtime=0)
        page = _PAGE.search(body[:4096]) if rel.endswith(".html") else None
        etag = '"%s"' % hashlib.blake2b(body, digest_size=12).hexdigest()
        return Entry(stored=body if gzipped is None else gzipped, gzipped=gzipped is not None, etag=etag,
                     content_type=_content_type(rel), cache_control=cache_control(rel), stamp=stamp,
                     page_query=json.loads(page.group(1)) if page else None)

    def route(self, app: str, key: str) -> str | None:
        """The file (``<app>/<name>.html``) that ``<app>/views.js`` gives for a query string in
        ``rexlib.app.publish.query_key`` form, or None (not published, or no views.js yet)."""
        path = os.path.join(self.root, app, "views.js")
        try:
            st = os.stat(path)
        except OSError:
            return None
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = self._routes.get(app)
        if cached is None or cached[0] != stamp:
            try:
                with open(path, "rb") as handle:
                    found = _VIEWS.match(handle.read())
                routes = json.loads(found.group(1)) if found else {}
            except (OSError, ValueError):
                routes = {}
            self._routes[app] = cached = (stamp, routes)
        name = cached[1].get(key)
        return f"{app}/{name}" if name else None
