"""IEA Critical Minerals Data Explorer, 2025 edition (observed year 2024): an UNOFFICIAL third-party JSON
conversion (data/raw/iea/iea_2025_edition_conversion/iea.json; README.md there says what it is and what
was checked). Read into the second IEA vintage, ``IEA2025``.

Quirks handled here:

* No sheet or cell survives the conversion: every row cites its JSON path
  (``supply.Copper.refining.countries.Chile.2024``), the only provenance there is.
* The converter names blocks its own way: ``Rare Earth Elements`` is the magnet rare earth elements
  block, ``refining`` is the workbook's processing block of each mineral (lithium ``Chemicals``,
  graphite ``Battery grade``). Both go through ``rexlib/metadata/mappings/iea_demand_labels.csv``
  (kinds ``mineral`` and ``conversion_stage``); an unmapped label stops the build.
* ``top3Share`` is a fraction (0.57); it is returned in percent. ``cleanShare`` likewise.
* The first year (2024) is observed; the supply's 2030/2035/2040 are the base case; demand's
  2030-2050 are under ``STEPS``/``APS``/``NZE``.
* The converter took the workbook's two notes rows under the rare-earth mining block ("Notes: Supply
  projections ...", "“Base case” is assessed ...") for countries with null values: a "country" whose
  values are all null is not loaded and is logged as a quality issue.
* Values carry float noise (75.70299999999986); rounded to 12 significant digits as the workbook reader does.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from rexlib.core.ids import stage_word
from .iea import OBSERVED, UnmappedLabel, _clean_sig, _text, load_labels

VINTAGE = "IEA2025"
REL_PATH = "iea/iea_2025_edition_conversion/iea.json"
OBSERVED_YEAR = 2024
SUPPLY_COLUMNS = ["mineral_id", "stage", "stage_label", "country_label", "year", "value_kt", "scenario",
                  "source_path"]
TOTAL_COLUMNS = ["mineral_id", "stage", "stage_label", "year", "scenario", "total_kt", "top3_share_pct",
                 "source_path"]
DEMAND_COLUMNS = ["mineral_id", "mineral_label", "end_use", "end_use_label", "is_total", "scenario", "year",
                  "year_type", "value_kt", "source_path"]
# The converter's per-mineral demand keys (beside "sectors") -> end-use labels of the label mapping.
_DEMAND_TOTALS = {"totalClean": "Total clean technologies", "otherUses": "Other uses", "totalDemand": "Total demand"}
# The converter's stage labels, in the words of rexlib/metadata/mappings/stages.csv ("Battery grade").
STAGE_LABELS = {stage: stage_word(stage).capitalize() for stage in ("mine", "refinery", "chemicals", "battery_grade")}


def _id(labels: dict, kind: str, label: str, where: str) -> str:
    key = _text(label).lower()
    if key not in labels.get(kind, {}):
        raise UnmappedLabel(f"{REL_PATH} {where}: {kind} label {label!r} not in "
                            "rexlib/metadata/mappings/iea_demand_labels.csv")
    return labels[kind][key]


def _scenario(year: int) -> str:
    return OBSERVED if year == OBSERVED_YEAR else "base_case"


def read_iea_conversion(path: Path | str, labels_path: Path | str | None = None
                        ) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """``{"supply", "totals", "demand"}`` of the conversion (kt):

    * ``supply``: mineral_id, stage, stage_label, country_label (as the converter spells it, incl.
      ``Rest of world``), year, value_kt, scenario (``observed`` 2024, ``base_case`` 2030-2040), source_path;
    * ``totals``: per block and year, total_kt and the converter's ``top3Share`` in percent;
    * ``demand``: the six minerals x end use (each clean technology, ``other_uses``,
      ``total_clean_technologies``, ``total_demand``) x scenario x year, as ``iea_demand``;

    and the quality issues (rows not loaded).
    """
    issues: list[dict] = []
    labels = load_labels(labels_path)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    supply, totals, demand = [], [], []
    for mlabel, stages in data["supply"].items():
        mid = _id(labels, "mineral", mlabel, f"supply.{mlabel}")
        for slabel, block in stages.items():
            stage = _id(labels, "conversion_stage", f"{mid}/{slabel}", f"supply.{mlabel}.{slabel}")
            base = f"supply.{mlabel}.{slabel}"
            for country, values in block["countries"].items():
                if all(v is None for v in values.values()):
                    issues.append(dict(file=Path(path).name, line=f"{base}.countries", column="country",
                                       raw_value=_text(country)[:120], action="row not loaded",
                                       reason="a workbook notes row the converter read as a country (every value null)"))
                    continue
                for year, value in values.items():
                    y = int(year)
                    supply.append(dict(mineral_id=mid, stage=stage, stage_label=STAGE_LABELS[stage],
                                       country_label=_text(country), year=y, value_kt=_clean_sig(value),
                                       scenario=_scenario(y), source_path=f"{base}.countries.{country}.{year}"))
            for year, total in block["total"].items():
                y = int(year)
                share = block.get("top3Share", {}).get(year)
                totals.append(dict(mineral_id=mid, stage=stage, stage_label=STAGE_LABELS[stage], year=y,
                                   scenario=_scenario(y), total_kt=_clean_sig(total),
                                   top3_share_pct=None if share is None else _clean_sig(share * 100),
                                   source_path=f"{base}.total.{year}"))
    for mlabel, block in data["totalDemand"].items():
        mid = _id(labels, "mineral", mlabel, f"totalDemand.{mlabel}")
        rows = [(f"sectors.{k}", k, v) for k, v in block["sectors"].items()]
        rows += [(k, lab, block[k]) for k, lab in _DEMAND_TOTALS.items()]
        for key, elabel, series in rows:
            end_use = _id(labels, "end_use", elabel, f"totalDemand.{mlabel}.{key}")
            for scen, values in series.items():
                pairs = [(OBSERVED_YEAR, values)] if scen == str(OBSERVED_YEAR) else list(values.items())
                scenario = OBSERVED if scen == str(OBSERVED_YEAR) else _id(labels, "scenario", scen, key) \
                    if _text(scen).lower() in labels.get("scenario", {}) else scen
                for year, value in pairs:
                    y = int(year)
                    demand.append(dict(
                        mineral_id=mid, mineral_label=mlabel, end_use=end_use, end_use_label=elabel,
                        is_total=end_use in ("total_clean_technologies", "total_demand"), scenario=scenario,
                        year=y, year_type="observed" if scenario == OBSERVED else "projected",
                        value_kt=_clean_sig(value),
                        source_path=f"totalDemand.{mlabel}.{key}.{scen}" + ("" if scenario == OBSERVED else f".{year}")))
    return {"supply": pd.DataFrame(supply, columns=SUPPLY_COLUMNS),
            "totals": pd.DataFrame(totals, columns=TOTAL_COLUMNS),
            "demand": pd.DataFrame(demand, columns=DEMAND_COLUMNS)}, issues
