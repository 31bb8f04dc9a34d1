"""Country labels as publishers write them -> ISO 3166 alpha-3, plus reserved aggregate codes.

Rule: a label is cleaned (NBSP, trailing spaces, footnote digits glued to the end), then looked up in
the declared labels (rexlib/metadata/mappings/country_labels.csv), then in the ISO-3166 reference by exact name. Anything else is an error
that names the label and the file: a new label must be mapped here by a person, never guessed.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .values import clean_text

WORLD, REST_OF_WORLD, EU = "WLD", "ROW", "EU"

# Every country spelling the publishers write, in one declared file (rexlib/metadata/mappings/
# country_labels.csv, read by every reader: USGS, IEA, WGI, the EC study): aggregates (world totals and
# "other countries" remainders), aliases (spellings that differ from the ISO-3166 short names) and joint
# labels (two countries USGS combines to avoid disclosing company data, kept as one pseudo-code so that
# no value is lost or double counted).
LABELS_CSV = Path(__file__).resolve().parents[1] / "metadata" / "mappings" / "country_labels.csv"
LABEL_KINDS = ("aggregate", "alias", "joint")


def _declared_labels(path: Path = LABELS_CSV) -> dict[str, dict[str, str]]:
    """The declared labels by kind, keyed by normalised label; a malformed row fails naming its line."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    by_kind: dict[str, dict[str, str]] = {kind: {} for kind in LABEL_KINDS}
    seen: dict[str, str] = {}
    for line, row in enumerate(table.itertuples(index=False), 2):
        if row.kind not in LABEL_KINDS:
            raise ValueError(f"{path.name} line {line}: kind {row.kind!r} is not one of {list(LABEL_KINDS)}")
        if not re.fullmatch(r"[A-Z]{2,3}(\+[A-Z]{3})*", row.iso3):
            raise ValueError(f"{path.name} line {line}: iso3 {row.iso3!r} is not an ISO3 code, EU, or codes joined by '+'")
        key = normalise_label(row.label)
        if key in seen and seen[key] != row.iso3:
            raise ValueError(f"{path.name} line {line}: label {row.label!r} is declared as {seen[key]} above")
        seen[key] = row.iso3
        by_kind[row.kind][key] = row.iso3
    return by_kind


_FOOTNOTE = re.compile(r"(?<=[A-Za-z\)])\d+$")


def normalise_label(label: object) -> str:
    """Clean a label for lookup: NBSP/trailing spaces, glued footnote digits, case, curly quotes."""
    text = clean_text(label)
    text = _FOOTNOTE.sub("", text).strip()
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(r"\s+", " ", text)
    return text.lower()


_DECLARED = _declared_labels()
AGGREGATES: dict[str, str] = _DECLARED["aggregate"]
ALIASES: dict[str, str] = _DECLARED["alias"]
JOINT: dict[str, str] = _DECLARED["joint"]


class UnknownCountryLabel(ValueError):
    """A country label in a raw file that no rule maps to ISO3."""


@lru_cache(maxsize=4)
def iso_reference(path: str) -> pd.DataFrame:
    """ISO-3166 reference (lukes/ISO-3166-Countries-with-Regional-Codes all.csv).

    Namibia's alpha-2 is the string "NA", so NA parsing is disabled.
    """
    ref = pd.read_csv(path, dtype=str, keep_default_na=False)
    return ref.rename(columns={"alpha-3": "iso3", "alpha-2": "iso2", "country-code": "iso_numeric",
                               "name": "name", "region": "region", "sub-region": "sub_region"})


@lru_cache(maxsize=4)
def _iso_by_name(path: str) -> dict[str, str]:
    ref = iso_reference(path)
    table = {normalise_label(n): c for n, c in zip(ref["name"], ref["iso3"])}
    for n, c in zip(ref["name"], ref["iso3"]):
        # "Bolivia (Plurinational State of)" -> "bolivia"; "Korea, Republic of" stays as is.
        short = re.sub(r"\s*\(.*\)$", "", n)
        table.setdefault(normalise_label(short), c)
    return table


def to_iso3(label: object, iso_path: str | Path, *, source: str = "") -> str:
    """Map one publisher label to ISO3 (or WLD/ROW/EU/joint code). Raises UnknownCountryLabel."""
    key = normalise_label(label)
    if key in AGGREGATES:
        return AGGREGATES[key]
    if key in JOINT:
        return JOINT[key]
    if key in ALIASES:
        return ALIASES[key]
    found = _iso_by_name(str(iso_path)).get(key)
    if found:
        return found
    where = f" in {source}" if source else ""
    raise UnknownCountryLabel(
        f"unmapped country label {clean_text(label)!r}{where}: declare it in "
        "rexlib/metadata/mappings/country_labels.csv (a label is never guessed)")


_QUALIFIED = re.compile(r"^(?P<base>.+?)\s*\((?P<qual>[^()]*)\)\s*(?P<rest>.*)$")


def split_country_label(label: object, iso_path: str | Path, *, source: str = "") -> tuple[str, str, frozenset[str]]:
    """Split a USGS country cell into ``(code, qualifier, flags)``.

    USGS glues product qualifiers and footnote markers onto country names:
    ``Brazil (beneficiated, marketable)``, ``China, boric oxide equivalent``,
    ``World total (rounded), excluding United States``, and, in MCS2023/2024 world files, a trailing
    ``e`` for *estimated* (``Chinae``, ``Korea, Republic ofe``). The qualifier is returned as text (it
    belongs to the measure), the ``e`` becomes the ``estimated`` flag, ``rounded`` the ``rounded`` flag.
    Joint labels (``China, Germany, and Russia``) become a ``+``-joined pseudo code.
    """
    text = clean_text(label).replace("\xa0", " ")
    text = re.sub(r"\s+", " ", text)
    flags: set[str] = set()

    def attempt(candidate: str) -> str | None:
        try:
            return to_iso3(candidate, iso_path)
        except UnknownCountryLabel:
            return None

    code = attempt(text)
    if code:
        return code, "", frozenset(flags)
    qualifier = ""
    m = _QUALIFIED.match(text)
    if m:
        base, qualifier = m.group("base"), m.group("qual")
        rest = re.sub(r"^\s*\d+\s*", "", m.group("rest")).strip(" ,.")
        if rest:
            qualifier = f"{qualifier}, {rest}" if qualifier else rest
        code = attempt(base)
    if not code and "," in text:
        # "Peru, crude borates" but never split "Korea, Republic of".
        parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if p.strip()]
        codes = [attempt(p) for p in parts]
        if len(parts) > 1 and all(codes):
            return "+".join(codes), "", frozenset(flags)
        base, _, qual = text.partition(",")
        code = attempt(base)
        if code:
            qualifier = qual.strip()
    if not code and text.endswith("e"):
        code = attempt(text[:-1])
        if code:
            flags.add("estimated")
            qualifier = ""
    if not code:
        raise UnknownCountryLabel(
            f"unmapped country label {clean_text(label)!r}" + (f" in {source}" if source else "")
            + ": declare it in rexlib/metadata/mappings/country_labels.csv (a label is never guessed)")
    if re.search(r"\brounded\b", qualifier, re.I):
        flags.add("rounded")
        qualifier = re.sub(r"\s*,?\s*\brounded\b\s*,?\s*", " ", qualifier, flags=re.I).strip(" ,")
    return code, qualifier, frozenset(flags)
