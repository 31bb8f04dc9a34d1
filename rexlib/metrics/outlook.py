"""Demand outlook: growth of demand against 2023, the clean-technology share, projected supply
against demand (gap and which scenario the announced supply covers), concentration of projected
supply and the exposure of 2030 demand to a supplier's cut.

Source: IEA (2024), Critical Minerals Data Explorer (May 2024): demand sheets 1, 3.1, 3.2, 4.x
(tables ``iea_demand``, ``iea_cleantech_demand``, ``iea_tech_demand``; 2023 observed, 2030–2050 in the
STEPS, APS and NZE scenarios) and sheet 2's base-case supply (``refining`` / ``refining_totals``,
2023 observed, 2030/2035/2040 projected). Units kt.

Pure functions over the frames the API returns (``rexlib.query.api.demand``, ``cleantech_demand``,
``tech_demand``, ``projected_supply``); shares, HHI, top-3 and China share come from
:func:`rexlib.metrics.concentration`, supply cuts from :func:`rexlib.metrics.disruption` and the
clean-technology share from :func:`rexlib.etl.checks.iea_demand.clean_share` (the build checks the
workbook with the same rule).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from rexlib.etl.checks.iea_demand import clean_share
from .concentration import concentration

__all__ = ["growth", "cleantech_share", "demand_by_end_use", "supply_demand_balance", "scenario_coverage",
           "projected_concentration", "top3_refining_statement", "demand_exposure", "SCENARIOS", "BASE_YEAR"]

SCENARIOS = ("STEPS", "APS", "NZE")
BASE_YEAR = 2023
GCMO_2025_LATEST_YEAR = 2024   # the IEA Global Critical Minerals Outlook 2025's observed year ("86% in 2024")
OBSERVED = "observed"
# Which demand a supply stage is set against, and what the comparison leaves out (workbook notes).
STAGE_NOTES = {
    ("graphite", "mine"): ("total demand (sheet 1, all grades)",
                           "supply is natural graphite mining only; demand includes synthetic graphite, so the "
                           "gap overstates the shortfall of mined graphite"),
    ("graphite", "battery_grade"): ("battery-grade clean-technology demand (sheet 3.2)",
                                    "battery-grade demand outside clean technologies is not in the workbook"),
}
DEFAULT_BASIS = "total demand (sheet 1)"
SUPPLY_NOTE = ("supply = sheet 2's pipeline of operating and announced mining and refining projects, base case "
               "(its notes A68:A69); recycled supply is not stated separately")


def _series_keys(frame: pd.DataFrame) -> list[str]:
    return [c for c in ("mineral_id", "end_use", "technology", "case") if c in frame.columns]


# A multiple above this says more about a tiny base than about growth: not shown (the change in kt is).
MAX_MULTIPLE = 100.0


def growth(demand: pd.DataFrame, base_year: int = BASE_YEAR) -> pd.DataFrame:
    """Demand in each projected year as a multiple of the base year, per series and scenario.

    ``demand``: rows of ``rexlib.query.api.demand`` / ``cleantech_demand`` / ``tech_demand`` (a series is a
    mineral x end use, or technology x case x mineral). ``multiple = value_kt / base_kt`` where
    ``base_kt`` is the series' ``base_year`` value (2023, observed; an alternative case's own 2023
    column); ``change_kt = value_kt − base_kt``. ``multiple`` is NaN when the base is 0 (vanadium in
    grid storage, arsenic in solar PV) or negligible: below 1 % of the projected value
    (:data:`MAX_MULTIPLE` = 100×; gallium's clean-technology demand, 0.0156 kt in 2023, would read
    "282×" in 2040), where ``base_note`` says so and ``change_kt`` is the figure to quote. Columns:
    the series keys, scenario, year, value_kt, base_kt, multiple, change_kt, base_note.
    """
    keys = _series_keys(demand)
    base = (demand[demand["year"] == base_year][keys + ["value_kt"]]
            .rename(columns={"value_kt": "base_kt"}))
    rows = demand[demand["year"] != base_year].merge(base, on=keys, how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(rows["base_kt"] > 0, rows["value_kt"] / rows["base_kt"], np.nan)
    negligible = ratio > MAX_MULTIPLE
    rows["multiple"] = np.where(negligible, np.nan, ratio)
    rows["change_kt"] = rows["value_kt"] - rows["base_kt"]
    rows["base_note"] = np.where(negligible, f"negligible {base_year} base (under 1 % of the value): no multiple",
                                 np.where(rows["base_kt"] > 0, "", f"no {base_year} base"))
    return rows[keys + ["scenario", "year", "value_kt", "base_kt", "multiple", "change_kt", "base_note"]
                ].reset_index(drop=True)


def cleantech_share(demand: pd.DataFrame) -> pd.DataFrame:
    """Clean-technology share of total demand (sheet 1 rows of ``rexlib.query.api.demand``):
    ``share_pct = total clean technologies / total demand × 100`` per mineral, scenario and year
    (the rule the build checks against the workbook's "Share of clean technologies" row).
    Columns: mineral_id, scenario, year, clean_kt, other_kt, total_kt, share_pct."""
    out = clean_share(demand)
    return out[["mineral_id", "scenario", "year", "clean_kt", "other_kt", "total_kt", "share_pct"]]


def demand_by_end_use(mineral: str, demand: pd.DataFrame, cleantech: pd.DataFrame,
                      tech: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The widest end-use split the workbook gives for one mineral: sheet 1 (clean technologies and
    other uses) for the six key minerals, else sheet 3.1's clean-technology sectors, else the base
    case of the technology sheets 4.x. Returns ``(rows, basis)``: rows without total rows, with
    ``end_use`` (the technology for 4.x), ``end_use_label``, scenario, year, year_type, value_kt,
    source_sheet, source_cell; ``basis`` names the sheet(s)."""
    cols = ["mineral_id", "end_use", "end_use_label", "scenario", "year", "year_type", "value_kt", "source_sheet",
            "source_cell"]
    d = demand[(demand["mineral_id"] == mineral) & ~demand["is_total"]]
    if len(d):
        return d[cols].reset_index(drop=True), "sheet 1 (all uses)"
    ct = cleantech[(cleantech["mineral_id"] == mineral) & ~cleantech["is_total"]]
    if len(ct):
        return ct[cols].reset_index(drop=True), "sheet 3.1 (clean technologies only)"
    t = tech[(tech["mineral_id"] == mineral) & (tech["case"] == "base_case")]
    t = t.assign(end_use=t["technology"], end_use_label=t["technology"])
    return t[cols].reset_index(drop=True), "sheets 4.1–4.6, base case (clean technologies only)"


def supply_demand_balance(supply: pd.DataFrame, demand: pd.DataFrame,
                          cleantech: pd.DataFrame | None = None) -> pd.DataFrame:
    """Projected supply (IEA base case) against demand per scenario, for the six key minerals.

    ``supply``: ``rexlib.query.api.projected_supply()`` rows (mineral_id, stage, year, total_kt);
    ``demand``: ``rexlib.query.api.demand()`` rows; ``cleantech``: ``rexlib.query.api.cleantech_demand()`` rows
    (for graphite's battery-grade stage, set against battery-grade clean-technology demand).
    Supply of 2023 is compared with observed 2023 demand (scenario ``observed``); 2030/2035/2040 base
    case with each of STEPS, APS and NZE.

    ``gap_kt = supply_kt − demand_kt`` (negative: a shortfall) and ``gap_pct = gap_kt / demand_kt ×
    100``; ``covered = supply_kt ≥ demand_kt``. ``demand_basis`` and ``note`` say what the comparison
    leaves out (graphite mining is natural graphite only; demand is all grades).
    """
    dem = demand[demand["end_use"] == "total_demand"][["mineral_id", "scenario", "year", "value_kt",
                                                       "source_cell"]]
    rows = []
    for s in supply.itertuples():
        basis, note = STAGE_NOTES.get((s.mineral_id, s.stage), (DEFAULT_BASIS, ""))
        if (s.mineral_id, s.stage) == ("graphite", "battery_grade"):
            if cleantech is None:
                continue
            d = cleantech[(cleantech["mineral_id"] == "graphite") & (cleantech["end_use"] == "total_clean_technologies")]
            d = d[["mineral_id", "scenario", "year", "value_kt", "source_cell"]]
        else:
            d = dem[dem["mineral_id"] == s.mineral_id]
        d = d[d["year"] == s.year]
        d = d[d["scenario"] == OBSERVED] if s.year == BASE_YEAR else d[d["scenario"].isin(SCENARIOS)]
        for r in d.itertuples():
            gap = s.total_kt - r.value_kt
            rows.append(dict(mineral_id=s.mineral_id, stage=s.stage, year=int(s.year), scenario=r.scenario,
                             supply_kt=s.total_kt, demand_kt=r.value_kt, gap_kt=gap,
                             gap_pct=gap / r.value_kt * 100 if r.value_kt else np.nan,
                             covered=bool(s.total_kt >= r.value_kt), demand_basis=basis,
                             note="; ".join(filter(None, [note, SUPPLY_NOTE])),
                             supply_cell=f"2 Total supply for key minerals!{s.source_cell}",
                             demand_cell=r.source_cell))
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    order = {k: i for i, k in enumerate((OBSERVED,) + SCENARIOS)}
    return (out.assign(_o=out["scenario"].map(order)).sort_values(["mineral_id", "stage", "year", "_o"])
            .drop(columns="_o").reset_index(drop=True))


def scenario_coverage(balance: pd.DataFrame) -> pd.DataFrame:
    """Which scenario the announced supply covers, per mineral, stage and projected year.

    From :func:`supply_demand_balance` rows: scenarios sorted by their demand (lowest first);
    ``covers`` = the highest-demand scenario whose demand the base-case supply meets (``none`` when
    it meets none), ``short_of`` = the lowest-demand scenario it does not meet (``''`` when it meets
    all three), ``covered_scenarios`` (``;``-joined), and the gap (kt, %) of each scenario in
    ``gap_<SCENARIO>_kt`` / ``gap_<SCENARIO>_pct``."""
    proj = balance[balance["scenario"].isin(SCENARIOS)]
    rows = []
    for (mid, stage, year), g in proj.groupby(["mineral_id", "stage", "year"], sort=True):
        g = g.sort_values("demand_kt")
        met = g[g["covered"]]
        unmet = g[~g["covered"]]
        row = dict(mineral_id=mid, stage=stage, year=int(year), supply_kt=float(g["supply_kt"].iloc[0]),
                   covers=met["scenario"].iloc[-1] if len(met) else "none",
                   short_of=unmet["scenario"].iloc[0] if len(unmet) else "",
                   covered_scenarios=";".join(met["scenario"]), demand_basis=g["demand_basis"].iloc[0],
                   note=g["note"].iloc[0])
        for r in g.itertuples():
            row[f"gap_{r.scenario}_kt"] = r.gap_kt
            row[f"gap_{r.scenario}_pct"] = r.gap_pct
        rows.append(row)
    return pd.DataFrame(rows)


def projected_concentration(supply: pd.DataFrame, minerals: Iterable[str] | None = None,
                            years: Iterable[int] = (2023, 2030, 2035, 2040), *,
                            concentration_fn: Callable[..., pd.DataFrame] = concentration) -> pd.DataFrame:
    """HHI, top-3 and China share of IEA supply (mining and the processing stage) in 2023 and the
    2030/2035/2040 base case, from :func:`rexlib.metrics.concentration` (``source='iea'``), with the
    change against 2023.

    ``supply``: ``rexlib.query.api.projected_supply()`` rows (which minerals and stages exist). Columns:
    the concentration columns (hhi = lower bound, hhi_high, top1_country, top3_share, china_share,
    flags, ...) plus ``scenario`` (observed / base_case), ``hhi_change``, ``top3_change_pp``,
    ``china_change_pp`` (against the same block in 2023) and ``falls`` (HHI below 2023's)."""
    keep = None if minerals is None else set(minerals)
    blocks = supply[["mineral_id", "stage"]].drop_duplicates()
    rows = []
    for b in blocks.itertuples():
        if keep is not None and b.mineral_id not in keep:
            continue
        for year in years:
            rows.append(concentration_fn(b.mineral_id, b.stage, year, source="iea"))
    if not rows:
        return pd.DataFrame()
    out = pd.concat(rows, ignore_index=True)
    out["scenario"] = np.where(out["year"] == BASE_YEAR, OBSERVED, "base_case")
    base = out[out["year"] == BASE_YEAR].set_index(["mineral_id", "stage"])
    idx = list(zip(out["mineral_id"], out["stage"]))
    for col, new in (("hhi", "hhi_change"), ("top3_share", "top3_change_pp"), ("china_share", "china_change_pp")):
        ref = base[col].reindex(idx).to_numpy() if len(base) else np.nan
        out[new] = out[col].to_numpy() - ref
    out["falls"] = out["hhi_change"] < 0
    return out


def top3_refining_statement(conc: pd.DataFrame, claims: pd.DataFrame) -> pd.DataFrame:
    """The documents' top-3 refining statement (claims with metric ``top3_refining_share``: IEA
    Global Critical Minerals Outlook 2025, ~86 % of midstream processing in its latest year, up
    from 82 % in 2020) beside what the May 2024 workbook gives: the unweighted mean, minimum and
    maximum over the processing blocks (refinery, chemicals, battery_grade) of
    :func:`projected_concentration`'s ``top3_share``, for each year of ``conc`` (2023 observed,
    2030–2040 base case, and 2024 observed where the caller adds the 2025 edition's UNOFFICIAL
    conversion). ``comparable`` is True only for the claimed year (a claim without a year: the GCMO
    2025's latest year, 2024); ``note`` says which year stands beside which claimed year. No edition
    gives 2020."""
    proc = conc[conc["stage"] != "mine"]
    per_year = proc.groupby("year")["top3_share"].agg(mean_top3="mean", min_top3="min", max_top3="max",
                                                      blocks="count").reset_index()
    observed = set(proc.loc[proc["scenario"] == OBSERVED, "year"]) if "scenario" in proc else {BASE_YEAR}
    rows = []
    for cl in claims[claims["metric"] == "top3_refining_share"].itertuples():
        claim_year = None if pd.isna(cl.year) else int(cl.year)
        label = str(claim_year) if claim_year else "latest year of the GCMO 2025 (not printed in the document)"
        for r in per_year.itertuples():
            # the GCMO 2025's latest year is 2024 ("86% in 2024"): the 2025 edition's observation matches it
            same = (claim_year == r.year) if claim_year is not None else (r.year == GCMO_2025_LATEST_YEAR)
            rows.append(dict(claim_id=cl.claim_id, claimed_pct=cl.value, claimed_year=label, workbook_year=int(r.year),
                             year_type=OBSERVED if r.year in observed else "projected (base case)",
                             mean_top3_pct=r.mean_top3, min_top3_pct=r.min_top3, max_top3_pct=r.max_top3,
                             blocks=int(r.blocks), difference_pp=r.mean_top3 - cl.value, comparable=same,
                             note=(f"workbook {int(r.year)} vs claimed {label}: "
                                   + ("same year" if same else "different years, not a check"))))
    return pd.DataFrame(rows)


def demand_exposure(cut: pd.DataFrame, demand: pd.DataFrame) -> pd.DataFrame:
    """What a supplier's cut of projected supply means for demand in that year, per scenario.

    ``cut``: one row of ``rexlib.metrics.disruption(..., source='iea', year=2030)`` (supply in kt:
    ``world_total``, ``supplier_production``, ``supply_lost``, ``ramp_up``, ``remaining_supply``; the
    supplier's share of supply ``supplier_share_pct`` is the simulator's); ``demand``: demand rows of
    the same mineral (``total_demand``, or battery-grade clean-technology demand for graphite's
    battery-grade stage). Per scenario of that year: ``supplier_share_of_demand_pct =
    supplier_production / demand_kt × 100`` (the share of demand the supplier's projected supply
    represents), ``lost_share_of_demand_pct = supply_lost / demand_kt × 100``,
    ``shortfall_kt = max(0, demand_kt − remaining_supply)`` and ``shortfall_pct`` of demand."""
    r = cut.iloc[0]
    d = demand[(demand["mineral_id"] == r["mineral_id"]) & (demand["year"] == r["year"])]
    d = d[d["end_use"].isin(["total_demand"]) if (r["mineral_id"], r["stage"]) != ("graphite", "battery_grade")
          else d["end_use"] == "total_clean_technologies"]
    rows = []
    for x in d.itertuples():
        dem = float(x.value_kt)
        short = max(0.0, dem - float(r["remaining_supply"]))
        rows.append(dict(mineral_id=r["mineral_id"], stage=r["stage"], year=int(r["year"]), scenario=x.scenario,
                         suppliers=r["suppliers"], cut_pct=r["cut_pct"], ramp_up_pct=r["ramp_up_pct"],
                         demand_kt=dem, supply_kt=r["world_total"], supplier_kt=r["supplier_production"],
                         supplier_share_of_supply_pct=r["supplier_share_pct"],
                         supplier_share_of_demand_pct=r["supplier_production"] / dem * 100 if dem else np.nan,
                         lost_kt=r["supply_lost"], lost_share_of_demand_pct=r["supply_lost"] / dem * 100 if dem else np.nan,
                         remaining_kt=r["remaining_supply"], shortfall_kt=short,
                         shortfall_pct=short / dem * 100 if dem else np.nan, flags=r["flags"],
                         source_label=r["source_label"]))
    return pd.DataFrame(rows)
