"""How USGS revised production figures between Mineral Commodity Summaries editions, and what
changed between the IEA's 2023 and 2024 observations (:func:`iea_vintage_change`).

Source: the ``production`` table (one row per MCS edition, MCS2023–MCS2026), not the ``_latest``
view; for the IEA the stored ``concentration`` rows of both IEA editions (``IEA2024``, the May 2024
workbook; ``IEA2025``, the 2025 edition's UNOFFICIAL third-party conversion).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from rexlib.core import validate as v
from rexlib.etl.checks.usgs import fold_country_qualified_measures
from rexlib.etl.normalise import UNIT_FACTORS
from rexlib.etl.series import IEA_VINTAGES, iea_provenance
from rexlib.query.warehouse import query
from . import _common as c

__all__ = ["vintage_diff", "iea_vintage_change"]

_KEYS = ["mineral_id", "stage", "country", "year"]


def _norm_measure(m: str) -> str:
    """'Mine production, cobalt content' and 'Mine production' -> 'mine production'."""
    return str(m).split(",")[0].split(":")[0].strip().lower()


def vintage_diff(mineral: str | None = None, year: int = 2024, old: str = "MCS2025", new: str = "MCS2026",
                 stage: str | None = None) -> pd.DataFrame:
    """Figures for ``year`` printed in both editions ``old`` and ``new``, with the revision.

    Rows are matched on mineral, stage, country, qualifier and measure (after folding product
    qualifiers, :func:`rexlib.etl.checks.usgs.fold_country_qualified_measures`); when the measure was renamed
    (MCS2025 "Mine production, cobalt content" vs MCS2026 "Mine production") rows are matched on the
    measure's leading words when that is unambiguous. Old values are converted to the new unit when
    both are mass units (``rexlib.etl.normalise.UNIT_FACTORS``).

    ``change = new − old`` (new unit); ``change_pct = change / old × 100`` (NaN when old is 0 or
    either value is withheld/NA — those rows carry ``status`` ``withheld``). Sorted by
    ``|change_pct|`` descending (largest revisions first), then ``|change|``.
    Columns: mineral_id, stage, measure_old, measure_new, country, year, unit, value_old, value_new,
    change, change_pct, flag_old, flag_new, status (revised | unchanged | withheld), old, new.
    """
    frame = c.production_vintages()
    vints = sorted(frame["vintage"].unique())
    old = c.choice("old", old, vints, normalise=False)
    new = c.choice("new", new, vints, normalise=False)
    params_ok = frame[frame["vintage"].isin([old, new])]
    if mineral is not None:
        mid = c.mineral(mineral)
        params_ok = params_ok[params_ok["mineral_id"] == mid]
    common_years = sorted(set(params_ok.loc[params_ok["vintage"] == old, "year"]) &
                          set(params_ok.loc[params_ok["vintage"] == new, "year"]))
    yr = v.year("year", year, common_years)
    sub = params_ok[params_ok["year"] == yr]
    if stage is not None:
        sub = sub[sub["stage"] == c.choice("stage", stage, sorted(sub["stage"].unique()))]
    parts = []
    for vint in (old, new):
        part = sub[sub["vintage"] == vint]
        if not part.empty:
            part = fold_country_qualified_measures(part)
        part = part.assign(q=part["qualifier"].fillna(""), nm=part["measure"].map(_norm_measure))
        parts.append(part)
    a, b = parts
    keys = _KEYS + ["q"]
    exact = a.merge(b, on=keys + ["measure"], suffixes=("_old", "_new"))
    exact["measure_old"] = exact["measure_new"] = exact["measure"]
    used_a = set(zip(*(exact[k] for k in keys), exact["measure"]))
    rest_a = a[[t not in used_a for t in zip(*(a[k] for k in keys), a["measure"])]]
    rest_b = b[[t not in used_a for t in zip(*(b[k] for k in keys), b["measure"])]]
    loose = rest_a.merge(rest_b, on=keys + ["nm"], suffixes=("_old", "_new"))
    dup = loose.duplicated(keys + ["nm"], keep=False)
    loose = loose[~dup]
    both = pd.concat([exact, loose], ignore_index=True)
    rows = []
    for r in both.to_dict("records"):
        vo, vn = r["value_old"], r["value_new"]
        uo, un = r["unit_old"], r["unit_new"]
        if pd.notna(vo) and uo != un:
            fo, fn = UNIT_FACTORS.get(uo), UNIT_FACTORS.get(un)
            vo = vo * fo[1] / fn[1] if fo and fn and fo[0] == fn[0] else np.nan
        unknown = (pd.isna(vo) or pd.isna(vn) or c.has_flag(r["flag_old"], *c.UNKNOWN_FLAGS)
                   or c.has_flag(r["flag_new"], *c.UNKNOWN_FLAGS))
        change = np.nan if unknown else vn - vo
        pct = np.nan if unknown or vo == 0 else change / vo * 100
        status = "withheld" if unknown else ("unchanged" if change == 0 else "revised")
        rows.append(dict(mineral_id=r["mineral_id"], stage=r["stage"], measure_old=r["measure_old"],
                         measure_new=r["measure_new"], country=r["country"], year=yr, unit=un,
                         value_old=vo, value_new=vn, change=change, change_pct=pct,
                         flag_old=r["flag_old"], flag_new=r["flag_new"], status=status, old=old, new=new))
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["_a"] = out["change_pct"].abs()
    out["_b"] = out["change"].abs()
    return out.sort_values(["_a", "_b"], ascending=False, na_position="last").drop(columns=["_a", "_b"]).reset_index(drop=True)


IEA_FIGURES = ("world_total", "top1_country", "top1_share", "top3_share", "china_share", "hhi")


def iea_vintage_change(mineral: str | None = None, stage: str | None = None, *,
                       old: str = IEA_VINTAGES[0], new: str = IEA_VINTAGES[-1]) -> pd.DataFrame:
    """What changed between two IEA editions, per mineral and stage: the observed year of each (2023 in
    the May 2024 workbook, 2024 in the 2025 edition's UNOFFICIAL conversion; ``comparison``
    ``observed``) and each base-case year both project (2030/2035/2040, ``comparison`` ``projection``).

    Figures are the stored ``concentration`` rows (``formulas.concentration_summary``, the one rule
    for top-1/top-3/China/HHI over the block's shares; block total in kt): ``<figure>_old``,
    ``<figure>_new``, and ``total_change_pct``, ``top3_change_pp``, ``china_change_pp``,
    ``hhi_change``. ``china_share`` is NaN where China is not among the block's listed countries
    (flag ``china_not_listed``: at most the remainder, never 0). ``provenance_new`` says the newer
    edition is an unofficial conversion.
    """
    vints = list(IEA_VINTAGES)
    old = c.choice("old", old, vints, normalise=False)
    new = c.choice("new", new, vints, normalise=False)
    frame = query("SELECT mineral_id, stage, year, vintage, world_total, top1_country, top1_share, top3_share, "
                  "china_share, hhi, flags FROM concentration WHERE source = 'iea' AND vintage IN (?, ?) "
                  "ORDER BY mineral_id, stage, year", [old, new])
    # China not among the block's listed countries: its share is unknown (at most the remainder), not 0
    frame.loc[frame["flags"].fillna("").str.contains("china_not_listed"), "china_share"] = np.nan
    if mineral is not None:
        mid = c.mineral(mineral)
        valid = sorted(frame["mineral_id"].unique())
        if mid not in valid:
            raise v.InvalidArgument("mineral", mineral, valid, " (the IEA editions cover only these minerals)")
        frame = frame[frame["mineral_id"] == mid]
    if stage is not None:
        frame = frame[frame["stage"] == c.choice("stage", stage, sorted(frame["stage"].unique()))]
    a, b = frame[frame["vintage"] == old], frame[frame["vintage"] == new]
    observed = {"IEA2024": 2023, "IEA2025": 2024}
    obs = a[a["year"] == observed[old]].merge(b[b["year"] == observed[new]], on=["mineral_id", "stage"],
                                               suffixes=("_old", "_new"))
    obs["comparison"] = "observed"
    proj = a[a["year"] >= 2030].merge(b[b["year"] >= 2030], on=["mineral_id", "stage", "year"],
                                      suffixes=("_old", "_new"))
    proj = proj.assign(year_old=proj["year"], year_new=proj["year"], comparison="projection").drop(columns="year")
    out = pd.concat([obs, proj], ignore_index=True)
    out["total_change_pct"] = (out["world_total_new"] / out["world_total_old"] - 1) * 100
    out["top3_change_pp"] = out["top3_share_new"] - out["top3_share_old"]
    out["china_change_pp"] = out["china_share_new"] - out["china_share_old"]
    out["hhi_change"] = out["hhi_new"] - out["hhi_old"]
    out["provenance_new"] = iea_provenance(new)
    cols = (["mineral_id", "stage", "comparison", "year_old", "year_new", "vintage_old", "vintage_new"]
            + [f"{f}_{w}" for f in IEA_FIGURES for w in ("old", "new")]
            + ["total_change_pct", "top3_change_pp", "china_change_pp", "hhi_change", "provenance_new"])
    return out[cols].sort_values(["comparison", "mineral_id", "stage", "year_old"]).reset_index(drop=True)
