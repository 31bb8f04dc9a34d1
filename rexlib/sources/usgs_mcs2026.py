"""USGS Mineral Commodity Summaries 2026 data release: ``MCS2026_Commodities_Data.csv``.

One long table for every chapter. Quirks handled here, each a named rule with a test:
- encoding: cp1252 (``Côte d’Ivoire`` uses byte 0x92), CRLF line endings;
- thousands commas, NBSP in cells (``'68\\xa0'``), trailing spaces in Commodity/Unit/Notes;
- value codes W, NA, XX, E, s, ``—``, ``>95``, ``<1``, ranges ``50–300`` / ``330 - 390``, words, ``?1``
  (see :mod:`rexlib.sources.values`);
- casing variants of commodities (``Tio2 Pigment`` / ``TiO2 pigment``);
- the column-shifted Yttrium world-total row (line 8533: ``Notes='Yes'``, critical flag ``'Yttrium'``);
- Wollastonite rows with a blank critical flag (the chapter's other rows say ``No``);
- Section label variant ``World Mine Production and Reserves:`` (trailing colon);
- ``Year = '2021–24'`` (en dash) on Import Sources rows = the period 2021–2024.
"""
from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .measures import classify_measure
from .values import clean_text, flags_from_note, parse_value

VINTAGE = "MCS2026"
ENCODING = "cp1252"

# Commodity (lowercased) -> mineral id, where the chapter alone is ambiguous: the commodity USGS prints
# is the mineral's name of rexlib/metadata/mappings/minerals.csv (``Rare earths (heavy)``, ``Iridium``),
# plus the chapter's own name for its lead mineral.
_CHAPTER_LEADS = {"zirconium and hafnium": "zirconium"}


@lru_cache(maxsize=1)
def _commodity_ids() -> dict[str, str]:
    from rexlib.core.ids import MINERALS
    chapters = chapter_ids()
    out = {name.lower(): mid for mid, (name, chapter) in MINERALS.items() if chapter and len(chapters[chapter]) > 1}
    return {**out, **_CHAPTER_LEADS}


def chapter_ids() -> dict[str, list[str]]:
    from rexlib.core.ids import MINERALS
    out: dict[str, list[str]] = {}
    for mid, (_, chapter) in MINERALS.items():
        if chapter:
            out.setdefault(chapter, []).append(mid)
    return out


def mineral_id_for(chapter: str, commodity: str) -> str:
    """Mineral id of one row: by commodity where the chapter has several ids, else by chapter."""
    chapter = clean_text(chapter)
    ids = chapter_ids().get(chapter)
    if not ids:
        raise KeyError(f"unknown MCS chapter {chapter!r}: add it to rexlib/metadata/mappings/minerals.csv")
    if len(ids) == 1:
        return ids[0]
    key = re.sub(r"\s+", " ", clean_text(commodity).lower())
    commodity_ids = _commodity_ids()
    if key in commodity_ids and commodity_ids[key] in ids:
        return commodity_ids[key]
    if chapter == "PLATINUM-GROUP METALS":
        return "pgm"
    if chapter == "TITANIUM AND TITANIUM DIOXIDE":
        return "titanium"
    if chapter == "BAUXITE AND ALUMINA":
        return "bauxite"
    raise KeyError(f"cannot tell the mineral of commodity {commodity!r} in chapter {chapter!r}")


EXPECTED_HEADER = ["MCS chapter", "Section", "Commodity", "Country", "Statistics", "Statistics_detail", "Unit",
                   "Year", "Value", "Notes", "Is critical mineral 2025", "Other notes"]
# UTF-8 bytes read as cp1252 turn "ô" into "Ã´" and "’" into "â€™": the mark of a re-encoded file.
_MOJIBAKE = re.compile("Ã[\x80-\xbf¡-ÿ]|â€")


class RawFileError(ValueError):
    """A raw file whose structure is not the published one (names file, line and problem)."""


def read_rows(path: Path, source: str | None = None) -> list[dict]:
    """Raw rows with their physical line number (header = line 1). Reads cp1252, keeps CRLF intact.

    Refuses (RawFileError naming file, line and problem) a changed header, a row with too few or too
    many fields (truncated file, shifted columns) and text that looks re-encoded as UTF-8.
    """
    source = source or Path(path).name
    with open(path, encoding=ENCODING, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != EXPECTED_HEADER:
            raise RawFileError(f"{source} line 1: header {header} is not the published header {EXPECTED_HEADER}")
        rows = []
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                raise RawFileError(f"{source} line {line}: {len(fields)} fields, expected {len(header)} "
                                   "(truncated file or shifted columns)")
            joined = ",".join(fields)
            if _MOJIBAKE.search(joined):
                raise RawFileError(f"{source} line {line}: text looks re-encoded (UTF-8 read as cp1252: "
                                   f"{_MOJIBAKE.search(joined).group()!r}); the published file is cp1252")
            row = dict(zip(header, fields))
            row["_line"] = line
            rows.append(row)
    return rows


def fix_shifted_critical_flag(row: dict, issues: list[dict], source: str) -> dict:
    """Rule: the 2026 Yttrium world-total row has Notes and the critical flag shifted one column.

    When ``Is critical mineral 2025`` holds something other than Yes/No/blank and ``Notes`` holds
    Yes/No, the flag is taken from Notes and the note is cleared.
    """
    flag = clean_text(row.get("Is critical mineral 2025"))
    note = clean_text(row.get("Notes"))
    if flag not in ("Yes", "No", "") and note in ("Yes", "No"):
        issues.append(dict(file=source, line=row["_line"], column="Is critical mineral 2025",
                           raw_value=flag, action=f"critical flag set to {note!r} from Notes; note cleared",
                           reason="column-shifted row: Notes holds the critical flag"))
        row = dict(row)
        row["Is critical mineral 2025"] = note
        row["Notes"] = ""
    return row


def _value_fields(raw: str, note: str, issues: list[dict], source: str, line: int, column: str = "Value") -> dict:
    parsed = parse_value(raw)
    if parsed.problem:
        issues.append(dict(file=source, line=line, column=column, raw_value=clean_text(raw),
                           action="value left empty, flag 'unparsed'", reason=parsed.problem))
    flags = set(parsed.flags) | set(flags_from_note(note))
    return dict(value=parsed.value, value_low=parsed.low, value_high=parsed.high,
                value_text=parsed.text, flag=";".join(sorted(flags)))


def read_mcs2026(path: Path, source: str = "usgs/mcs2026/MCS2026_Commodities_Data.csv") -> dict[str, pd.DataFrame | list]:
    """Parse the whole file into tidy frames.

    Returns a dict with ``world`` (production/reserves/capacity rows, country labels unmapped),
    ``salient`` (US salient statistics incl. prices and net import reliance), ``import_sources``,
    ``critical`` (mineral_id, critical_2025, mcs_chapter) and ``issues`` (list of dicts).
    """
    issues: list[dict] = []
    world, salient, sources = [], [], []
    critical: dict[str, set[str]] = {}
    chapters: dict[str, str] = {}
    for row in read_rows(path, source):
        row = fix_shifted_critical_flag(row, issues, source)
        line = row["_line"]
        chapter = clean_text(row["MCS chapter"])
        commodity = clean_text(row["Commodity"])
        try:
            mineral = mineral_id_for(chapter, commodity)
        except KeyError as exc:
            issues.append(dict(file=source, line=line, column="Commodity", raw_value=commodity,
                               action="row skipped", reason=str(exc)))
            continue
        chapters.setdefault(mineral, chapter)
        crit = clean_text(row["Is critical mineral 2025"])
        if crit:
            critical.setdefault(mineral, set()).add(crit)
        else:
            issues.append(dict(file=source, line=line, column="Is critical mineral 2025", raw_value="",
                               action="flag taken from the chapter's other rows",
                               reason="blank critical-mineral flag"))
        section = clean_text(row["Section"]).rstrip(":")
        statistic = clean_text(row["Statistics"])
        detail = re.sub(r"\s+", " ", clean_text(row["Statistics_detail"]))
        unit = re.sub(r"\s+", " ", clean_text(row["Unit"])).lower()
        note = clean_text(row["Notes"])
        year_text = clean_text(row["Year"])
        base = dict(mineral_id=mineral, vintage=VINTAGE, source_file=source, source_line=line, note=note)
        if section == "Import Sources":
            fields = _value_fields(row["Value"], note, issues, source, line)
            sources.append(dict(base, measure=detail, period=year_text.replace("–", "-"),
                                country_label=clean_text(row["Country"]), share_pct=fields["value"],
                                flag=fields["flag"], value_text=fields["value_text"]))
            continue
        try:
            year = int(year_text)
        except ValueError:
            issues.append(dict(file=source, line=line, column="Year", raw_value=year_text,
                               action="row skipped", reason="year is not an integer"))
            continue
        fields = _value_fields(row["Value"], note, issues, source, line)
        if section.startswith("Salient Statistics"):
            salient.append(dict(base, statistic=statistic, measure=detail, commodity=commodity, year=year, unit=unit,
                                country_label=clean_text(row["Country"]), **fields))
            continue
        if section.startswith("World"):
            record_type = {"Production": "production", "Reserves": "reserves", "Capacity": "capacity"}.get(statistic)
            kind, stage, measure, mflags = classify_measure(detail)
            if record_type is not None and kind is None:
                # Capacity rows named by product only ("Fused aluminum oxide", "Silicon carbide").
                stage = "plant"
            if record_type is None:
                issues.append(dict(file=source, line=line, column="Statistics_detail", raw_value=detail,
                                   action="row skipped", reason=f"unknown world statistic {statistic!r}"))
                continue
            if record_type == "reserves":
                stage = "mine"
            flags = set(filter(None, fields.pop("flag").split(";"))) | set(mflags)
            world.append(dict(base, record_type=record_type, stage=stage, measure=measure, commodity=commodity,
                              measure_raw=detail, country_label=clean_text(row["Country"]), year=year,
                              unit=unit, flag=";".join(sorted(flags)), **fields))
            continue
        issues.append(dict(file=source, line=line, column="Section", raw_value=section,
                           action="row skipped", reason="unknown section"))
    salient_frame = disambiguate_measures(pd.DataFrame(salient))
    crit_rows = [dict(mineral_id=m, critical_2025=("Yes" in flags), mcs_chapter=chapters[m])
                 for m, flags in critical.items()]
    world_frame = disambiguate_measures(
        pd.DataFrame(world), keys=["mineral_id", "record_type", "stage", "measure", "country_label", "year"])
    return dict(world=world_frame, salient=salient_frame,
                import_sources=pd.DataFrame(sources), critical=pd.DataFrame(crit_rows), issues=issues)


def disambiguate_measures(salient: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """Rule: where one chapter reports the same measure for several commodities (Diamond: bort vs
    stones; rare gases: neon, krypton, xenon), the commodity is appended to the measure so each
    series has its own name."""
    keys = keys or ["mineral_id", "statistic", "measure", "year"]
    clash = salient.groupby(keys)["commodity"].transform("nunique") > 1
    salient = salient.copy()
    salient.loc[clash, "measure"] = salient.loc[clash, "measure"] + " — " + salient.loc[clash, "commodity"]
    # Rule: rows still sharing a key are parallel series that the file tells apart only by order.
    # Mica reports net import reliance for scrap-and-flake first, then sheet (MCS2026 Fig2 gives the
    # same 2025 values, 34 and 100, under those names).
    dup = salient.duplicated(keys, keep=False)
    order = salient[dup].groupby(keys).cumcount()
    for idx, n in order.items():
        names = _PARALLEL_SERIES.get((salient.at[idx, "mineral_id"], salient.at[idx, keys[1]]))
        label = names[n] if names and n < len(names) else f"series {n + 1} in file order"
        salient.at[idx, "measure"] = f"{salient.at[idx, 'measure']} — {label}"
    return salient.drop(columns=["commodity"])


_PARALLEL_SERIES = {("mica", "Net import reliance"): ["scrap and flake", "sheet"]}
