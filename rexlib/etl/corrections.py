"""The corrections registry (``rexlib/metadata/corrections.yml``, OWID's ``corrections.yml``):
publisher errors, applied in one place and logged into ``quality_issues``.

Two kinds of entry:

* **value corrections** (``table:``): change what a publisher's file holds, as OWID's etl does:
  ``action: override | scale | drop | flag`` on the rows ``where`` selects, with the ``value`` or
  ``factor`` or ``flag``, a ``reason`` and ``provider``, and an ``expect`` guard (what the raw rows
  must still hold). :func:`apply_value_corrections` applies them to the rows the readers return,
  before any series rule, and fails (:class:`StaleCorrection`) when an entry matches no row or the
  file no longer holds the error (the publisher fixed it: remove the entry).
* **allow-list entries** (``check:``): a failing publisher check that is fine, with its reason
  (:func:`apply_allowances`). A check that says a figure is wrong cannot be allowed where figures
  use the wrong number (:data:`NOT_ALLOWABLE`): correct the value instead.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

REGISTRY = Path(__file__).resolve().parents[1] / "metadata" / "corrections.yml"
VALUE_ACTIONS = ("override", "scale", "drop", "flag")
# The frames value corrections apply to (build.collect): USGS world tables by record type, the IEA
# supply blocks (sheet 2).
VALUE_TABLES = ("production", "reserves", "capacity", "refining", "iea_supply_2025")
ENTRY_KEYS = frozenset({"id", "table", "where", "column", "action", "value", "factor", "flag", "expect",
                        "reason", "provider", "status", "check", "subject", "note"})


class StaleCorrection(ValueError):
    """A registry entry that matches nothing any more, or whose ``expect`` guard no longer holds
    (the publisher fixed the file): remove it or fix its subject."""


class CorrectionError(ValueError):
    """A registry entry that is not well formed (the message names it and what is valid)."""


@lru_cache(maxsize=4)
def _load(path: str, text: str) -> tuple[dict, ...]:
    entries = tuple(yaml.safe_load(text)["entries"])
    for e in entries:
        bad = sorted(set(e) - ENTRY_KEYS)
        if bad:
            raise CorrectionError(f"{path}: entry {e.get('id')!r} has unknown key(s) {bad}; valid: {sorted(ENTRY_KEYS)}")
        if "table" in e:
            if e["table"] not in VALUE_TABLES:
                raise CorrectionError(f"{path}: entry {e['id']!r} table {e['table']!r}; valid: {list(VALUE_TABLES)}")
            if e.get("action") not in VALUE_ACTIONS:
                raise CorrectionError(f"{path}: entry {e['id']!r} action {e.get('action')!r}; valid: {list(VALUE_ACTIONS)}")
            need = {"override": "value", "scale": "factor", "flag": "flag", "drop": None}[e["action"]]
            missing = [k for k in ("where", "expect", "reason", "provider") + ((need,) if need else ()) if k not in e]
            if missing:
                raise CorrectionError(f"{path}: entry {e['id']!r} ({e['action']}) lacks {missing}")
        elif "check" not in e:
            raise CorrectionError(f"{path}: entry {e.get('id')!r} has neither `table` (a value correction) "
                                  "nor `check` (an allow-list entry)")
    return entries


def entries() -> tuple[dict, ...]:
    """The registry's entries, checked (keyed by the file's text: an edit is seen at once)."""
    return _load(str(REGISTRY), REGISTRY.read_text(encoding="utf-8"))


def allow_entries() -> tuple[dict, ...]:
    return tuple(e for e in entries() if "check" in e)


def value_entries(table: str | None = None) -> tuple[dict, ...]:
    return tuple(e for e in entries() if "table" in e and (table is None or e["table"] == table))


# ------------------------------------------------------------------------------------ value corrections

def _same(a, b) -> bool:
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return str(a) == str(b)


def _select(frame: pd.DataFrame, where: dict) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        if column not in frame:
            raise CorrectionError(f"corrections.yml: `where` column {column!r} is not a column of the rows "
                                  f"({sorted(frame.columns)})")
        mask &= frame[column].map(lambda x, w=wanted: _same(x, w))
    return mask


def apply_value_corrections(table: str, frame: pd.DataFrame, scope: dict | None = None
                            ) -> tuple[pd.DataFrame, list[dict]]:
    """``frame`` (the rows a reader returned for ``table``) with every value correction of that
    table applied, and one ``quality_issues`` row per corrected row. ``scope`` (column: value)
    narrows every entry to the rows of the table (the USGS world rows: ``record_type``). Raises
    StaleCorrection when an entry matches no row or a matched row no longer holds what ``expect``
    says (the publisher changed the file)."""
    issues: list[dict] = []
    out = frame
    for e in value_entries(table):
        mask = _select(out, {**(scope or {}), **e["where"]})
        if not mask.any():
            raise StaleCorrection(f"rexlib/metadata/corrections.yml {e['id']}: matches no row of {table} "
                                  f"(where {e['where']}); remove it or fix its subject")
        for column, wanted in e["expect"].items():
            got = out.loc[mask, column]
            if not all(_same(x, wanted) for x in got):
                raise StaleCorrection(
                    f"rexlib/metadata/corrections.yml {e['id']}: expects {column} = {wanted!r} in the raw rows, "
                    f"the file now holds {sorted(set(map(str, got)))}: the publisher changed it; check and remove "
                    "the entry (or update it)")
        column = e.get("column", "value_kt" if table in ("refining", "iea_supply_2025") else "value")
        action = e["action"]
        rows = out[mask]
        if action == "drop":
            out = out[~mask]
            done = "dropped"
        elif action == "flag":
            out = out.copy()
            out.loc[mask, "flag"] = [";".join(f for f in (str(old or ""), e["flag"]) if f) for old in rows["flag"]]
            done = f"flag {e['flag']!r} added"
        else:
            out = out.copy()
            if action == "override":
                out.loc[mask, column] = e["value"]
                done = f"{column} set to {e['value']!r}"
            else:
                out.loc[mask, column] = rows[column] * float(e["factor"])
                done = f"{column} scaled by {e['factor']}"
            if "note" in out and table == "refining":
                out.loc[mask, "note"] = f"corrected ({e['id']}): {e['reason'].strip()}"
        for _, row in rows.iterrows():
            where = (f"{row.get('source_sheet')}!{row.get('source_cell')}" if table == "refining"
                     else row.get("source_path") if table == "iea_supply_2025" else row.get("source_line"))
            issues.append(dict(file=str(row.get("source_file", "")), line=str(where if where is not None else ""),
                               column=column, raw_value=str(row.get(column, "")),
                               action=f"corrected ({action}): {done}",
                               reason=f"{e['id']}: {e['reason'].strip()} (provider: {e['provider']}; "
                                      f"status: {e.get('status', 'open')}; rexlib/metadata/corrections.yml)"))
    return out, issues


# ------------------------------------------------------------------------------------ allow-list

# Checks whose failure means a figure would be computed from a wrong number: not allowable on a
# series the figures use; the value must be corrected (a value correction) instead.
NOT_ALLOWABLE = {"world_total": "the world total exceeds its countries + other countries, so every share, "
                                "HHI and top-3 of the series would be computed from it"}


def allowance(check: str, key: tuple) -> dict | None:
    """The entry allowing ``check`` for ``key`` (an entry's subject may be a prefix of the key)."""
    for entry in allow_entries():
        subject = tuple(entry["subject"])
        if entry["check"] == check and tuple(key[:len(subject)]) == subject:
            return entry
    return None


def apply_allowances(checks: pd.DataFrame, *, not_allowable=None) -> tuple[pd.DataFrame, list[dict]]:
    """Failed checks covered by an entry become ``allowed`` with its reason; returns the checks and
    one ``quality_issues`` row per entry used. Raises StaleCorrection for an entry nothing used.
    ``not_allowable(check_row) -> str | None``: a reason why this failure may not be allowed (it
    stays ``fail`` and names the entry that tried)."""
    checks = checks.copy()
    used: dict[str, dict] = {}
    for idx, rec in checks[checks["status"] == "fail"].iterrows():
        key = rec["key"] if isinstance(rec.get("key"), tuple) else tuple(str(rec["subject"]).split("/"))
        entry = allowance(rec["check"], key)
        if entry is None:
            continue
        used[entry["id"]] = entry
        refused = not_allowable(rec) if not_allowable is not None else None
        if refused:
            checks.at[idx, "reason"] = (f"{rec['reason']}; corrections.yml {entry['id']} cannot allow it: {refused}. "
                                        "Correct the value instead (an entry with table/where/action: override "
                                        "and its expect guard)")
            continue
        checks.at[idx, "status"] = entry.get("expect", "allowed")
        checks.at[idx, "reason"] = entry["reason"].strip()
    # (unparsed_regression entries are used by rexlib/etl/unparsed_check.py, not by the publisher checks)
    stale = [e["id"] for e in allow_entries() if e["id"] not in used and e["check"] != "unparsed_regression"]
    if stale:
        raise StaleCorrection(f"rexlib/metadata/corrections.yml: entries that match no failing check: {stale} "
                              "(remove them or fix their subject)")
    issues = [dict(file="rexlib/metadata/corrections.yml", line="", column=e["check"],
                   raw_value="/".join(str(k) for k in e["subject"]), action=f"allow-listed: {e['action']}",
                   reason=f"{e['id']}: {e['reason'].strip()} (provider: {e['provider']}; status: {e['status']})")
              for e in used.values()]
    return checks.drop(columns="key", errors="ignore"), issues
