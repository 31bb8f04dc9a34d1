"""Supply-risk scores: a USGS-2022-style score (disruption potential × trade exposure × economic
vulnerability) for the United States, and the EU's supply risk recomputed with the EU method on the
EC 2023 study's own shares (the EU's view; a U.S. net exporter is never ranked), each as far as
public data allows, plus a weight-sensitivity check.

Sources: USGS MCS production (MCS2023–MCS2026), USGS MCS2026 net import reliance (salient
statistics 2021–2025), the EC 2023 criticality study's Appendix 7 (unofficial transcription), WGI
2022 (2023 update).

Methods followed (with the simplifications listed in each function and in docs/methods.md):
Nassar, N.T. & Fortier, S.M. (2021), *Methodology and technical input for the 2021 review and
revision of the U.S. Critical Minerals List*, USGS Open-File Report 2021–1045 (used for the 2022
list), building on Nassar et al. (2020), *Science Advances* 6, eaay8647; European Commission (2017),
*Methodology for establishing the EU list of critical raw materials*.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rexlib.query import api
from rexlib.core import validate as v
from rexlib.core.formulas import eu_supply_risk
from rexlib.query.warehouse import memo
from . import _common as c
from . import eu_method
from .governance import WGI_METHOD, WGI_YEAR, hhi_wgi_of_shares, wgi_scores

__all__ = ["risk_scores", "risk_sensitivity", "eu_method_scores", "DEFAULT_WEIGHTS", "EU_LABEL"]

# What the EU columns of risk_scores are, in one line for every surface that shows them.
EU_LABEL = "EU supply risk (EU method recomputed by rex from the EC 2023 study's shares)"

DEFAULT_WEIGHTS = {"dp": 1.0, "te": 1.0, "ev": 1.0}


@memo(4)
def eu_method_scores(wgi_year: int = WGI_YEAR, missing: str = "median") -> pd.DataFrame:
    """The EU method's supply risk recomputed by rex from the EC 2023 study's own shares (global
    supply and EU sourcing, Appendix 7, with ``t``; :mod:`rexlib.metrics.eu_method`), with the terms rex
    has: the EU's IR is not published there (evaluated at 0.5), EoL_RIR = 0 and SI_SR = 1 (not
    available; :func:`risk_scores` applies ``eol_rir`` / ``substitution`` on top). One row per EU material
    at its higher stage (the bottleneck, as the study retains it)."""
    terms = eu_method.supply_risk_terms(api.eu_supply_shares(), api.eu_supply_shares(basis="eu_sourcing"),
                                        wgi_scores(wgi_year), missing=missing)
    return eu_method.eu_style_supply_risk(terms)


def _eu_terms_of(eu: pd.DataFrame, mid: str) -> dict | None:
    """The EU material that stands for rex's ``mid``: its own (the highest, where the study has
    several, e.g. aluminium and aluminium/bauxite), else the highest member of the EU group or
    family it names (rare_earths_heavy -> the HREEs, rare_earths -> every REE: the bottleneck, as the
    study retains a material's higher stage). None when the study does not assess it."""
    rows = eu[eu["mineral_id"] == mid]
    if rows.empty:
        rows = eu[(eu["material_group_id"] == mid) | (eu["family_id"] == mid)]
    if rows.empty:
        return None
    return rows.sort_values("sr_rex", ascending=False).iloc[0].to_dict()


def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    out = dict(DEFAULT_WEIGHTS)
    for k, val in (weights or {}).items():
        key = c.choice("weight", k, list(DEFAULT_WEIGHTS))
        out[key] = c.number(f"weight {key}", val, 0, 10)
    return out


def _per_mineral(value: float | Mapping[str, float], mid: str, name: str, low: float, high: float) -> float:
    if isinstance(value, Mapping):
        return c.number(f"{name}[{mid}]", value.get(mid, value.get("*", 1.0 if name == "ev" else 0.0)), low, high)
    return c.number(name, value, low, high)


@memo(16)
def _components(year: int | None, mids: tuple[str, ...], wgi_year: int, missing: str) -> pd.DataFrame:
    """Per-mineral inputs that do not depend on weights: HHI, HHI_WGI, DP, NIR/TE, sourcing HHI_WGI."""
    info = c.minerals_table().set_index("mineral_id")
    rows = []
    for mid in mids:
        series = c.primary_series(mid, year)
        if series is None or series.world_reported is None or not c.has_listed_countries(series):
            continue  # no world total or no producer listed (e.g. yttrium: world total only)
        res = hhi_wgi_of_shares(series.parts, wgi_year=wgi_year, missing=missing)
        n = c.nir(mid, series.year)
        te = n.fraction
        flags = []
        if res["withheld"]:
            flags.append("withheld_production")
        if te is None:
            flags.append("nir_unknown")
            flags.append("eu_ir_unknown_set_0")
        elif n.bound in (">", "<"):
            flags.append(f"nir_bound_{'lower' if n.bound == '>' else 'upper'}")
        elif n.bound == "E":
            flags.append("us_net_exporter")
        crit = info.at[mid, "critical_2022"] if mid in info.index else False
        rows.append(dict(
            mineral_id=mid, name=info.at[mid, "name"] if mid in info.index else mid,
            critical_2022=bool(crit) if pd.notna(crit) else False,
            stage=series.stage, year=series.year, vintage=series.vintage, hhi=res["hhi"], hhi_wgi=res["hhi_wgi"],
            dp=res["hhi_wgi"] / 10.0, nir_pct=n.pct, nir_bound=n.bound, nir_year=n.year,
            te=np.nan if te is None else te, us_net_exporter=n.bound == "E", flags=";".join(flags)))
    return pd.DataFrame(rows)


def risk_scores(year: int | None = None, *, critical: str | None = None, minerals: list[str] | None = None,
                weights: Mapping[str, float] | None = None, ev: float | Mapping[str, float] = 1.0,
                eol_rir: float | Mapping[str, float] = 0.0, substitution: float | Mapping[str, float] = 1.0,
                ir_weight: float = 0.5, wgi_year: int = WGI_YEAR, missing: str = "median",
                usgs_threshold_quantile: float = 0.75, eu_threshold: float = 1.0) -> pd.DataFrame:
    """Supply-risk scores per mineral, one row each, ranked.

    **(a) USGS-style** (Nassar & Fortier 2021): ``usgs_sr = DP^w_dp × TE^w_te × EV^w_ev``.

    * ``DP`` disruption potential = ``Σ_i s_i² × g_i`` with ``s_i`` the country's share of world
      production (fraction) and ``g_i`` its WGI score scaled 0–1 (``wgi_scaled / 10``, 1 = worst);
      i.e. HHI_WGI / 10, 0–1. USGS used the production stage the U.S. imports and a multi-year
      window; here: the USGS mine stage (else refinery, smelter, metal, production, plant), one year
      (latest or ``year``), lower bound (``ROW`` spread thin).
    * ``TE`` trade exposure = U.S. net import reliance / 100, clipped to 0–1 (net exporter ``E`` →
      0; ``>95`` → 0.95, the bound; NA/W → unknown, score NaN). The headline NIR
      (``import_reliance.headline``) for the production year (or the newest year). USGS
      also adjusted for the reliability of import partners; not done here.
    * ``EV`` economic vulnerability: not publicly available (USGS derives it from confidential
      industry data) → parameter ``ev`` (number or ``{mineral_id: value, '*': default}``),
      default 1.0 (neutral: the score then ranks on DP × TE only).
    * Weights: exponents ``weights={'dp':1,'te':1,'ev':1}`` (1,1,1 = the plain USGS product).
      ``high_risk_usgs``: score at or above the ``usgs_threshold_quantile`` quantile of the scored
      minerals (USGS's 0.40 cut-off applies to its own scaling and is not comparable).

    **(b) The EU's supply risk, EU method recomputed by rex** (European Commission 2017, the method
    of the 2017-2023 lists), from the EC 2023 study's own shares (:func:`eu_method_scores`):
    ``eu_sr = [HHI_WGI,t(GS) × IR × ir_weight + HHI_WGI,t(EUS) × (1 − IR × ir_weight)] × (1 − EoL_RIR) × SI_SR``
    with GS / EUS the study's global-supply and EU-sourcing shares (Appendix 7, with the trade
    parameter ``t``) at the material's higher stage, ``ir_weight = 0.5`` (the EC's IR/2) and the
    terms rex has: the EU's IR is not published with the shares (evaluated at 0.5), ``eol_rir``
    (default 0) and ``substitution`` (SI_SR, default 1) are parameters. It answers for the EU, as the
    study does; NaN where the study does not assess the mineral. It is **not** a U.S. score: an
    earlier "EU-style (U.S. sourcing)" variant put the United States' own supply into the sourcing
    term as one country at 100 %, so every U.S. net exporter scored WGI_USA = 3.01 (rank correlation
    0.30 with the EU's 2023 SR, against 0.90 for this one).
    ``us_net_exporter`` (USGS NIR "E"): such a mineral is never a U.S. supply risk, so it gets no
    ``eu_rank`` and ``high_risk_eu`` is False whatever the EU's score; ``eu_rank`` ranks the others.
    ``high_risk_eu``: ``eu_sr >= eu_threshold`` (EC: 1.0) and not a U.S. net exporter.

    Columns: mineral_id, name, critical_2022, stage, year, vintage, hhi, hhi_wgi, dp, nir_pct,
    nir_bound, nir_year, te, ev, usgs_sr, usgs_rank, us_net_exporter, eu_material, eu_stage,
    hhi_wgi_gs_eu, hhi_wgi_eus, eus_basis, eol_rir, substitution, eu_sr, eu_rank, high_risk_usgs,
    high_risk_eu, flags, wgi_year, method.
    """
    w = _weights(weights)
    ir_weight = c.number("ir_weight", ir_weight, 0, 1)
    q = c.number("usgs_threshold_quantile", usgs_threshold_quantile, 0, 1)
    eu_threshold = c.number("eu_threshold", eu_threshold, 0)
    c.choice("missing", missing, ["median", "mean", "worst", "exclude"])
    wgi_year = v.year("wgi_year", wgi_year, c.query("SELECT DISTINCT year FROM governance")["year"])
    if year is not None:
        year = v.year("year", year, sorted(int(y) for y in c._production_all()["year"].unique()))
    if minerals is not None:
        mids = sorted({c.mineral(m) for m in minerals})
    else:
        keep = c.critical_set(critical)
        mids = sorted(m for m in c._production_all()["mineral_id"].unique() if keep is None or m in keep)
    comp = _components(year, tuple(mids), wgi_year, missing)
    eu = eu_method_scores(wgi_year, missing)
    rows = []
    for rec in comp.to_dict("records"):
        mid = rec["mineral_id"]
        e = _per_mineral(ev, mid, "ev", 0, 1e6)
        eol = _per_mineral(eol_rir, mid, "eol_rir", 0, 1)
        si = _per_mineral(substitution, mid, "substitution", 0, 10)
        te, dp = rec["te"], rec["dp"]
        flags = [f for f in rec["flags"].split(";") if f]
        usgs = np.nan if pd.isna(te) else (dp ** w["dp"]) * (te ** w["te"]) * (e ** w["ev"])
        terms = _eu_terms_of(eu, mid)
        if terms is None:
            flags.append("not_assessed_by_eu")
            eu_cols = dict(eu_material=None, eu_stage=None, hhi_wgi_gs_eu=np.nan, hhi_wgi_eus=np.nan,
                           eus_basis=None, eu_sr=np.nan)
        else:
            eu_cols = dict(eu_material=terms["material"], eu_stage=terms["stage"],
                           hhi_wgi_gs_eu=terms["hhi_wgi_gs"], hhi_wgi_eus=terms["hhi_wgi_eus"],
                           eus_basis=terms["eus_basis"],
                           eu_sr=eu_supply_risk(terms["hhi_wgi_gs"], terms["hhi_wgi_eus"],
                                                eu_method.DEFAULT_IMPORT_RELIANCE, eol, si, ir_weight))
        rows.append({**rec, "ev": e, "usgs_sr": usgs, "eol_rir": eol, "substitution": si, **eu_cols,
                     "flags": ";".join(flags), "wgi_year": wgi_year})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["usgs_rank"] = out["usgs_sr"].rank(ascending=False, method="min").astype("Int64")
    exporter = out["us_net_exporter"].astype(bool)
    out["eu_rank"] = out["eu_sr"].where(~exporter).rank(ascending=False, method="min").astype("Int64")
    cut = out["usgs_sr"].quantile(q) if out["usgs_sr"].notna().any() else np.nan
    out["high_risk_usgs"] = out["usgs_sr"] >= cut
    out["high_risk_eu"] = (out["eu_sr"] >= eu_threshold) & ~exporter
    out["method"] = ("USGS-style DP x TE x EV (Nassar & Fortier 2021), simplified; " + EU_LABEL
                     + " at IR 0.5 (the EU's IR is not in the study's tables), U.S. net exporters not ranked; "
                     + WGI_METHOD)
    cols = ["mineral_id", "name", "critical_2022", "stage", "year", "vintage", "hhi", "hhi_wgi", "dp",
            "nir_pct", "nir_bound", "nir_year", "te", "ev", "usgs_sr", "usgs_rank", "us_net_exporter",
            "eu_material", "eu_stage", "hhi_wgi_gs_eu", "hhi_wgi_eus", "eus_basis", "eol_rir", "substitution",
            "eu_sr", "eu_rank", "high_risk_usgs",
            "high_risk_eu", "flags", "wgi_year", "method"]
    return out[cols].sort_values(["usgs_rank", "mineral_id"], na_position="last").reset_index(drop=True)


def risk_sensitivity(delta_pct: float = 20.0, *, method: str = "usgs", top: int | None = None,
                     **kwargs) -> pd.DataFrame:
    """Which minerals change rank when the weights move by ± ``delta_pct`` %.

    ``method='usgs'``: each exponent weight (dp, te, ev) is multiplied by ``1 ± delta_pct/100`` in
    turn; ``method='eu'``: ``ir_weight`` (0.5) and a uniform ``eol_rir`` (0 → delta_pct/100) are
    moved. For every perturbation the minerals are re-ranked; the output has one row per mineral:
    base_rank, min_rank, max_rank, max_rank_change (absolute), changed (bool), and which
    perturbation moved it most. ``top`` restricts the comparison to minerals in the base top-``top``
    (ranks are still computed over all minerals). ``kwargs`` go to :func:`risk_scores`.
    """
    method = c.choice("method", method, ["usgs", "eu"])
    d = c.number("delta_pct", delta_pct, 0, 100) / 100.0
    rank = "usgs_rank" if method == "usgs" else "eu_rank"
    base_w = _weights(kwargs.pop("weights", None))
    base = risk_scores(weights=base_w, **kwargs)
    base = base[base[rank].notna()]     # scored and ranked (a U.S. net exporter has no EU rank)
    ranks = {"base": base.set_index("mineral_id")[rank].astype(float)}
    runs: list[tuple[str, dict]] = []
    if method == "usgs":
        for k in base_w:
            for sign in (+1, -1):
                w = dict(base_w)
                w[k] = base_w[k] * (1 + sign * d)
                runs.append((f"{k} {'+' if sign > 0 else '-'}{delta_pct:g}%", dict(weights=w)))
    else:
        irw = kwargs.pop("ir_weight", 0.5)
        for sign in (+1, -1):
            runs.append((f"ir_weight {'+' if sign > 0 else '-'}{delta_pct:g}%",
                         dict(weights=base_w, ir_weight=min(1.0, irw * (1 + sign * d)))))
        runs.append((f"eol_rir {d:g}", dict(weights=base_w, ir_weight=irw, eol_rir=d)))
        kwargs = {k: val for k, val in kwargs.items() if k != "eol_rir"}
    for label, extra in runs:
        frame = risk_scores(**{**kwargs, **extra})
        frame = frame[frame[rank].notna()]
        ranks[label] = frame.set_index("mineral_id")[rank].astype(float)
    table = pd.DataFrame(ranks).loc[base["mineral_id"]]
    if top is not None:
        table = table[table["base"] <= int(c.number("top", top, 1))]
    pert = table.drop(columns="base")
    change = pert.sub(table["base"], axis=0)
    out = pd.DataFrame({
        "mineral_id": table.index, "base_rank": table["base"].astype(int).values,
        "min_rank": pert.min(axis=1).astype(int).values, "max_rank": pert.max(axis=1).astype(int).values,
        "max_rank_change": change.abs().max(axis=1).astype(int).values,
        "most_sensitive_to": change.abs().idxmax(axis=1).where(change.abs().max(axis=1) > 0, "").values,
    })
    out["changed"] = out["max_rank_change"] > 0
    out["method"] = method
    out["delta_pct"] = delta_pct
    return out.sort_values(["max_rank_change", "base_rank"], ascending=[False, True]).reset_index(drop=True)
