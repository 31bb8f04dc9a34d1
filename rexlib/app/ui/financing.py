"""Financing: the deals timeline; dollars by agency, mineral, stage or country (aggregates apart);
financing beside vulnerability (supply-risk score, high-risk pairs without a deal); and Project Vault:
what the stockpile budget buys at USGS prices and how many months of U.S. supply it covers."""
from __future__ import annotations

import pandas as pd

from rexlib.query import api
from rexlib.charts.base import CURATED_PUBLISHER, esc, source_line
from rexlib.charts.finance import amount_bars, deals_timeline, vulnerability_scatter
from rexlib.core.fmt import words
from rexlib.core.validate import choice
from . import common as c
from . import metrics_bridge as mb
from .cache import memo, sections

DEFAULTS = {"by": "agency", "agency": "all", "vault": "documents_12bn", "basis": "net_imports", "split": "equal",
            "months": 12}
BY = {"agency": "Agency", "mineral": "Mineral", "stage": "Policy stage", "country": "Asset country"}
# Project Vault (issue 27): the stockpile presets are rexlib/metadata/stockpile.yml's, priced from deals.
BASES = {"net_imports": "Months of net imports", "consumption": "Months of consumption"}
SPLITS = {"equal": "Equal split", "net_import_value": "By net import value"}
MONTHS = (3, 6, 12, 24)


@memo(64)
def _deals() -> pd.DataFrame:
    frame = api.deals(include_aggregates=True).drop(columns="counts_in_totals")
    # the timeline's hover text and legend are page text: who and what, the instrument in words (ids stay in the CSV)
    frame["label"] = frame["counterparty"].fillna("") + " — " + frame["project"].fillna("")
    return frame


def _agencies() -> list[str]:
    return ["all", *sorted(_deals()["agency"].dropna().unique())]


def _validate(values: dict, explicit: set) -> dict:
    return {"by": choice("by", values["by"], list(BY)), "agency": choice("agency", values["agency"], _agencies(),
                                                                      normalise=False),
            "vault": choice("vault", values["vault"], _presets()["preset"].tolist(), normalise=False),
            "basis": choice("basis", values["basis"], list(BASES)), "split": choice("split", values["split"], list(SPLITS)),
            "months": int(choice("months", str(values["months"]), [str(m) for m in MONTHS]))}


@memo(1)
def _presets() -> pd.DataFrame:
    from rexlib.metrics.stockpile import stockpile_presets
    return stockpile_presets()


@memo(64)
def _vault(preset: str, basis: str, split: str, months: int) -> pd.DataFrame:
    from rexlib.metrics.stockpile import stockpile
    budget = float(_presets().set_index("preset").loc[preset, "budget_usd"])
    return stockpile(budget, basis=basis, split=split, months=months)


@memo(64)
def grouped(by: str, agency: str) -> pd.DataFrame:
    """USD and deal counts per group (:func:`rexlib.metrics.deal_totals`, the one summation of
    deals), minerals by name. ``usd`` is NaN where no deal states an amount (not disclosed)."""
    out = mb.deal_totals(by, None if agency == "all" else agency)
    if by == "mineral" and len(out):
        minerals = api.minerals()
        names = dict(zip(minerals["mineral_id"], minerals["name"]))
        out = (out.assign(group=[names.get(k, k) for k in out["group"]])      # ties ordered by name
               .sort_values(["usd", "group"], ascending=[False, True], na_position="last").reset_index(drop=True))
    return out


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
    publish_axes = (("by", "agency"), ("vault", "basis"), ("split", "months"))   # rex publish: crossed groups
    title = "Financing"
    lede = ("Loans, equity, grants, offtakes and price floors announced for critical minerals (cited, 2026 "
            "documents): when, by whom, for what, and whether the riskiest minerals get any.")

    def __init__(self, by="agency", agency="all", vault=DEFAULTS["vault"], basis=DEFAULTS["basis"],
                 split=DEFAULTS["split"], months=DEFAULTS["months"]):
        resolved = c.resolve([c.Param("by", by, DEFAULTS["by"]), c.Param("agency", agency, DEFAULTS["agency"]),
                              c.Param("vault", vault, DEFAULTS["vault"]), c.Param("basis", basis, DEFAULTS["basis"]),
                              c.Param("split", split, DEFAULTS["split"]),
                              c.Param("months", months, DEFAULTS["months"], int)],
                             _validate, warmup=lambda: (mb.deal_flows(), vulnerability(), _vault(
                                 DEFAULTS["vault"], DEFAULTS["basis"], DEFAULTS["split"], DEFAULTS["months"])))
        super().__init__(resolved)
        v = resolved.values
        self.by = c.dropdown("Group by", [(label, key) for key, label in BY.items()], v["by"], "240px")
        self.agency = c.dropdown("Agency", _agencies(), v["agency"], "300px")
        presets = _presets()
        self.vault = c.dropdown("Project Vault budget", list(zip(presets["label"], presets["preset"])), v["vault"], "420px")
        self.basis = c.dropdown("Covers", [(label, key) for key, label in BASES.items()], v["basis"], "240px")
        self.split = c.dropdown("Budget split", [(label, key) for key, label in SPLITS.items()], v["split"], "220px")
        self.months = c.dropdown("Cost of months", list(MONTHS), v["months"], "150px")
        self.watch(self.by, self.agency, self.vault, self.basis, self.split, self.months)

    def controls(self):
        return [self.by, self.agency, self.vault, self.basis, self.split, self.months]

    def render(self) -> list[str]:
        by, agency = self.by.value, self.agency.value
        cache = sections("financing")
        # Everything above the vulnerability chart names both parameters in its source lines;
        # the vulnerability section depends on neither and is built once.
        parts = cache.get(("deals", by, agency), lambda: self._deals_sections(by, agency))
        parts += cache.get(("vulnerability",), self._vulnerability)
        key = (self.vault.value, self.basis.value, self.split.value, int(self.months.value))
        parts += cache.get(("vault", *key), lambda: vault_section(*key))
        return parts

    def _deals_sections(self, by, agency) -> list[str]:
        deals = _deals()
        params = {"by": by, "agency": agency}
        src = source_line("deals table (data/curated/deals.csv)", params=params, publisher=CURATED_PUBLISHER)
        chosen = deals if agency == "all" else deals[deals["agency"] == agency]
        single, aggregates = chosen[~chosen["is_aggregate"]], chosen[chosen["is_aggregate"]]
        parts = [c.heading("Deals over time")]
        parts.append(c.chart_html(deals_timeline(single.assign(instrument=single["instrument"].map(words)),
                                                 title="Announced deals with a USD amount", source=src,
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
        names = mb.mineral_names()
        parts.append(c.table_html(gaps.assign(mineral=gaps["mineral_id"].map(lambda m: names.get(m, m))),
                                  "financing_gaps", download=gaps, columns={
            "mineral": "Mineral", "stage": "Stage", "score": "EU SR", "rank": "Rank", "hhi": "HHI",
            "nir_pct": "NIR %"}, max_rows=25))
        return parts


def vault_section(preset: str = DEFAULTS["vault"], basis: str = DEFAULTS["basis"], split: str = DEFAULTS["split"],
                  months: int = DEFAULTS["months"]) -> list[str]:
    """Project Vault (rexlib.stockpile): what the preset's budget buys of each mineral at the newest USGS
    price, the months of U.S. net imports or consumption it covers, and the cost of ``months`` months;
    withheld or missing inputs said per mineral."""
    from rexlib.core.fmt import cite_document, fmt_usd
    from rexlib.metrics.stockpile import months_text

    def fmt_money(value) -> str:
        return fmt_usd(value) or "not computable"
    presets = _presets().set_index("preset")
    row = presets.loc[preset]
    frame = _vault(preset, basis, split, months)
    names = dict(zip(api.minerals()["mineral_id"], api.minerals()["name"]))
    shown = frame.assign(name=frame["mineral_id"].map(lambda m: names.get(m, m)),
                         budget=frame["budget_usd"].map(fmt_money),
                         price_text=[f"{p:,.2f} {u} ({y}{', estimated' if 'estimated' in str(f) else ''})" if u else "—"
                                     for p, u, y, f in zip(frame["price"], frame["price_unit"], frame["price_year"],
                                                           frame["price_flag"])],
                         cost=frame["cost_of_months_usd"].map(fmt_money),
                         months_shown=frame["months_covered"].map(months_text),
                         note=frame["status"].replace({"ok": "—"}))
    out = [c.heading(f"Project Vault: what {fmt_money(row['budget_usd'])} buys")]
    out.append(c.message(
        f"{row['label']}. Budget split: {SPLITS[split].lower()} across {len(frame)} minerals, each "
        f"bought in a declared form. Prices: the newest USGS MCS2026 price of the form named; months: quantity ÷ the "
        f"{'net imports (apparent consumption × headline net import reliance)' if basis == 'net_imports' else 'apparent consumption'}"
        " per month. Where USGS withholds (W) or does not report a figure, the row says so; nothing is set to zero.", "info"))
    out.append(c.table_html(shown, f"vault_{preset}_{basis}_{split}_{months}", columns={
        "name": "Mineral", "budget": "Budget", "form": "Bought as", "price_text": "USGS price", "quantity_t": "Metric tons",
        "months_shown": BASES[basis], "cost": f"Cost of {months} months", "note": "Missing / note"},
        max_rows=20, download=frame))
    caveats = [f"{names.get(m, m)}: {t}" for m, t in zip(frame["mineral_id"], frame["caveat"]) if t]
    if caveats:
        out.append(f'<div class="rex-note">{esc("Caveats — " + " ".join(caveats))}</div>')
    src = source_line("USGS MCS2026 salient statistics (prices, consumption, net import reliance) × deals (curated); "
                      "computed by rex", ["MCS2026"], publisher=None)      # prose: the address names the view
    # the budget's documents as people cite them (headline, publisher, date), not ids and file names
    deals = _deals().set_index("deal_id")
    cited = dict.fromkeys(cite_document(deals.at[d, "source_doc"], deals.at[d, "source_title"])
                          for d in row["deals"].split(";"))
    out.append(f'<div class="rex-note">{esc(" ".join(src))} Budget: {esc("; ".join(cited))}.</div>')
    return out


def app(by="agency", agency="all", vault=DEFAULTS["vault"], basis=DEFAULTS["basis"], split=DEFAULTS["split"],
        months=DEFAULTS["months"]) -> Financing:
    return Financing(by, agency, vault, basis, split, months)
