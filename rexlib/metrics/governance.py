"""Governance-weighted concentration (HHI_WGI), following the EU criticality methodology.

Method: European Commission (2017), *Methodology for establishing the EU list of critical raw
materials*, Publications Office of the EU, Luxembourg (and the JRC background report, Blengini et
al. 2017, EUR 28654 EN). The supply-risk indicator uses

    HHI_WGI = Σ_i (S_i)² × WGI_i

with ``S_i`` the share of country ``i`` in global supply **as a fraction (0–1)** and ``WGI_i`` the
country's Worldwide Governance Indicators score rescaled to 0–10 (0 = best, 10 = worst governance).
HHI_WGI therefore lies between 0 and 10 (a single producer with the worst governance). We keep that
EU scale; with shares in percent it equals ``Σ (s_pct)² × WGI / 10,000``.

WGI: World Bank Worldwide Governance Indicators, 2023 update (data to 2022, the latest year in the
``governance`` table); the score of a country is the unweighted mean of the six estimates
(VA, PV, GE, RQ, RL, CC ``.EST``, −2.5..2.5) rescaled ``(2.5 − mean) × 2`` and clipped to 0..10 —
:func:`rexlib.sources.wgi.governance_scores`.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rexlib.core import formulas
from rexlib.core import validate as v
from . import _common as c
from .concentration import _series, hhi_bounds

__all__ = ["wgi_scores", "wgi_fill_value", "hhi_wgi_of_shares", "hhi_wgi", "governance_table",
           "WGI_YEAR", "WGI_METHOD"]

from ..sources.wgi import WGI_METHOD  # noqa: E402

WGI_YEAR = 2022
MISSING_RULES = ("median", "mean", "worst", "exclude")


def wgi_scores(year: int = WGI_YEAR) -> pd.DataFrame:
    """WGI governance score per country for ``year`` on the EU 0–10 scale.

    Columns: iso3, wgi_mean (−2.5..2.5, higher = better), wgi_scaled (0 = best .. 10 = worst),
    n_indicators (of 6), wgi_year. Source: ``governance`` table (WGI 2023 update)."""
    out = c.wgi_table(int(year) if not isinstance(year, bool) and isinstance(year, (int, np.integer)) else year).copy()
    out["wgi_year"] = int(year)
    return out


def wgi_fill_value(rule: str = "median", year: int = WGI_YEAR) -> float | None:
    """Score given to producers without a WGI score (``ROW``, joint labels without parts ...).

    ``median``: median ``wgi_scaled`` of every scored country (default); ``mean``: their unweighted
    mean (the "world average"); ``worst``: 10; ``exclude``: None (their shares get no weight, i.e.
    they are treated as perfectly governed — reported, not recommended)."""
    rule = c.choice("missing", rule, MISSING_RULES)
    return _fill_value(rule, c.wgi_table(year)["wgi_scaled"])


def _fill_value(rule: str, scores: pd.Series) -> float | None:
    return {"median": float(scores.median()), "mean": float(scores.mean()), "worst": 10.0,
            "exclude": None}[rule]


def _score_lookup(year: int) -> dict[str, float]:
    table = c.wgi_table(year)
    return dict(zip(table["iso3"], table["wgi_scaled"]))


def _score(code: str, lookup: dict[str, float]) -> float | None:
    parts = c.joint_parts(code)
    vals = [lookup[p] for p in parts if p in lookup]
    return float(np.mean(vals)) if vals and len(vals) == len(parts) else None


def hhi_wgi_of_shares(share_frame: pd.DataFrame, *, wgi_year: int = WGI_YEAR,
                      missing: str = "median", scores: pd.DataFrame | None = None,
                      trade: Mapping[str, float] | None = None) -> dict:
    """HHI_WGI (EU 0–10 scale) of a share frame (``Series.parts``: the stored shares; or :func:`rexlib.metrics._common.percent_parts`).

    Lower bound ``hhi_wgi``: ``Σ_i (s_i/100)² × WGI_i`` over listed countries; the ``ROW``
    remainder (and any unallocated share) is spread over infinitely many producers and contributes
    0. Upper bound ``hhi_wgi_high`` adds ``(r/100)² × WGI_fill`` and ``(u/100)² × WGI_fill``.
    Listed countries without a score get ``WGI_fill`` (see :func:`wgi_fill_value`); their share and
    the remainder are reported as ``share_without_wgi`` (percent). Withheld values are not counted
    and are listed (``withheld``).

    ``scores``: governance scores to use instead of the database's for ``wgi_year`` (a frame of
    :func:`rexlib.sources.wgi.governance_scores`: ``iso3``, ``wgi_scaled``), so a caller holding
    frames needs no database. ``trade``: the EU method's trade parameter ``t_i`` per country (ISO3 ->
    factor, default 1), giving ``HHI_WGI,t = Σ_i (s_i/100)² × WGI_i × t_i`` (European Commission
    (2017) methodology); the remainder's upper-bound term takes ``t = 1``.
    """
    rule = c.choice("missing", missing, MISSING_RULES)
    if scores is None:
        lookup = _score_lookup(wgi_year)
        fill = wgi_fill_value(rule, wgi_year)
    else:
        lookup = dict(zip(scores["iso3"], scores["wgi_scaled"]))
        fill = _fill_value(rule, scores["wgi_scaled"])
    b = hhi_bounds(share_frame)
    parts = [(c_, v_, s_, bool(k), r == "remainder") for c_, v_, s_, k, r in
             zip(share_frame["country"], share_frame.get("value", share_frame["share_pct"]), share_frame["share_pct"],
                 share_frame["known"], share_frame["role"])]
    w = formulas.hhi_wgi(parts, lookup, fill, trade)      # the one HHI_WGI formula (also the build's)
    total, high = w["hhi_wgi"], w["hhi_wgi_high"]
    no_score = w["countries_without_wgi"].split(";") if w["countries_without_wgi"] else []
    no_score_share = w["share_without_wgi"] - b["remainder_share"] - b["unallocated_share"]
    hhi_frac = b["hhi_low"] / 10_000.0
    return dict(hhi_wgi=total, hhi_wgi_high=high, hhi=b["hhi_low"], hhi_high=b["hhi_high"],
                wgi_weighted_mean=total / hhi_frac if hhi_frac > 0 else np.nan,
                share_without_wgi=no_score_share + b["remainder_share"] + b["unallocated_share"],
                countries_without_wgi=";".join(no_score), withheld=";".join(b["withheld"]),
                missing_rule=rule, wgi_fill=fill, wgi_year=int(wgi_year))


def hhi_wgi(mineral: str, stage: str = "mine", year: int | None = None, source: str = "usgs", *,
            wgi_year: int = WGI_YEAR, missing: str = "median") -> pd.DataFrame:
    """Governance-weighted HHI of one mineral/stage: a one-row DataFrame.

    ``HHI_WGI = Σ_i (S_i)² × WGI_i`` (S_i fraction of world production, WGI_i on 0–10; result 0–10,
    EU scale). Production shares as in :func:`rexlib.metrics.concentration.concentration`
    (USGS MCS, or IEA 2023 with ``source='iea'``); WGI year ``wgi_year`` (2022, the latest).

    Columns: mineral_id, stage, year, source, vintage, hhi_wgi (lower bound, point value),
    hhi_wgi_high, hhi (0–10,000), wgi_weighted_mean (HHI_WGI / HHI-as-fraction: the
    concentration-weighted governance score, 0–10), share_without_wgi (%, includes the ``ROW``
    remainder), countries_without_wgi, withheld, missing_rule, wgi_fill, wgi_year, method, source_label.
    """
    series = _series(mineral, stage, year, source)
    wy = v.year("wgi_year", wgi_year, c.query("SELECT DISTINCT year FROM governance")["year"])
    res = hhi_wgi_of_shares(series.parts, wgi_year=wy, missing=missing)
    row = dict(mineral_id=series.mineral_id, stage=series.stage, year=series.year, source=series.source,
               vintage=series.vintage, **res, method=WGI_METHOD, source_label=series.label)
    return pd.DataFrame([row])


def governance_table(stage: str = "mine", year: int | None = None, *, wgi_year: int = WGI_YEAR,
                     missing: str = "median", critical: str | None = None) -> pd.DataFrame:
    """:func:`hhi_wgi` for every USGS mineral with ``stage`` (latest year each unless ``year``),
    sorted by ``hhi_wgi`` descending. Minerals without a USGS world total are skipped."""
    from .concentration import concentration_table
    base = concentration_table(stage, year, critical=critical)
    rows = []
    for rec in base.itertuples():
        rows.append(hhi_wgi(rec.mineral_id, rec.stage, rec.year, wgi_year=wgi_year, missing=missing))
    if not rows:
        return pd.DataFrame()
    return pd.concat(rows, ignore_index=True).sort_values("hhi_wgi", ascending=False).reset_index(drop=True)
