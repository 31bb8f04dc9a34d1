"""Caches for the widget callbacks: query results keyed by their parameters, and rendered HTML
sections keyed by their exact parameters, so that a callback only recomputes what changed and
returning to a view is instant.

Every key carries the database's identity (path, mtime, size): a rebuild or a different
``REX_DATA_DIR`` is a different key, never a stale hit. Section keys also carry the SVG renderer in
use, so a spec-only benchmark run never hands its placeholders to a real page.

Cached DataFrames are returned as shallow copies (copy-on-write in pandas 3): callers may add
columns or filter without touching the cached frame.
"""
from __future__ import annotations

import functools
import os
import sys
from collections import OrderedDict
from typing import Callable

import pandas as pd

from ..paths import db_path

_CLEARERS: list[Callable[[], None]] = []


def db_stamp() -> tuple:
    """Identity of the database file now (a stat call, a few microseconds)."""
    path = db_path()
    try:
        st = os.stat(path)
    except OSError:
        return (str(path), None, None)
    return (str(path), st.st_mtime_ns, st.st_size)


def _fresh(value):
    """What a cache hands out: frames as shallow copies, dicts copied, tuples element by element."""
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if isinstance(value, tuple):
        return tuple(_fresh(v) for v in value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def memo(maxsize: int = 256):
    """lru_cache keyed by the database identity and the (hashable) arguments."""
    def deco(fn):
        @functools.lru_cache(maxsize=maxsize)
        def inner(_stamp, *args, **kwargs):
            return fn(*args, **kwargs)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return _fresh(inner(db_stamp(), *args, **kwargs))
        wrapper.cache_clear = inner.cache_clear
        wrapper.cache_info = inner.cache_info
        wrapper.uncached = fn
        _CLEARERS.append(inner.cache_clear)
        return wrapper
    return deco


class SectionCache:
    """An LRU of rendered HTML (a string or a list of strings) bounded by entries and bytes."""

    def __init__(self, name: str, max_entries: int = 300, max_bytes: int = 48 * 2 ** 20):
        self.name = name
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._data: OrderedDict = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0
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
        from . import common   # the renderer in use is part of the key
        full_key = (db_stamp(), common.to_svg, key)
        try:
            if rebuild:
                old = self._data.pop(full_key, None)
                if old is not None:
                    self._bytes -= self._size(old)
            value = self._data[full_key]
        except KeyError:
            self.misses += 1
            value = build()
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


def clear_all() -> None:
    """Empty every cache of the apps (query results, metric tables, rendered sections)."""
    for clear in _CLEARERS:
        clear()
