"""Caches for the widget callbacks: query results keyed by their parameters, and rendered HTML
sections keyed by their exact parameters, so that a callback only recomputes what changed and
returning to a view is instant.

Every key carries the database's identity (path, mtime, size): a rebuild or a different
``REX_DATA_DIR`` is a different key, never a stale hit. Section keys also carry the SVG renderer in
use, so a spec-only benchmark run never hands its placeholders to a real page, and whether the
browser draws the charts (``common.browser_draws``: Voila sections hold placeholders, a report's SVG;
both come from ``drawing``, which ``rexlib.app.ui.common`` sets).

Cached DataFrames are returned as shallow copies (copy-on-write in pandas 3): callers may add
columns or filter without touching the cached frame.

Rendered sections also go to a shared on-disk tier (``SharedSections``), because in Voila every
visitor gets a new kernel whose memory caches start empty: a view that any kernel (or a report run)
has rendered before is read back (a few ms) instead of re-queried, re-computed and re-rendered to
SVG (0.1-1 s). Its folder is keyed by the database identity and a hash of the rexlib source, so a
rebuild or a code change starts a new folder; the older folders of the same database (this install's
stale ones) are removed, those of other installs sharing the cache folder are not.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections import OrderedDict
from typing import Callable


from rexlib.query import warehouse
from rexlib.core.private_dir import makedirs_private

# The one cache of rex is rexlib.query.warehouse.memo (keyed by the identity of the data); the widget
# callbacks use it through these names.
_CLEARERS = warehouse._CLEARERS
db_stamp = warehouse.identity
_fresh = warehouse._fresh
memo = warehouse.memo


@functools.lru_cache(maxsize=1)
def code_hash() -> str:
    """Hash of every rexlib source file and the SVG renderer's version (computed once per process)."""
    from importlib import metadata
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # rexlib/
    digest = hashlib.sha256()
    for root, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".j2", ".json", ".css")):
                path = os.path.join(root, name)
                digest.update(os.path.relpath(path, package).encode() + b"\0")
                with open(path, "rb") as f:
                    digest.update(f.read() + b"\0")
    for dist in ("vl-convert-python", "altair"):
        try:
            digest.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            pass
    return digest.hexdigest()[:16]


class SharedSections:
    """Rendered sections on disk, shared by every kernel and process of this user.

    Its folder (``base()``) is ``$XDG_CACHE_HOME/rex`` or ``~/.cache/rex``, or with ``REX_CACHE_DIR``
    a folder of this user's own inside it (``$REX_CACHE_DIR/rex-<uid>``: a shared folder such as /tmp
    is never changed, its mode kept; a ``rex-<uid>`` there that another user owns turns the tier off).
    It holds ``sections/<database and code fingerprint>/<app>/<hash of the key>.json``, each
    fingerprint folder with an ``owner`` file naming its database; ``REX_SHARED_CACHE=0`` turns the
    tier off. Files are written to a temporary name and renamed, so a reader never sees a
    partial file; a file that cannot be read is rebuilt. Any OS error (read-only or full disk) turns
    the tier off for this process: the apps then work from memory as before, never fail for it.
    The folder is kept under ``max_bytes`` (least recently written files removed first)."""

    def __init__(self, max_bytes: int = 1024 * 2 ** 20):
        self.max_bytes = max_bytes
        self.disabled = False
        self._writes = 0
        self.reads = self.writes = 0

    @staticmethod
    def base() -> str:
        """This user's own cache folder (created 0700; see the class)."""
        shared = os.environ.get("REX_CACHE_DIR")
        if shared:
            return os.path.join(shared, f"rex-{getattr(os, 'getuid', lambda: 'user')()}")
        return os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
                            "rex")

    @classmethod
    def root(cls) -> str:
        return os.path.join(cls.base(), "sections")

    def enabled(self) -> bool:
        return not self.disabled and os.environ.get("REX_SHARED_CACHE", "1") != "0"

    def folder(self, stamp: tuple) -> str:
        fingerprint = hashlib.sha256(repr((stamp, code_hash())).encode()).hexdigest()[:20]
        return os.path.join(self.root(), fingerprint)

    def _path(self, stamp: tuple, app: str, key) -> tuple[str, str]:
        text = repr(key)
        return os.path.join(self.folder(stamp), app, hashlib.sha256(text.encode()).hexdigest() + ".json"), text

    def load(self, stamp: tuple, app: str, key):
        """The stored value (str or list of str), or None."""
        if not self.enabled():
            return None
        path, text = self._path(stamp, app, key)
        try:
            with open(path, encoding="utf-8") as f:
                record = json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError):          # unreadable or corrupt: rebuild it
            try:
                os.unlink(path)
            except OSError:
                pass
            return None
        if record.get("key") != text:          # a hash collision: never hand out another view
            return None
        self.reads += 1
        return record["value"]

    def store(self, stamp: tuple, app: str, key, value) -> None:
        if not self.enabled():
            return
        path, text = self._path(stamp, app, key)
        folder = os.path.dirname(path)
        try:
            if not os.path.isdir(folder):
                new_fingerprint = not os.path.isdir(os.path.dirname(folder))
                makedirs_private(folder, self.base())       # 0700 from this user's own folder down
                if new_fingerprint:
                    self._claim(os.path.dirname(folder), stamp)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump({"key": text, "value": value}, f)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError as error:
            self.disabled = True
            print(f"rex: shared section cache off for this process ({error})", file=sys.__stderr__)
            return
        self.writes += 1
        self._writes += 1
        if self._writes % 50 == 0:
            self.trim()

    OWNER = "owner"        # which database a fingerprint folder belongs to (JSON; not a section file)

    def _claim(self, keep: str, stamp: tuple) -> None:
        """Write which database ``keep`` belongs to, and remove this database's older fingerprint
        folders (a rebuild or a code change made them stale). Folders of other databases (another
        checkout or data folder sharing the cache) are left to ``trim``."""
        database = str(stamp[0])
        with open(os.path.join(keep, self.OWNER), "w", encoding="utf-8") as f:
            json.dump({"database": database}, f)
        root = os.path.dirname(keep)
        for name in os.listdir(root):
            other = os.path.join(root, name)
            if other == keep or not os.path.isdir(other):
                continue
            try:
                with open(os.path.join(other, self.OWNER), encoding="utf-8") as f:
                    owner = json.load(f).get("database")
            except (OSError, ValueError, AttributeError):
                continue                 # being written, or an older version's: trim bounds them
            if owner == database:
                shutil.rmtree(other, ignore_errors=True)

    def trim(self) -> None:
        """Remove the least recently written files until the folder is under ``max_bytes``."""
        files = []
        for folder, _, names in os.walk(self.root()):
            for name in names:
                if name == self.OWNER:
                    continue
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                files.append((st.st_mtime, st.st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):
            if total <= self.max_bytes:
                break
            try:
                os.unlink(path)
                total -= size
            except OSError:
                pass

    def clear(self) -> None:
        shutil.rmtree(self.root(), ignore_errors=True)


SHARED = SharedSections()


def _no_drawing() -> tuple:
    return (None, False)


# How the sections in use are drawn: (the SVG renderer, whether the browser draws the charts past
# the first screen). rexlib.app.ui.common, the layer above, sets it when imported (this module must not
# import it: one-way layers); a section built before that holds no chart.
drawing: Callable[[], tuple] = _no_drawing


def real_renderer(renderer) -> bool:
    """The real SVG renderer (not a benchmark's or a test's stand-in): only its sections are shared,
    and only with it does the browser draw charts past the first screen (``common.browser_draws``)."""
    return getattr(renderer, "__module__", "") == "rexlib.charts.base"


class SectionCache:
    """An LRU of rendered HTML (a string or a list of strings) bounded by entries and bytes."""

    def __init__(self, name: str, max_entries: int = 300, max_bytes: int = 48 * 2 ** 20):
        self.name = name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._data: OrderedDict = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = self.shared_hits = 0
        _CLEARERS.append(self.clear)

    def clear(self) -> None:
        self._data.clear()
        self._bytes = 0

    @staticmethod
    def _size(value) -> int:
        if isinstance(value, str):
            return sys.getsizeof(value)
        return sum(sys.getsizeof(v) for v in value)

    def get(self, key, build: Callable, *, rebuild: bool = False):
        """The cached value for ``key`` or ``build()`` (stored). Lists come back as new lists.
        ``rebuild`` builds (and stores) even on a hit, e.g. when the user asks to re-run."""
        renderer, browser_draws = drawing()      # both are part of the key
        stamp = db_stamp()
        if browser_draws:          # sections holding placeholders, not SVG: never a report's
            key = ("browser-draws", key)
        full_key = (stamp, renderer, key)
        shared = real_renderer(renderer) and stamp[1] is not None
        try:
            if rebuild:
                old = self._data.pop(full_key, None)
                if old is not None:
                    self._bytes -= self._size(old)
            value = self._data[full_key]
        except KeyError:
            self.misses += 1
            value = SHARED.load(stamp, self.name, key) if shared and not rebuild else None
            if value is None:
                value = build()
                if shared:
                    SHARED.store(stamp, self.name, key, value if isinstance(value, str) else list(value))
            else:
                self.shared_hits += 1
            size = self._size(value)
            if size <= self.max_bytes:
                self._data[full_key] = value if isinstance(value, str) else tuple(value)
                self._bytes += size
                while self._data and (len(self._data) > self.max_entries or self._bytes > self.max_bytes):
                    _, old = self._data.popitem(last=False)
                    self._bytes -= self._size(old)
            return value if isinstance(value, str) else list(value)
        self.hits += 1
        self._data.move_to_end(full_key)
        return value if isinstance(value, str) else list(value)


_SECTIONS: dict[str, SectionCache] = {}


def sections(app: str) -> SectionCache:
    """The section cache of one app (shared by its instances in this kernel)."""
    cache = _SECTIONS.get(app)
    if cache is None:
        cache = _SECTIONS[app] = SectionCache(app)
    return cache


def clear_all(shared: bool = False) -> None:
    """Empty every in-memory cache of the apps (query results, metric tables, rendered sections),
    as in a new kernel; ``shared=True`` also empties the on-disk section tier (nothing cached anywhere)."""
    for clear in _CLEARERS:
        clear()
    if shared:
        SHARED.clear()
