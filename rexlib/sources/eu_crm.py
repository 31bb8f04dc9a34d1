"""European Commission, *Study on the critical raw materials for the EU 2023* (an unofficial
transcription) -> tidy frames.

Files in ``data/raw/eu_crm/`` (release ``ec_crm_2023`` in ``data/raw/sources.yml``, which also holds
each file's provenance grade, e.g. "unofficial transcription of EC 2023 study, Appendix 7; PDF not
verified"; every row this module returns carries it in ``provenance``):

* ``fact_GlobalSupplyShares&t.csv`` (Appendix 7): global supply share by country at the extraction
  (``E``) and processing (``P``) stage, with the trade parameter ``t``;
* ``fact_EUSupplyShares&t.csv`` (Appendix 7): EU sourcing shares (>= 1 %) by stage, with ``t``;
* ``dimension_CRMsOverTime.csv`` (Annex 4): supply risk (SR) and economic importance (EI) per
  material, assessments 2011, 2014, 2017, 2020, 2023;
* ``fact_MaterialUseShares.csv`` (Appendix 6): end-use shares with NACE sector and value added;
* ``dimension_ScreenedMatGroupings.csv``: the EU's material groups (REE, HREE, LREE, PGM ...).

Every quirk is one named rule below:

* :data:`ENCODING` -- the CSVs are cp1252 (``Türkiye`` is byte 0xFC, the header ``VA in million €``
  byte 0x80).
* :func:`records` -- a quoted field may span lines (``"Natural Teak\\nwood"``, ``"C29 - Manufacture of
  motor\\nvehicles ..."``): ``source_line`` is the physical line where the record starts.
* :func:`material_key` / :class:`Mappings.material` -- material names are matched after collapsing
  whitespace and case; each spelling is declared in ``rexlib/metadata/mappings/eu_crm_materials.csv``
  (``Borate`` -> boron, ``Phosphorous`` -> phosphorus, ``Silicon metal`` -> silicon ...).
* :class:`Mappings.country` -- country names go through :func:`rexlib.sources.countries.to_iso3`, the
  one mapping every publisher's spellings are declared in (``rexlib/metadata/mappings/country_labels.csv``):
  the study's own names (``Congo, D.R.``, the misspellings ``Turkyie``, ``Brasilia``) are rows of it, seen
  in "EC CRM 2023"; ``Korea, South``, ``Russia``, ``Türkiye`` ... are shared with USGS and WGI.
* Unmapped names are collected and raised together (:class:`EuCrmError`) naming each label with its
  file and line: a name is never guessed.
* :func:`parse_share` -- shares are strings: ``"0.4%"`` -> 0.4; ``"<0.1%"`` -> 0.1 with flag
  ``upper_bound`` (never 0); ``">0%"`` -> 0 with flag ``lower_bound``; a bare ``"6"`` (one row of the
  EU sourcing file) is read as percent and logged.
* :func:`parse_score` -- SR/EI ``"-"`` = not assessed that year -> NULL with flag ``not_assessed``
  (:func:`rexlib.sources.values.parse_value` would read ``-`` as the publisher's zero).
* :data:`PERIOD_SOURCE` -- Appendix 7's shares are multi-year averages (mostly 2016-2020); the
  transcription has no period column, so each material's period comes from the materials mapping.
* :func:`drop_exact_duplicates` -- a row repeated verbatim (Magnesium, "Construction", 13 %, twice
  in the end-use file) is kept once and logged.
* :data:`ALUMINIUM_2023` -- data_cleaning.md says the 2023 aluminium scores were moved to a new
  "aluminium/bauxite" row, but the file keeps them under ``Aluminium``: they are kept there, as the
  2023 aluminium/bauxite assessment, and logged.
* :func:`eu_critical` -- "EU critical" = SR >= 1.0 and EI >= 2.8, the thresholds of the 2017
  methodology used in 2017, 2020 and 2023; the 2011 and 2014 scores are on the earlier method's
  scales, so their flag is NULL.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from rexlib.core.ids import MINERALS, family_of
from rexlib.core.provenance import load_sources
from .countries import UnknownCountryLabel, to_iso3
from .values import clean_text, parse_value

ENCODING = "cp1252"
RELEASE = "ec_crm_2023"
MAPPINGS = Path(__file__).resolve().parent.parent / "metadata" / "mappings"
MATERIALS_CSV = MAPPINGS / "eu_crm_materials.csv"
# What a material is (eu_crm_materials.csv ``category``): only ``mineral`` enters mineral rankings
# unless a caller asks for the others (the EU also screens wood, rubber, cork and hydrogen).
MATERIAL_CATEGORIES = ("mineral", "biotic", "energy_carrier")
COUNTRIES_CSV = MAPPINGS / "country_labels.csv"   # every publisher's spellings, the study's among them
ISO_FILE = "reference/lukes_iso3166_all.csv"

GLOBAL_SUPPLY = "eu_crm/fact_GlobalSupplyShares&t.csv"
EU_SOURCING = "eu_crm/fact_EUSupplyShares&t.csv"
CRITICALITY = "eu_crm/dimension_CRMsOverTime.csv"
END_USE = "eu_crm/fact_MaterialUseShares.csv"
GROUPINGS = "eu_crm/dimension_ScreenedMatGroupings.csv"

# The study's two supply-chain stages and the canonical stage family each belongs to.
STAGES = {"E": "mining", "P": "processing"}

# The finest of the grouping file's four permutations: HREE/LREE and PGM split out.
GROUP_COLUMN = "perm_XREE_PGM"

EU_CRITICAL_SR = 1.0
EU_CRITICAL_EI = 2.8
# Assessments made with the 2017 methodology, whose thresholds these are (European Commission
# (2017), Methodology for establishing the EU list of critical raw materials).
EU_CRITICAL_YEARS = (2017, 2020, 2023)
EU_CRITICAL_RULE = "SR >= 1.0 and EI >= 2.8 (2017 methodology, used in 2017, 2020, 2023)"
EU_CRITICAL_NOT_COMPUTED = ("not computed: the 2011 and 2014 scores are on the earlier methodology's "
                            "scales, to which the 2.8 EI threshold does not apply")

PERIOD_SOURCE = ("period declared per material in rexlib/metadata/mappings/eu_crm_materials.csv: "
                 "Appendix 7's shares are multi-year averages (mostly 2016-2020); not verified per "
                 "material against the PDF")

ALUMINIUM_2023 = ("aluminium", 2023)


class EuCrmError(ValueError):
    """A file of the EU CRM release that the reader refuses (unmapped label, unreadable value)."""


def _issue(file: str, line: int | str, column: str, raw: str, action: str, reason: str) -> dict:
    return dict(file=file, line=str(line), column=column, raw_value=raw, action=action, reason=reason)


def records(path: Path) -> list[tuple[int, dict]]:
    """``(line, row)`` for every record of a cp1252 CSV; ``line`` is the physical line (1-based,
    header = 1) where the record starts, also when a quoted field spans several lines."""
    out = []
    with open(path, encoding=ENCODING, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        start = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) != len(header):
                    raise EuCrmError(f"{path.name} line {start}: {len(row)} fields, header has {len(header)}")
                out.append((start, dict(zip(header, row))))
            start = reader.line_num + 1
    return out


def material_key(label: object) -> str:
    """Rule: material names are compared with whitespace collapsed and case folded."""
    return re.sub(r"\s+", " ", clean_text(label)).casefold()


def collapse(text: object) -> str:
    """Whitespace collapsed (the line breaks inside quoted fields), for display columns."""
    return re.sub(r"\s+", " ", clean_text(text))


@dataclass(frozen=True)
class Material:
    mineral_id: str
    family_id: str
    extraction_mineral_id: str
    period: str
    processing_mineral_id: str = ""


class Mappings:
    """The declared material and country mappings; unknown labels are collected, not guessed."""

    def __init__(self, raw_dir: Path, materials_csv: Path | None = None):
        # Resolved at call time, so a test can point the module at another mapping file.
        materials_csv = Path(materials_csv or MATERIALS_CSV)
        mats = pd.read_csv(materials_csv, dtype=str, keep_default_na=False)
        self.materials: dict[str, Material] = {}
        for line, rec in enumerate(mats.itertuples(), 2):
            key = material_key(rec.material)
            if key in self.materials:
                raise EuCrmError(f"{materials_csv.name} line {line}: material {rec.material!r} declared twice")
            for column in ("mineral_id", "extraction_mineral_id", "processing_mineral_id"):
                mid = getattr(rec, column)
                if (mid or column == "mineral_id") and mid not in MINERALS:
                    raise EuCrmError(f"{materials_csv.name} line {line}: {column} {mid!r} of {rec.material!r} "
                                     "is not a mineral id of rexlib/metadata/mappings/minerals.csv (add it there first)")
            if rec.category not in MATERIAL_CATEGORIES:
                raise EuCrmError(f"{materials_csv.name} line {line}: category {rec.category!r} of {rec.material!r} "
                                 f"is not one of {list(MATERIAL_CATEGORIES)}")
            if not re.fullmatch(r"\d{4}-\d{4}", rec.period):
                raise EuCrmError(f"{materials_csv.name} line {line}: period {rec.period!r} of {rec.material!r} "
                                 "is not a 'YYYY-YYYY' averaging period")
            self.materials[key] = Material(rec.mineral_id, family_of(rec.mineral_id),
                                           rec.extraction_mineral_id or rec.mineral_id, rec.period,
                                           rec.processing_mineral_id or rec.mineral_id)
        self.iso_path = raw_dir / ISO_FILE
        self.unknown_materials: dict[str, list[str]] = {}
        self._unknown_names: dict[str, str] = {}
        self.unknown_countries: dict[str, list[str]] = {}
        self.labels: dict[tuple[str, str], str] = {}

    def material(self, label: str, file: str, line: int) -> Material | None:
        key = material_key(label)
        found = self.materials.get(key)
        if found is None:
            # one entry per name whatever its case ('Gallium' / 'gallium'), shown as first printed
            self._unknown_names.setdefault(key, collapse(label))
            self.unknown_materials.setdefault(self._unknown_names[key], []).append(f"{file} line {line}")
        return found

    def country(self, label: str, file: str, line: int) -> str | None:
        text = collapse(label)
        try:
            code = to_iso3(text, self.iso_path)
        except UnknownCountryLabel:
            self.unknown_countries.setdefault(text, []).append(f"{file} line {line}")
            return None
        self.labels[(text, file)] = code
        return code

    def raise_unknown(self) -> None:
        parts = []
        for kind, unknown, where in (
                ("material", self.unknown_materials, "rexlib/metadata/mappings/eu_crm_materials.csv"),
                ("country", self.unknown_countries, "rexlib/metadata/mappings/country_labels.csv")):
            if unknown:
                detail = "; ".join(f"{label!r} in [{', '.join(lines[:3])}{' ...' if len(lines) > 3 else ''}]"
                                   for label, lines in sorted(unknown.items())[:10])
                parts.append(f"{len(unknown)} unmapped {kind} name(s): {detail}. Map each in {where} "
                             "(a name is never guessed)")
        if parts:
            raise EuCrmError("EU CRM 2023: " + " | ".join(parts))


def parse_share(text: str) -> tuple[float | None, str, str | None]:
    """A printed share -> ``(percent, flag, note)``.

    ``"0.4%"`` -> 0.4; ``"<0.1%"`` -> 0.1 with ``upper_bound``; ``">0%"`` -> 0 with ``lower_bound``;
    a bare number (``"6"``) -> 6 with a note for quality_issues. Anything else -> None with a note."""
    raw = clean_text(text)
    body, note = raw, None
    if raw.endswith("%"):
        body = raw[:-1].strip()
    elif raw:
        note = "share printed without a % sign: read as percent"
    parsed = parse_value(body)
    if parsed.problem or parsed.value is None or parsed.flags - {"upper_bound", "lower_bound"}:
        return None, "unparsed", f"unreadable share {raw!r}"
    if not 0.0 <= parsed.value <= 100.0:
        return None, "unparsed", f"share {raw!r} outside 0-100 %"
    return parsed.value, parsed.flag, note


def parse_score(text: str) -> tuple[float | None, str, str | None]:
    """An SR or EI cell -> ``(score, flag, note)``: ``"-"`` = not assessed -> (None, 'not_assessed')."""
    raw = clean_text(text)
    if raw == "-":
        return None, "not_assessed", None
    parsed = parse_value(raw)
    if parsed.problem or parsed.value is None or parsed.flags:
        return None, "unparsed", f"unreadable score {raw!r}"
    return parsed.value, "", None


def eu_critical(year: int, sr: float | None, ei: float | None) -> bool | None:
    """The EU's criticality rule: SR >= 1.0 and EI >= 2.8 (assessments 2017, 2020, 2023); None when
    not assessed or for the 2011/2014 assessments (see :data:`EU_CRITICAL_NOT_COMPUTED`)."""
    if year not in EU_CRITICAL_YEARS or sr is None or ei is None:
        return None
    return bool(sr >= EU_CRITICAL_SR and ei >= EU_CRITICAL_EI)


def drop_exact_duplicates(rows: list[dict], columns: list[str], file: str, issues: list[dict]) -> list[dict]:
    """Rule: a record repeated verbatim is kept once; the repeat is logged."""
    seen, out = set(), []
    for row in rows:
        key = tuple(row[c] for c in columns)
        if key in seen:
            issues.append(_issue(file, row["source_line"], "(row)", " | ".join(str(k) for k in key),
                                 "row not loaded (exact repeat of an earlier row)",
                                 "the transcription lists this row twice; counting it twice would "
                                 "push the material's shares past 100 %"))
            continue
        seen.add(key)
        out.append(row)
    return out


@lru_cache(maxsize=4)
def _grades(raw_dir: str) -> dict[str, tuple[str, str]]:
    """path -> (provenance grade, vintage) from sources.yml."""
    sources = load_sources(Path(raw_dir))
    release = sources["releases"][RELEASE]
    return {f["path"]: (f.get("provenance_grade") or release["provenance_grade"], release["vintage"])
            for f in sources["files"] if f["release"] == RELEASE}


def _groups(raw_dir: Path, maps: Mappings) -> dict[str, str]:
    """mineral_id -> the EU group label (HREE, LREE, PGM, REE, 'precious metals' ...)."""
    out = {}
    for line, row in records(raw_dir / GROUPINGS):
        mat = maps.material(row["screened_material"], GROUPINGS, line)
        if mat is not None:
            out[mat.mineral_id] = collapse(row[GROUP_COLUMN])
    return out


def _shares(raw_dir: Path, rel: str, maps: Mappings, groups: dict[str, str], issues: list[dict]) -> pd.DataFrame:
    grade, vintage = _grades(str(raw_dir))[rel]
    rows = []
    for line, row in records(raw_dir / rel):
        mat = maps.material(row["Material"], rel, line)
        code = maps.country(row["Country"], rel, line)
        stage = clean_text(row["Stage"])
        if stage not in STAGES:
            raise EuCrmError(f"{rel} line {line}: stage {stage!r} is not one of {sorted(STAGES)}")
        value, flag, note = parse_share(row["Share"])
        if flag == "unparsed":
            raise EuCrmError(f"{rel} line {line}: {note}")
        if note:
            issues.append(_issue(rel, line, "Share", row["Share"], "read as percent", note))
        t = parse_value(row["t"])
        if t.value is None or t.flags:
            raise EuCrmError(f"{rel} line {line}: unreadable trade parameter t {row['t']!r}")
        if mat is None or code is None:
            continue
        group = groups.get(mat.mineral_id)
        rows.append(dict(
            material=collapse(row["Material"]), mineral_id=mat.mineral_id, family_id=mat.family_id,
            stage_mineral_id=mat.extraction_mineral_id if stage == "E" else mat.processing_mineral_id,
            material_group=group,
            material_group_id=(maps.materials[material_key(group)].mineral_id
                               if group and material_key(group) in maps.materials else None),
            stage=stage, stage_family=STAGES[stage], country=code, country_label=collapse(row["Country"]),
            share_pct=value, share_flag=flag, share_text=clean_text(row["Share"]), t=t.value,
            period=mat.period, vintage=vintage, source_file=rel, source_line=line, provenance=grade))
    return pd.DataFrame(rows)


def _criticality(raw_dir: Path, maps: Mappings, issues: list[dict]) -> pd.DataFrame:
    rel = CRITICALITY
    grade, vintage = _grades(str(raw_dir))[rel]
    rows = []
    for line, row in records(raw_dir / rel):
        mat = maps.material(row["Material"], rel, line)
        year = int(clean_text(row["Year"]))
        sr, sr_flag, sr_note = parse_score(row["SR"])
        ei, ei_flag, ei_note = parse_score(row["EI"])
        for note in (sr_note, ei_note):
            if note:
                raise EuCrmError(f"{rel} line {line}: {note}")
        if mat is None:
            continue
        name = collapse(row["Material"])
        if (material_key(name), year) == ALUMINIUM_2023 and sr is not None:
            issues.append(_issue(rel, line, "Material", name, "kept as the 2023 aluminium/bauxite assessment",
                                 "data_cleaning.md says the 2023 aluminium scores were moved to a new "
                                 "'aluminium/bauxite' row, but the file keeps them under 'Aluminium' "
                                 "(and 'Bauxite' 2023 is '-'): 2023 assesses the two as one material"))
        critical = eu_critical(year, sr, ei)
        rule = EU_CRITICAL_RULE if year in EU_CRITICAL_YEARS else EU_CRITICAL_NOT_COMPUTED
        if year in EU_CRITICAL_YEARS and critical is None:
            rule = "not assessed in this year"
        rows.append(dict(
            material=name, mineral_id=mat.mineral_id, family_id=mat.family_id, assessment_year=year,
            sr=sr, sr_flag=sr_flag, sr_text=clean_text(row["SR"]), ei=ei, ei_flag=ei_flag,
            ei_text=clean_text(row["EI"]), eu_critical=critical, eu_critical_rule=rule,
            period=f"EU assessment {year}", vintage=vintage, source_file=rel, source_line=line,
            provenance=grade))
    return pd.DataFrame(rows)


_NACE = re.compile(r"^(?P<code>[A-U]\d{2})\s*-\s*(?P<name>.+)$")


def _end_use(raw_dir: Path, maps: Mappings, issues: list[dict]) -> pd.DataFrame:
    rel = END_USE
    grade, vintage = _grades(str(raw_dir))[rel]
    va_column = "VA in million €"
    rows = []
    for line, row in records(raw_dir / rel):
        mat = maps.material(row["Material"], rel, line)
        value, flag, note = parse_share(row["Share"])
        if flag == "unparsed":
            raise EuCrmError(f"{rel} line {line}: {note}")
        if note:
            issues.append(_issue(rel, line, "Share", row["Share"], "read as percent", note))
        sector = collapse(row["NACE sector"])
        m = _NACE.match(sector)
        if sector and not m:
            raise EuCrmError(f"{rel} line {line}: NACE sector {sector!r} is not 'Cnn - name'")
        va = parse_value(row[va_column]) if clean_text(row[va_column]) else None
        if va is not None and (va.value is None or va.flags):
            raise EuCrmError(f"{rel} line {line}: unreadable value added {row[va_column]!r}")
        if mat is None:
            continue
        rows.append(dict(
            material=collapse(row["Material"]), mineral_id=mat.mineral_id, family_id=mat.family_id,
            application=collapse(row["Application"]), share_pct=value, share_flag=flag,
            share_text=clean_text(row["Share"]), nace_code=m.group("code") if m else None,
            nace_sector=m.group("name") if m else None, va_meur=va.value if va else None,
            vintage=vintage, source_file=rel, source_line=line, provenance=grade))
    rows = drop_exact_duplicates(rows, ["material", "application", "share_text", "nace_code", "va_meur"], rel, issues)
    return pd.DataFrame(rows)


def read_eu_crm(raw_dir: Path, *, materials_csv: Path | None = None) -> tuple[dict[str, pd.DataFrame], list[dict], list[dict]]:
    """Read the release into the tables ``eu_crm_global_supply``, ``eu_crm_eu_sourcing``,
    ``eu_crm_criticality``, ``eu_crm_end_use`` (see rexlib/etl/schema.py for every column).

    Returns ``(tables, issues, labels)``: ``issues`` for quality_issues, ``labels`` the country
    labels seen (``label, iso3, qualifier, source_file``) for country_labels. Raises
    :class:`EuCrmError` naming every unmapped material or country with its file and line."""
    raw_dir = Path(raw_dir)
    maps = Mappings(raw_dir, materials_csv)
    issues: list[dict] = []
    groups = _groups(raw_dir, maps)
    tables = {
        "eu_crm_global_supply": _shares(raw_dir, GLOBAL_SUPPLY, maps, groups, issues),
        "eu_crm_eu_sourcing": _shares(raw_dir, EU_SOURCING, maps, groups, issues),
        "eu_crm_criticality": _criticality(raw_dir, maps, issues),
        "eu_crm_end_use": _end_use(raw_dir, maps, issues),
    }
    maps.raise_unknown()
    labels = [dict(label=label, iso3=code, qualifier="", source_file=file)
              for (label, file), code in sorted(maps.labels.items())]
    return tables, issues, labels


def group_members(raw_dir: Path, *, materials_csv: Path | None = None) -> pd.DataFrame:
    """The grouping file as ``material, mineral_id, family_id, material_group`` (for the build check
    that the mapping's families agree with the EU's own groups)."""
    raw_dir = Path(raw_dir)
    maps = Mappings(raw_dir, materials_csv)
    rows = []
    for line, row in records(raw_dir / GROUPINGS):
        mat = maps.material(row["screened_material"], GROUPINGS, line)
        if mat is not None:
            rows.append(dict(material=collapse(row["screened_material"]), mineral_id=mat.mineral_id,
                             family_id=mat.family_id, material_group=collapse(row[GROUP_COLUMN]),
                             source_line=line))
    maps.raise_unknown()
    return pd.DataFrame(rows)
