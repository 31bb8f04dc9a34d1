"""Financing: the deals timeline; dollars by agency, mineral, stage or country (aggregates apart);
and financing beside vulnerability (supply-risk score, high-risk pairs without a deal)."""
from __future__ import annotations

import pandas as pd

from .. import api
from ..charts.base import CURATED_PUBLISHER, esc, source_line
from ..charts.finance import amount_bars, deals_timeline, vulnerability_scatter
from ..warehouse import query
from ..validate import choice
from . import common as c
from . import metrics_bridge as mb
from .cache import memo, sections

DEFAULTS = {"by": "agency", "agency": "all"}
BY = {"agency": "Agency", "mineral": "Mineral", "stage": "Policy stage", "country": "Asset country"}


@memo(64)
def _deals() -> pd.DataFrame:
    frame = query("SELECT * FROM deals ORDER BY announced_date, deal_id")
    frame["label"] = frame["deal_id"] + ": " + frame["counterparty"].fillna("") + " — " + frame["project"].fillna("")
    return frame


def _agencies() -> list[str]:
    return ["all", *sorted(_deals()["agency"].dropna().unique())]


def _validate(values: dict, explicit: set) -> dict:
    return {"by": choice("by", values["by"], list(BY)), "agency": choice("agency", values["agency"], _agencies(),
                                                                      normalise=False)}


def _kahan_sum(values) -> float:
    """NaN-skipping sum with Kahan compensation, the arithmetic of pandas' groupby ``sum``."""
    total = compensation = 0.0
    for value in values:
        if value == value:
            y = value - compensation
            t = total + y
            compensation = t - total - y
            total = t
    return total


@memo(64)
def grouped(by: str, agency: str) -> pd.DataFrame:
    """USD and deal counts per group, from rexlib.metrics.deal_flows (aggregates and the smaller
    conflicting figure dropped; a deal naming k minerals counts 1/k of its amount per mineral).
    ``n_with_amount``: deals that state an amount; ``usd`` is NaN where none does (not disclosed).

    A few dozen flows: grouped in plain Python (a pandas groupby with named aggregations cost
    ~15 ms here), with pandas' own summation and final sort, so the numbers and order are the same."""
    flows = mb.deal_flows()
    if agency != "all":
        flows = flows[flows["agency"] == agency]
    if by == "mineral":
        keys, amounts, deals = flows["mineral_id"].tolist(), flows["amount_usd_alloc"].tolist(), flows["deal_id"]
    else:
        column = {"agency": "agency", "stage": "policy_stage", "country": "asset_country"}[by]
        per_deal = flows.drop_duplicates("deal_id")
        keys = per_deal[column].fillna("unspecified").tolist()
        amounts, deals = per_deal["amount_usd"].tolist(), per_deal["deal_id"]
    groups: dict = {}
    for key, amount, deal in zip(keys, amounts, deals.tolist()):
        if not isinstance(key, str):          # groupby leaves out rows without a key
            continue
        entry = groups.setdefault(key, ([], set(), set()))
        entry[0].append(amount)
        if isinstance(deal, str):
            entry[1].add(deal)
            if amount == amount:
                entry[2].add(deal)
    ordered = sorted(groups)
    if by == "mineral":
        minerals = api.minerals()
        names = dict(zip(minerals["mineral_id"], minerals["name"]))
    else:
        names = {}
    labels = pd.Series([names.get(k, k) for k in ordered], dtype="object" if by == "mineral" and not ordered else "str")
    # A group whose deals state no amount has an unknown total (NaN, "not disclosed"), never $0.
    out = pd.DataFrame({"group": labels,
                        "usd": pd.Series([_kahan_sum(groups[k][0]) if groups[k][2] else float("nan")
                                          for k in ordered], dtype=float),
                        "n_deals": pd.Series([len(groups[k][1]) for k in ordered], dtype="int64"),
                        "n_with_amount": pd.Series([len(groups[k][2]) for k in ordered], dtype="int64")})
    return out.sort_values(["usd", "group"], ascending=[False, True], na_position="last").reset_index(drop=True)


@memo(64)
def vulnerability() -> pd.DataFrame:
    names = dict(zip(api.minerals()["mineral_id"], api.minerals()["name"]))
    fin = mb.financing_by_mineral_stage()
    fin = fin[fin["eu_sr"].notna()]
    financed = (fin.groupby("mineral_id").agg(score=("eu_sr", "max"), usd=("usd", "sum"),
                                              stage=("policy_stage", lambda s: ";".join(sorted(set(s)))))
                .reset_index().assign(financed=True))
    gaps = mb.financing_gaps("eu")
    unfin = (gaps.groupby("mineral_id").agg(score=("score", "max"), stage=("stage", lambda s: ";".join(s)))
             .reset_index().assign(usd=float("nan"), financed=False)) if len(gaps) else gaps
    unfin = unfin[~unfin["mineral_id"].isin(financed["mineral_id"])] if len(unfin) else unfin
    out = pd.concat([financed, unfin], ignore_index=True)
    out["name"] = out["mineral_id"].map(lambda m: names.get(m, m))
    return out.sort_values("score", ascending=False).reset_index(drop=True)


class Financing(c.App):
    publish_axes = (("by", "agency"),)   # rex publish: parameters crossed (common.App.publish_axes)
    title = "Financing"
    lede = ("Loans, equity, grants, offtakes and price floors announced for critical minerals (cited, 2026 "
            "documents): when, by whom, for what, and whether the riskiest minerals get any.")

    def __init__(self, by="agency", agency="all"):
        resolved = c.resolve([c.Param("by", by, DEFAULTS["by"]), c.Param("agency", agency, DEFAULTS["agency"])],
                             _validate, warmup=lambda: (mb.deal_flows(), vulnerability()))
        super().__init__(resolved)
        v = resolved.values
        self.by = c.dropdown("Group by", [(label, key) for key, label in BY.items()], v["by"], "240px")
        self.agency = c.dropdown("Agency", _agencies(), v["agency"], "300px")
        self.watch(self.by, self.agency)

    def controls(self):
        return [self.by, self.agency]

    def render(self) -> list[str]:
        by, agency = self.by.value, self.agency.value
        cache = sections("financing")
        # Everything above the vulnerability chart names both parameters in its source lines;
        # the vulnerability section depends on neither and is built once.
        parts = cache.get(("deals", by, agency), lambda: self._deals_sections(by, agency))
        parts += cache.get(("vulnerability",), self._vulnerability)
        return parts

    def _deals_sections(self, by, agency) -> list[str]:
        deals = _deals()
        params = {"by": by, "agency": agency}
        src = source_line("deals table (data/curated/deals.csv)", params=params, publisher=CURATED_PUBLISHER)
        chosen = deals if agency == "all" else deals[deals["agency"] == agency]
        single, aggregates = chosen[~chosen["is_aggregate"]], chosen[chosen["is_aggregate"]]
        parts = [c.heading("Deals over time")]
        parts.append(c.chart_html(deals_timeline(single, title="Announced deals with a USD amount", source=src,
                                                 subtitle="Individual deals only; aggregates (totals of other deals) "
                                                          "are listed apart below.")))
        parts.append(c.heading(f"Dollars by {BY[by].lower()}"))
        parts.append(c.chart_html(amount_bars(grouped(by, agency), by=BY[by], title=f"Deal USD by {BY[by].lower()}",
                                              source=source_line("deals (curated), summed by rex", params=params,
                                                                 publisher=CURATED_PUBLISHER),
                                              subtitle="Aggregates dropped; Project Vault private capital counted at "
                                                       "the smaller figure ($1.7 bn); multi-mineral deals split evenly.")))
        parts.append(c.table_html(single, "deals", columns={
            "deal_id": "Deal", "announced_date": "Date", "agency": "Agency", "counterparty": "Counterparty",
            "minerals": "Minerals", "stage": "Stage", "instrument": "Instrument", "amount_usd": "USD",
            "conflict_group": "Conflict"}, max_rows=40))
        parts.append(c.heading("Aggregates (shown apart: they sum other deals)"))
        parts.append(c.table_html(aggregates, "deal_aggregates", columns={
            "deal_id": "Deal", "agency": "Agency", "project": "Programme", "amount_usd": "USD",
            "aggregate_of": "Components"})
                     if len(aggregates) else c.message("No aggregate rows for this agency.", "info"))
        return parts

    def _vulnerability(self) -> list[str]:
        parts = []
        vul = vulnerability()
        parts.append(c.heading("Financing beside vulnerability"))
        parts.append(c.chart_html(vulnerability_scatter(
            vul, title="Supply risk vs deal dollars, by mineral",
            source=source_line("deals (curated) × EU supply risk recomputed by rex (EU method on the EC 2023 "
                               "study's shares, WGI)", ["MCS2026"],
                               {"method": "eu", "list": "2022"}, releases=["ec_crm_2023", "wgi_2023"]),
            subtitle="Vermillion crosses: high-risk minerals (EU SR ≥ 1, 2022 list, U.S. net exporters excluded) with no deal "
                     "at a mine/refinery stage.")))
        gaps = mb.financing_gaps("eu")
        parts.append(f'<div class="rex-note">{esc(len(gaps))} high-risk mineral × stage pairs have no deal.</div>')
        parts.append(c.table_html(gaps, "financing_gaps", columns={
            "mineral_id": "Mineral", "stage": "Stage", "score": "EU SR", "rank": "Rank", "hhi": "HHI",
            "nir_pct": "NIR %"}, max_rows=25))
        return parts


def app(by="agency", agency="all") -> Financing:
    return Financing(by, agency)
