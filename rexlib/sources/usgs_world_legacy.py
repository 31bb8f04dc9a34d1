"""USGS Mineral Commodity Summaries world tables, vintages MCS2023, MCS2024 and MCS2025.

Three layouts are read into one long table (one row per published cell):

* ``mcs2025/world_data/MCS2025_World_Data.csv``: one row per commodity x country x TYPE with
  columns ``PROD_2023, 'PROD_EST_ 2024', PROD_NOTES, CAP_2023, 'CAP_EST_ 2024', CAP_NOTES,
  RESERVES_2024, RESERVE_NOTES``; the unit is in ``UNIT_MEAS``.
* ``mcs2024/world/*_world.csv`` and ``mcs2023/world/*_world.csv``: one file per commodity, the
  commodity is the code in the file name (``mcs2024-cobal_world.csv``), the unit and year are in
  the column names (``Prod_t_est_2022``, ``Prod_kt_2023``, ``Reserves_t``, ``Cap_Pigment_t_2023``,
  ``Reserves_ore_K2O_equiv_kt``).

Output columns: see ``COLUMNS``. ``record_type`` comes from the value column (Prod/Cap/Reserves)
unless the publisher's Type says otherwise (cement "Clinker capacity" values sit in the Prod
columns, so they become capacity). ``stage`` and ``measure`` come from
:func:`rexlib.sources.measures.classify_measure` applied to the Type text (for capacity columns on
a production Type, to the Type with "production" replaced by "capacity"; for the titanium
sponge/pigment columns to "Sponge metal production" / "Sponge capacity" / "Pigment capacity");
reserves always have stage ``mine``. ``measure_raw`` is the publisher's exact Type cell for
production/capacity rows and the exact column header for reserves rows. Reserves columns without a
year (``Reserves_t``) are dated to the year before the edition (MCS2024 -> 2023), as USGS does.

Units (MCS2026 wording, lowercase): column codes ``t`` metric tons, ``kt`` thousand metric tons,
``mt``/``Mt``/``mmt`` million metric tons, ``kg`` kilograms, ``kct`` thousands of carats, ``mct``
million carats, ``mcm`` million cubic meters; bauxite and alumina tonnages are "thousand metric dry
tons" as in MCS2025/MCS2026. In MCS2025 ``UNIT_MEAS`` is used, except for reserves whose notes
state another unit for the commodity ("(Reserve data is thousand metric tons)", "Crude Ore, million
metric tons"). A unit the publisher got wrong is corrected by rexlib/metadata/corrections.yml (the
build applies it before the series rules and logs it), not here.

Flags: ParsedValue flags + classify_measure flags of the Type (production/capacity rows only) +
``estimated`` when the column name says est + flags_from_note(note) + ``estimated`` when a note
sentence names the value's year as estimated ("Production in 2022 is also estimated.",
"estimated in 2022 also"), which flags_from_note cannot see.

Blank cells (empty or whitespace-only) carry no published value and are skipped, with these rules:

* when the note of that column group is itself a value code or word ("NA", "na", "XX", "W for
  23-24", "na for 2023", "Large", "Moderate", "Less than 1/2 unit" = the ``s`` code), MCS2025's way
  of publishing a code in the notes column, a row is written with that token parsed by
  parse_value (restricted to the years the note names);
* when a row publishes a value in one column of a group (e.g. PROD_2023) but leaves another column
  of the same group blank (PROD_EST_ 2024), the blank becomes a row with value NaN and flag
  ``not_available`` and a quality issue (the publisher shows no number for that year);
* when a row (country present) publishes no value in any column, e.g. every MCS2025 Germanium
  ("Gemanium") row, the blank cells of its primary group (the group matching its Type: production
  columns for a production Type, capacity columns for a capacity Type) become rows with value NaN
  and flag ``not_available``, so the publisher's row is not lost;
* otherwise, when every column of a group is blank in a row (reserves/capacity columns of a
  production-only row, production columns of a capacity-only row, reserves of the titanium
  sponge/pigment table), nothing is written and nothing is reported; fully blank lines and
  trailing empty columns (Excel artefacts, mcs2024/world) are ignored.

Quality issues (list of dicts with keys file, line, column, raw_value, action, reason): every value
parse_value could not read, every unknown file code / commodity / Type that could not be classified,
every non-blank cell or row skipped (MCS2025 magnesium-metal reserves that the publisher says are
capacity, rows without a country), unit corrections and blank-in-filled-group cells.
"""
from __future__ import annotations

import csv
import math
import pathlib
import re
from collections import Counter, defaultdict

import pandas as pd

from rexlib.core.ids import MINERALS
from rexlib.sources.measures import classify_measure
from rexlib.sources.values import ParsedValue, clean_text, flags_from_note, parse_value

COLUMNS = [
    "record_type", "mineral_id", "stage", "measure", "measure_raw", "country_label", "year",
    "value", "value_low", "value_high", "unit", "flag", "note", "vintage", "source_file",
    "source_line",
]

# --------------------------------------------------------------------------------------------
# Commodity identification
# --------------------------------------------------------------------------------------------

# MCS2023/MCS2024 file-name code -> mineral id. ``None`` means "decided from the Type text".
FILE_CODES: dict[str, str | None] = {
    "abras": "abrasives", "alumi": "aluminum", "antim": "antimony", "arsen": "arsenic",
    "asbes": "asbestos", "barit": "barite", "bauxi": None, "beryl": "beryllium",
    "bismu": "bismuth", "boron": "boron", "bromi": "bromine", "cadmi": "cadmium",
    "cemen": "cement", "chrom": "chromium", "clays": "clays", "cobal": "cobalt",
    "coppe": "copper", "diamo": "diamond_industrial", "diato": "diatomite", "felds": "feldspar",
    "feore": "iron_ore", "fepig": "iron_oxide_pigments", "feste": "iron_steel",
    "fluor": "fluorspar", "galli": "gallium", "garne": "garnet", "gemst": "gemstones",
    "germa": "germanium", "gold": "gold", "graph": "graphite", "gypsu": "gypsum",
    "heliu": "helium", "indiu": "indium", "iodin": "iodine", "kyani": "kyanite", "lead": "lead",
    "lime": "lime", "lithi": "lithium", "manga": "manganese", "mercu": "mercury",
    "mgcomp": "magnesium_compounds", "mgmet": "magnesium", "mica": "mica",
    "molyb": "molybdenum", "nicke": "nickel", "niobi": "niobium", "nitro": "nitrogen",
    "peat": "peat", "perli": "perlite", "phosp": "phosphate_rock", "plati": None,
    "potas": "potash", "pumic": "pumice", "raree": "rare_earths", "rheni": "rhenium",
    "salt": "salt", "sandi": "sand_gravel_industrial", "selen": "selenium", "silve": "silver",
    "simet": "silicon", "sodaa": "soda_ash", "stond": "stone_dimension", "stron": "strontium",
    "sulfu": "sulfur", "talc": "talc", "tanta": "tantalum", "tellu": "tellurium",
    "timin": "titanium_concentrates", "tin": "tin", "titan": "titanium", "tungs": "tungsten",
    "vanad": "vanadium", "vermi": "vermiculite", "wolla": "wollastonite", "zeoli": "zeolites",
    "zinc": "zinc", "zirco": None, "zirco-hafni": None,
}

# MCS2025 COMMODITY (lowercased, whitespace collapsed) -> mineral id; None = decided from TYPE.
MCS2025_COMMODITIES: dict[str, str | None] = {
    "abrasives": "abrasives", "aluminum": "aluminum", "antimony": "antimony",
    "arsenic": "arsenic", "asbestos": "asbestos", "barite": "barite", "bauxite": None,
    "beryllium": "beryllium", "bismuth": "bismuth", "boron": "boron", "bromine": "bromine",
    "cadmium": "cadmium", "cement": "cement", "chromium": "chromium", "clays": "clays",
    "cobalt": "cobalt", "copper": "copper", "diamond (industrial)": "diamond_industrial",
    "diatomite": "diatomite", "feldspar": "feldspar", "fluorspar": "fluorspar",
    "gallium": "gallium", "garnet (industrial)": "garnet", "gemanium": "germanium",
    "germanium": "germanium", "gemstones": "gemstones", "gold": "gold", "graphite": "graphite",
    "gypsum": "gypsum", "helium": "helium", "indium": "indium", "iodine": "iodine",
    "iron ore": "iron_ore", "iron and steel": "iron_steel",
    "iron oxide pigments": "iron_oxide_pigments", "kyanite and related minerals": "kyanite",
    "lead": "lead", "lime": "lime", "lithium": "lithium",
    "magnesium compounds": "magnesium_compounds", "magnesium metal": "magnesium",
    "manganese": "manganese", "mercury": "mercury", "mica (natural)": "mica",
    "molybdenum": "molybdenum", "nickel": "nickel", "niobium": "niobium",
    "nitrogen(fixed) - ammonia": "nitrogen", "peat": "peat", "perlite": "perlite",
    "phosphate rock": "phosphate_rock", "platinum-group metals": None, "potash": "potash",
    "pumice & pumicite": "pumice", "rare earths": "rare_earths", "rhenium": "rhenium",
    "salt": "salt", "sand and gravel (industrial)": "sand_gravel_industrial",
    "selenium": "selenium", "silicon": "silicon", "silver": "silver", "soda ash": "soda_ash",
    "strontium": "strontium", "sulfur": "sulfur", "talc and pyrophyllite": "talc",
    "talc, crude": "talc", "tantalum": "tantalum", "tellurium": "tellurium", "tin": "tin",
    "titanium & titanium dioxide": "titanium",
    "titanium mineral concentrates": "titanium_concentrates", "tungsten": "tungsten",
    "vanadium": "vanadium", "vermiculite": "vermiculite", "wollastonite": "wollastonite",
    "zeolites (natural)": "zeolites", "zinc": "zinc", "zirconium and hafnium": None,
}

_BY_TYPE_RULES = {
    # group -> ordered (pattern, mineral id) applied to the Type text
    "bauxite": ((re.compile(r"\balumina\b", re.I), "alumina"),
                (re.compile(r"\bbauxite\b", re.I), "bauxite")),
    "pgm": ((re.compile(r"\bpalladium\b", re.I), "pgm_palladium"),
            (re.compile(r"\bplatinum\b", re.I), "pgm_platinum")),
    "zirconium": ((re.compile(r"\bhafnium\b", re.I), "hafnium"),
                  (re.compile(r"\bzirconium\b|\bzircon\b", re.I), "zirconium")),
}
_BY_TYPE_GROUP = {"bauxi": "bauxite", "plati": "pgm", "zirco": "zirconium",
                  "zirco-hafni": "zirconium", "bauxite": "bauxite",
                  "platinum-group metals": "pgm", "zirconium and hafnium": "zirconium"}

# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------

UNIT_CODES = {
    "t": "metric tons", "kt": "thousand metric tons", "mt": "million metric tons",
    "mmt": "million metric tons", "kg": "kilograms", "kct": "thousands of carats",
    "mct": "million carats", "mcm": "million cubic meters",
}
# MCS2025 UNIT_MEAS wording -> MCS2026 wording.
_UNIT_WORDING = {"thousand carats": "thousands of carats"}
_DRY_TON_MINERALS = {"bauxite", "alumina"}  # USGS reports both in thousand metric dry tons

# Units that contradict the neighbouring editions for the same figures (MCS2025 UNIT_MEAS for
# titanium mineral concentrates and industrial sand and gravel; MCS2023/MCS2024 header codes for
# chromium, rhenium, vanadium, selenium, talc) are publisher errors: read as published here and
# corrected by rexlib/metadata/corrections.yml (action override of `unit`, with its expect guard).

# --------------------------------------------------------------------------------------------
# Column headers
# --------------------------------------------------------------------------------------------

_LEGACY_VALUE_COL = re.compile(
    r"^(?P<kind>Prod|Cap|Reserves)_(?:(?P<qual>Sponge|Pigment|ore_K2O_equiv|ore)_)?"
    r"(?P<unit>t|kt|kg|mt|mmt|mct|kct|mcm)(?:_(?P<est>est))?(?:_(?P<year>\d{4}))?$",
    re.I,
)
_LEGACY_NOTE_COL = re.compile(r"^(?P<kind>Prod|Cap|Reserves?)_notes?$", re.I)
_MCS2025_VALUE_COL = re.compile(r"^(?P<kind>PROD|CAP|RESERVES)_(?P<est>EST_)?\s*(?P<year>\d{4})$", re.I)
_MCS2025_NOTE_COL = re.compile(r"^(?P<kind>PROD|CAP|RESERVES?)_NOTES$", re.I)
_KIND = {"prod": "production", "cap": "capacity", "reserves": "reserves", "reserve": "reserves"}

_QUALIFIER_LABEL = {
    ("production", "sponge"): "Sponge metal production",
    ("capacity", "sponge"): "Sponge capacity",
    ("capacity", "pigment"): "Pigment capacity",
    ("reserves", "ore"): "Reserves, recoverable ore",
    ("reserves", "ore_k2o_equiv"): "Reserves, potassium oxide (K2O) equivalent",
}

# Typos in Type labels that classify_measure does not fix and that change the classification.
_LOCAL_TYPOS = ((re.compile(r"\bMne\b"), "Mine"),)

# A note that is itself the value of a blank cell (MCS2025 puts codes in the notes column).
_NOTE_CODE = re.compile(
    r"^(?P<code>W|NA|XX|na|xx)\.?(?:\s+for\s+(?P<y1>\d{2}|\d{4})(?:\s*-\s*(?P<y2>\d{2}|\d{4}))?)?"
    r"(?:\s*\(.*\)\.?)?$"
)
_NOTE_SMALL = re.compile(r"^less than (?:1/2|one-half|half) (?:a |the )?unit\.?$", re.I)
_UNIT_IN_NOTE = re.compile(r"\b(thousand|million) metric tons\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_TWO_DIGIT_SPAN = re.compile(r"\b(\d{2})\s*-\s*(\d{2})\b")


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------

def _issue(issues: list[dict], file: str, line: int | None, column: str, raw: object,
           action: str, reason: str) -> None:
    issues.append({"file": file, "line": line, "column": column,
                   "raw_value": "" if raw is None else str(raw), "action": action,
                   "reason": reason})


def _relative(path: pathlib.Path, root: pathlib.Path | None) -> str:
    path = pathlib.Path(path)
    if root is not None:
        try:
            return path.resolve().relative_to(pathlib.Path(root).resolve()).as_posix()
        except ValueError:
            pass
    parts = path.parts
    for i in range(len(parts) - 2, -1, -1):
        if re.fullmatch(r"mcs\d{4}", parts[i], re.I):
            return pathlib.PurePosixPath(*parts[i:]).as_posix()
    return path.name


def _read_records(path: pathlib.Path) -> list[tuple[int, list[str]]]:
    """CSV records with the 1-based physical line each starts on (header = line 1)."""
    out = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next_line = 1
        for rec in reader:
            out.append((next_line, rec))
            next_line = reader.line_num + 1
    return out


def _fix_label(label: str) -> str:
    text = clean_text(label)
    for pattern, repl in _LOCAL_TYPOS:
        text = pattern.sub(repl, text)
    return text


def _capacity_label(label: str) -> str:
    if re.search(r"\bcapacity\b", label, re.I):
        return label
    if re.search(r"\bproduction\b", label, re.I):
        return re.sub(r"\bproduction\b", "capacity", label, count=1, flags=re.I)
    return f"{label} capacity" if label else "Capacity"


def _year_flags(note: str, year: int) -> set[str]:
    """``estimated`` when a sentence of the note says the value's own year is estimated."""
    out = set()
    for sentence in re.split(r"--|;|\.(?:\s|$)", note):
        low = sentence.lower()
        if "estimated" not in low:
            continue
        years = {int(y) for y in _YEAR.findall(sentence)}
        if year in years:
            out.add("estimated")
    return out


def _note_as_value(note: str, year: int) -> str | None:
    """The value token a note stands for when the value cell is blank, else None."""
    text = clean_text(note)
    if not text:
        return None
    m = _NOTE_CODE.match(text)
    if m:
        if m.group("y1"):
            y1 = int(m.group("y1")) % 100
            y2 = int(m.group("y2")) % 100 if m.group("y2") else y1
            if not (y1 <= year % 100 <= y2):
                return None
        return m.group("code").upper()  # 'na'/'xx' in notes mean NA/XX
    if _NOTE_SMALL.match(text):
        return "s"
    pv = parse_value(text)
    if pv.problem is None and pv.flags == frozenset({"qualitative"}):
        return text
    return None


def _primary_kind(type_text: str, kinds: list[str], used_kinds: set[str]) -> str | None:
    """The column group a row without any value belongs to, from its Type."""
    rt = classify_measure(type_text)[0] or "production"
    if rt == "capacity":
        candidates = [k for k in ("capacity", "production") if k in kinds]
        for k in candidates:
            if k in used_kinds:
                return k
        return candidates[0] if candidates else None
    return rt if rt in kinds else None


def _mineral_from_type(group: str, type_text: str) -> str | None:
    for pattern, mineral in _BY_TYPE_RULES[group]:
        if pattern.search(type_text):
            return mineral
    return None


class _Builder:
    """Accumulates output rows and quality issues for one file."""

    def __init__(self, vintage: str, source_file: str) -> None:
        self.vintage = vintage
        self.source_file = source_file
        self.rows: list[dict] = []
        self.issues: list[dict] = []
        self._type_issue_seen: set[tuple] = set()

    def issue(self, line, column, raw, action, reason) -> None:
        _issue(self.issues, self.source_file, line, column, raw, action, reason)

    def classify(self, label: str, record_type: str, line: int, column: str, raw_label: str):
        """(record_type, stage, measure, flags) for a production/capacity value."""
        text = _fix_label(label)
        if record_type == "capacity":
            text = _capacity_label(text)
        rt, stage, measure, flags = classify_measure(text)
        if rt is None or rt == "reserves":
            key = (raw_label, record_type)
            if key not in self._type_issue_seen:
                self._type_issue_seen.add(key)
                self.issue(line, column, raw_label, "kept: stage set to 'production'",
                           f"Type {raw_label!r} not recognised by classify_measure "
                           f"(record type taken from the {record_type} column)")
            return record_type, "production", measure or text, flags
        if rt == "capacity" or record_type == "capacity":
            return "capacity", stage, measure, flags
        return "production", stage, measure, flags

    def add(self, *, record_type, mineral_id, stage, measure, measure_raw, country, year,
            raw, unit, extra_flags, note, line, column) -> None:
        pv: ParsedValue = parse_value(raw)
        if pv.problem:
            self.issue(line, column, raw, "kept: value NaN, flag unparsed", pv.problem)
        flags = set(pv.flags) | set(extra_flags) | set(flags_from_note(note)) \
            | _year_flags(note, year)
        self.rows.append({
            "record_type": record_type, "mineral_id": mineral_id, "stage": stage,
            "measure": measure, "measure_raw": measure_raw, "country_label": country,
            "year": int(year),
            "value": math.nan if pv.value is None else float(pv.value),
            "value_low": math.nan if pv.low is None else float(pv.low),
            "value_high": math.nan if pv.high is None else float(pv.high),
            "unit": unit, "flag": ";".join(sorted(flags)), "note": note,
            "vintage": self.vintage, "source_file": self.source_file, "source_line": line,
            "_type_measure": None,
        })

    def emit_group(self, *, cells, note, note_col, line, make, used: set,
                   force: bool = False) -> None:
        """Write the cells of one column group (same record type) of one row.

        ``cells`` is a list of (column, raw, year, meta); ``make(column, raw, year, meta, from_note)``
        adds the row; ``used`` holds the columns that carry a value in some row of the same
        commodity; ``force`` writes blank cells as not_available (the row publishes no value at
        all and this is its primary group).  Blank-cell rules are in the module docstring.
        """
        filled = [c for c in cells if clean_text(c[1]) != ""]
        for column, raw, year, meta in cells:
            if clean_text(raw) != "":
                make(column, raw, year, meta, False)
                continue
            token = _note_as_value(note, year)
            if token is not None:
                make(column, token, year, meta, True)
            elif force:
                make(column, "", year, meta, False)
            elif filled and column in used:
                self.issue(line, column, raw, "kept: value NaN, flag not_available",
                           "blank cell in a row that publishes other values of the same kind")
                make(column, "", year, meta, False)

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=COLUMNS + ["_type_measure"])
        return _finish(df)


_PROD_PREFIX = re.compile(r"^.*?\b(?:mine production|production)\b\s*[-,:]*\s*", re.I)
_UNIT_SUFFIX = re.compile(r"\s*-\s*(?:thousand |million )?metric tons$", re.I)


def _type_qualifier(type_measure: str) -> str:
    """'Mine production, iron content' -> 'iron content'; 'Mine production: Ilmenite, TiO2...' ->
    'ilmenite'; 'World total mine production: rutile (rounded), ...' -> 'rutile'."""
    text = _PROD_PREFIX.sub("", type_measure or "").strip()
    text = _UNIT_SUFFIX.sub("", text)
    text = re.split(r",", text)[0]
    text = re.sub(r"\(rounded\)", "", text, flags=re.I)
    return re.sub(r"\s+", " ", text).strip(" .-").lower()


def _finish(df: pd.DataFrame) -> pd.DataFrame:
    """Qualify reserves published on several Type rows of one mineral, drop helper columns.

    When one file (MCS2025: one commodity) repeats reserves for the same mineral, country and year
    on several Type rows (iron ore usable ore / iron content, mica sheet / scrap, ilmenite / rutile),
    every reserves row of that mineral in that file gets ``Reserves, <Type qualifier>``.
    """
    if df.empty:
        return df.reindex(columns=COLUMNS)
    res = df["record_type"].eq("reserves") & df["_type_measure"].notna()
    if res.any():
        keys = ["source_file", "mineral_id", "country_label", "year", "measure"]
        sub = df[res]
        clash = sub[sub.duplicated(keys, keep=False)][["source_file", "mineral_id"]]
        clash = set(map(tuple, clash.drop_duplicates().to_numpy()))
        idx = [i for i, f, m in zip(sub.index, sub["source_file"], sub["mineral_id"])
               if (f, m) in clash]
        df.loc[idx, "measure"] = [
            f"{m}, {_type_qualifier(t)}" if _type_qualifier(t) else m
            for m, t in zip(df.loc[idx, "measure"], df.loc[idx, "_type_measure"])]
    df = df.drop(columns=["_type_measure"])
    df["year"] = df["year"].astype(int)
    df["source_line"] = df["source_line"].astype(int)
    for c in ("value", "value_low", "value_high"):
        df[c] = df[c].astype(float)
    return df[COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# MCS2023 / MCS2024 per-commodity files
# --------------------------------------------------------------------------------------------

def file_code(path: pathlib.Path) -> str | None:
    m = re.match(r"^mcs\d{4}-(?P<code>.+?)_world\.csv$", pathlib.Path(path).name, re.I)
    return m.group("code").lower() if m else None


def read_mcs_world_file(path, vintage: str, root: pathlib.Path | None = None
                        ) -> tuple[pd.DataFrame, list[dict]]:
    """Read one MCS2023/MCS2024 ``*_world.csv`` file (see the module docstring)."""
    path = pathlib.Path(path)
    b = _Builder(vintage, _relative(path, root))
    code = file_code(path)
    if code is None or code not in FILE_CODES:
        b.issue(None, "", path.name, "skipped: file", f"unknown file code {code!r}")
        return b.frame(), b.issues
    mineral_fixed = FILE_CODES[code]
    group = _BY_TYPE_GROUP.get(code)
    reserves_default_year = int(vintage[-4:]) - 1

    records = _read_records(path)
    if not records:
        return b.frame(), b.issues
    header = [clean_text(h) for h in records[0][1]]
    lower = [h.lower() for h in header]
    i_country = lower.index("country") if "country" in lower else 1
    i_type = lower.index("type") if "type" in lower else 2

    value_cols: dict[int, dict] = {}
    note_cols: dict[str, int] = {}
    for i, h in enumerate(header):
        if i in (i_country, i_type) or h == "" or h.lower() == "source":
            continue
        m = _LEGACY_VALUE_COL.match(h)
        if m:
            kind = _KIND[m.group("kind").lower()]
            year = m.group("year")
            if year is None:
                if kind != "reserves":
                    b.issue(1, h, h, "skipped: column", "value column without a year")
                    continue
                year = reserves_default_year
            unit = UNIT_CODES[m.group("unit").lower()]
            value_cols[i] = {"kind": kind, "year": int(year), "unit": unit,
                             "est": bool(m.group("est")),
                             "qual": (m.group("qual") or "").lower(), "header": h}
            continue
        m = _LEGACY_NOTE_COL.match(h)
        if m:
            note_cols[_KIND[m.group("kind").lower()]] = i
            continue
        b.issue(1, h, h, "skipped: column", "unrecognised column header")
    if i_type < len(header) and lower[i_type] != "type":
        # mcs2024-fluor: the Type column header is the Type text itself.
        b.issue(1, header[i_type], header[i_type], "kept: column used as Type",
                "third column is not named 'Type'")

    used = {header[i] for i in value_cols
            if any(i < len(rec) and clean_text(rec[i]) for _, rec in records[1:])}
    used_kinds = {m["kind"] for i, m in value_cols.items() if header[i] in used}
    for line, rec in records[1:]:
        cells = rec + [""] * (len(header) - len(rec))
        if all(clean_text(c) == "" for c in cells):
            continue
        for j in range(len(header), len(rec)):
            if clean_text(rec[j]) != "":
                b.issue(line, f"#{j + 1}", rec[j], "skipped: cell",
                        "value beyond the last header column")
        country = clean_text(cells[i_country])
        type_raw = cells[i_type]
        type_text = _fix_label(type_raw)
        has_value = any(clean_text(cells[i]) != "" for i in value_cols)
        if not has_value and country == "":
            continue
        if country == "":
            if has_value:
                b.issue(line, "Country", "", "skipped: row", "row has values but no country")
            continue
        if group:
            mineral = _mineral_from_type(group, type_text)
            if mineral is None:
                b.issue(line, "Type", type_raw, "skipped: row",
                        f"cannot tell the mineral of file code {code!r} from the Type")
                continue
        else:
            mineral = mineral_fixed

        notes = {k: clean_text(cells[i]) for k, i in note_cols.items()}
        by_kind: dict[str, list] = defaultdict(list)
        for i, meta in value_cols.items():
            by_kind[meta["kind"]].append((meta["header"], cells[i], meta["year"], meta))

        primary = None if has_value else _primary_kind(type_text, list(by_kind), used_kinds)
        for kind, group_cells in by_kind.items():
            note = notes.get(kind, "")
            # group cells of one kind by qualifier (titanium sponge vs pigment capacity)
            by_qual: dict[str, list] = defaultdict(list)
            for c in group_cells:
                by_qual[c[3]["qual"]].append(c)
            for qual, qcells in by_qual.items():
                b.emit_group(cells=qcells, note=note, note_col=kind, line=line, used=used,
                             force=(kind == primary), make=_legacy_maker(b, kind, qual, mineral, type_raw, type_text,
                                                country, note, line, code))
    return b.frame(), b.issues


def _legacy_maker(b: _Builder, kind, qual, mineral, type_raw, type_text, country, note, line,
                  code):
    def make(column, raw, year, meta, from_note):
        unit = meta["unit"]
        flags = {"estimated"} if meta["est"] else set()
        type_measure = None
        if kind == "reserves":
            label = _QUALIFIER_LABEL.get(("reserves", qual), "Reserves")
            _, _, measure, _ = classify_measure(label)
            record_type, stage, measure_raw = "reserves", "mine", meta["header"]
            mid = mineral
            if code == "plati" and not re.search(r"included with platinum", note, re.I):
                # platinum rows carry the reserves of all PGMs ("Includes all platinum-group
                # metals"); palladium rows say "Included with platinum" and stay pgm_palladium.
                mid = "pgm"
                measure = "Reserves, platinum-group metals"
            type_measure = classify_measure(type_text)[2] or type_text
        else:
            label = _QUALIFIER_LABEL.get((kind, qual), type_text)
            record_type, stage, measure, cflags = b.classify(label, kind, line, column, type_raw)
            flags |= set(cflags)
            measure_raw = type_raw
            mid = mineral
        if mid in _DRY_TON_MINERALS and unit == "thousand metric tons":
            unit = "thousand metric dry tons"
        b.add(record_type=record_type, mineral_id=mid, stage=stage, measure=measure,
              measure_raw=measure_raw, country=country, year=year, raw=raw, unit=unit,
              extra_flags=flags, note=note, line=line, column=column)
        b.rows[-1]["_type_measure"] = type_measure
    return make


# --------------------------------------------------------------------------------------------
# MCS2025 world data
# --------------------------------------------------------------------------------------------

def _commodity_key(text: str) -> str:
    return re.sub(r"\s+", " ", clean_text(text)).lower()


def read_mcs2025_world(path, root: pathlib.Path | None = None) -> tuple[pd.DataFrame, list[dict]]:
    """Read ``MCS2025_World_Data.csv`` (see the module docstring)."""
    path = pathlib.Path(path)
    b = _Builder("MCS2025", _relative(path, root))
    records = _read_records(path)
    if not records:
        return b.frame(), b.issues
    header = records[0][1]
    hclean = [clean_text(h) for h in header]
    idx = {h.upper(): i for i, h in enumerate(hclean)}
    i_com, i_cty, i_type, i_unit = idx["COMMODITY"], idx["COUNTRY"], idx["TYPE"], idx["UNIT_MEAS"]
    value_cols: dict[int, dict] = {}
    note_cols: dict[str, int] = {}
    for i, h in enumerate(hclean):
        m = _MCS2025_VALUE_COL.match(h)
        if m:
            value_cols[i] = {"kind": _KIND[m.group("kind").lower()], "year": int(m.group("year")),
                             "est": bool(m.group("est")), "header": header[i]}
            continue
        m = _MCS2025_NOTE_COL.match(h)
        if m:
            note_cols[_KIND[m.group("kind").lower()]] = i
        elif h.upper() not in {"SOURCE", "COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS"} and h:
            b.issue(1, h, h, "skipped: column", "unrecognised column header")

    rows = []
    for line, rec in records[1:]:
        cells = rec + [""] * (len(header) - len(rec))
        if all(clean_text(c) == "" for c in cells):
            continue
        rows.append((line, cells))

    # Per-commodity facts gathered before writing: unit of each (commodity, TYPE), reserve units
    # stated in reserve notes, and commodities whose "reserves" the publisher disowns.
    type_units: dict[tuple[str, str], Counter] = defaultdict(Counter)
    com_units: dict[str, Counter] = defaultdict(Counter)
    reserve_unit: dict[str, str] = {}
    not_reserve: dict[str, str] = {}
    used_by_com: dict[str, set] = defaultdict(set)
    i_rnote = note_cols.get("reserves")
    for line, cells in rows:
        key = _commodity_key(cells[i_com])
        used_by_com[key] |= {value_cols[i]["header"] for i in value_cols if clean_text(cells[i])}
        unit = clean_text(cells[i_unit]).lower()
        if unit:
            type_units[(key, clean_text(cells[i_type]))][unit] += 1
            com_units[key][unit] += 1
        if i_rnote is not None:
            rnote = clean_text(cells[i_rnote])
            m = _UNIT_IN_NOTE.search(rnote)
            if m and key not in reserve_unit:
                reserve_unit[key] = f"{m.group(1).lower()} metric tons"
            if re.search(r"\bnot a reserve\b", rnote, re.I):
                not_reserve[key] = rnote

    for line, cells in rows:
        com_raw = cells[i_com]
        key = _commodity_key(com_raw)
        country = clean_text(cells[i_cty])
        type_raw = cells[i_type]
        type_text = _fix_label(type_raw)
        if key not in MCS2025_COMMODITIES:
            b.issue(line, "COMMODITY", com_raw, "skipped: row", f"unknown commodity {com_raw!r}")
            continue
        mineral = MCS2025_COMMODITIES[key]
        group = _BY_TYPE_GROUP.get(key)
        if group:
            mineral = _mineral_from_type(group, type_text)
            if mineral is None:
                b.issue(line, "TYPE", type_raw, "skipped: row",
                        f"cannot tell the mineral of {com_raw.strip()!r} from the TYPE")
                continue
        has_value = any(clean_text(cells[i]) != "" for i in value_cols)
        if country == "":
            if has_value:
                b.issue(line, "COUNTRY", "", "skipped: row", "row has values but no country")
            continue

        unit = clean_text(cells[i_unit]).lower()
        if unit == "":
            guess = type_units.get((key, clean_text(type_raw))) or com_units.get(key)
            if guess:
                unit = guess.most_common(1)[0][0]
                b.issue(line, "UNIT_MEAS", "", f"kept: unit set to {unit!r}",
                        "blank UNIT_MEAS; unit taken from the other rows of this commodity/TYPE")
            else:
                b.issue(line, "UNIT_MEAS", "", "kept: unit blank", "blank UNIT_MEAS")
        unit = _UNIT_WORDING.get(unit, unit)

        notes = {k: clean_text(cells[i]) for k, i in note_cols.items()}
        by_kind: dict[str, list] = defaultdict(list)
        for i, meta in value_cols.items():
            by_kind[meta["kind"]].append((meta["header"], cells[i], meta["year"], meta))

        used_kinds = {m["kind"] for m in value_cols.values() if m["header"] in used_by_com[key]}
        primary = None if has_value else _primary_kind(type_text, list(by_kind), used_kinds)
        for kind, group_cells in by_kind.items():
            note = notes.get(kind, "")
            if kind == "reserves" and key in not_reserve:
                for column, raw, _, _ in group_cells:
                    if clean_text(raw):
                        b.issue(line, column, raw, "skipped: cell",
                                f"publisher note for {com_raw.strip()!r} reserves: "
                                f"{not_reserve[key]!r} (values duplicate the capacity column)")
                continue
            k_unit = unit
            if kind == "reserves" and key in reserve_unit:
                k_unit = reserve_unit[key]
            if mineral in _DRY_TON_MINERALS and k_unit == "thousand metric tons":
                k_unit = "thousand metric dry tons"
            b.emit_group(cells=group_cells, note=note, note_col=kind, line=line,
                         used=used_by_com[key], force=(kind == primary), make=_mcs2025_maker(b, kind, mineral, key, type_raw, type_text,
                                             country, note, line, k_unit))
    return b.frame(), b.issues


def _mcs2025_maker(b: _Builder, kind, mineral, key, type_raw, type_text, country, note, line,
                   unit):
    def make(column, raw, year, meta, from_note):
        flags = {"estimated"} if meta["est"] else set()
        type_measure = None
        t_rt, _, t_measure, _ = classify_measure(type_text)
        mid = mineral
        if kind == "reserves":
            if t_rt == "reserves":
                measure = t_measure
            elif re.search(r"\(K2O\) equivalent", type_text):
                measure = _QUALIFIER_LABEL[("reserves", "ore_k2o_equiv")]
            else:
                measure = classify_measure("Reserves")[2]
                type_measure = t_measure or type_text
            if key == "platinum-group metals":
                mid, measure = "pgm", "Reserves, platinum-group metals"
            record_type, stage, measure_raw = "reserves", "mine", meta["header"]
        else:
            label = "Sponge metal production" if (
                key == "titanium & titanium dioxide" and re.search(r"\bsponge\b", type_text, re.I)
                and kind == "production") else type_text
            record_type, stage, measure, cflags = b.classify(label, kind, line, column, type_raw)
            flags |= set(cflags)
            measure_raw = type_raw
        b.add(record_type=record_type, mineral_id=mid, stage=stage, measure=measure,
              measure_raw=measure_raw, country=country, year=year, raw=raw, unit=unit,
              extra_flags=flags, note=note, line=line, column=column)
        b.rows[-1]["_type_measure"] = type_measure
    return make


# --------------------------------------------------------------------------------------------
# Everything under a root
# --------------------------------------------------------------------------------------------

def read_legacy_world(root: pathlib.Path) -> tuple[pd.DataFrame, list[dict]]:
    """Read MCS2025 world data and all MCS2024/MCS2023 ``*_world.csv`` files under ``root``."""
    root = pathlib.Path(root)
    frames: list[pd.DataFrame] = []
    issues: list[dict] = []
    f2025 = root / "mcs2025" / "world_data" / "MCS2025_World_Data.csv"
    if f2025.exists():
        df, iss = read_mcs2025_world(f2025, root=root)
        frames.append(df)
        issues += iss
    for vintage, folder in (("MCS2024", root / "mcs2024" / "world"),
                            ("MCS2023", root / "mcs2023" / "world")):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
            if not path.is_file() or not path.name.lower().endswith("_world.csv"):
                continue
            df, iss = read_mcs_world_file(path, vintage, root=root)
            frames.append(df)
            issues += iss
    frames = [f for f in frames if not f.empty]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    bad = ~out["mineral_id"].isin(MINERALS)
    if bad.any():  # defensive: every id above is a MINERALS key
        for _, r in out[bad].iterrows():
            _issue(issues, r.source_file, r.source_line, "", r.mineral_id, "skipped: row",
                   "mineral id not in rexlib.core.ids.MINERALS")
        out = out[~bad].reset_index(drop=True)
    return out[COLUMNS], issues
