"""Canonical identifiers shared by every layer: mineral ids, stage names, reserved country codes.

Mineral ids are lowercase snake_case. One id per MCS chapter commodity; platinum-group metals are
``pgm_<metal>``; individual rare-earth elements use their element name (``neodymium``).

Names are data, each declared once and read here by every layer: a mineral's display name, MCS
chapter, family and IEA-page name in ``metadata/mappings/minerals.csv``; a stage's words in
``metadata/mappings/stages.csv``. A malformed row fails on import naming the file and line
(:class:`MappingError`).
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

_MAPPINGS = Path(__file__).resolve().parents[1] / "metadata" / "mappings"
MINERALS_CSV = _MAPPINGS / "minerals.csv"
STAGES_CSV = _MAPPINGS / "stages.csv"
_ID = re.compile(r"[a-z][a-z0-9_]*")


class MappingError(ValueError):
    """A malformed row of a declared mapping file: the message names the file and its line."""


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a declared CSV whose header must be exactly ``columns``."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = tuple(next(reader, ()))
        if header != columns:
            raise MappingError(f"{path.name} line 1: header {list(header)} is not {list(columns)}")
        out = []
        for row in reader:
            line = reader.line_num
            if not row or not "".join(row).strip():
                continue
            if len(row) != len(columns):
                raise MappingError(f"{path.name} line {line}: {len(row)} fields, expected {len(columns)} "
                                   f"({', '.join(columns)})")
            out.append((line, dict(zip(columns, (cell.strip() for cell in row)))))
    return out


MINERAL_COLUMNS = ("mineral_id", "name", "mcs_chapter", "family", "iea_name", "note")


def _read_minerals(path: Path = MINERALS_CSV) -> tuple[dict[str, tuple[str, str | None]], dict[str, str], dict[str, str]]:
    """(MINERALS, family by id, IEA page name by id) from the one declared minerals file."""
    minerals: dict[str, tuple[str, str | None]] = {}
    family: dict[str, str] = {}
    iea: dict[str, str] = {}
    rows = _rows(path, MINERAL_COLUMNS)
    for line, row in rows:
        mid = row["mineral_id"]
        if not _ID.fullmatch(mid):
            raise MappingError(f"{path.name} line {line}: mineral_id {mid!r} is not a lowercase snake_case id")
        if mid in minerals:
            raise MappingError(f"{path.name} line {line}: mineral_id {mid!r} is declared twice")
        if not row["name"]:
            raise MappingError(f"{path.name} line {line}: mineral {mid!r} has no name")
        minerals[mid] = (row["name"], row["mcs_chapter"] or None)
        if row["family"]:
            family[mid] = row["family"]
        if row["iea_name"]:
            iea[mid] = row["iea_name"]
    for line, row in rows:
        fam = row["family"]
        if fam and fam not in minerals:
            raise MappingError(f"{path.name} line {line}: family {fam!r} of {row['mineral_id']!r} is not a "
                               f"mineral_id of the file")
        if fam and family.get(fam) != fam:
            raise MappingError(f"{path.name} line {line}: family {fam!r} of {row['mineral_id']!r} must list itself "
                               f"as its own family (its row has {family.get(fam, '')!r})")
    return minerals, family, iea


# mineral_id -> (display name, MCS chapter as USGS spells it in MCS2026, or None when no chapter):
# declared in rexlib/metadata/mappings/minerals.csv (with each mineral's family and its name on the
# IEA pages), the one place a mineral's name is written.
MINERALS, _FAMILY, IEA_NAMES = _read_minerals()

# family id -> its members (the family's own id first): the rare earths (the EU's grouping, which the
# build checks: scandium and yttrium included), the platinum-group metals, clays, titanium.
FAMILIES: dict[str, tuple[str, ...]] = {
    fam: tuple([fam] + [m for m, f in _FAMILY.items() if f == fam and m != fam])
    for fam in dict.fromkeys(_FAMILY.values())}


def family_of(mineral_id: str) -> str:
    """The family a mineral belongs to (``neodymium`` -> ``rare_earths``); a mineral outside every
    family is its own family (``lithium`` -> ``lithium``)."""
    return _FAMILY.get(mineral_id, mineral_id)


def mineral_name(mineral_id: str) -> str:
    """The display name of a mineral id (``rare_earths`` -> "Rare earths"); the id itself when unknown."""
    return MINERALS[mineral_id][0] if mineral_id in MINERALS else mineral_id


STAGE_COLUMNS = ("stage", "kind", "word", "output", "note")
STAGE_KINDS = ("production", "eu_crm", "family")


def _read_stages(path: Path = STAGES_CSV) -> dict[str, tuple[str, str, str]]:
    """stage id -> (kind, word, output) from the one declared stage-words file."""
    out: dict[str, tuple[str, str, str]] = {}
    for line, row in _rows(path, STAGE_COLUMNS):
        stage = row["stage"]
        if not re.fullmatch(r"[A-Za-z][a-z_]*", stage):
            raise MappingError(f"{path.name} line {line}: stage {stage!r} is not a stage id")
        if stage in out:
            raise MappingError(f"{path.name} line {line}: stage {stage!r} is declared twice")
        if row["kind"] not in STAGE_KINDS:
            raise MappingError(f"{path.name} line {line}: kind {row['kind']!r} of {stage!r} is not one of "
                               f"{list(STAGE_KINDS)}")
        if not row["word"] or not row["output"]:
            raise MappingError(f"{path.name} line {line}: stage {stage!r} needs both a word and an output")
        out[stage] = (row["kind"], row["word"], row["output"])
    return out


# Every stage's words on a page, declared once (rexlib/metadata/mappings/stages.csv): the activity
# (``refinery`` -> "refining") and the output ("refinery production"). Which family a stage belongs to
# is series.yml's rule (stage_families), not a word.
_STAGES = _read_stages()
STAGE_WORDS: dict[str, str] = {stage: word for stage, (_, word, _) in _STAGES.items()}
STAGE_OUTPUTS: dict[str, str] = {stage: output for stage, (_, _, output) in _STAGES.items()}


def stage_word(stage: str) -> str:
    """A stage as an activity: ``refinery`` -> "refining", ``battery_grade`` -> "battery grade",
    ``E`` -> "extraction"; an undeclared stage as itself."""
    return STAGE_WORDS.get(stage, stage)


def stage_output(stage: str) -> str:
    """A stage as what it produces: ``mine`` -> "mine production", ``production`` -> "production"
    (never "production production"); an undeclared stage as "<stage> production"."""
    return STAGE_OUTPUTS.get(stage, f"{stage} production")


# Supply-chain stages of the production tables (USGS wording mapped onto these).
PRODUCTION_STAGES = ("mine", "refinery", "smelter", "plant", "chemicals", "metal", "battery_grade")

# Supply-chain stages used in the policy tables (deals, export controls).
POLICY_STAGES = ("mining", "processing_refining", "magnets_components", "recycling", "stockpile", "multiple")

# Reserved country codes for aggregates.
WORLD = "WLD"
REST_OF_WORLD = "ROW"
EU = "EU"
