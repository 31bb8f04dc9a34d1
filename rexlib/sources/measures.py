"""Read a USGS measure label ("Mine production: Palladium, rounded", "Mine poduction, Kaolin") into
record type, supply-chain stage and a clean measure name, in the same way for every vintage."""
from __future__ import annotations

import re

from .values import clean_text

# Publisher typos fixed before classification (rule: typos in measure labels).
_TYPOS = (
    (re.compile(r"\bpoduction\b", re.I), "production"),
    (re.compile(r"\bMne production\b", re.I), "Mine production"),
    (re.compile(r"\s*\(rounded\)", re.I), ", rounded"),
    (re.compile(r"\bgrosss\b", re.I), "gross"),
    (re.compile(r"\bilmentite\b", re.I), "ilmenite"),
    (re.compile(r"\bFerosilicon\b", re.I), "Ferrosilicon"),
)
_ROUNDED = re.compile(r"(?:[:,]\s*rounded|\s+rounded)\s*$", re.I)
_ESTIMATED = re.compile(r",\s*estimated\s*$", re.I)

_STAGE_RULES = (
    (re.compile(r"\bcapacity\b", re.I), "capacity", None),
    (re.compile(r"\breserves?\b", re.I), "reserves", None),
    (re.compile(r"\brefinery\b|\brefined\b|\bprimary and secondary refinery\b", re.I), "production", "refinery"),
    (re.compile(r"\bsmelter\b", re.I), "production", "smelter"),
    (re.compile(r"\bsponge\b|\bsilicon metal\b|\bferrosilicon\b|\bpig iron\b|\braw steel\b", re.I), "production", "metal"),
    (re.compile(r"\bprimary production\b", re.I), "production", "refinery"),
    (re.compile(r"\bmine production\b|\bmine\b|\bscrap and flake\b", re.I), "production", "mine"),
    (re.compile(r"\bplant production\b|\bcement production\b|\bpigment\b", re.I), "production", "plant"),
    (re.compile(r"\bproduction\b|\bproduced\b|\ball types\b", re.I), "production", "production"),
)


def fix_typos(label: str) -> str:
    text = clean_text(label)
    for pattern, replacement in _TYPOS:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s+", " ", text)


def classify_measure(label: str) -> tuple[str | None, str | None, str, frozenset[str]]:
    """Return ``(record_type, stage, measure, flags)`` for a publisher's measure label.

    ``record_type`` is ``production``, ``reserves``, ``capacity`` or None when unknown; ``stage`` is
    one of rexlib.core.ids.PRODUCTION_STAGES (or ``production`` when USGS does not say which stage);
    ``measure`` is the label with typos fixed and the ``rounded``/``estimated`` suffix moved into
    ``flags``.
    """
    text = fix_typos(label)
    flags = set()
    if _ROUNDED.search(text):
        flags.add("rounded")
        text = _ROUNDED.sub("", text).strip()
    if _ESTIMATED.search(text):
        flags.add("estimated")
        text = _ESTIMATED.sub("", text).strip()
    for pattern, record_type, stage in _STAGE_RULES:
        if pattern.search(text):
            if record_type == "capacity":
                stage = _stage_of(re.sub(r"\bcapacity\b", "production", text, flags=re.I)) or "production"
            return record_type, stage, text, frozenset(flags)
    return None, None, text, frozenset(flags)


def _stage_of(text: str) -> str | None:
    for pattern, record_type, stage in _STAGE_RULES:
        if record_type == "production" and pattern.search(text):
            return stage
    return None
