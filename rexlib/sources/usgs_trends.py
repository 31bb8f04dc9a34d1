"""USGS MCS2026 industry-trends tables that answer the 2026 policy questions (issue 27):
T4 (country export controls), T5 (U.S. trade agreements of 2025), T6 (critical minerals' primary
applications), Fig. 13 (value of U.S. scrap and its domestic/imported/exported split) and Fig. 10
(price growth of critical minerals).

Quirks of the files (all UTF-8 with a BOM and CRLF line ends):

* T4 ``Control_Type`` has trailing spaces (``"Temporary export ban "``, lines 19-20) and five
  spellings for three kinds (rule ``CONTROL_KINDS``); ``Commodity_Year`` packs several items into
  one sentence, each closed by its year in parentheses (``"Bauxite (2023), copper concentrates
  (2023), and nickel ore (2020)."``) and parentheses that are not years (``"Copper (refined and
  alloys) and aluminum ingots (2025)."``): split at ``(YYYY)``; each item's minerals are declared
  in ``rexlib/metadata/mappings/usgs_t4_items.csv`` (an item missing there fails the build, named).
  The ``Notes`` column is the same sentence on every line (what the table covers).
* T5 has two columns named ``Signing_date``: the first as printed in a spreadsheet's day-month form
  (``"20-Oct-25"``), the second ISO. They disagree on two lines: line 7 prints ``"23-Aug"`` for
  ``2025-09-23`` (the source URL is a September 2025 release) and line 9 ``"25-Feb"`` for ``2025-02``
  (a month, the day-month form read "Feb-25" as the 25th). Rule: the ISO column, with its precision
  (``2025-02`` is a month); the disagreements go to ``quality_issues``. ``Agreement`` has trailing
  spaces (line 5, 7).
* T6 ``Critical_Mineral`` has a trailing space (``"Ytterbium "``, line 58); two rows have no chapter
  (metallurgical coal, uranium: ``Category_Note`` says so).
* Fig. 13 ``Year`` is ``2025_estimate``; ``Percent_*`` are shares of the scrap's value.
* Fig. 10 labels carry the price series after a comma or in parentheses (``"Cobalt (U.S. spot
  cathode)"``, ``"Nickel "``); growth is in percent, the 2021-2025 figure a compound annual rate.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from .usgs_figures import mineral_for_label
from .values import clean_text, parse_value

T4_FILE = "usgs/mcs2026/industry_trends/MCS2026_T4_Country_Export_Control.csv"
T5_FILE = "usgs/mcs2026/industry_trends/MCS2026_T5_Trade_Agreements.csv"
T6_FILE = "usgs/mcs2026/industry_trends/MCS2026_T6_Critical_Minerals_End_Use.csv"
FIG13_FILE = "usgs/mcs2026/industry_trends/MCS2026_Fig13_Scrap.csv"
FIG10_FILE = "usgs/mcs2026/industry_trends/MCS2026_Fig10_Price_Growth_Rates.csv"
T4_TITLE = "U.S. Geological Survey, Mineral Commodity Summaries 2026, Table 4: Country export controls"
T5_TITLE = "U.S. Geological Survey, Mineral Commodity Summaries 2026, Table 5: Trade agreements"
MAPPINGS = Path(__file__).resolve().parent.parent / "metadata" / "mappings"
T4_ITEMS = MAPPINGS / "usgs_t4_items.csv"
T5_MATCHES = MAPPINGS / "usgs_t5_agreements.csv"

# T4 Control_Type (stripped) -> kind. A new spelling fails the build (never guessed).
CONTROL_KINDS = {
    "Export ban": "ban",
    "Temporary export ban": "ban",
    "Export quota": "quota",
    "Export licensing requirement": "licensing",
    "Export licensing requirement for materials and technologies": "licensing",
}
_ITEM = re.compile(r"(.*?)\((\d{4})\)")


class TrendsError(ValueError):
    """A USGS trends table breaks a declared rule (unknown control type, undeclared item)."""


def _lines(path: Path) -> list[tuple[int, list[str], str]]:
    """(line number, cells, raw line) of every data line; the header is line 1."""
    text = path.read_text(encoding="utf-8-sig")
    raw_lines = text.splitlines()
    rows = list(csv.reader(raw_lines))
    return [(i + 1, cells, raw_lines[i]) for i, cells in enumerate(rows) if i > 0 and any(c.strip() for c in cells)]


def split_items(text: str) -> list[tuple[str, int]]:
    """``"Bauxite (2023), copper concentrates (2023), and nickel ore (2020)."`` ->
    ``[("Bauxite", 2023), ("copper concentrates", 2023), ("nickel ore", 2020)]``."""
    out = []
    for m in _ITEM.finditer(text):
        item = re.sub(r"^[\s,]*(and\s+)?", "", m.group(1)).strip().rstrip(",").strip()
        out.append((item, int(m.group(2))))
    return out


def t4_item_mapping(path: Path = T4_ITEMS) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_t4(path: Path, source: str = T4_FILE, items_csv: Path = T4_ITEMS) -> tuple[pd.DataFrame, list[dict]]:
    """T4: one row per item of a country's control (``country_label``, ``control_type`` as printed
    but stripped, ``kind`` licensing|quota|ban, ``temporary``, ``item``, ``effective_year``,
    ``minerals`` (';'-joined ids, '' where the item names no mineral of rex), ``form``,
    ``curated_control_id`` (the curated ``export_controls`` row it is the same control as),
    ``source_url``, ``source_line``, ``raw_line``)."""
    mapping = t4_item_mapping(items_csv)
    declared = {(r.country_label, r.item): r for r in mapping.itertuples()}
    rows, issues, unknown = [], [], []
    for line, cells, raw in _lines(path):
        country, ctype, items, url = (clean_text(x) for x in cells[:4])
        kind = CONTROL_KINDS.get(ctype)
        if kind is None:
            raise TrendsError(f"{source} line {line}: control type {ctype!r} is not declared "
                              f"(rexlib/sources/usgs_trends.py CONTROL_KINDS: {sorted(CONTROL_KINDS)})")
        if cells[1] != ctype:
            issues.append(dict(file=source, line=line, column="Control_Type", raw_value=cells[1],
                               action="trailing spaces removed", reason="label padded with spaces"))
        parts = split_items(items)
        if not parts:
            raise TrendsError(f"{source} line {line}: no item with a year '(YYYY)' in {items!r}")
        for k, (item, year) in enumerate(parts, 1):
            decl = declared.get((country, item))
            if decl is None:
                unknown.append(f"line {line}: ({country!r}, {item!r})")
                continue
            if not decl.mineral_ids:
                issues.append(dict(file=source, line=line, column="Commodity_Year", raw_value=item,
                                   action="control kept with no mineral id",
                                   reason=f"the item names no mineral of rex ({decl.note})"))
            rows.append(dict(country_label=country, control_type=ctype, kind=kind,
                             temporary=ctype.startswith("Temporary"), item=item, item_no=k, effective_year=year,
                             minerals=decl.mineral_ids, form=decl.form,
                             counts_for_supply=decl.counts_for_supply == "true",
                             curated_control_id=decl.curated_control_id, note=decl.note,
                             source_url=url, source_file=source, source_line=line, raw_line=raw))
    if unknown:
        raise TrendsError(f"{source}: {len(unknown)} item(s) not declared in {items_csv.name}: "
                          + "; ".join(unknown[:8]))
    return pd.DataFrame(rows), issues


def read_t5(path: Path, source: str = T5_FILE) -> tuple[pd.DataFrame, list[dict]]:
    """T5: one row per agreement (``country_label`` as printed, ``name``, ``date_text`` (first
    Signing_date), ``signing_date`` (ISO column: a day, or a month ``YYYY-MM``), ``focus``,
    ``source_url``, ``source_line``, ``raw_line``)."""
    rows, issues = [], []
    for line, cells, raw in _lines(path):
        country, name, printed, iso, focus, url = (clean_text(x) for x in cells[:6])
        if cells[1] != name:
            issues.append(dict(file=source, line=line, column="Agreement", raw_value=cells[1],
                               action="trailing spaces removed", reason="label padded with spaces"))
        if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", iso):
            raise TrendsError(f"{source} line {line}: second Signing_date {iso!r} is not YYYY-MM[-DD]")
        try:
            as_printed = pd.to_datetime(printed, format="%d-%b-%y").strftime("%Y-%m-%d")
        except ValueError:
            as_printed = None
        if as_printed != iso:
            issues.append(dict(file=source, line=line, column="Signing_date", raw_value=printed,
                               action=f"ISO column {iso} used",
                               reason="the two Signing_date columns disagree (the first is a day-month "
                                      "spreadsheet rendering without a year or with the month read as a day)"))
        rows.append(dict(country_label=country, name=name, date_text=printed, signing_date=iso,
                         date_precision="day" if len(iso) == 10 else "month", focus=focus, source_url=url,
                         source_file=source, source_line=line, raw_line=raw))
    return pd.DataFrame(rows), issues


def read_t6(path: Path, source: str = T6_FILE) -> tuple[pd.DataFrame, list[dict]]:
    """T6: one row per critical mineral (``mineral_id``; None for the two without an MCS chapter,
    logged), ``label``, ``applications``, ``chapter_note``."""
    from rexlib.core.ids import MINERALS
    rows, issues = [], []
    for line, cells, _raw in _lines(path):
        edition, label, apps, note = (clean_text(x) for x in cells[:4])
        try:
            mid, _ = mineral_for_label(label)
        except KeyError:
            mid = None
        if mid is None or mid not in MINERALS:
            issues.append(dict(file=source, line=line, column="Critical_Mineral", raw_value=label,
                               action="row kept without mineral id", reason="no mineral id in rexlib/metadata/mappings/minerals.csv"))
            mid = None
        rows.append(dict(mineral_id=mid, label=label, applications=apps, chapter_note=note or None,
                         vintage=edition, source_file=source, source_line=line))
    return pd.DataFrame(rows), issues


def read_fig13(path: Path, source: str = FIG13_FILE) -> tuple[pd.DataFrame, list[dict]]:
    """Fig. 13: one row per scrap type: ``mineral_id``, ``label``, ``year`` (2025, estimated),
    ``scrap_value_musd`` (million dollars) and the percent of that value ``domestic``, ``imported``,
    ``exported`` (shares of the scrap's value), ``critical_list`` (Y/N)."""
    rows, issues = [], []
    for line, cells, _raw in _lines(path):
        edition, label, year, value, dom, imp, exp, crit = (clean_text(x) for x in cells[:8])
        m = re.fullmatch(r"(\d{4})(_estimate)?", year)
        if not m:
            raise TrendsError(f"{source} line {line}: year {year!r} is not YYYY[_estimate]")
        mid, _ = mineral_for_label(label)
        nums = [parse_value(x) for x in (value, dom, imp, exp)]
        rows.append(dict(mineral_id=mid, label=label, year=int(m.group(1)),
                         flag="estimated" if m.group(2) else "", scrap_value_musd=nums[0].value,
                         pct_domestic=nums[1].value, pct_imported=nums[2].value, pct_exported=nums[3].value,
                         critical_list=crit == "Y", vintage=edition, source_file=source, source_line=line))
    return pd.DataFrame(rows), issues


def read_fig10(path: Path, source: str = FIG10_FILE) -> tuple[pd.DataFrame, list[dict]]:
    """Fig. 10: one row per priced critical mineral: ``mineral_id``, ``label`` (with the price series),
    ``price_series`` (the part after the comma or in parentheses), ``pct_change_2024_2025``,
    ``cagr_2021_2025_pct``, ``basis`` ('unit value of imports' or 'price')."""
    rows, issues = [], []
    for line, cells, _raw in _lines(path):
        label, pch, cagr, note = (clean_text(x) for x in cells[:4])
        head = re.split(r"[,(]", label, maxsplit=1)[0].strip()
        series_text = label[len(head):].strip(" ,()").replace("(", "").replace(")", "")
        key = {"Aluminum": "bauxite" if "bauxite" in label else "aluminum", "Phosphate": "phosphate rock",
               "Platinum": "platinum", "Palladium": "palladium"}.get(head, head)
        mid, _ = mineral_for_label(key)
        rows.append(dict(mineral_id=mid, label=label, price_series=series_text or None,
                         pct_change_2024_2025=parse_value(pch).value, cagr_2021_2025_pct=parse_value(cagr).value,
                         basis="unit value of imports" if note.startswith("Average annual unit value") else "price",
                         source_file=source, source_line=line))
    return pd.DataFrame(rows), issues
