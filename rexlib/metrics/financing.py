"""Financing flows by mineral and supply-chain stage, joined to risk and concentration, and the
high-risk mineral/stage pairs that no deal finances.

Sources: curated ``deals`` table (five seed documents, 2026; see data/curated/README.md), risk
scores (:mod:`rexlib.metrics.risk`) and concentration (:mod:`rexlib.metrics.concentration`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from rexlib.core.validate import InvalidArgument
from rexlib.query.warehouse import query
from rexlib.core.ids import FAMILIES, MINERALS, family_of
from . import _common as c
from .risk import risk_scores

__all__ = ["deal_flows", "deal_totals", "financing_by_mineral_stage", "financing_gaps", "STAGE_MAP", "TOTALS_BY"]

# Policy stages of the deals table -> production stages of the USGS/IEA tables.
STAGE_MAP = {"mining": "mine", "processing_refining": "refinery"}
UNSPECIFIED = "unspecified"
CONFLICT_RULES = ("min", "max", "first", "all")


def _parent(mid: str) -> str | None:
    """Element -> the aggregate id of its MCS chapter within its family (neodymium -> rare_earths,
    dysprosium -> rare_earths_heavy, pgm_iridium -> pgm: the family member named as the chapter);
    a family member without a chapter -> its family (magnet_rare_earths -> rare_earths). Families and
    chapters: rexlib/metadata/mappings/minerals.csv."""
    chapter = MINERALS.get(mid, ("", None))[1]
    family = family_of(mid)
    if chapter is None:
        return family if family != mid else None
    for pid in FAMILIES.get(family, ()):
        name, ch = MINERALS[pid]
        if pid != mid and ch == chapter and name.upper() == chapter.upper():
            return pid
    return None


def deal_flows(conflict: str = "min") -> pd.DataFrame:
    """Non-aggregate deals, one row per (deal, mineral).

    * Aggregates (``is_aggregate``) are dropped: they sum other deals.
    * ``conflict``: deals sharing a ``conflict_group`` report one quantity with incompatible figures
      (Project Vault private capital $1.7 bn vs $2 bn); ``min`` keeps the smallest (default,
      conservative), ``max`` the largest, ``first`` the lowest deal id, ``all`` keeps every row.
    * A deal naming k minerals is split evenly: ``amount_usd_alloc = amount_usd / k``. A deal naming
      none goes to mineral ``unspecified``. Unstated amounts stay NaN (counted as deals, not dollars).
    * ``production_stage``: ``mining`` → ``mine``, ``processing_refining`` → ``refinery``; other
      policy stages (magnets_components, recycling, stockpile, multiple) have no production stage.
    """
    rule = c.choice("conflict", conflict, CONFLICT_RULES)
    deals = query("SELECT * FROM deals ORDER BY deal_id")
    deals = deals[~deals["is_aggregate"].fillna(False).astype(bool)].copy()
    dropped: list[str] = []
    if rule != "all":
        keep = []
        for gid, grp in deals.groupby(deals["conflict_group"].fillna(""), sort=False):
            if not gid:
                keep.extend(grp["deal_id"])
                continue
            if rule == "first":
                chosen = grp.sort_values("deal_id").iloc[0]
            else:
                chosen = grp.sort_values("amount_usd", ascending=(rule == "min")).iloc[0]
            keep.append(chosen["deal_id"])
            dropped.extend(d for d in grp["deal_id"] if d != chosen["deal_id"])
        deals = deals[deals["deal_id"].isin(keep)]
    rows = []
    for d in deals.itertuples():
        mids = c.split_ids(d.minerals) or [UNSPECIFIED]
        for mid in mids:
            rows.append(dict(deal_id=d.deal_id, mineral_id=mid, parent_mineral_id=_parent(mid),
                             policy_stage=d.stage or "", production_stage=STAGE_MAP.get(d.stage),
                             instrument=d.instrument, agency=d.agency, asset_country=d.asset_country,
                             amount_usd=d.amount_usd, n_minerals=len(mids),
                             amount_usd_alloc=d.amount_usd / len(mids) if pd.notna(d.amount_usd) else np.nan,
                             conflict_group=d.conflict_group, source_doc=d.source_doc))
    out = pd.DataFrame(rows)
    out.attrs["conflict_dropped"] = dropped
    return out


# deal_totals' groupings -> the column of deal_flows they group by
TOTALS_BY = {"agency": "agency", "mineral": "mineral_id", "stage": "policy_stage", "country": "asset_country"}


def deal_totals(by: str = "agency", agency: str | None = None, conflict: str = "min",
                flows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Deal dollars and counts per agency, mineral, policy stage or asset country, from
    :func:`deal_flows` (aggregates and, by default, the smaller conflicting figure kept).

    ``by='mineral'`` sums ``amount_usd_alloc`` (a deal naming k minerals counts 1/k per mineral);
    the others sum each deal's ``amount_usd`` once, deals without a stage or country under
    ``unspecified``. ``agency`` keeps one agency's deals (the ``agency`` field as stored).
    Columns: ``group`` (the id: agency, mineral_id, stage or ISO3), ``usd`` (USD; NaN where no deal
    of the group states an amount: not disclosed, never $0), ``n_deals``, ``n_with_amount``; by USD
    descending (undisclosed last), then group.
    """
    column = TOTALS_BY[c.choice("by", by, list(TOTALS_BY))]
    if flows is None:
        flows = deal_flows(conflict)
    elif not isinstance(flows, pd.DataFrame):
        raise InvalidArgument("flows", type(flows).__name__, ["None", "the frame deal_flows() returns"],
                              " (flows is for callers that keep deal_flows() cached)")
    if agency is not None:      # one of the stored agencies (case-insensitive), else InvalidArgument naming them
        # every agency of the deals table, those with only aggregate deals too (their totals are empty)
        agency = c.choice("agency", agency, sorted(set(c.api.deals(include_aggregates=True)["agency"].dropna())))
        flows = flows[flows["agency"] == agency]
    if column == "mineral_id":
        rows = flows[["mineral_id", "amount_usd_alloc", "deal_id"]].set_axis(["group", "usd", "deal_id"], axis=1)
    else:
        rows = flows.drop_duplicates("deal_id")
        rows = pd.DataFrame({"group": rows[column].fillna(UNSPECIFIED), "usd": rows["amount_usd"],
                             "deal_id": rows["deal_id"]})
    rows = rows.assign(stated=rows["deal_id"].where(rows["usd"].notna()))
    g = rows.groupby("group", sort=True)
    out = pd.DataFrame({"usd": g["usd"].sum(min_count=1), "n_deals": g["deal_id"].nunique(),
                        "n_with_amount": g["stated"].nunique()}).reset_index()
    out["group"] = out["group"].astype("str")
    out["n_deals"] = out["n_deals"].astype("int64")
    out["n_with_amount"] = out["n_with_amount"].astype("int64")
    return out.sort_values(["usd", "group"], ascending=[False, True], na_position="last").reset_index(drop=True)


def financing_by_mineral_stage(conflict: str = "min", *, risk: pd.DataFrame | None = None) -> pd.DataFrame:
    """Deal dollars per (mineral, policy stage), joined to risk scores and concentration.

    Columns: mineral_id, policy_stage, production_stage, n_deals, n_deals_with_amount, usd (sum of
    ``amount_usd_alloc``, NaN-free sum; 0 with ``n_deals_with_amount = 0`` means amounts unstated),
    deal_ids, then from :func:`rexlib.metrics.risk.risk_scores` (or ``risk``): usgs_sr, eu_sr,
    high_risk_usgs, high_risk_eu, hhi (USGS primary stage), and china_share / hhi_stage of the
    mapped production stage when a series exists (mine: USGS; refinery: IEA or USGS processing).
    """
    flows = deal_flows(conflict)
    g = flows.groupby(["mineral_id", "policy_stage"], dropna=False)
    out = g.agg(production_stage=("production_stage", "first"), n_deals=("deal_id", "nunique"),
                n_deals_with_amount=("amount_usd", lambda s: int(s.notna().sum())),
                usd=("amount_usd_alloc", "sum"),       # pandas' groupby sum, as deal_totals
                deal_ids=("deal_id", lambda s: ";".join(sorted(set(s))))).reset_index()
    rs = risk if risk is not None else risk_scores()
    rs = rs.set_index("mineral_id")[["usgs_sr", "eu_sr", "high_risk_usgs", "high_risk_eu", "hhi"]]
    out = out.join(rs, on="mineral_id")
    china, hstage = [], []
    for rec in out.itertuples():
        series = None
        if rec.mineral_id != UNSPECIFIED and rec.production_stage == "mine":
            series = c.mine_series(rec.mineral_id)
        elif rec.mineral_id != UNSPECIFIED and rec.production_stage == "refinery":
            series = c.processing_series(rec.mineral_id)
        if series is None or series.world_total is None or not c.rules.is_world(series.share_basis):
            china.append(np.nan)
            hstage.append(np.nan)
            continue
        from .concentration import _summary
        s = _summary(series)
        china.append(s["china_share"])
        hstage.append(s["hhi"])
    out["china_share_stage"] = china
    out["hhi_stage"] = hstage
    return out.sort_values(["usd", "mineral_id"], ascending=[False, True]).reset_index(drop=True)


def financing_gaps(method: str = "eu", stages: tuple[str, ...] = ("mine", "refinery"), *,
                   critical: str | None = "2022", conflict: str = "min",
                   risk: pd.DataFrame | None = None) -> pd.DataFrame:
    """High-risk (mineral, production stage) pairs that no non-aggregate deal finances.

    High risk: ``high_risk_eu`` (``method='eu'``, EU-style SR ≥ 1) or ``high_risk_usgs``
    (``method='usgs'``, top quartile) from :func:`rexlib.metrics.risk.risk_scores`, restricted to
    the 2022 critical-minerals list by default. Stages: the mineral's USGS stages among ``stages``
    (``refinery`` also when the IEA has a refining block). A pair counts as financed when a deal
    names the mineral (or an element whose aggregate it is, e.g. neodymium → rare_earths) with the
    mapped production stage, or with policy stage ``multiple`` (all stages), whether or not an amount
    is stated. Output: mineral_id, stage, risk score, rank, hhi, nir_pct, financed=False rows only.
    """
    method = c.choice("method", method, ["eu", "usgs"])
    rs = risk if risk is not None else risk_scores(critical=critical)
    flag, score, rank = (("high_risk_eu", "eu_sr", "eu_rank") if method == "eu"
                         else ("high_risk_usgs", "usgs_sr", "usgs_rank"))
    flows = deal_flows(conflict)
    financed: set[tuple[str, str]] = set()
    for f in flows.itertuples():
        for mid in filter(None, (f.mineral_id, f.parent_mineral_id)):
            if f.policy_stage == "multiple":
                financed.update((mid, s) for s in stages)
            elif f.production_stage:
                financed.add((mid, f.production_stage))
    rows = []
    for r in rs[rs[flag].fillna(False).astype(bool)].itertuples():
        have = set(c.usgs_stages(r.mineral_id))
        if r.mineral_id in c.iea_minerals():
            have |= {"mine"} | ({"refinery"} if set(c.iea_stages(r.mineral_id)) & set(c.IEA_PROCESSING_STAGES) else set())
        if have & {"smelter", "metal"}:
            have.add("refinery")  # processing stage of metals published as smelter/metal output
        for stg in stages:
            if stg not in have or (r.mineral_id, stg) in financed:
                continue
            rows.append(dict(mineral_id=r.mineral_id, stage=stg, score=getattr(r, score), rank=getattr(r, rank),
                             method=method, hhi=r.hhi, nir_pct=r.nir_pct, financed=False))
    out = pd.DataFrame(rows)
    return out.sort_values(["rank", "stage"]).reset_index(drop=True) if not out.empty else out
