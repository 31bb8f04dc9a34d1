"""Publisher checks of the IEA demand tables (issue 16): the workbook's own totals and shares.

Run by the build beside rexlib.etl.checks.usgs (same ``publisher_checks`` rows; a ``fail`` stops the build):

1. ``iea_demand_clean_sum``: sheet 1, the clean-technology rows of a mineral add up to its "Total clean
   technologies" row (per scenario and year);
2. ``iea_demand_total_sum``: sheet 1, "Total clean technologies" + "Other uses" = "Total demand";
3. ``iea_demand_clean_share``: sheet 1, total clean / total demand x 100 = the sheet's "Share of clean
   technologies in total demand" row (stored as a fraction; compared in percent);
4. ``iea_cleantech_sector_sum``: sheet 3.1, the sector rows add up to the block's "Total <mineral>";
5. ``iea_cleantech_sheets_agree``: sheet 3.1's "Total <mineral>" = the mineral's row of sheet 3.2;
6. ``iea_cleantech_ree_total``: sheet 3.2, the six rare-earth rows add up to "Total rare earth elements";
7. ``iea_cleantech_grand_total``: sheet 3.2, every mineral row adds up to "Total";
8. ``iea_tech_total``: sheets 4.x, the mineral rows of a case add up to "Total <technology>";
9. ``iea_tech_base_vs_cleantech``: sheets 4.x, the base case equals sheet 3.1's row of that mineral and
   technology (where 3.1 breaks the mineral down);
10. ``iea_demand_vs_cleantech``: sheet 1's clean-technology rows equal sheet 3.1's for minerals labelled
    alike on both sheets (copper, cobalt, lithium, nickel; sheet 1's all-grades graphite and magnet
    rare earths are other quantities than 3.1's battery-grade graphite and neodymium).

"Within rounding": kt within ``KT_TOLERANCE`` absolute or ``REL_TOLERANCE`` relative (values are read
to 6 decimals), shares within ``SHARE_TOLERANCE_PP``. Allow-list entries carry their reason.
"""
from __future__ import annotations

import pandas as pd

KT_TOLERANCE = 0.001          # kt
REL_TOLERANCE = 1e-5          # of the expected value
SHARE_TOLERANCE_PP = 0.01     # percentage points
CLEAN_END_USES = ("solar_pv", "wind", "other_low_emissions_power", "electric_vehicles", "grid_battery_storage",
                  "electricity_networks", "hydrogen")
RARE_EARTHS = ("neodymium", "dysprosium", "praseodymium", "terbium", "yttrium", "lanthanum")

# (check, subject) or (check,) -> reason. Filled from the build's own failures after reading each case.


def _row(check: str, subject: str, expected: float, computed: float, tolerance: float, *, pp: bool = False) -> dict:
    diff = computed - expected
    limit = tolerance if pp else max(tolerance, REL_TOLERANCE * abs(expected))
    status, reason = "pass", ""
    if abs(diff) > limit:
        reason, status = "", "fail"     # allowed only by an entry of rexlib/metadata/corrections.yml
    return dict(check=check, subject=subject, expected=expected, computed=computed, difference=diff,
                tolerance=limit, status=status, reason=reason)


def _subject(*parts) -> str:
    return "/".join(str(p) for p in parts if p is not None and p == p)


def clean_share(demand: pd.DataFrame) -> pd.DataFrame:
    """THE clean-technology share of demand (used by the checks and by rexlib.metrics.outlook):
    per mineral/scenario/year of ``iea_demand`` rows, ``clean_kt`` (the "Total clean technologies"
    row), ``total_kt`` ("Total demand"), ``other_kt`` ("Other uses"), ``sectors_kt`` (the sum of the
    clean-technology rows) and ``share_pct = clean_kt / total_kt x 100`` (percent)."""
    keys = ["mineral_id", "scenario", "year"]
    wide = demand.pivot_table(index=keys, columns="end_use", values="value_kt", aggfunc="sum")
    sectors = demand[demand["end_use"].isin(CLEAN_END_USES)].groupby(keys)["value_kt"].sum()
    out = pd.DataFrame({"clean_kt": wide.get("total_clean_technologies"), "total_kt": wide.get("total_demand"),
                        "other_kt": wide.get("other_uses"), "sectors_kt": sectors.reindex(wide.index).fillna(0.0)})
    out["share_pct"] = out["clean_kt"] / out["total_kt"] * 100
    return out.reset_index()


def demand_checks(demand: pd.DataFrame, totals: pd.DataFrame) -> list[dict]:
    """Checks 1-3 (sheet 1)."""
    rows = []
    shares = totals[totals["kind"] == "share_clean_technologies"].set_index(["mineral_id", "scenario", "year"])["value"]
    for rec in clean_share(demand).itertuples():
        key = (rec.mineral_id, rec.scenario, rec.year)
        subject = _subject(*key)
        rows.append(_row("iea_demand_clean_sum", subject, rec.clean_kt, rec.sectors_kt, KT_TOLERANCE))
        rows.append(_row("iea_demand_total_sum", subject, rec.total_kt, rec.clean_kt + rec.other_kt, KT_TOLERANCE))
        if key in shares.index:
            rows.append(_row("iea_demand_clean_share", subject, float(shares[key]), rec.share_pct,
                             SHARE_TOLERANCE_PP, pp=True))
        else:
            rows.append(dict(check="iea_demand_clean_share", subject=subject, expected=None, computed=None,
                             difference=None, tolerance=SHARE_TOLERANCE_PP, status="not_comparable",
                             reason="the workbook prints no share row for this mineral/scenario/year"))
    return rows


def cleantech_checks(cleantech: pd.DataFrame, totals: pd.DataFrame) -> list[dict]:
    """Checks 4-7 (sheets 3.1, 3.2)."""
    rows = []
    keys = ["mineral_id", "scenario", "year"]
    sectors = cleantech[cleantech["source_sheet"].str.startswith("3.1")].groupby(keys)["value_kt"].sum()
    by_mineral = cleantech[cleantech["source_sheet"].str.startswith("3.2")].set_index(keys)["value_kt"]
    t31 = totals[totals["kind"] == "total_clean_technologies"].set_index(keys)["value"]
    for key, expected in t31.items():
        subject = _subject(*key)
        rows.append(_row("iea_cleantech_sector_sum", subject, float(expected), float(sectors.get(key, 0.0)),
                         KT_TOLERANCE))
        if key in by_mineral.index:
            rows.append(_row("iea_cleantech_sheets_agree", subject, float(by_mineral[key]), float(expected),
                             KT_TOLERANCE))
    ree = by_mineral[by_mineral.index.get_level_values("mineral_id").isin(RARE_EARTHS)]
    ree_sum = ree.groupby(level=["scenario", "year"]).sum()
    grand = by_mineral.groupby(level=["scenario", "year"]).sum()
    for kind, check, computed in (("total_rare_earths", "iea_cleantech_ree_total", ree_sum),
                                  ("total_all_minerals", "iea_cleantech_grand_total", grand)):
        for rec in totals[totals["kind"] == kind].itertuples():
            rows.append(_row(check, _subject(rec.scenario, rec.year), rec.value,
                             float(computed.get((rec.scenario, rec.year), 0.0)), KT_TOLERANCE))
    return rows


def tech_checks(tech: pd.DataFrame, cleantech: pd.DataFrame, totals: pd.DataFrame) -> list[dict]:
    """Checks 8-9 (sheets 4.x)."""
    rows = []
    keys = ["technology", "case", "scenario", "year"]
    sums = tech.groupby(keys)["value_kt"].sum()
    for rec in totals[totals["kind"] == "total_technology"].itertuples():
        key = (rec.technology, rec.case, rec.scenario, rec.year)
        rows.append(_row("iea_tech_total", _subject(*key), rec.value, float(sums.get(key, 0.0)), KT_TOLERANCE))
    base = tech[tech["case"] == "base_case"].set_index(["mineral_id", "technology", "scenario", "year"])["value_kt"]
    sector = cleantech[cleantech["source_sheet"].str.startswith("3.1")]
    sector = sector.rename(columns={"end_use": "technology"}).set_index(
        ["mineral_id", "technology", "scenario", "year"])["value_kt"]
    for key, expected in sector.items():
        if key in base.index:
            rows.append(_row("iea_tech_base_vs_cleantech", _subject(*key), float(expected), float(base[key]),
                             KT_TOLERANCE))
    return rows


def cross_sheet_checks(demand: pd.DataFrame, cleantech: pd.DataFrame) -> list[dict]:
    """Check 10: sheet 1 vs sheet 3.1 where both label the mineral alike."""
    rows = []
    keys = ["mineral_id", "end_use", "scenario", "year"]
    a = demand[demand["end_use"].isin(CLEAN_END_USES)]
    b = cleantech[cleantech["source_sheet"].str.startswith("3.1")]
    merged = a.merge(b, on=keys, suffixes=("_1", "_31"))
    alike = merged["mineral_label_1"].str.lower() == merged["mineral_label_31"].str.lower()
    for rec, same in zip(merged.itertuples(), alike):
        subject = _subject(rec.mineral_id, rec.end_use, rec.scenario, rec.year)
        if same:
            rows.append(_row("iea_demand_vs_cleantech", subject, rec.value_kt_31, rec.value_kt_1, KT_TOLERANCE))
        else:
            rows.append(dict(check="iea_demand_vs_cleantech", subject=subject, expected=rec.value_kt_31,
                             computed=rec.value_kt_1, difference=rec.value_kt_1 - rec.value_kt_31,
                             tolerance=KT_TOLERANCE, status="not_comparable",
                             reason=f"sheet 1 {rec.mineral_label_1!r} ({rec.source_cell_1}) and sheet 3.1 "
                                    f"{rec.mineral_label_31!r} ({rec.source_cell_31}) are different quantities"))
    return rows


def run_iea_demand_checks(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every check above as ``publisher_checks`` rows."""
    demand, cleantech = tables["iea_demand"], tables["iea_cleantech_demand"]
    tech, totals = tables["iea_tech_demand"], tables["iea_demand_totals"]
    rows = (demand_checks(demand, totals) + cleantech_checks(cleantech, totals) + tech_checks(tech, cleantech, totals)
            + cross_sheet_checks(demand, cleantech))
    return pd.DataFrame(rows, columns=["check", "subject", "expected", "computed", "difference", "tolerance",
                                       "status", "reason"])
