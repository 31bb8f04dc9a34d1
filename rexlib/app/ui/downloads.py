"""Downloads embedded in a page, with a size cap: the CSV (``common.csv_link``) and an Excel file.

A download link holds its file as a data URI, so everything it holds travels over the websocket and
sits in the page's DOM; the whole ``governance`` table once made a 21.9 MB section. ``capped`` keeps
at most ``MAX_ROWS`` rows and ``MAX_BYTES`` of base64 text per file, and the caller says how many
rows were left out and how to get all of them.
"""
from __future__ import annotations

import base64
import io

import openpyxl
import pandas as pd

from rexlib.charts.base import esc
from . import common as c

MAX_ROWS = 50_000
MAX_BYTES = 5 * 2 ** 20          # base64 characters of one embedded file


def _b64_size(raw_bytes: int) -> int:
    return (raw_bytes + 2) // 3 * 4


def capped(frame: pd.DataFrame, *, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> pd.DataFrame:
    """The first rows of ``frame`` whose CSV, base64-encoded, fits in ``max_bytes`` (at most
    ``max_rows``)."""
    kept = frame.head(max_rows)
    for _ in range(4):
        size = _b64_size(len(kept.to_csv(index=False).encode("utf-8")))
        if size <= max_bytes or len(kept) <= 1:
            return kept
        kept = kept.head(max(1, int(len(kept) * max_bytes / size * 0.97)))
    return kept


def excel_bytes(frame: pd.DataFrame, sheet: str = "result") -> bytes:
    """``frame`` as an .xlsx workbook (openpyxl's write-only mode: rows are streamed, not kept)."""
    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(sheet[:31])
    ws.append([str(col) for col in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    """A value openpyxl can write: NA/NaT as empty cells, timestamps without time zone, numpy scalars
    as Python numbers, anything else (lists, structs, decimals) as text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def excel_link(frame: pd.DataFrame, name: str, *, note: str = "") -> str:
    """A download link holding the Excel file itself (data URI), like ``common.csv_link``."""
    payload = base64.b64encode(excel_bytes(frame)).decode("ascii")
    filename = c._slug(name) + ".xlsx"
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return (f'<div class="rex-dl"><a download="{filename}" href="data:{mime};base64,{payload}">'
            f'⬇ Download Excel ({len(frame):,} rows): {esc(filename)}</a>{esc(note)}</div>')
