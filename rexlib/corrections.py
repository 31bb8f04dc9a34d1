"""The corrections registry (``rexlib/metadata/corrections.yml``): every publisher-error
correction and allow-list entry, applied in one place and logged into ``quality_issues``."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

REGISTRY = Path(__file__).parent / "metadata" / "corrections.yml"


class StaleCorrection(ValueError):
    """A registry entry that matches nothing any more (remove it or fix its subject)."""


@lru_cache(maxsize=1)
def entries() -> tuple[dict, ...]:
    return tuple(yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))["entries"])


def allowance(check: str, key: tuple) -> dict | None:
    """The entry allowing ``check`` for ``key`` (an entry's subject may be a prefix of the key)."""
    for entry in entries():
        subject = tuple(entry["subject"])
        if entry["check"] == check and tuple(key[:len(subject)]) == subject:
            return entry
    return None


def apply_allowances(checks: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Failed checks covered by an entry become ``allowed`` with its reason; returns the checks and
    one ``quality_issues`` row per entry used. Raises StaleCorrection for an entry nothing used."""
    checks = checks.copy()
    used: dict[str, dict] = {}
    for idx, rec in checks[checks["status"] == "fail"].iterrows():
        key = rec["key"] if isinstance(rec.get("key"), tuple) else tuple(str(rec["subject"]).split("/"))
        entry = allowance(rec["check"], key)
        if entry is not None:
            checks.at[idx, "status"] = entry.get("expect", "allowed")
            checks.at[idx, "reason"] = entry["reason"].strip()
            used[entry["id"]] = entry
    # (unparsed_regression entries are used by rexlib/unparsed_check.py, not by the publisher checks)
    stale = [e["id"] for e in entries() if e["id"] not in used and e["check"] != "unparsed_regression"]
    if stale:
        raise StaleCorrection(f"rexlib/metadata/corrections.yml: entries that match no failing check: {stale} "
                              "(remove them or fix their subject)")
    issues = [dict(file="rexlib/metadata/corrections.yml", line="", column=e["check"],
                   raw_value="/".join(str(k) for k in e["subject"]), action=f"allow-listed: {e['action']}",
                   reason=f"{e['id']}: {e['reason'].strip()} (provider: {e['provider']}; status: {e['status']})")
              for e in used.values()]
    return checks.drop(columns="key", errors="ignore"), issues
