"""The EU criticality method's supply risk, recomputed from the European Commission's 2023 study
(Appendix 7 shares, an unofficial transcription) and the World Bank's WGI; pure functions over frames.

Method (European Commission (2017), *Methodology for establishing the EU list of critical raw
materials*, used for the 2017, 2020 and 2023 lists):

    SR = [HHI_WGI,t(GS) × IR/2 + HHI_WGI,t(EUS) × (1 − IR/2)] × (1 − EoL_RIR) × SI_SR
    HHI_WGI,t = Σ_i (S_i)² × WGI_i × t_i

with GS the global supply shares and EUS the EU sourcing shares (domestic production + imports) of
the stage assessed, ``S_i`` as a fraction, ``WGI_i`` the country's governance score rescaled to
0 (best) .. 10 (worst), ``t_i`` the trade parameter, ``IR`` the EU's import reliance, ``EoL_RIR``
the end-of-life recycling input rate and ``SI_SR`` the substitution index.

What rex computes, and what it cannot:

* **computed**: ``HHI_WGI,t`` of GS and of EUS for every material and stage of Appendix 7
  (``eu_crm_global_supply``, ``eu_crm_eu_sourcing`` with their ``t``), through the one HHI_WGI rule
  (:func:`rexlib.metrics.governance.hhi_wgi_of_shares`) and the one WGI scaling
  (:func:`rexlib.sources.wgi.governance_scores`, WGI 2023 update; the study used an earlier WGI
  vintage). A ``<0.1%`` share is not known exactly: it enters as unknown (``known = False``), so it
  adds nothing to the lower-bound index and at most (0.001)² × 10 each.
* **not available**: ``IR`` (the study's EU import reliance is not in Appendix 7): rex evaluates the
  formula at ``import_reliance`` (default 0.5, the middle of 0..1) and gives the two ends
  (``sr_ir0`` = the EUS term alone, ``sr_ir1`` = the mean of the two terms); ``EoL_RIR`` and
  ``SI_SR``: not in the transcription, taken as 0 and 1 (no recycling, no substitution), so rex's
  score is higher than the study's wherever recycling or substitutes lower it.
* **choices**: a material without EU sourcing shares of its own takes those of the EU group the
  study gives them for (the heavy rare earths), else its global supply (``eus_basis`` says which); the
  score of a material is that of its higher stage (the study assesses both stages and retains the
  bottleneck); for the EU groups HREE, LREE and PGM, whose published SR covers several materials,
  rex takes the highest of its members.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rexlib.core.formulas import eu_supply_risk
from . import _common as c
from .governance import hhi_wgi_of_shares

__all__ = ["hhi_wgi_t", "supply_risk_terms", "supply_risk_formula", "eu_style_supply_risk", "compare_with_published",
           "spearman",
           "METHOD", "DEFAULT_IMPORT_RELIANCE"]

DEFAULT_IMPORT_RELIANCE = 0.5
METHOD = ("EU supply risk (European Commission (2017) methodology) recomputed by rex from the EC CRM 2023 "
          "study's Appendix 7 shares (unofficial transcription; PDF not verified) and WGI: IR unknown "
          "(evaluated at {ir}), EoL_RIR = 0 and SI_SR = 1 (not available), higher stage retained")


def hhi_wgi_t(rows: pd.DataFrame, scores: pd.DataFrame, *, missing: str = "median") -> dict:
    """``HHI_WGI,t = Σ_i (S_i)² × WGI_i × t_i`` (EU scale 0..10) of one material and stage.

    ``rows``: ``country``, ``share_pct`` (percent), ``share_flag`` and ``t`` (the rows of
    ``rexlib.query.api.eu_supply_shares`` for one material and stage). ``scores``: governance scores
    (``iso3``, ``wgi_scaled``) of :func:`rexlib.sources.wgi.governance_scores`. Returns the dict of
    :func:`rexlib.metrics.governance.hhi_wgi_of_shares` (``hhi_wgi`` is the index) plus
    ``share_listed`` (percent, the printed shares' sum with bounds at their bound)."""
    bound = rows["share_flag"].fillna("").str.contains("bound").to_numpy(dtype=bool)
    parts = pd.DataFrame({"country": rows["country"].to_numpy(), "value": rows["share_pct"].to_numpy(dtype=float),
                          "known": ~bound})
    trade = dict(zip(rows["country"], rows["t"].astype(float)))
    out = hhi_wgi_of_shares(c.percent_parts(parts), scores=scores, trade=trade, missing=missing)
    out["share_listed"] = float(rows["share_pct"].sum())
    return out


def _terms(frame: pd.DataFrame, scores: pd.DataFrame, missing: str) -> pd.DataFrame:
    rows = []
    keys = ["material", "mineral_id", "family_id", "stage_mineral_id", "material_group_id", "stage", "period"]
    for key, group in frame.groupby(keys, dropna=False, sort=True):
        res = hhi_wgi_t(group, scores, missing=missing)
        rows.append(dict(zip(keys, key), hhi_wgi_t=res["hhi_wgi"], share_listed=res["share_listed"],
                         share_without_wgi=res["share_without_wgi"], countries_without_wgi=res["countries_without_wgi"],
                         wgi_year=res["wgi_year"], provenance=group["provenance"].iloc[0]))
    return pd.DataFrame(rows)


def supply_risk_terms(global_supply: pd.DataFrame, eu_sourcing: pd.DataFrame, scores: pd.DataFrame, *,
                      missing: str = "median") -> pd.DataFrame:
    """The two concentration terms of the EU supply risk, per material and stage of the global supply.

    ``global_supply`` / ``eu_sourcing``: ``rexlib.query.api.eu_supply_shares()`` with ``basis='global'`` /
    ``'eu_sourcing'``. Columns: material, mineral_id, family_id, stage, period, hhi_wgi_gs,
    hhi_wgi_eus (EU scale 0..10), eus_basis (``material``: the material's own EU sourcing at this
    stage, matched by what the stage produces, so Titanium E takes "Titanium ores" E; ``group``: its EU
    group's, e.g. "Heavy Rare earths Elements" for dysprosium; ``global_supply``: none given, GS used
    in its place), eus_material, share_listed_gs, share_listed_eus (percent), share_without_wgi_gs,
    wgi_year, provenance."""
    gs = _terms(global_supply, scores, missing)
    eus = _terms(eu_sourcing, scores, missing)
    by_stage = {(r.stage_mineral_id, r.stage): r for r in eus.itertuples()}
    by_group = {(r.mineral_id, r.stage): r for r in eus.itertuples()}
    rows = []
    for r in gs.itertuples():
        match, basis = by_stage.get((r.stage_mineral_id, r.stage)), "material"
        if match is None and isinstance(r.material_group_id, str):
            match, basis = by_group.get((r.material_group_id, r.stage)), "group"
        if match is None:
            basis = "global_supply"
        rows.append(dict(
            material=r.material, mineral_id=r.mineral_id, family_id=r.family_id,
            material_group_id=r.material_group_id, stage=r.stage, period=r.period, hhi_wgi_gs=r.hhi_wgi_t,
            hhi_wgi_eus=match.hhi_wgi_t if match is not None else r.hhi_wgi_t, eus_basis=basis,
            eus_material=match.material if match is not None else None, share_listed_gs=r.share_listed,
            share_listed_eus=match.share_listed if match is not None else np.nan,
            share_without_wgi_gs=r.share_without_wgi, wgi_year=r.wgi_year, provenance=r.provenance))
    return pd.DataFrame(rows)


def supply_risk_formula(hhi_wgi_gs, hhi_wgi_eus, ir, eol_rir=0.0, si_sr=1.0):
    """The EU method's supply risk (:func:`rexlib.core.formulas.eu_supply_risk`, the one formula; also
    used by ``rexlib.metrics.risk`` for its U.S.-based score)."""
    return eu_supply_risk(hhi_wgi_gs, hhi_wgi_eus, ir, eol_rir, si_sr)


_sr = supply_risk_formula


def eu_style_supply_risk(terms: pd.DataFrame, *, import_reliance: float | Mapping[str, float] = DEFAULT_IMPORT_RELIANCE
                         ) -> pd.DataFrame:
    """rex's EU-style supply risk per material: the method's formula on :func:`supply_risk_terms`,
    with ``EoL_RIR = 0`` and ``SI_SR = 1`` and ``IR = import_reliance`` (a fraction 0..1, or a mapping
    mineral_id -> fraction with ``'*'`` as the default), at the material's higher stage.

    Columns: material, mineral_id, family_id, material_group_id, stage (the stage retained), sr_rex,
    sr_ir0 (IR = 0: the EUS term alone), sr_ir1 (IR = 1: mean of the two terms), hhi_wgi_gs,
    hhi_wgi_eus, eus_basis, import_reliance, period, provenance, method."""
    def ir_of(mid: str) -> float:
        value = import_reliance.get(mid, import_reliance.get("*", DEFAULT_IMPORT_RELIANCE)) \
            if isinstance(import_reliance, Mapping) else import_reliance
        value = float(value)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"import_reliance of {mid} must be a fraction 0..1, got {value}")
        return value

    out = terms.copy()
    out["import_reliance"] = [ir_of(m) for m in out["mineral_id"]]
    out["sr_rex"] = _sr(out["hhi_wgi_gs"], out["hhi_wgi_eus"], out["import_reliance"])
    out["sr_ir0"] = _sr(out["hhi_wgi_gs"], out["hhi_wgi_eus"], 0.0)
    out["sr_ir1"] = _sr(out["hhi_wgi_gs"], out["hhi_wgi_eus"], 1.0)
    out = out.sort_values(["material", "sr_rex", "stage"], ascending=[True, False, True])
    best = out.drop_duplicates("material", keep="first").copy()
    label = import_reliance if not isinstance(import_reliance, Mapping) else "per mineral"
    best["method"] = METHOD.format(ir=f"IR = {label}")
    cols = ["material", "mineral_id", "family_id", "material_group_id", "stage", "sr_rex", "sr_ir0", "sr_ir1",
            "hhi_wgi_gs", "hhi_wgi_eus", "eus_basis", "import_reliance", "period", "provenance", "method"]
    return best[cols].sort_values("sr_rex", ascending=False).reset_index(drop=True)


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman rank correlation of two aligned series (average ranks for ties; pairs with a NaN are
    dropped): the Pearson correlation of the ranks. NaN with fewer than 3 pairs."""
    pair = pd.DataFrame({"a": pd.to_numeric(a, errors="coerce").to_numpy(),
                         "b": pd.to_numeric(b, errors="coerce").to_numpy()}).dropna()
    if len(pair) < 3:
        return float("nan")
    return float(pair["a"].rank().corr(pair["b"].rank()))


# The published SR rounds to one decimal.
_ROUNDING = 0.05


def _difference(published: float, low: float, high: float) -> str:
    """Which of the terms rex lacks can account for the published SR, given rex's range over IR 0..1
    (with no recycling and no substitution, the most the formula can give)."""
    if published < low - _ROUNDING:
        return (f"below rex's range: recycling/substitution (EoL_RIR, SI_SR) would have to lower the "
                f"score to {published / low:.2f} of rex's")
    if published > high + _ROUNDING:
        return "above rex's range: the study's shares, sourcing or WGI give more than rex's inputs"
    return "within rex's range over IR 0..1"


def compare_with_published(risk: pd.DataFrame, criticality: pd.DataFrame, *, year: int = 2023,
                           score: str = "sr_rex") -> tuple[pd.DataFrame, float]:
    """rex's EU-style score beside the published SR of assessment ``year``, material by material.

    ``risk``: :func:`eu_style_supply_risk`; ``criticality``: ``rexlib.query.api.eu_criticality()``.
    Published rows are matched by mineral id; a published group (HREE, LREE, PGM) takes the highest
    score of the materials rex scores in that group (``members``). Returns ``(frame, rho)``: columns
    mineral_id, material (published name), sr_published, ei_published, eu_critical, rex_score,
    rex_stage, rank_published, rank_rex (1 = highest supply risk), rank_difference, members,
    eus_basis, rex_low/rex_high (rex's score at IR 0 and 1 at that stage, ordered), difference
    (whether the published SR lies below that range, which only the recycling and substitution terms
    rex lacks can explain, within it, which the unknown IR can, or above it, where rex's inputs fall
    short of the study's); ``rho`` the Spearman rank correlation of rex_score and sr_published."""
    pub = criticality[(criticality["assessment_year"] == year) & criticality["sr"].notna()]
    rows = []
    for rec in pub.itertuples():
        own = risk[risk["mineral_id"] == rec.mineral_id]
        members = risk[risk["material_group_id"] == rec.mineral_id] if own.empty else own
        if members.empty:
            continue
        top = members.sort_values(score, ascending=False).iloc[0]
        low, high = sorted((float(top["sr_ir0"]), float(top["sr_ir1"])))
        rows.append(dict(mineral_id=rec.mineral_id, material=rec.material, sr_published=rec.sr,
                         ei_published=rec.ei, eu_critical=rec.eu_critical, rex_score=float(top[score]),
                         rex_stage=top["stage"], rex_low=low, rex_high=high,
                         difference=_difference(rec.sr, low, high),
                         members=";".join(sorted(members["material"])) if own.empty else "",
                         eus_basis=top["eus_basis"]))
    out = pd.DataFrame(rows)
    if out.empty:
        return out, float("nan")
    out["rank_published"] = out["sr_published"].rank(ascending=False, method="min").astype(int)
    out["rank_rex"] = out["rex_score"].rank(ascending=False, method="min").astype(int)
    out["rank_difference"] = out["rank_rex"] - out["rank_published"]
    rho = spearman(out["rex_score"], out["sr_published"])
    return out.sort_values("sr_published", ascending=False).reset_index(drop=True), rho
