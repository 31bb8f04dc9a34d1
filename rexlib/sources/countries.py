"""Country labels as publishers write them -> ISO 3166 alpha-3, plus reserved aggregate codes.

Rule: a label is cleaned (NBSP, trailing spaces, footnote digits glued to the end), then looked up in
the publisher aliases below, then in the ISO-3166 reference by exact name. Anything else is an error
that names the label and the file: a new label must be mapped here by a person, never guessed.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .values import clean_text

WORLD, REST_OF_WORLD, EU = "WLD", "ROW", "EU"

# Aggregate labels: world totals and "other countries" remainders.
AGGREGATES = {
    "world total": WORLD, "world total (rounded)": WORLD, "world": WORLD, "total": WORLD,
    "world total, rounded": WORLD, "world total (may be rounded)": WORLD,
    "other countries": REST_OF_WORLD, "rest of world": REST_OF_WORLD, "others": REST_OF_WORLD,
    "other": REST_OF_WORLD, "other countries (rounded)": REST_OF_WORLD,
}

# Publisher spellings (USGS, IEA, WGI) that differ from the ISO-3166 short names.
ALIASES = {
    "bolivia": "BOL", "bosnia and herzegovina": "BIH", "brunei": "BRN", "burma": "MMR", "myanmar": "MMR",
    "congo (kinshasa)": "COD", "democratic republic of the congo": "COD", "democratic republic of congo": "COD", "drc": "COD", "dr congo": "COD",
    "congo (brazzaville)": "COG", "republic of the congo": "COG", "cote d'ivoire": "CIV", "côte d’ivoire": "CIV",
    "côte d'ivoire": "CIV", "ivory coast": "CIV", "czechia": "CZE", "czech republic": "CZE",
    "hong kong": "HKG", "iran": "IRN", "korea, republic of": "KOR", "korea, north": "PRK",
    "korea, south": "KOR", "south korea": "KOR", "republic of korea": "KOR", "north korea": "PRK",
    "laos": "LAO", "macedonia": "MKD", "north macedonia": "MKD", "moldova": "MDA", "russia": "RUS",
    "syria": "SYR", "taiwan": "TWN", "tanzania": "TZA", "turkey": "TUR", "türkiye": "TUR", "turkiye": "TUR",
    "united kingdom": "GBR", "uk": "GBR", "united states": "USA", "united states of america": "USA",
    "us": "USA", "u.s.": "USA", "venezuela": "VEN", "vietnam": "VNM", "viet nam": "VNM",
    "kosovo": "XKX", "netherlands antilles": "ANT", "eswatini": "SWZ", "swaziland": "SWZ",
    "the netherlands": "NLD", "netherlands": "NLD", "the bahamas": "BHS", "bahamas": "BHS",
    "the gambia": "GMB", "gambia": "GMB", "cabo verde": "CPV", "cape verde": "CPV",
    "micronesia": "FSM", "palestine": "PSE", "west bank and gaza": "PSE", "saint lucia": "LCA",
    "sao tome and principe": "STP", "são tomé and príncipe": "STP", "timor-leste": "TLS", "east timor": "TLS",
    "new caledonia": "NCL", "greenland": "GRL", "european union": EU, "eu": EU,
}

# Labels that name two countries jointly (USGS combines them to avoid disclosing company data).
# They are kept as their own pseudo-codes so that no value is lost or double counted.
JOINT = {
    "united states and canada": "USA+CAN",
    "belgium and luxembourg": "BEL+LUX",
}

_FOOTNOTE = re.compile(r"(?<=[A-Za-z\)])\d+$")


def normalise_label(label: object) -> str:
    """Clean a label for lookup: NBSP/trailing spaces, glued footnote digits, case, curly quotes."""
    text = clean_text(label)
    text = _FOOTNOTE.sub("", text).strip()
    text = text.replace("’", "'").replace("‘", "'")
    text = re.sub(r"\s+", " ", text)
    return text.lower()


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
        f"unmapped country label {clean_text(label)!r}{where}: add it to ALIASES in "
        "rexlib/sources/countries.py (a label is never guessed)")


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
            + ": add it to ALIASES in rexlib/sources/countries.py (a label is never guessed)")
    if re.search(r"\brounded\b", qualifier, re.I):
        flags.add("rounded")
        qualifier = re.sub(r"\s*,?\s*\brounded\b\s*,?\s*", " ", qualifier, flags=re.I).strip(" ,")
    return code, qualifier, frozenset(flags)
