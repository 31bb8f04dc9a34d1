"""Pure formulas on shares (no data access, no rexlib imports): HHI with bounds, top producers,
China's share, governance-weighted HHI. Shares come from the share rule of :mod:`rexlib.etl.series`;
every concentration figure in rex is computed here, once.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

CHINA = "CHN"


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def hhi(shares_pct: Iterable[float]) -> float:
    """Herfindahl–Hirschman index ``Σ s_i²`` of shares in percent (0–10,000). Raises ``ValueError``
    for NaN, negative shares, or shares summing to more than 100.5: an unknown share must be
    bounded by the caller (see :func:`concentration_summary`), never treated as zero."""
    values = [float(s) for s in shares_pct]
    if any(math.isnan(s) for s in values):
        raise ValueError("hhi() got a NaN share: an unknown share must be bounded, not ignored")
    if any(s < 0 for s in values) or sum(values) > 100.5:
        raise ValueError(f"hhi() needs shares in percent, each >= 0, summing to <= 100 (sum {sum(values):.2f})")
    return float(min(sum(s * s for s in values), 10_000.0))


def concentration_summary(parts: list[tuple]) -> dict:
    """Concentration of one series from its parts ``(country, value, share_pct, known,
    is_remainder)`` (shares already follow the share rule, so they sum to at most ~100).

    * ``hhi_low = Σ s_i²`` over listed countries (joint labels count as one producer) — the
      remainder ``r`` ("other countries") and the unallocated ``u = max(0, 100 − Σ s_i − r)`` spread
      over infinitely many tiny producers; ``hhi_high = hhi_low + r² + u²`` (each one producer).
    * ``top1``/``top3_share``/``china_share`` from the same shares; China not listed -> 0 with flag
      ``china_not_listed``; withheld -> NaN with ``china_withheld``.
    """
    known = [p for p in parts if p[3] and not _nan(p[2])]
    listed = sorted((p for p in known if not p[4]), key=lambda p: (-p[2], str(p[0])))
    remainder = sum(p[2] for p in known if p[4])
    s = [max(p[2], 0.0) for p in listed]
    low = hhi(s) if sum(s) <= 100.5 else float(min(sum(x * x for x in s), 10_000.0))
    u = max(0.0, 100.0 - sum(s) - remainder)
    high = min(low + remainder ** 2 + u ** 2, 10_000.0)
    withheld = sorted(str(p[0]) for p in parts if not p[3])
    china = [p for p in parts if p[0] == CHINA]
    flags = []
    if remainder > 0 or u > 0.05:
        flags.append("hhi_is_lower_bound")
    if withheld:
        flags.append("withheld_values")
    if not china:
        china_share = 0.0
        flags.append("china_not_listed")
    elif not china[0][3]:
        china_share = float("nan")
        flags.append("china_withheld")
    else:
        china_share = float(china[0][2])
    top1 = listed[0] if listed else None
    return dict(hhi=low, hhi_low=low, hhi_high=high,
                top1_country=None if top1 is None else top1[0],
                top1_share=float("nan") if top1 is None else float(top1[2]),
                top3_share=float(sum(p[2] for p in listed[:3])) if listed else float("nan"),
                china_share=china_share, n_countries=sum(1 for p in listed if p[1] > 0),
                has_listed_producer=bool(listed), remainder_share=float(remainder), unallocated_share=float(u),
                withheld_countries=";".join(withheld), flags=flags)


def hhi_wgi(parts: list[tuple], scores: dict[str, float], fill: float | None,
            trade: dict[str, float] | None = None) -> dict:
    """Governance-weighted HHI on the EU scale (0–10): ``Σ (s_i/100)² × WGI_i`` over listed countries
    (``parts`` as for :func:`concentration_summary`; a joint label scores the mean of its parts);
    countries without a score get ``fill`` (None: no weight). ``hhi_wgi_high`` adds the remainder and
    the unallocated share as single producers scored ``fill``. ``trade``: the EU method's trade
    parameter ``t_i`` per country (default 1): ``HHI_WGI,t = Σ (s_i/100)² × WGI_i × t_i``."""
    trade = trade or {}
    known = [p for p in parts if p[3] and not _nan(p[2])]
    listed = [p for p in known if not p[4]]
    remainder = sum(p[2] for p in known if p[4])
    u = max(0.0, 100.0 - sum(max(p[2], 0.0) for p in listed) - remainder)
    total, missing, missing_share = 0.0, [], 0.0
    for country, _, share, _, _ in listed:
        codes = str(country).split("+")
        vals = [scores[c] for c in codes if c in scores]
        score = sum(vals) / len(vals) if vals and len(vals) == len(codes) else None
        if score is None:
            missing.append(str(country))
            missing_share += share
            score = fill
        if score is not None:
            total += (share / 100.0) ** 2 * score * float(trade.get(country, 1.0))
    high = total + ((remainder / 100.0) ** 2 + (u / 100.0) ** 2) * (fill or 0.0)
    return dict(hhi_wgi=total, hhi_wgi_high=high, share_without_wgi=missing_share + remainder + u,
                countries_without_wgi=";".join(missing))


def eu_supply_risk(hhi_wgi_gs, hhi_wgi_sourcing, ir, eol_rir=0.0, si_sr=1.0, ir_weight=0.5):
    """The EU method's supply risk (European Commission 2017) from its terms (numbers or aligned
    Series): ``[HHI_WGI,GS × IR × w + HHI_WGI,sourcing × (1 − IR × w)] × (1 − EoL_RIR) × SI_SR``
    with ``w = 0.5`` (the method's IR/2); IR and EoL_RIR as fractions."""
    return (hhi_wgi_gs * ir * ir_weight + hhi_wgi_sourcing * (1.0 - ir * ir_weight)) * (1.0 - eol_rir) * si_sr
