"""The reference tables: minerals (rexlib/core/ids.py + the USGS 2022 list + MCS2026's 2025 list),
countries (ISO 3166 + reserved and joint codes seen in the data) and country_labels (every
publisher label the other steps mapped, once per label and file)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from rexlib.core.ids import MINERALS
from rexlib.sources.countries import iso_reference
from ..tablespec import Table
from .context import Context, Step, StepError, StepResult
from .shared import mcs2026

CRITICAL_2022 = "reference/usgs_critical_minerals_2022.csv"
# The tables whose country codes enter `countries` (joint codes such as CHN+HKG get a row).
COUNTRY_TABLES = ("production", "reserves", "capacity", "import_sources", "refining")
SPECIAL = {"WLD": ("World", "aggregate"), "ROW": ("Rest of world / other countries", "aggregate"),
           "EU": ("European Union", "union"), "XKX": ("Kosovo", "territory"),
           "ANT": ("Netherlands Antilles", "territory")}

# The tables this step makes (rexlib/etl/schema.py gathers them; descriptions and units: metadata/fields.yml).
TABLES = (
    Table("minerals", "Canonical mineral ids with USGS chapter and critical-mineral list membership.",
          {"mineral_id": "VARCHAR", "name": "VARCHAR", "mcs_chapter": "VARCHAR", "critical_2022": "BOOLEAN",
           "critical_2025": "BOOLEAN", "group_2022": "VARCHAR", "has_production": "BOOLEAN"},
          key=("mineral_id",), required=("mineral_id", "name")),
    Table("countries", "ISO 3166 countries plus reserved aggregate codes (WLD, ROW, EU, joint labels).",
          {"iso3": "VARCHAR", "name": "VARCHAR", "iso2": "VARCHAR", "iso_numeric": "VARCHAR",
           "region": "VARCHAR", "sub_region": "VARCHAR", "kind": "VARCHAR"},
          key=("iso3",), required=("iso3", "name", "kind"),
          allowed={"kind": ("country", "territory", "aggregate", "joint", "union")}),
    Table("country_labels", "Every country label seen in a raw file and the code it maps to.",
          {"label": "VARCHAR", "iso3": "VARCHAR", "qualifier": "VARCHAR", "source_file": "VARCHAR"},
          key=("label", "source_file"), required=("label", "iso3"), country_columns=("iso3",)),
)
SPEC = {t.name: t for t in TABLES}


def collect_reference(ctx: Context) -> StepResult:
    produced = set(ctx.need("production")["mineral_id"])
    codes: set[str] = set()
    for name in COUNTRY_TABLES:
        codes |= set(ctx.need(name)["country"])
    labels = pd.DataFrame(ctx.labels).drop_duplicates(["label", "source_file"]).reset_index(drop=True)
    return StepResult({"minerals": minerals(mcs2026(ctx)["critical"], ctx.raw_dir, produced),
                       "countries": countries(ctx.iso_path, codes),
                       "country_labels": labels})


def minerals(critical_2026: pd.DataFrame, raw_dir: Path, produced: set[str]) -> pd.DataFrame:
    ref = pd.read_csv(raw_dir / CRITICAL_2022, dtype=str, keep_default_na=False)
    list_2022 = {}
    by_name = {name.lower(): mid for mid, (name, _) in MINERALS.items()}
    for name, group in zip(ref["mineral"], ref["group"]):
        key = name.strip().lower()
        # an id (gallium), else a declared name (Platinum -> pgm_platinum: metadata/mappings/minerals.csv)
        mid = key if key in MINERALS else by_name.get(key, key)
        if mid not in MINERALS:
            raise StepError(f"{CRITICAL_2022}: mineral {name!r} has no id in rexlib/metadata/mappings/minerals.csv")
        list_2022[mid] = group
    crit = dict(zip(critical_2026["mineral_id"], critical_2026["critical_2025"]))
    rows = []
    for mid, (name, chapter) in MINERALS.items():
        rows.append(dict(mineral_id=mid, name=name, mcs_chapter=chapter, critical_2022=mid in list_2022,
                         critical_2025=bool(crit.get(mid, False)), group_2022=list_2022.get(mid, "") or None,
                         has_production=mid in produced))
    return pd.DataFrame(rows)


def countries(iso_path: Path, extra_codes: set[str]) -> pd.DataFrame:
    ref = iso_reference(str(iso_path))
    rows = [dict(iso3=r.iso3, name=r.name, iso2=r.iso2, iso_numeric=r.iso_numeric, region=r.region or None,
                 sub_region=r.sub_region or None, kind="country") for r in ref.itertuples()]
    known = {r["iso3"] for r in rows}
    for code, (name, kind) in SPECIAL.items():
        rows.append(dict(iso3=code, name=name, iso2=None, iso_numeric=None, region=None, sub_region=None, kind=kind))
    names = {r["iso3"]: r["name"] for r in rows}
    for code in sorted(extra_codes - known - set(SPECIAL)):
        if "+" in code:
            rows.append(dict(iso3=code, name=" and ".join(names.get(c, c) for c in code.split("+")),
                             iso2=None, iso_numeric=None, region=None, sub_region=None, kind="joint"))
    return pd.DataFrame(rows)


STEP = Step("reference", collect_reference, ("minerals", "countries", "country_labels"),
            needs=COUNTRY_TABLES, gathers_labels=True)
