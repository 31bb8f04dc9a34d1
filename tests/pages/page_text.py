"""What a reader of a published page sees, split by where it sits (prose, select options, table cells,
chart hover text), and the rules it must keep (issue 25, "a publication, not a notebook")."""
from __future__ import annotations

import html
import re
from functools import lru_cache


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def parts(page: str) -> dict[str, str]:
    """``prose`` (headings, notes, cards, messages, the cite section), ``select`` (the controls'
    options), ``table`` (cells and headers), ``chart`` (the first-screen SVG's text and hover text)."""
    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    out = {}
    for kind, pattern in (("chart", r"<svg.*?</svg>"), ("table", r"<table.*?</table>"),
                          ("select", r"<select.*?</select>")):
        out[kind] = _text(" ".join(re.findall(pattern, page, flags=re.S)))
        page = re.sub(pattern, " ", page, flags=re.S)
    # a CSV file's name and a licence file's path are names of files, shown as such; a seed document's
    # file name is not (this rule once removed "Budget: D004: 001_10a4e5c3a09a248e.txt" before the scan)
    out["prose"] = re.sub(r"\S+\.(?:csv|txt|pdf)\b",
                          lambda m: m.group(0) if SEED_FILE.search(m.group(0)) else " ", _text(page))
    return out


# the file name of a seed document the curated rows cite (source_doc: data/curated/README.md)
SEED_FILE = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")


@lru_cache(maxsize=1)
def iso3_codes() -> frozenset[str]:
    from rexlib.metrics import _common as mc
    return frozenset(mc._countries()["iso3"].dropna())


@lru_cache(maxsize=1)
def mineral_ids() -> frozenset[str]:
    from rexlib.metrics import _common as mc
    return frozenset(m for m in mc.mineral_names() if "_" in m)


NUMBERS = {
    "NaN / None": re.compile(r"\b(?:NaN|nan)\b|(?:^|[:(—=]\s*)None(?=\s*(?:[;,.)]|$))"),
    "scientific notation": re.compile(r"\b\d(?:\.\d+)?e[+-]?\d+\b"),
    "a year with a thousands separator": re.compile(r"\b(?:in|year|Year|since|until|to|from)\s+2,0\d\d\b"),
    "$0.00 bn for an undisclosed amount": re.compile(r"\$0\.00 bn"),
}
NAMES = {
    "snake_case id": re.compile(r"(?<![\w/.-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|(?<![\w/.-])[a-z]+_[A-Z]\w*"),
    "module path": re.compile(r"\brexlib[./]\w+"),
    "methods section": re.compile(r"docs/\w+\.md|§\s*\d"),
    "a document's file name": SEED_FILE,
    # a curated row's id: agreement A001, deal D004, export control X003 (a claim keeps its number, C034,
    # on its card: the claims app names claims by it)
    "a curated row's id": re.compile(r"\b[ADX]\d{3}\b"),
}


def problems(page: str) -> list[tuple[str, str, str]]:
    """(where, rule, context) for each breach: numbers everywhere; names in prose and select options
    (tables may carry a code column for researchers); ISO codes in prose."""
    found = []
    for where, text in parts(page).items():
        rules = dict(NUMBERS)
        if where in ("prose", "select"):
            rules.update(NAMES)
        if where == "table":
            rules["snake_case id"] = NAMES["snake_case id"]
            rules["a document's file name"] = SEED_FILE
        for rule, pattern in rules.items():
            for m in pattern.finditer(text):
                found.append((where, rule, text[max(0, m.start() - 60):m.end() + 30]))
        if where == "prose":
            for m in re.finditer(r"\b[A-Z]{3}\b", text):
                if m.group(0) in iso3_codes() and m.group(0) not in ALSO_WORDS:
                    found.append((where, "ISO code", text[max(0, m.start() - 60):m.end() + 30]))
    return found


# three-letter codes that are also words or acronyms of their own in these documents' prose
# (a company's name "USA Rare Earth"; IEA's scenario names are not country codes)
ALSO_WORDS = {"USA", "PNG", "SVG", "CSV", "ASM", "MST"}
