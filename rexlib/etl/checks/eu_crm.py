"""Build checks of the EU CRM 2023 tables (rexlib/sources/eu_crm.py) against the study's own figures;
rows go into ``publisher_checks`` like those of rexlib/etl/checks/usgs.py, and a ``fail`` fails the build.

1. ``eu_global_share_sum``: per material and stage, the global supply shares add up to 100 % within
   their rounding (each printed share is at most half a unit of its last digit off: 0.05 for
   ``93.8%``, 0.5 for ``69%``; a ``<0.1%`` bound lies anywhere in 0..0.1).
2. ``eu_sourcing_share_sum``: per material and stage, the EU sourcing shares (the table lists
   countries with >= 1 % only) add up to at most 100 % (within rounding) and leave at most
   :data:`EU_SOURCING_GAP_PP` percentage points to the unlisted countries below 1 %.
3. ``eu_end_use_share_sum``: per material, the end-use shares add up to 100 % within rounding.
4. ``eu_group_family``: every material the EU's grouping file puts in REE/HREE/LREE maps to family
   ``rare_earths``, every PGM to family ``pgm`` (the materials mapping agrees with the publisher).
5. ``eu_critical_list_size``: the number of materials meeting SR >= 1.0 and EI >= 2.8 equals the size
   of the list the Commission published for that assessment.

A gap the data cannot close is allowed only by an entry of rexlib/metadata/corrections.yml.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from rexlib.sources import eu_crm

EU_SOURCING_GAP_PP = 10.0

# Published list sizes: COM(2017) 490 (27 critical raw materials), COM(2020) 474 (30), and
# Regulation (EU) 2024/1252 Annex II (34), each counting the HREE, LREE and PGM groups as one each.
PUBLISHED_LIST_SIZE = {2017: 27, 2020: 30, 2023: 34}


def _half_unit(text: str) -> float:
    """Half a unit of the printed share's last digit: '93.8%' -> 0.05, '69%' -> 0.5."""
    body = text.strip().rstrip("%").lstrip("<>").strip()
    decimals = len(body.split(".")[1]) if "." in body else 0
    return 0.5 * 10 ** (-decimals)


def _sum_bounds(group: pd.DataFrame) -> tuple[float, float, float, float]:
    """(computed, low, high, rounding) of the shares of one material(+stage)."""
    flags = group["share_flag"].fillna("")
    upper = flags.str.contains("upper_bound")
    lower = flags.str.contains("lower_bound")
    exact = ~(upper | lower)
    halves = group["share_text"].map(_half_unit)
    computed = float(group["share_pct"].sum())
    low = float(group.loc[exact | lower, "share_pct"].sum())
    high = float(group.loc[exact | upper, "share_pct"].sum() + (group.loc[lower, "share_pct"] + halves[lower]).sum())
    rounding = float(halves[exact].sum())
    return computed, low, high, rounding


def _row(check: str, subject: str, computed: float, tolerance: float, ok: bool, allow_key: tuple,
         note: str = "") -> dict:
    """A check row; a failure is allowed only by the corrections registry (key ``allow_key``)."""
    return dict(check=check, subject=subject, expected=100.0, computed=computed, difference=computed - 100.0,
                tolerance=tolerance, status="pass" if ok else "fail", reason=note, key=allow_key)


def share_sum_checks(global_supply: pd.DataFrame, eu_sourcing: pd.DataFrame,
                     end_use: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (material, stage), group in global_supply.groupby(["material", "stage"], sort=True):
        computed, low, high, rounding = _sum_bounds(group)
        ok = low - rounding <= 100.0 <= high + rounding
        rows.append(_row("eu_global_share_sum", f"{material}/{stage}", computed, rounding, ok,
                         (material, stage)))
    for (material, stage), group in eu_sourcing.groupby(["material", "stage"], sort=True):
        computed, low, high, rounding = _sum_bounds(group)
        ok = low - rounding <= 100.0 <= high + rounding + EU_SOURCING_GAP_PP
        note = (f"{100.0 - computed:.1f} pp left to countries below 1 % (not listed)"
                if ok and computed < 100.0 - rounding else "")
        rows.append(_row("eu_sourcing_share_sum", f"{material}/{stage}", computed, rounding + EU_SOURCING_GAP_PP,
                         ok, (material, stage), note))
    for material, group in end_use.groupby("material", sort=True):
        computed, low, high, rounding = _sum_bounds(group)
        ok = low - rounding <= 100.0 <= high + rounding
        rows.append(_row("eu_end_use_share_sum", material, computed, rounding, ok,
                         (material,)))
    return pd.DataFrame(rows)


def group_family_checks(groups: pd.DataFrame) -> pd.DataFrame:
    """``groups``: :func:`rexlib.sources.eu_crm.group_members`."""
    wanted = {"REE": "rare_earths", "HREE": "rare_earths", "LREE": "rare_earths", "PGM": "pgm"}
    rows = []
    for rec in groups[groups["material_group"].isin(wanted)].itertuples():
        ok = rec.family_id == wanted[rec.material_group]
        rows.append(dict(check="eu_group_family", subject=f"{rec.material}/{rec.material_group}", expected=None,
                         computed=None, difference=None, tolerance=None, status="pass" if ok else "fail",
                         reason="" if ok else (f"the EU groups {rec.material!r} in {rec.material_group} (grouping "
                                               f"file line {rec.source_line}) but minerals.csv gives family "
                                               f"{rec.family_id!r}"), key=(rec.material,)))
    return pd.DataFrame(rows)


def list_size_checks(criticality: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for year, expected in sorted(PUBLISHED_LIST_SIZE.items()):
        part = criticality[criticality["assessment_year"] == year]
        critical = part[part["eu_critical"].fillna(False).astype(bool)]
        computed = float(len(critical))
        rows.append(dict(check="eu_critical_list_size", subject=str(year), expected=float(expected),
                         computed=computed, difference=computed - expected, tolerance=0.0,
                         status="pass" if computed == expected else "fail", reason="", key=(str(year),)))
    return pd.DataFrame(rows)


def run_eu_crm_checks(tables: dict[str, pd.DataFrame], raw_dir: Path) -> pd.DataFrame:
    """Every EU CRM check, as publisher_checks rows."""
    return pd.concat([
        share_sum_checks(tables["eu_crm_global_supply"], tables["eu_crm_eu_sourcing"], tables["eu_crm_end_use"]),
        group_family_checks(eu_crm.group_members(raw_dir)),
        list_size_checks(tables["eu_crm_criticality"]),
    ], ignore_index=True)
