"""A number that was numeric in the previous build and is unparsed now fails the build.

Readers keep a cell they cannot read as NULL with the flag ``unparsed`` and a row in
``quality_issues``: right for a cell that never was a number, wrong for a curated number a new
release (or a mistaken edit with a re-declared checksum) turned into ``22x,000``, which would
otherwise vanish from every chart with only a quality row to say so. The previous build is read
from its Parquet files (``<out_dir>/parquet``), not from its DuckDB file, which a running process may
hold open with another configuration. Allow-list: entries with ``check: unparsed_regression`` in
``rexlib/metadata/corrections.yml`` (subject: the table, then ``column=value`` pairs of the row's key;
fewer pairs match more rows), each with its reason, like every other correction.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from rexlib.etl import corrections
from .schema import TABLES

CHECK = "unparsed_regression"


def _allowlist(entries) -> list[tuple[str, dict[str, str]]]:
    out = []
    for entry in entries:
        if entry.get("check") != CHECK:
            continue
        if not str(entry.get("reason") or "").strip():
            raise ValueError(f"rexlib/metadata/corrections.yml entry {entry.get('id')}: an allow-list entry needs a reason")
        table, *pairs = [str(x) for x in entry["subject"]]
        out.append((table, dict(p.split("=", 1) for p in pairs if "=" in p)))
    return out


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("")


def unparsed_regressions(tables: dict[str, pd.DataFrame], out_dir: Path, entries=None) -> list[str]:
    """One problem per value numeric in the previous build of ``out_dir`` and unparsed in ``tables``
    (not allow-listed). Empty when there is no previous build. ``entries``: registry entries to use
    instead of ``corrections.yml``'s."""
    previous = Path(out_dir) / "parquet"
    if not previous.is_dir():
        return []
    try:
        allowed = _allowlist(corrections.entries() if entries is None else entries)
    except (ValueError, KeyError) as error:
        return [f"allow-list of unparsed values: {error}"]
    problems: list[str] = []
    for name, frame in tables.items():
        spec = TABLES.get(name)
        if spec is None or not spec.key or "flag" not in frame.columns or not (previous / f"{name}.parquet").exists():
            continue
        numbers = [c for c, kind in spec.columns.items()
                   if kind == "DOUBLE" and c not in ("value_low", "value_high") and c in frame.columns]
        unparsed = frame[_text(frame["flag"]).str.split(";").apply(lambda flags: "unparsed" in flags)]
        if not numbers or unparsed.empty:
            continue
        key = list(spec.key)
        try:
            old = pd.read_parquet(previous / f"{name}.parquet", columns=key + numbers)
        except (OSError, ValueError, KeyError):      # another schema: nothing to compare with
            continue
        old = old.assign(**{k: _text(old[k]) for k in key})
        new = unparsed.assign(**{k: _text(unparsed[k]) for k in key})
        merged = new.merge(old, on=key, suffixes=("", "__previous"))
        for column in numbers:
            lost = merged[merged[column].isna() & merged[f"{column}__previous"].notna()]
            for row in lost.to_dict("records"):
                if any(table == name and all(row.get(k) == v for k, v in pairs.items()) for table, pairs in allowed):
                    continue
                where = "; ".join(f"{k}={row[k]}" for k in key if row[k])
                raw = row.get("value_text") or row.get("nir_text") or ""
                origin = f" at {row['source_file']} line {row['source_line']}" if row.get("source_file") else ""
                problems.append(f"{name} ({where}): {column} was {row[f'{column}__previous']:g} in the previous "
                                f"build and is unparsed now ({raw!r}{origin}); fix the raw file, or allow-list the "
                                f"row in rexlib/metadata/corrections.yml (check: {CHECK}) with a reason")
    return problems
