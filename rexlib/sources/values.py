"""Parse one published cell (``"1,900"``, ``W``, ``>95``, ``50–300`` ...) into a number plus flags.

USGS value codes (FGDC metadata of every MCS data release):
``W`` withheld to avoid disclosing company proprietary data; ``NA`` not available; ``E`` net exporter
(net import reliance only); ``XX`` not applicable / world total not calculable; ``s`` small, less than
half the unit shown; ``—`` zero; ``>n`` / ``<n`` thresholds; ranges; qualitative words ("Large").

A flag is never turned into a number, except the publisher's own zero (``—``), and thresholds keep
their bound as the number with a ``lower_bound``/``upper_bound`` flag so they can be shown honestly.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

# Flags a value can carry. Several can apply at once (e.g. estimated + rounded).
FLAGS = (
    "estimated", "withheld", "not_available", "not_applicable", "net_exporter", "small", "zero",
    "lower_bound", "upper_bound", "range", "rounded", "revised", "reported", "qualitative",
    "included_elsewhere", "unparsed",
    "not_assessed",  # EU CRM criticality: the material was not assessed that year ('-')
)

_NUMBER = r"\d[\d,]*(?:\.\d+)?|\.\d+"
_NUMBER_RE = re.compile(rf"^(?:{_NUMBER})$")
_BOUND_RE = re.compile(rf"^([<>])\s*({_NUMBER})$")
_RANGE_RE = re.compile(rf"^({_NUMBER})\s*[-–—]\s*({_NUMBER})$")
_NEGATIVE_RE = re.compile(rf"^[-−–]\s*({_NUMBER})$")
_ESTIMATED_PREFIX = re.compile(r"^e\s*(\d[\d,]*(?:\.\d+)?)$")
_WORDS = {"large", "small", "moderate", "very small", "moderate to large", "very large", "variable"}

CODES = {
    "W": "withheld",
    "NA": "not_available",
    "N/A": "not_available",
    "E": "net_exporter",
    "XX": "not_applicable",
    "s": "small",
}
ZERO_TOKENS = {"—", "--", "-", "–"}


@dataclass(frozen=True)
class ParsedValue:
    """Result of parsing one cell: ``value`` is a float or None, ``flags`` what the publisher said."""

    value: float | None
    flags: frozenset[str] = field(default_factory=frozenset)
    low: float | None = None
    high: float | None = None
    text: str = ""
    problem: str | None = None  # set when the token could not be read; goes to quality_issues

    @property
    def flag(self) -> str:
        """Flags as one sorted ``;``-joined string ('' when plain)."""
        return ";".join(sorted(self.flags))


def clean_text(text: object) -> str:
    """Strip whitespace including non-breaking spaces (USGS cells such as ``'68\\xa0'``)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return str(text).replace("\xa0", " ").replace("\ufeff", "").strip()


def _num(token: str) -> float:
    return float(token.replace(",", ""))


def parse_value(raw: object) -> ParsedValue:
    """Parse one published value. Never raises; unreadable tokens come back with ``problem`` set."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if isinstance(raw, float) and math.isnan(raw):
            return ParsedValue(None, frozenset({"not_available"}), text="")
        return ParsedValue(float(raw), text=str(raw))
    text = clean_text(raw)
    if text == "":
        return ParsedValue(None, frozenset({"not_available"}), text="", problem=None)
    if text in CODES:
        return ParsedValue(None, frozenset({CODES[text]}), text=text)
    if text.upper() in ("NA", "XX", "W", "N/A"):
        # MCS2025 writes codes in lower case in its notes columns ("na", "xx").
        return ParsedValue(None, frozenset({CODES[text.upper()]}), text=text)
    m = _ESTIMATED_PREFIX.match(text)
    if m:
        # MCS2023/2024 world files mark estimates with a glued "e": "e5,000".
        inner = parse_value(m.group(1))
        if inner.value is not None and not inner.problem:
            return ParsedValue(inner.value, inner.flags | {"estimated"}, inner.low, inner.high, text=text)
    lowered = text.lower().rstrip(".")
    if lowered.startswith("less than ½ unit") or lowered.startswith("less than 1/2 unit"):
        return ParsedValue(None, frozenset({"small"}), text=text)
    if lowered.startswith("included with") or lowered.startswith("included in"):
        return ParsedValue(None, frozenset({"included_elsewhere"}), text=text)
    if lowered.startswith("categorized as"):
        return ParsedValue(None, frozenset({"qualitative"}), text=text)
    if text in ZERO_TOKENS:
        return ParsedValue(0.0, frozenset({"zero"}), text=text)
    if _NUMBER_RE.match(text):
        return ParsedValue(_num(text), text=text)
    m = _NEGATIVE_RE.match(text)
    if m:
        return ParsedValue(-_num(m.group(1)), text=text)
    m = _BOUND_RE.match(text)
    if m:
        bound = _num(m.group(2))
        if m.group(1) == ">":
            return ParsedValue(bound, frozenset({"lower_bound"}), low=bound, text=text)
        return ParsedValue(bound, frozenset({"upper_bound"}), high=bound, text=text)
    m = _RANGE_RE.match(text)
    if m:
        low, high = _num(m.group(1)), _num(m.group(2))
        if low > high:
            return ParsedValue(None, frozenset({"unparsed"}), text=text,
                               problem=f"range {text!r} has low > high")
        return ParsedValue((low + high) / 2, frozenset({"range"}), low=low, high=high, text=text)
    if text.lower() in _WORDS or text.lower().startswith("variable"):
        return ParsedValue(None, frozenset({"qualitative"}), text=text)
    return ParsedValue(None, frozenset({"unparsed"}), text=text,
                       problem=f"unreadable value {text!r}: not a number, code (W, NA, E, XX, s, —), "
                               "bound (>n, <n), range (a–b) or qualitative word")


_NOTE_FLAGS = (("estimated", "estimated"), ("rounded", "rounded"), ("revised", "revised"),
               ("reported", "reported"))


def flags_from_note(note: str) -> frozenset[str]:
    """Flags the publisher states in a note or measure text.

    USGS joins several notes with ``--``; a note *starting* with "Estimated", "Rounded", "Revised"
    or "Reported" qualifies the value. A note that merely mentions a word ("estimated based on
    reported import data") does not add "reported". Measure suffixes such as ``: rounded`` or
    ``, estimated`` count too.
    """
    flags = set()
    for part in re.split(r"--|;|:|,", clean_text(note)):
        word = part.strip().lower()
        for prefix, flag in _NOTE_FLAGS:
            if word.startswith(prefix):
                flags.add(flag)
    return frozenset(flags)
