"""Publisher checks of the IEA 2025 edition's UNOFFICIAL JSON conversion (``IEA2025``, issue 27), run by
the build beside rexlib.etl.checks.usgs (same ``publisher_checks`` rows; a ``fail`` stops the build and names it):

1. ``iea2025_block_sum``: per block and year, the listed countries + "Rest of world" (after the
   corrections of rexlib/metadata/corrections.yml) = the block total;
2. ``iea2025_top3``: the conversion's ``top3Share`` = the three largest listed countries / the total
   (formulas' one rule, here on the rows as read);
3. ``iea2025_demand_clean_sum`` / ``iea2025_demand_total_sum``: the clean-technology rows add up to
   "Total clean technologies", which + "Other uses" = "Total demand" (rexlib.etl.checks.iea_demand.clean_share);
4. ``iea2025_outlook_top3_refining``: the mean of the six 2024 top-3 refining shares against the IEA's
   own figure, "86 % in 2024" (Global Critical Minerals Outlook 2025), within half a point;
5. what both editions should share (the 2024 workbook ``IEA2024`` and this one):
   ``iea_vintages_same_blocks`` the same minerals x stages x projection years (2030/2035/2040), and
   ``iea_vintages_same_countries`` the same "Rest of world" rule, i.e. each block lists the same named
   countries or says which it added or dropped (``reason``; ``not_comparable``: a listing changed is
   news, not an error); ``iea_vintages_observed_step`` the 2024 observed block total within
   ``STEP_TOLERANCE`` (relative) of the 2023 one, which catches a block mapped to the wrong stage
   (graphite ``refining`` is the battery-grade block, lithium's the chemicals block).
"""
from __future__ import annotations

import pandas as pd

from rexlib.etl.checks.iea_demand import KT_TOLERANCE, REL_TOLERANCE, clean_share

IEA_OUTLOOK_2025_TOP3 = 86.0     # "86% in 2024": IEA, Global Critical Minerals Outlook 2025 (issue 27)
TOP3_TOLERANCE_PP = 0.5          # the IEA rounds to a whole percent
SHARE_TOLERANCE_PP = 0.01
STEP_TOLERANCE = 0.5             # a year-on-year change of a block's world total beyond +-50 % is a mapping error
COLUMNS = ["check", "subject", "expected", "computed", "difference", "tolerance", "status", "reason"]


def _row(check, subject, expected, computed, tolerance, *, relative=False, reason="") -> dict:
    diff = computed - expected
    limit = max(tolerance, REL_TOLERANCE * abs(expected)) if not relative else tolerance * abs(expected)
    return dict(check=check, subject=subject, expected=expected, computed=computed, difference=diff,
                tolerance=limit, status="pass" if abs(diff) <= limit else "fail", reason=reason)


def block_checks(supply: pd.DataFrame, totals: pd.DataFrame) -> list[dict]:
    """Checks 1 and 2."""
    rows = []
    keys = ["mineral_id", "stage", "year"]
    for (mid, stage, year), part in supply.groupby(keys, sort=True):
        tot = totals[(totals["mineral_id"] == mid) & (totals["stage"] == stage) & (totals["year"] == year)].iloc[0]
        subject = f"{mid}/{stage}/{year}"
        rows.append(_row("iea2025_block_sum", subject, float(tot["total_kt"]), float(part["value_kt"].sum()),
                         KT_TOLERANCE))
        named = part[part["country"] != "ROW"]["value_kt"].nlargest(3).sum()
        rows.append(_row("iea2025_top3", subject, float(tot["top3_share_pct"]), named / float(tot["total_kt"]) * 100,
                         SHARE_TOLERANCE_PP))
    return rows


def demand_checks(demand: pd.DataFrame) -> list[dict]:
    """Check 3."""
    rows = []
    for rec in clean_share(demand).itertuples():
        subject = f"{rec.mineral_id}/{rec.scenario}/{rec.year}"
        rows.append(_row("iea2025_demand_clean_sum", subject, rec.clean_kt, rec.sectors_kt, KT_TOLERANCE))
        rows.append(_row("iea2025_demand_total_sum", subject, rec.total_kt, rec.clean_kt + rec.other_kt, KT_TOLERANCE))
    return rows


def top3_refining_mean(totals: pd.DataFrame, year: int = 2024) -> float:
    """Mean of the six minerals' top-3 refining (processing) shares of ``year``, percent."""
    sub = totals[(totals["year"] == year) & (totals["stage"] != "mine")]
    return float(sub["top3_share_pct"].mean())


def vintage_checks(old: pd.DataFrame, new: pd.DataFrame) -> list[dict]:
    """Check 5: ``old`` = the ``refining`` table (IEA2024), ``new`` = ``iea_supply_2025``."""
    rows = []
    proj = (2030, 2035, 2040)
    blocks_old = {(m, s, y) for m, s, y in zip(old["mineral_id"], old["stage"], old["year"]) if y in proj}
    blocks_new = {(m, s, y) for m, s, y in zip(new["mineral_id"], new["stage"], new["year"]) if y in proj}
    missing = sorted(blocks_old ^ blocks_new)
    rows.append(dict(check="iea_vintages_same_blocks", subject="IEA2024 vs IEA2025", expected=float(len(blocks_old)),
                     computed=float(len(blocks_new & blocks_old)), difference=float(len(missing)), tolerance=0.0,
                     status="pass" if not missing else "fail",
                     reason="" if not missing else f"blocks in one edition only: {missing[:6]}"))
    for (mid, stage), part_new in new.groupby(["mineral_id", "stage"], sort=True):
        part_old = old[(old["mineral_id"] == mid) & (old["stage"] == stage)]
        subject = f"{mid}/{stage}"
        if part_old.empty:
            rows.append(dict(check="iea_vintages_observed_step", subject=subject, expected=None, computed=None,
                             difference=None, tolerance=None, status="fail",
                             reason="the 2024 workbook has no such block: the stage mapping is wrong"))
            continue
        o23 = float(part_old[part_old["scenario"] == "observed"]["value_kt"].sum())
        n24 = float(part_new[part_new["scenario"] == "observed"]["value_kt"].sum())
        rows.append(_row("iea_vintages_observed_step", subject + " 2023->2024", o23, n24, STEP_TOLERANCE,
                         relative=True))
        c_old = set(part_old.loc[part_old["country"] != "ROW", "country"])
        c_new = set(part_new.loc[part_new["country"] != "ROW", "country"])
        added, dropped = sorted(c_new - c_old), sorted(c_old - c_new)
        rows.append(dict(check="iea_vintages_same_countries", subject=subject, expected=float(len(c_old)),
                         computed=float(len(c_new)), difference=float(len(added) + len(dropped)), tolerance=0.0,
                         status="pass" if not (added or dropped) else "not_comparable",
                         reason="" if not (added or dropped) else
                         f"listed countries changed: added {', '.join(added) or 'none'}; dropped {', '.join(dropped) or 'none'}"))
    return rows


def run_iea_conversion_checks(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every check above as ``publisher_checks`` rows."""
    supply, totals = tables["iea_supply_2025"], tables["iea_supply_totals_2025"]
    rows = block_checks(supply, totals) + demand_checks(tables["iea_demand_2025"])
    rows.append(_row("iea2025_outlook_top3_refining", "mean of six 2024 top-3 refining shares vs IEA Outlook 2025 '86%'",
                     IEA_OUTLOOK_2025_TOP3, top3_refining_mean(totals), TOP3_TOLERANCE_PP))
    rows += vintage_checks(tables["refining"], supply)
    return pd.DataFrame(rows, columns=COLUMNS)
